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

from onnx_export import export_classifier


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: export_resnet50.py OUT.onnx')
    out = sys.argv[1]
    torch.manual_seed(0)
    net = torchvision.models.resnet50(weights=None).eval()
    torch.save(net.state_dict(), os.path.splitext(out)[0] + '.pt')
    export_classifier(net, out)
    print(f'wrote {out} and {os.path.splitext(out)[0]}.pt')


if __name__ == '__main__':
    main()
