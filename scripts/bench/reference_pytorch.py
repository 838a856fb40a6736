"""The PyTorch side of `npm run bench` (Debian's torch 1.13 / torchvision 0.14, CPU).

  /usr/bin/python3 scripts/bench/reference_pytorch.py extract --data ROOT --weights resnet50.pt
        [--batch 32] [--workers 1] [--threads 2] [--limit N]
  /usr/bin/python3 scripts/bench/reference_pytorch.py tune [--rows 100000] [--dim 2048] [--classes 1000]
        [--batch 128] [--threads 2] [--lr 0.01] [--momentum 0.9] [--seed 0]

extract: the usual torchvision pipeline over ROOT/train and ROOT/val (ImageFolder + Resize(256) + CenterCrop(224)
+ ToTensor + Normalize, DataLoader with worker processes), ResNet-50 in eval mode under no_grad, keeping each batch's
pooled features and logits as NumPy arrays (what a feature cache stores). The loop is timed from creating the
DataLoader iterator to the last batch, so worker start-up and the first batch count, as they do for ours.

tune: one epoch of a linear head (dim -> classes) on random features with SGD + momentum, batch 128, cross-entropy,
each batch gathered from the feature matrix by a shuffled order: what our ONNX Runtime trainer does.

Prints one JSON object on stdout. Install libopenblas0-pthread first: without it Debian's torch runs dense
layers on the generic reference BLAS (about 8x slower GEMM), which would flatter us.
"""
import argparse
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F
import torchvision
from torchvision import transforms


def peak_rss_mb():
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {'self': own / 1024, 'largest_child': kids / 1024}


def extract(a):
    tf = transforms.Compose([
        transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
        transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
    ])
    splits = [s for s in ('train', 'val') if os.path.isdir(f'{a.data}/{s}')] or ['.']
    parts = [torchvision.datasets.ImageFolder(f'{a.data}/{s}', transform=tf) for s in splits]
    ds = torch.utils.data.ConcatDataset(parts)
    if a.limit and a.limit < len(ds):
        ds = torch.utils.data.Subset(ds, list(range(a.limit)))
    t_setup = time.perf_counter()
    net = torchvision.models.resnet50(weights=None)
    net.load_state_dict(torch.load(a.weights))
    net.eval()
    pooled = {}
    net.avgpool.register_forward_hook(lambda _m, _i, out: pooled.__setitem__('x', out.flatten(1)))
    setup = time.perf_counter() - t_setup
    loader = torch.utils.data.DataLoader(ds, batch_size=a.batch, num_workers=a.workers, shuffle=False)
    feats, logits, n = [], [], 0
    t0 = time.perf_counter()
    with torch.no_grad():
        for x, _y in loader:
            out = net(x)
            feats.append(pooled['x'].numpy().copy())
            logits.append(out.numpy().copy())
            n += x.shape[0]
    seconds = time.perf_counter() - t0
    return {'images': n, 'seconds': seconds, 'imagesPerSecond': n / seconds, 'modelLoadSeconds': setup,
            'batch': a.batch, 'workers': a.workers, 'threads': torch.get_num_threads(), 'peakRssMB': peak_rss_mb()}


def tune(a):
    g = torch.Generator().manual_seed(a.seed)
    t_gen = time.perf_counter()
    X = torch.rand(a.rows, a.dim, generator=g)
    y = torch.arange(a.rows) % a.classes
    order = torch.randperm(a.rows, generator=g)
    gen = time.perf_counter() - t_gen
    t0 = time.perf_counter()
    head = torch.nn.Linear(a.dim, a.classes)
    opt = torch.optim.SGD(head.parameters(), lr=a.lr, momentum=a.momentum)
    loss_sum, steps = 0.0, 0
    for s in range(0, a.rows, a.batch):
        idx = order[s:s + a.batch]
        loss = F.cross_entropy(head(X[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss_sum += loss.item()
        steps += 1
    seconds = time.perf_counter() - t0
    flops = 4.0 * a.rows * a.dim * a.classes  # forward and weight-gradient GEMMs
    return {'rows': a.rows, 'dim': a.dim, 'classes': a.classes, 'batch': a.batch, 'steps': steps, 'seconds': seconds,
            'meanLoss': loss_sum / steps, 'gflops': flops / seconds / 1e9, 'generateSeconds': gen,
            'threads': torch.get_num_threads(), 'peakRssMB': peak_rss_mb()}


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest='cmd', required=True)
    e = sub.add_parser('extract')
    e.add_argument('--data', required=True)
    e.add_argument('--weights', required=True)
    e.add_argument('--batch', type=int, default=32)
    e.add_argument('--workers', type=int, default=1)
    e.add_argument('--threads', type=int, default=2)
    e.add_argument('--limit', type=int, default=0)
    t = sub.add_parser('tune')
    t.add_argument('--rows', type=int, default=100000)
    t.add_argument('--dim', type=int, default=2048)
    t.add_argument('--classes', type=int, default=1000)
    t.add_argument('--batch', type=int, default=128)
    t.add_argument('--threads', type=int, default=2)
    t.add_argument('--lr', type=float, default=0.01)
    t.add_argument('--momentum', type=float, default=0.9)
    t.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    try:
        r = extract(a) if a.cmd == 'extract' else tune(a)
    except (OSError, RuntimeError, ValueError) as err:
        print(f'reference_pytorch.py {a.cmd}: {err}', file=sys.stderr)
        sys.exit(1)
    r['blas'] = blas_name()
    print(json.dumps(r))


def blas_name():
    """Which BLAS torch's dense layers run on (libopenblas when installed, else the generic libblas)."""
    try:
        with open('/proc/self/maps') as f:
            libs = {os.path.realpath(line.split(None, 5)[-1].strip()) for line in f if 'blas' in line.lower() and '/' in line}
        return sorted(libs)
    except OSError:
        return []


if __name__ == '__main__':
    main()
