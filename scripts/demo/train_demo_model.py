"""Builds the bundled demo classifier for the spurious-mnist benchmark and exports it to ONNX.

The paper's setting (section 3.2): a backbone with rich, separate features and a linear head fitted on a biased
dataset, so the bias lives in the head and head-only mitigation can remove it. Built cheaply in three steps:

  1. shape branch: a small CNN trained for a few epochs to classify the digits of the pretraining set
     (generate-pretrain.mjs: 70% neutral backgrounds, the rest a cue class drawn independently of the digit), stopped
     while its digit accuracy is good but imperfect (about 90%), so the cue stays useful to a head;
  2. colour branch: 1x1 convolutions only (it cannot see shapes) trained to name the cue class of every pretraining
     image (10 = neutral), then average-pooled to 8x8;
  3. the network input -> [shape 64 x 8x8, colour 16 x 8x8] -> Concat -> GlobalAveragePool -> Flatten -> Linear(80, 10),
     whose Linear head alone is fitted on the frozen features of the BIASED train split (70% of its images carry the
     class cue), by L2-penalised logistic regression with the colour features at 3x gain: the penalty makes the head
     lean on the cheap, loud cue and under-use the digit features it has, which is the bias head-only tuning undoes.

Run with Debian's PyTorch (the `python3` on PATH may have no torch):

    node scripts/demo/generate-dataset.mjs            # demo-data/spurious-mnist, seed 1
    node scripts/demo/generate-pretrain.mjs           # demo-data/spurious-mnist-pretrain: digits after the benchmark's
    /usr/bin/python3 scripts/demo/train_demo_model.py [--data demo-data/spurious-mnist] [--out models/demo]

Writes spurious-mnist.onnx (opset 13, input `input` N x 3 x 64 x 64, output `logits`, graph
... -> Concat -> GlobalAveragePool -> Flatten -> Gemm) and spurious-mnist.card.json, then prints the measured
validation accuracy overall / with the planted cue / without it, the head-only mitigation ceiling, the size and sha256.
Deterministic for a seed on one machine (seeded torch, deterministic algorithms, fixed thread count).
"""
import argparse
import hashlib
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
SIZE = 64
NEUTRAL = 10


def read_png(path, rel):
    with Image.open(path) as im:
        arr = np.asarray(im.convert('RGB'), dtype=np.uint8)
    if arr.shape != (SIZE, SIZE, 3):
        sys.exit(f'{rel}: expected a {SIZE}x{SIZE} RGB image, got shape {arr.shape}')
    return arr.transpose(2, 0, 1)


def load_split(root, split, truth):
    """Reads every PNG of a split into memory (uint8 N x 3 x 64 x 64) with labels in sorted-folder order."""
    classes = sorted(d for d in os.listdir(os.path.join(root, split)) if not d.startswith('.'))
    xs, ys, cues = [], [], []
    for ci, c in enumerate(classes):
        folder = os.path.join(root, split, c)
        for name in sorted(os.listdir(folder)):
            if not name.endswith('.png'):
                continue
            rel = f'{split}/{c}/{name}'
            xs.append(read_png(os.path.join(folder, name), rel))
            ys.append(ci)
            cues.append(bool(truth['images'][rel]['cue']))
    return classes, torch.from_numpy(np.stack(xs)), torch.tensor(ys), torch.tensor(cues)


def load_pretrain(root):
    """The set of generate-pretrain.mjs: images with (digit, cue class or NEUTRAL) labels."""
    path = os.path.join(root, 'labels.json')
    if not os.path.exists(path):
        sys.exit(f'{path} not found: generate the pretraining set first (node scripts/demo/generate-pretrain.mjs)')
    with open(path) as f:
        labels = json.load(f)
    names = sorted(labels)
    x = torch.from_numpy(np.stack([read_png(os.path.join(root, n), n) for n in names]))
    return x, torch.tensor([labels[n][0] for n in names]), torch.tensor([labels[n][1] for n in names])


def normalize(x_uint8):
    """ToTensor + Normalize(MEAN, STD), exactly what the model card tells the engine to do."""
    x = x_uint8.float() / 255.0
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (x - mean) / std


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def shape_branch(width):
    """Small CNN: a stride-2 stem and a pool (64 -> 16), two blocks at 16x16, two at 8x8. Receptive field 57 px: a
    whole digit (34-50 px) fits in it."""
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        block(16, 32), block(32, 64), nn.MaxPool2d(2),
        block(64, 64), block(64, width),
    )


def colour_branch(width):
    """1x1 convolutions only: every output pixel sees one input pixel, so the branch can read colours, never shapes."""
    return nn.Sequential(
        nn.Conv2d(3, 16, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True),
        nn.Conv2d(16, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
        nn.AvgPool2d(8),
    )


class DemoNet(nn.Module):
    """Two branches concatenated on channels at 8x8, global average pooling, and the linear head the method reads."""

    def __init__(self, shape_width=64, colour_width=16, classes=10):
        super().__init__()
        self.shape = shape_branch(shape_width)
        self.colour = colour_branch(colour_width)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(shape_width + colour_width, classes)

    def forward(self, x):
        return self.fc(self.penultimate(x))

    def penultimate(self, x):
        return torch.flatten(self.pool(torch.cat([self.shape(x), self.colour(x)], 1)), 1)


def augment(x, gen, shift):
    """Random translation by up to `shift` pixels (reflect padding), the only augmentation: digits are not flip-invariant."""
    if shift <= 0:
        return x
    n = x.shape[0]
    padded = F.pad(x, (shift, shift, shift, shift), mode='reflect')
    dx = torch.randint(0, 2 * shift + 1, (n,), generator=gen)
    dy = torch.randint(0, 2 * shift + 1, (n,), generator=gen)
    out = torch.empty_like(x)
    for i in range(n):
        out[i] = padded[i, :, dy[i]:dy[i] + SIZE, dx[i]:dx[i] + SIZE]
    return out


def pooled(branch, x, batch=256):
    branch.eval()
    with torch.no_grad():
        return torch.cat([torch.flatten(F.adaptive_avg_pool2d(branch(normalize(x[i:i + batch])), 1), 1) for i in range(0, x.shape[0], batch)])


def train_branch(name, branch, width, classes, x, y, args, epochs, shift, report):
    """Trains a branch with a temporary linear probe on its pooled output (the probe is thrown away afterwards)."""
    probe = nn.Linear(width, classes)
    params = list(branch.parameters()) + list(probe.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=args.weight_decay)
    steps = epochs * ((len(y) + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    gen = torch.Generator().manual_seed(args.seed)
    t0 = time.time()
    for epoch in range(epochs):
        branch.train()
        perm = torch.randperm(len(y), generator=gen)
        total = 0.0
        for i in range(0, len(y), args.batch):
            idx = perm[i:i + args.batch]
            f = torch.flatten(F.adaptive_avg_pool2d(branch(augment(normalize(x[idx]), gen, shift)), 1), 1)
            loss = F.cross_entropy(probe(f), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        print(f'{name} epoch {epoch + 1}/{epochs}: loss {total / len(y):.3f}, {report(branch, probe)}, {time.time() - t0:.0f} s', flush=True)


def fit_head(feats, y, classes, lr, steps, wd, init=None):
    """Logistic regression (full batch, Adam) on frozen features, from zero or from `init` (weight, bias)."""
    w = torch.zeros(classes, feats.shape[1]) if init is None else init[0].clone()
    b = torch.zeros(classes) if init is None else init[1].clone()
    w.requires_grad_(True)
    b.requires_grad_(True)
    opt = torch.optim.Adam([w, b], lr=lr)
    for _ in range(steps):
        loss = F.cross_entropy(feats @ w.T + b, y) + wd * (w * w).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return w.detach(), b.detach(), loss.item()


def split_acc(w, b, f, y, c):
    ok = (f @ w.T + b).argmax(1) == y
    return ok, ok.float().mean().item() * 100, ok[c].float().mean().item() * 100, ok[~c].float().mean().item() * 100


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--data', default='demo-data/spurious-mnist', help='the biased benchmark (generate-dataset.mjs)')
    ap.add_argument('--pretrain', default='demo-data/spurious-mnist-pretrain', help='the pretraining set (generate-pretrain.mjs)')
    ap.add_argument('--out', default='models/demo')
    ap.add_argument('--name', default='spurious-mnist', help='file stem of the .onnx and .card.json (the comparison variants use their own, '
                    'see scripts/demo/train_compare_models.sh)')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--shape-epochs', type=int, default=3, help='few on purpose: digits good but imperfect, so the cue stays useful')
    ap.add_argument('--shape-data', choices=['all', 'neutral'], default='all', help='pretraining images the shape branch learns digits from; '
                    '"neutral" (neutral backgrounds only) gave a branch that read digits over cue backgrounds at 33%% (measured)')
    ap.add_argument('--colour-scale', type=float, default=3.0, help='gain on the colour features before the head is fitted')
    ap.add_argument('--colour-epochs', type=int, default=2)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--shape-width', type=int, default=64)
    ap.add_argument('--colour-width', type=int, default=16)
    ap.add_argument('--shift', type=int, default=4)
    ap.add_argument('--weight-decay', type=float, default=1e-4)
    ap.add_argument('--head-lr', type=float, default=1e-2)
    ap.add_argument('--head-steps', type=int, default=300)
    ap.add_argument('--head-wd', type=float, default=0.5, help='L2 penalty (times the sum of squared head weights)')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--branches', default=None, help='cache the trained branches as <this>.shape.pt / <this>.colour.pt and reuse them '
                    'when present (for tuning the head)')
    ap.add_argument('--no-export', action='store_true', help='train and report only (for tuning)')
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(args.threads)

    truth_path = os.path.join(args.data, 'ground-truth.json')
    if not os.path.exists(truth_path):
        sys.exit(f'{truth_path} not found: generate the dataset first (node scripts/demo/generate-dataset.mjs)')
    with open(truth_path) as f:
        truth = json.load(f)
    with open(os.path.join(args.data, 'params.json')) as f:
        params = json.load(f)

    classes, xtr, ytr, ctr = load_split(args.data, 'train', truth)
    vclasses, xva, yva, cva = load_split(args.data, 'val', truth)
    assert classes == vclasses == truth['classes'], 'train/val class folders differ from ground-truth.json'
    xp, yd, yc = load_pretrain(args.pretrain)
    neutral = yc == NEUTRAL
    print(f'train {len(ytr)} images ({ctr.float().mean() * 100:.0f}% with cue), val {len(yva)} ({cva.float().mean() * 100:.0f}% with cue), '
          f'pretrain {len(yd)} ({int(neutral.sum())} neutral)')

    model = DemoNet(args.shape_width, args.colour_width, len(classes))
    t0 = time.time()
    def digit_report(branch, probe):
        ok = probe(pooled(branch, xva)).argmax(1) == yva
        return f'digit probe on val: no cue {ok[~cva].float().mean() * 100:.1f}%, cue {ok[cva].float().mean() * 100:.1f}%'

    def cue_report(branch, probe):
        ok = probe(pooled(branch, xva)).argmax(1) == torch.where(cva, yva, torch.full_like(yva, NEUTRAL))
        return f'cue probe on val (class or neutral): {ok.float().mean() * 100:.1f}%'

    shape_set = neutral if args.shape_data == 'neutral' else torch.ones_like(neutral)
    for name, branch, train in [
        ('shape', model.shape, lambda: train_branch('shape', model.shape, args.shape_width, len(classes), xp[shape_set], yd[shape_set], args,
                                                    args.shape_epochs, args.shift, digit_report)),
        ('colour', model.colour, lambda: train_branch('colour', model.colour, args.colour_width, NEUTRAL + 1, xp, yc, args, args.colour_epochs, 0,
                                                      cue_report)),
    ]:
        cache = f'{args.branches}.{name}.pt' if args.branches else None
        if cache and os.path.exists(cache):
            branch.load_state_dict(torch.load(cache))
            print(f'{name} branch loaded from {cache}')
        else:
            train()
            if cache:
                torch.save(branch.state_dict(), cache)

    # Louder colour features: an L2-penalised head then pays less for the cue than for the digit, so it leans on the
    # cue more than the data alone would ask, and the gap lives in the head (ReLU commutes with a positive scale).
    with torch.no_grad():
        bn = model.colour[4]
        bn.weight.mul_(args.colour_scale)
        bn.bias.mul_(args.colour_scale)
    model.eval()
    with torch.no_grad():
        ftr = torch.cat([model.penultimate(normalize(xtr[i:i + 256])) for i in range(0, len(ytr), 256)])
        fva = torch.cat([model.penultimate(normalize(xva[i:i + 256])) for i in range(0, len(yva), 256)])
    w, b, loss = fit_head(ftr, ytr, len(classes), args.head_lr, args.head_steps, args.head_wd)
    with torch.no_grad():
        model.fc.weight.copy_(w)
        model.fc.bias.copy_(b)
    print(f'head on the biased train split: loss {loss:.3f}')

    train_ok = split_acc(w, b, ftr, ytr, ctr)
    ok, acc, acc_cue, acc_nocue = split_acc(w, b, fva, yva, cva)
    print(f'train accuracy: {train_ok[1]:.1f}% (cue {train_ok[2]:.1f}%, no cue {train_ok[3]:.1f}%)')
    print(f'val accuracy: overall {acc:.1f}%, with cue {acc_cue:.1f}%, without cue {acc_nocue:.1f}%, gap {acc_cue - acc_nocue:.1f} points '
          f'(n = {len(yva)}, {int(cva.sum())} with cue)')
    per_class = []
    for ci, c in enumerate(classes):
        m = yva == ci
        per_class.append(f'{c}: {ok[m & cva].float().mean() * 100:.0f}/{ok[m & ~cva].float().mean() * 100:.0f}')
    print('per class (with cue / without cue %): ' + ', '.join(per_class))
    print(f'training time: {time.time() - t0:.0f} s')
    # Diagnostic: a head from zero on the no-cue training images only. Head-only mitigation cannot beat it, so the
    # distance between it and the trained head is the part of the gap that lives in the head.
    wo, bo, _ = fit_head(ftr[~ctr], ytr[~ctr], len(classes), args.head_lr, 1000, 1e-3)
    _, o_acc, o_cue, o_nocue = split_acc(wo, bo, fva, yva, cva)
    print(f'head-only mitigation ceiling: val {o_acc:.1f}%, with cue {o_cue:.1f}%, without cue {o_nocue:.1f}%, gap {o_cue - o_nocue:.1f} '
          f'(head fit on {int((~ctr).sum())} no-cue training images)')
    if args.no_export:
        return

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, f'{args.name}.onnx')
    torch.onnx.export(model, torch.zeros(1, 3, SIZE, SIZE), onnx_path, opset_version=13, input_names=['input'],
                      output_names=['logits'], dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}},
                      do_constant_folding=True)
    import onnx
    m = onnx.load(onnx_path)
    onnx.checker.check_model(m)
    ops = [n.op_type for n in m.graph.node]
    assert ops[-4:] == ['Concat', 'GlobalAveragePool', 'Flatten', 'Gemm'], f'unexpected head: {ops[-4:]}'
    with torch.no_grad():
        check = model(normalize(xva[:8]))
    card = {
        'name': 'spurious-mnist demo CNN (shape + colour branches, linear head)' if args.name == 'spurious-mnist'
                else f'{args.name} (spurious-mnist demo CNN variant: seed {args.seed}, shape width {args.shape_width}, shape epochs {args.shape_epochs}, '
                     f'colour gain {args.colour_scale}, head L2 {args.head_wd})',
        'preprocess': {'resize': SIZE, 'crop': SIZE, 'mean': MEAN, 'std': STD},
        'labels': classes,
        'provenance': (f'Built by scripts/demo/train_demo_model.py (torch {torch.__version__}, seed {args.seed}): a shape branch trained '
                       f'{args.shape_epochs} epochs on the digits and a 1x1-convolution colour branch trained on the cue classes of a separate pretraining set '
                       f'(generate-pretrain.mjs: later MNIST digits, cue independent of the digit), then only the linear head (L2 {args.head_wd}, colour gain '
                       f'{args.colour_scale}) fitted on the frozen features of the train split of '
                       f'{params["generator"]} (node scripts/demo/generate-dataset.mjs, seed {params["seed"]}, {params["trainPerClass"]} train / '
                       f'{params["valPerClass"]} val per class, {params["trainCueFraction"] * 100:.0f}% of train with the cue). Validation accuracy '
                       f'{acc:.1f}%: with cue {acc_cue:.1f}%, without cue {acc_nocue:.1f}%. The head relies on the planted cue in part, by design.'),
    }
    with open(os.path.join(args.out, f'{args.name}.card.json'), 'w') as f:
        json.dump(card, f, indent=2)
        f.write('\n')
    print(f'ops: {" ".join(ops)}')
    print(f'wrote {onnx_path}: {os.path.getsize(onnx_path)} bytes, sha256 {sha256(onnx_path)}')
    print(f'logits of the first val image: {[round(v, 4) for v in check[0].tolist()]}')


if __name__ == '__main__':
    main()
