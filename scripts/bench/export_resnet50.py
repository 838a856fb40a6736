"""Exports the benchmark's ResNet-50 (torchvision architecture, seeded random weights) to ONNX.

Usage: /usr/bin/python3 scripts/bench/export_resnet50.py OUT.onnx

Writes OUT.onnx (opset 13, dynamic batch, input 'input', output 'logits') and OUT.pt (the state dict),
so the PyTorch reference (reference_pytorch.py) runs exactly the same weights. Random weights cost the
same to run as trained ones; the benchmark measures speed, not accuracy. No downloads.
"""
import os
import sys

import torch
import torchvision


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: export_resnet50.py OUT.onnx')
    out = sys.argv[1]
    torch.manual_seed(0)
    net = torchvision.models.resnet50(weights=None).eval()
    x = torch.rand(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    tmp = out + '.tmp'
    with torch.no_grad():
        torch.onnx.export(
            net, x, tmp, opset_version=13, input_names=['input'], output_names=['logits'],
            dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, do_constant_folding=True)
    torch.save(net.state_dict(), os.path.splitext(out)[0] + '.pt')
    os.replace(tmp, out)
    print(f'wrote {out} and {os.path.splitext(out)[0]}.pt')


if __name__ == '__main__':
    main()
