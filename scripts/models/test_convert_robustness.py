"""Builds a fake robustness-library checkpoint (random ResNet-50, random normaliser, the library's key
layout including the attacker's duplicates), converts it with convert_robustness.py, and writes a fixed
input with PyTorch's outputs so a Node test can check ONNX Runtime reproduces them.

Usage: /usr/bin/python3 scripts/models/test_convert_robustness.py OUTDIR

Writes OUTDIR/model.onnx (via a temporary OUTDIR/ckpt.pt), model.card.json, input.bin (2 x 3 x 224 x 224 in [0, 1]),
pooled.bin (2 x 2048), logits.bin (2 x 1000), meta.json (shapes; all .bin are little-endian float32).
"""
import json
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convert_robustness  # noqa: E402


def calibrated_resnet50():
    """Random ResNet-50 whose BatchNorm statistics come from data, so activations stay O(1) like a trained net's."""
    net = torchvision.models.resnet50(weights=None)
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.momentum = None  # cumulative average over the calibration batches
        if isinstance(m, torchvision.models.resnet.Bottleneck):
            # Damp each residual branch so 16 blocks of sums do not grow features into the thousands,
            # where float32 rounding alone exceeds the test's absolute tolerance.
            torch.nn.init.constant_(m.bn3.weight, 0.2)
    net.train()
    with torch.no_grad():
        for _ in range(2):
            net(torch.rand(4, 3, 224, 224))
    return net.eval()


def main():
    out = sys.argv[1] if len(sys.argv) == 2 else sys.exit(__doc__)
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(1)
    net = calibrated_resnet50()
    mean = torch.rand(3, 1, 1) * 0.2 + 0.4
    std = torch.rand(3, 1, 1) * 0.1 + 0.2
    sd = {}
    for k, v in net.state_dict().items():
        sd['module.model.' + k] = v
        sd['module.attacker.model.' + k] = v
    for prefix in ('module.normalizer.', 'module.attacker.normalize.'):
        sd[prefix + 'new_mean'] = mean
        sd[prefix + 'new_std'] = std
    ckpt = os.path.join(out, 'ckpt.pt')
    torch.save({'model': sd, 'optimizer': None, 'schedule': None, 'epoch': 7}, ckpt)

    convert_robustness.main([ckpt, os.path.join(out, 'model.onnx'), '--arch', 'resnet50', '--card'])

    meta = {}

    def dump(name, t):
        a = t.detach().contiguous().numpy().astype('<f4')
        a.tofile(os.path.join(out, name))
        meta[name] = list(a.shape)

    with torch.no_grad():
        x = torch.rand(2, 3, 224, 224)
        z = (x - mean) / std  # what the library's InputNormalize feeds the network
        trunk = torch.nn.Sequential(*list(net.children())[:-1])
        dump('input.bin', x)
        dump('pooled.bin', torch.flatten(trunk(z), 1))
        dump('logits.bin', net(z))
        dump('mean.bin', mean.flatten())
        dump('std.bin', std.flatten())
    with open(os.path.join(out, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    os.remove(ckpt)  # 100 MB that nothing reads after conversion


if __name__ == '__main__':
    main()
