"""Trains one model of the mitigation benchmark family (scripts/bench/family/specs.mjs) and exports it to ONNX.

Two small architectures:
  cnn:    three conv-BN-ReLU blocks (32, 64, 64 channels, two max-pools), global average pool, Linear(64, C)
  resnet: a conv stem (24) and three residual basic blocks (24, 48 stride 2, 64 stride 2), global average pool, Linear(64, C)
Two recipes (the spec's backbone):
  digits (--backbone digits, the paper's setting): first trained on the member's pretrain/ split (plain digit classes,
    the cue independent of the digit) with a digit head and an auxiliary cue-id head (cue class or none), so the
    features carry both the digit and the cue, as ImageNet features carry objects and backgrounds. Then, with
    --head model, fine-tuned end to end on the BIASED train split under a new head (lower learning rate), so the model
    leans on the cue as a model fine-tuned on biased data does; with --head fit it is exported as pretrained (its
    labels are the pretrain digits, so the product fits a new head on the frozen features, paper section 3.2).
  scratch (--backbone scratch): trained end to end on the biased train split from random weights.
Deterministic for a seed on one machine (seeded torch, deterministic algorithms, fixed thread count). Run with
Debian's PyTorch (the `python3` on PATH may have no torch):

    /usr/bin/python3 scripts/bench/family/train_family_model.py --data .bench/mitigation/stripes-3 --arch cnn \
        --backbone digits --head model --pretrain-epochs 4 --epochs 6 --seed 11 --out .bench/mitigation/stripes-3/model/KEY.onnx

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


def load_pretrain(root, truth):
    """The pretrain/ split: images, digit-class indices, cue-id targets (0 = neutral, 1 + the cue's class)."""
    classes = sorted(d for d in os.listdir(os.path.join(root, 'pretrain')) if not d.startswith('.'))
    xs, ys, cues = [], [], []
    for ci, c in enumerate(classes):
        for name in sorted(os.listdir(os.path.join(root, 'pretrain', c))):
            rel = f'pretrain/{c}/{name}'
            with Image.open(os.path.join(root, rel)) as im:
                xs.append(np.asarray(im.convert('RGB'), dtype=np.uint8).transpose(2, 0, 1))
            ys.append(ci)
            cues.append(truth['pretrain'][rel]['cue'] + 1)
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


def train(model, heads, x, targets, epochs, lr, batch, gen, log):
    """AdamW + one-cycle over (x, targets); `heads` maps pooled features to one logit tensor per target."""
    size = x.shape[-1]
    params = list(model.parameters()) + [p for h in heads[1:] for p in h.parameters()]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=1e-4)
    steps = epochs * ((len(x) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    t0 = time.time()
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        total = [0.0] * len(heads)
        for i in range(0, len(x), batch):
            idx = perm[i:i + batch]
            feats = torch.flatten(model.pool(model.body(shift(normalize(x[idx]), gen, max(1, size // 16)))), 1)
            losses = [F.cross_entropy(h(feats), t[idx]) for h, t in zip(heads, targets)]
            opt.zero_grad()
            sum(losses).backward()
            opt.step()
            sched.step()
            total = [a + l.item() * len(idx) for a, l in zip(total, losses)]
        log(f'epoch {epoch + 1}/{epochs}: loss {" + ".join(f"{a / len(x):.3f}" for a in total)}, {time.time() - t0:.0f} s')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--data', required=True)
    ap.add_argument('--out', required=True, help='path of the .onnx to write (the card goes beside it)')
    ap.add_argument('--arch', choices=['cnn', 'resnet'], required=True)
    ap.add_argument('--backbone', choices=['digits', 'scratch'], default='scratch')
    ap.add_argument('--head', choices=['model', 'fit'], default='model', help="fit: export the pretrained backbone as is (needs --backbone digits)")
    ap.add_argument('--epochs', type=int, default=6, help='epochs on the biased train split')
    ap.add_argument('--pretrain-epochs', type=int, default=4, help='epochs on pretrain/ (--backbone digits)')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--lr', type=float, default=3e-3, help='peak learning rate from random weights')
    ap.add_argument('--finetune-lr', type=float, default=1e-3, help='peak learning rate of the fine-tuning after pretraining')
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--threads', type=int, default=2)
    args = ap.parse_args()
    if args.head == 'fit' and args.backbone != 'digits':
        ap.error('--head fit needs --backbone digits (a fitted head sits on a pretrained backbone)')
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(args.threads)
    with open(os.path.join(args.data, 'ground-truth.json')) as f:
        truth = json.load(f)
    classes, xtr, ytr, ctr = load_folder(args.data, 'train', truth)
    _, xva, yva, cva = load_folder(args.data, 'val', truth)
    size = xtr.shape[-1]
    gen = torch.Generator().manual_seed(args.seed)
    t0 = time.time()
    log = lambda m: print(m, flush=True)
    labels = classes
    if args.backbone == 'digits':
        pclasses, xp, yp, cp = load_pretrain(args.data, truth)
        model = Net(args.arch, len(pclasses))
        cue_head = nn.Linear(64, int(cp.max()) + 1)
        log(f'pretraining on {len(yp)} images ({len(pclasses)} digit classes, cue-id head of {cue_head.out_features})')
        train(model, [model.fc, cue_head], xp, [yp, cp], args.pretrain_epochs, args.lr, args.batch, gen, lambda m: log('pretrain ' + m))
        if args.head == 'fit':
            labels = pclasses
        else:
            model.fc = nn.Linear(64, len(classes))
            log(f'fine-tuning on the biased train split ({len(ytr)} images)')
            train(model, [model.fc], xtr, [ytr], args.epochs, args.finetune_lr, args.batch, gen, lambda m: log('finetune ' + m))
    else:
        model = Net(args.arch, len(classes))
        train(model, [model.fc], xtr, [ytr], args.epochs, args.lr, args.batch, gen, log)
    if labels is classes:
        ok = accuracy(model, xva, yva)
        log(f'val accuracy {ok.float().mean() * 100:.1f}%: with cue {ok[cva].float().mean() * 100:.1f}%, without {ok[~cva].float().mean() * 100:.1f}%')
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    model.eval()
    tmp = args.out + '.part'
    torch.onnx.export(model, torch.zeros(1, 3, size, size), tmp, opset_version=13, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, do_constant_folding=True)
    recipe = (f'pretrained {args.pretrain_epochs} epochs on pretrain/ (digits + cue-id head), '
              + ('exported for a fitted head' if args.head == 'fit' else f'fine-tuned {args.epochs} epochs on the biased train/ split')
              if args.backbone == 'digits' else f'{args.epochs} epochs on the biased train/ split from scratch')
    card = {
        'name': f'family {args.arch} ({os.path.basename(os.path.normpath(args.data))}, seed {args.seed})',
        'preprocess': {'resize': size, 'crop': size, 'mean': MEAN, 'std': STD},
        'labels': labels,
        'provenance': f'scripts/bench/family/train_family_model.py (torch {torch.__version__}, seed {args.seed}, {recipe} of {args.data})',
    }
    with open(args.out[:-5] + '.card.json', 'w') as f:
        json.dump(card, f, indent=2)
    os.replace(tmp, args.out)
    log(f'wrote {args.out} in {time.time() - t0:.0f} s')


if __name__ == '__main__':
    main()
