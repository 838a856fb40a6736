"""Builds the ONNX test fixtures for the model adapter (random weights, no downloads).

Usage: /usr/bin/python3 scripts/models/make_fixture_resnet18.py OUTDIR

Writes into OUTDIR:
  resnet18.onnx            torchvision resnet18, seeded random init, eval mode, opset 13, dynamic batch
  resnet18.input.bin       a seeded input batch, float32 N x 3 x 224 x 224
  resnet18.pooled.bin      PyTorch's penultimate features (avgpool + flatten), N x 512
  resnet18.logits.bin      PyTorch's logits, N x 1000
  resnet18.fc_weight.bin   fc.weight, 1000 x 512;  resnet18.fc_bias.bin  fc.bias, 1000
  timm_tiny.*              a tiny net pooled by x.mean((2, 3)) (ReduceMean) with head x @ W.T + b (MatMul + Add)
  softmax_tiny.*           a tiny net whose graph output is Softmax(Linear(...))
  nohead.onnx              a tiny net with no linear head (the adapter must refuse it)
  meta.json                for every .bin: its shape (all files are little-endian float32, C order)
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torchvision

BATCH = 2


class TimmTiny(nn.Module):
    """Pooling and head written the way timm exports them: ReduceMean over (2, 3), then MatMul + Add."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.w = nn.Parameter(torch.randn(5, 16) * 0.3)
        self.b = nn.Parameter(torch.randn(5) * 0.1)

    def forward(self, x):
        x = torch.relu(self.conv2(torch.relu(self.conv1(x))))
        x = x.mean((2, 3))
        return x @ self.w.t() + self.b


class SoftmaxTiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, stride=2, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(6, 4)

    def forward(self, x):
        x = torch.flatten(self.pool(torch.relu(self.conv(x))), 1)
        return torch.softmax(self.fc(x), dim=1)


class NoHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, stride=2, padding=1)

    def forward(self, x):
        return torch.relu(self.conv(x)).mean((2, 3))


def export(model, x, path):
    torch.onnx.export(
        model, x, path, opset_version=13, input_names=['input'], output_names=['logits'],
        dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, do_constant_folding=True)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    meta = {}

    def dump(name, t):
        a = t.detach().cpu().contiguous().numpy().astype('<f4')
        a.tofile(os.path.join(out, name))
        meta[name] = list(a.shape)

    with torch.no_grad():
        net = torchvision.models.resnet18(weights=None).eval()
        # Random init leaves BN at identity statistics; perturb them so BN folding is exercised.
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
        x = torch.randn(BATCH, 3, 224, 224)
        trunk = nn.Sequential(*list(net.children())[:-1])
        pooled = torch.flatten(trunk(x), 1)
        logits = net(x)
        export(net, x, os.path.join(out, 'resnet18.onnx'))
        dump('resnet18.input.bin', x)
        dump('resnet18.pooled.bin', pooled)
        dump('resnet18.logits.bin', logits)
        dump('resnet18.fc_weight.bin', net.fc.weight)
        dump('resnet18.fc_bias.bin', net.fc.bias)

        tiny = TimmTiny().eval()
        xt = torch.randn(BATCH, 3, 32, 32)
        export(tiny, xt, os.path.join(out, 'timm_tiny.onnx'))
        dump('timm_tiny.input.bin', xt)
        dump('timm_tiny.logits.bin', tiny(xt))
        dump('timm_tiny.fc_weight.bin', tiny.w)
        dump('timm_tiny.fc_bias.bin', tiny.b)

        sm = SoftmaxTiny().eval()
        export(sm, xt, os.path.join(out, 'softmax_tiny.onnx'))
        dump('softmax_tiny.input.bin', xt)
        dump('softmax_tiny.logits.bin', sm.fc(torch.flatten(sm.pool(torch.relu(sm.conv(xt))), 1)))

        export(NoHead().eval(), xt, os.path.join(out, 'nohead.onnx'))

    with open(os.path.join(out, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=1)


if __name__ == '__main__':
    main()
