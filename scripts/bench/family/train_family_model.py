"""Trains one model of the mitigation benchmark family (scripts/bench/family/specs.mjs) and exports it to ONNX.

Two small architectures, trained end to end on the benchmark's BIASED train split (so the model learns the planted cue
beside the digit, as a model trained on biased data does), or, for a fitted-head member, on its pretrain/ split (ten
digit classes, cue independent of the digit) so the product fits a new head on the frozen features (paper section 3.2):
  cnn:    three conv-BN-ReLU blocks (32, 64, 64 channels, two max-pools), global average pool, Linear(64, C)
  resnet: a conv stem (24) and three residual basic blocks (24, 48 stride 2, 64 stride 2), global average pool, Linear(64, C)
Deterministic for a seed on one machine (seeded torch, deterministic algorithms, fixed thread count). Run with
Debian's PyTorch (the `python3` on PATH may have no torch):

    /usr/bin/python3 scripts/bench/family/train_family_model.py --data .bench/mitigation/stripes-3 --arch cnn \
        --epochs 6 --seed 11 --out .bench/mitigation/stripes-3/model/KEY.onnx [--pretrain]

Writes the .onnx (opset 13, input `input` N x 3 x S x S, output `logits`, graph ... -> GlobalAveragePool -> Flatten ->
Gemm) and its .card.json beside it, and prints validation accuracy with and without the cue.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

MEAN = [0.5, 0.5, 0.5]
STD = [0.25, 0.25, 0.25]


def load_folder(root, split, truth):
    classes = sorted(d for d in os.listdir(os.path.join(root, split)) if not d.startswith('.'))
    xs, ys, cues = [], [], []
    for ci, c in enumerate(classes):
        for name in sorted(os.listdir(os.path.join(root, split, c))):
            rel = f'{split}/{c}/{name}'
            with Image.open(os.path.join(root, rel)) as im:
                xs.append(np.asarray(im.convert('RGB'), dtype=np.uint8).transpose(2, 0, 1))
            ys.append(ci)
            cues.append(bool(truth['images'][rel]['cue']) if rel in truth['images'] else False)
    return classes, torch.from_numpy(np.stack(xs)), torch.tensor(ys), torch.tensor(cues)


def normalize(x):
    return (x.float() / 255.0 - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)


def cbr(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Basic(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = cbr(cin, cout, stride)
        self.b = nn.Sequential(nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout))
        self.skip = nn.Identity() if stride == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return F.relu(self.b(self.a(x)) + self.skip(x))


class Net(nn.Module):
    def __init__(self, arch, classes):
        super().__init__()
        if arch == 'cnn':
            self.body = nn.Sequential(cbr(3, 32), nn.MaxPool2d(2), cbr(32, 64), nn.MaxPool2d(2), cbr(64, 64))
        else:
            self.body = nn.Sequential(cbr(3, 24), Basic(24, 24, 1), Basic(24, 48, 2), Basic(48, 64, 2))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.body(x)), 1))


def shift(x, gen, s):
    n, _, h, w = x.shape
    padded = F.pad(x, (s, s, s, s), mode='reflect')
    dx = torch.randint(0, 2 * s + 1, (n,), generator=gen)
    dy = torch.randint(0, 2 * s + 1, (n,), generator=gen)
    return torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(normalize(x[i:i + 256])).argmax(1) for i in range(0, len(y), 256)]) == y


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--data', required=True)
    ap.add_argument('--out', required=True, help='path of the .onnx to write (the card goes beside it)')
    ap.add_argument('--arch', choices=['cnn', 'resnet'], required=True)
    ap.add_argument('--epochs', type=int, default=6)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--pretrain', action='store_true', help='train on pretrain/ (ten digits) instead of the biased train split')
    ap.add_argument('--lr', type=float, default=3e-3)
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--threads', type=int, default=2)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(args.threads)
    with open(os.path.join(args.data, 'ground-truth.json')) as f:
        truth = json.load(f)
    classes, xtr, ytr, ctr = load_folder(args.data, 'pretrain' if args.pretrain else 'train', truth)
    vclasses, xva, yva, cva = load_folder(args.data, 'val', truth)
    size = xtr.shape[-1]
    model = Net(args.arch, len(classes))
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps = args.epochs * ((len(ytr) + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps)
    gen = torch.Generator().manual_seed(args.seed)
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(ytr), generator=gen)
        total = 0.0
        for i in range(0, len(ytr), args.batch):
            idx = perm[i:i + args.batch]
            loss = F.cross_entropy(model(shift(normalize(xtr[idx]), gen, max(1, size // 16))), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        print(f'epoch {epoch + 1}/{args.epochs}: loss {total / len(ytr):.3f}, {time.time() - t0:.0f} s', flush=True)
    if not args.pretrain:
        ok = accuracy(model, xva, yva)
        print(f'val accuracy {ok.float().mean() * 100:.1f}%: with cue {ok[cva].float().mean() * 100:.1f}%, without {ok[~cva].float().mean() * 100:.1f}%')
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    model.eval()
    tmp = args.out + '.part'
    torch.onnx.export(model, torch.zeros(1, 3, size, size), tmp, opset_version=13, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, do_constant_folding=True)
    card = {
        'name': f'family {args.arch} ({os.path.basename(os.path.normpath(args.data))}, seed {args.seed})',
        'preprocess': {'resize': size, 'crop': size, 'mean': MEAN, 'std': STD},
        'labels': classes,
        'provenance': f'scripts/bench/family/train_family_model.py (torch {torch.__version__}, seed {args.seed}, {args.epochs} epochs, '
                      f'{"pretrain/" if args.pretrain else "biased train/"} split of {args.data})',
    }
    with open(args.out[:-5] + '.card.json', 'w') as f:
        json.dump(card, f, indent=2)
    os.replace(tmp, args.out)
    print(f'wrote {args.out} in {time.time() - t0:.0f} s')


if __name__ == '__main__':
    main()
