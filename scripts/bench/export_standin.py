"""Exports a cheap stand-in with ResNet-50's outputs (2,048 pooled features, 1,000 classes) for memory scaling runs.

Usage: /usr/bin/python3 scripts/bench/export_standin.py OUT.onnx

A 1x1 convolution with stride 32 (3 -> 2048 channels on a 7x7 grid), ReLU, global average pooling, flatten
and a 2048 -> 1000 linear head: the same graph tail, feature size and class count as ResNet-50, so the
extraction pipeline and the feature cache handle exactly the same row sizes, at a small fraction of the
inference cost. Seeded random weights; no downloads. bench/run.mjs uses it for `--scale-model standin`.
"""
import sys

import torch

from onnx_export import export_classifier


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: export_standin.py OUT.onnx')
    out = sys.argv[1]
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 2048, kernel_size=1, stride=32),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(1),
        torch.nn.Linear(2048, 1000),
    ).eval()
    export_classifier(net, out)
    print(f'wrote {out}')


if __name__ == '__main__':
    main()
