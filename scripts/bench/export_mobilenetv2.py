"""Exports the int8 fidelity benchmark's second architecture: torchvision MobileNetV2, seeded random weights.

Usage: /usr/bin/python3 scripts/bench/export_mobilenetv2.py OUT.onnx IMAGES_DIR

Random weights with BatchNorm's default statistics (mean 0, variance 1) give activations no trained network has
(they grow or vanish from block to block), which would misstate how int8 ranges behave. So, without any gradient
step, BatchNorm statistics are re-estimated on 256 training images of IMAGES_DIR (ImageFolder, Resize 256,
CenterCrop 224, ImageNet normalisation; cumulative average, momentum None). Depthwise convolutions, ReLU6 (Clip)
and linear residual Adds are what this model adds to the quantizer's tests beside ResNet-50. No downloads.
Writes OUT.onnx (opset 13, dynamic batch, input 'input', output 'logits').
"""
import os
import sys

import torch
import torchvision
from torchvision import transforms

from onnx_export import export_classifier


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: export_mobilenetv2.py OUT.onnx IMAGES_DIR')
    out, images = sys.argv[1], sys.argv[2]
    torch.manual_seed(0)
    torch.set_num_threads(2)
    net = torchvision.models.mobilenet_v2(weights=None)
    tf = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
                             transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    ds = torchvision.datasets.ImageFolder(os.path.join(images, 'train'), transform=tf)
    g = torch.Generator().manual_seed(2)
    idx = torch.randperm(len(ds), generator=g)[:256].tolist()
    loader = torch.utils.data.DataLoader(torch.utils.data.Subset(ds, idx), batch_size=32)
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
    net.train()
    with torch.no_grad():
        for x, _ in loader:
            net(x)
    net.eval()
    export_classifier(net, out)
    print(f'wrote {out} (BatchNorm statistics from {len(idx)} images of {images}/train)')


if __name__ == '__main__':
    main()
