#!/usr/bin/python3
"""Trains the demo's foreground segmenter: a small fully convolutional net that, given a 64x64 demo image, outputs the
probability per pixel that it belongs to the digit. Targets are the demo generator's masks/ (the MNIST ink grown by
2 px); training uses the first 100 train images per class only, so the val images stay unseen. Seeded and deterministic on CPU.

    node scripts/demo/generate-dataset.mjs                 # demo-data/spurious-mnist with masks/
    /usr/bin/python3 scripts/models/train_demo_segmenter.py  # writes models/segmenter/digit-segmenter.onnx + .card.json

Input `input` (N x 3 x 64 x 64, the classifier's preprocessing: [0, 1] then mean 0.5 / std 0.25), output
`foreground` (N x 1 x 64 x 64, sigmoid probabilities).
"""
import json
import os
import random
import sys
import time

import numpy as np
import torch
from PIL import Image

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')
DATA = os.path.join(ROOT, 'demo-data', 'spurious-mnist')
OUT = os.path.join(ROOT, 'models', 'segmenter', 'digit-segmenter')
SEED, EPOCHS, BATCH, LR, TRAIN_PER_CLASS = 0, 3, 32, 1e-2, 100


def load(split, per_class=None):
    xs, ys = [], []
    base = os.path.join(DATA, split)
    for cls in sorted(os.listdir(base)):
        for name in sorted(os.listdir(os.path.join(base, cls)))[:per_class]:
            img = np.asarray(Image.open(os.path.join(base, cls, name)).convert('RGB'), dtype=np.float32) / 255.0
            mask = np.asarray(Image.open(os.path.join(DATA, 'masks', split, cls, name)).convert('L'), dtype=np.float32) / 255.0
            xs.append(((img - 0.5) / 0.25).transpose(2, 0, 1))
            ys.append(mask[None])
    return torch.tensor(np.stack(xs)), torch.tensor(np.stack(ys))


class Segmenter(torch.nn.Module):
    """Dilated 3x3 convolutions (receptive field 15 px) at full resolution, then a 1x1 to one logit per pixel."""

    def __init__(self, width=8):
        super().__init__()
        layers, c = [], 3
        for d in (1, 2, 4):
            layers += [torch.nn.Conv2d(c, width, 3, padding=d, dilation=d), torch.nn.ReLU()]
            c = width
        layers += [torch.nn.Conv2d(c, 1, 1)]
        self.net = torch.nn.Sequential(*layers)

    def forward(self, x):
        return torch.sigmoid(self.net(x))


def main():
    if not os.path.exists(os.path.join(DATA, 'masks', '.done')):
        sys.exit(f'{DATA}/masks is missing: run node scripts/demo/generate-dataset.mjs first')
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    t0 = time.time()
    x, y = load('train', TRAIN_PER_CLASS)
    xv, yv = load('val')
    model = Segmenter()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    g = torch.Generator().manual_seed(SEED)
    for epoch in range(EPOCHS):
        perm = torch.randperm(len(x), generator=g)
        total = 0.0
        for i in range(0, len(x), BATCH):
            idx = perm[i:i + BATCH]
            loss = torch.nn.functional.binary_cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        print(f'epoch {epoch + 1}: train BCE {total / len(x):.4f}', flush=True)
    model.eval()
    with torch.no_grad():
        pv = model(xv)
        bce = torch.nn.functional.binary_cross_entropy(pv, yv).item()
        hard, truth = pv > 0.5, yv > 0.5
        iou = ((hard & truth).sum() / (hard | truth).sum()).item()
    print(f'val: BCE {bce:.4f}, IoU at 0.5 {iou:.3f} ({time.time() - t0:.0f} s)')
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    torch.onnx.export(model, torch.zeros(1, 3, 64, 64), OUT + '.onnx', input_names=['input'], output_names=['foreground'],
                      dynamic_axes={'input': {0: 'n'}, 'foreground': {0: 'n'}}, opset_version=13, do_constant_folding=True)
    card = {
        'name': 'digit-segmenter (spurious-mnist demo foreground segmenter)',
        'kind': 'segmenter',
        'preprocess': {'resize': 64, 'crop': 64, 'mean': [0.5, 0.5, 0.5], 'std': [0.25, 0.25, 0.25]},
        'input': 'input',
        'output': 'foreground',
        'provenance': (f'Built by scripts/models/train_demo_segmenter.py (torch {torch.__version__}, seed {SEED}): 3 dilated 3x3 convolutions '
                       f'(8 channels, dilations 1-2-4) and a 1x1 to a sigmoid per pixel, trained {EPOCHS} epochs (Adam lr {LR}, batch {BATCH}, '
                       f'binary cross-entropy) on the first {TRAIN_PER_CLASS} train images per class of spurious-mnist/1 (seed 1) against its masks/ (MNIST ink grown 2 px). '
                       f'Validation (500 unseen images): BCE {bce:.4f}, IoU {iou:.3f} at threshold 0.5.'),
    }
    with open(OUT + '.card.json', 'w') as f:
        json.dump(card, f, indent=2)
        f.write('\n')
    print(f'wrote {OUT}.onnx ({os.path.getsize(OUT + ".onnx")} bytes) and {OUT}.card.json')


if __name__ == '__main__':
    main()
