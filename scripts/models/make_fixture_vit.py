"""Builds the ONNX fixtures for token maps of vision transformers (seeded random weights, no downloads).

Usage: /usr/bin/python3 scripts/models/make_fixture_vit.py OUTDIR [--no-large | --only-large] [--full-depth]

Writes into OUTDIR (every .bin little-endian float32, C order; meta.json holds each one's shape):
  vit_b_16.onnx        torchvision's VisionTransformer with vit_b_16's configuration (patch 16, width 768, 12 heads,
                       MLP 3072, 224 x 224, 14 x 14 grid) but 2 encoder layers instead of 12 (--full-depth: all 12),
                       seeded random init, opset 14, dynamic batch. The graph from the last layer to the head, where
                       the token map is found, is the same at any depth; 2 layers keep the test fixture at 38 MB, not 330.
  vit_b_16.input.bin   a seeded input batch, N x 3 x 224 x 224
  vit_b_16.pooled.bin  PyTorch's head input (class token after encoder.ln), N x 768, taken with a forward hook
  vit_b_16.tokens.bin  PyTorch's token map: encoder output (after encoder.ln) with the class token dropped, patch
                       tokens reshaped to the 14 x 14 grid, N x 768 x 14 x 14
  vit_b_16.logits.bin  PyTorch's logits
  swin_t.*             torchvision's SwinTransformer with swin_t's configuration but one block per stage (--full-depth:
                       swin_t itself) (input, pooled, logits): its CNN-style 768 x 7 x 7 map must keep working
  <tiny>.*             tiny ViTs (input, pooled, tokens, logits), 32 x 32 input, patch 8 (4 x 4 grid), D = 24:
    deit_tiny          class + distillation token, pos embedding added after the concat, head on x[:, 0]
    reg_tiny           class + 4 register tokens, pos embedding added to patches before the concat (no_embed_class),
                       class token taken by a Slice (x[:, :1].flatten(1))
    fcnorm_tiny        class token only; the final LayerNorm comes after the class token is taken (fc_norm style)
    ln17_tiny          class + distillation token, opset 17 (a LayerNormalization node)
    dynamic_tiny       deit_tiny exported with a dynamic input size (the adapter must refuse its token map by name)
    nonsquare_tiny     patches 8 x 4 on a 32 x 32 input: a 4 x 8 grid
    distilled_tiny       timm's distilled DeiT shape: heads on the class and the distillation token, logits their mean
                         (no reference tensors: the adapter must refuse it by name)
    planted_tiny         no blocks, hand-set weights: feature 0 of a patch token is -sqrt(12) after the final norm where
                         the patch is bright and 0 where it is black, and the class token's feature 0 is negative, so
                         the raw map of feature 0 has no positive value; oriented by the class token it must show the
                         bright patches. planted.input.bin lights patches (1, 2) and (3, 0) of the 4 x 4 grid.
  --no-large skips vit_b_16 and swin_t; --only-large makes only them.
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torchvision
from torchvision.models.swin_transformer import SwinTransformer
from torchvision.models.vision_transformer import VisionTransformer

BATCH = 2


class Block(nn.Module):
    """Pre-norm transformer block with hand-written attention (exports to plain MatMul/Softmax at any opset)."""

    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, x):
        n, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).reshape(n, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        a = torch.softmax(q @ k.transpose(-2, -1) / (d // self.heads) ** 0.5, dim=-1)
        x = x + self.proj((a @ v).transpose(1, 2).reshape(n, t, d))
        return x + self.mlp(self.ln2(x))


class TinyViT(nn.Module):
    """A ViT with optional distillation and register tokens; `token_map` returns what the adapter must expose."""

    def __init__(self, size=32, patch=(8, 8), d=24, depth=2, classes=5, dist=False, registers=0,
                 pos_after_concat=True, slice_cls=False, fc_norm=False):
        super().__init__()
        self.grid = (size // patch[0], size // patch[1])
        self.prefix = 1 + int(dist) + registers
        self.patch = nn.Conv2d(3, d, patch, stride=patch)
        self.cls = nn.Parameter(torch.randn(1, 1, d) * 0.5)
        self.dist = nn.Parameter(torch.randn(1, 1, d) * 0.5) if dist else None
        self.reg = nn.Parameter(torch.randn(1, registers, d) * 0.5) if registers else None
        n_pos = self.grid[0] * self.grid[1] + (self.prefix if pos_after_concat else 0)
        self.pos = nn.Parameter(torch.randn(1, n_pos, d) * 0.5)
        self.pos_after_concat = pos_after_concat
        self.slice_cls = slice_cls
        self.blocks = nn.Sequential(*[Block(d, 4) for _ in range(depth)])
        self.fc_norm = fc_norm
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, classes)
        with torch.no_grad():  # non-trivial affine LayerNorm so a wrong tap point shows
            self.norm.weight.uniform_(0.5, 1.5)
            self.norm.bias.uniform_(-0.3, 0.3)

    def tokens(self, x):
        """All tokens after the last block and the final norm (the norm applied per token in the fc_norm case)."""
        x = self.patch(x).flatten(2).transpose(1, 2)
        n = x.shape[0]
        if not self.pos_after_concat:
            x = x + self.pos
        prefix = [self.cls.expand(n, -1, -1)]
        if self.dist is not None:
            prefix.append(self.dist.expand(n, -1, -1))
        if self.reg is not None:
            prefix.append(self.reg.expand(n, -1, -1))
        x = torch.cat(prefix + [x], dim=1)
        if self.pos_after_concat:
            x = x + self.pos
        return self.norm(self.blocks(x))

    def pooled(self, x):
        return self.tokens(x)[:, 0]

    def token_map(self, x):
        t = self.tokens(x)[:, self.prefix:]
        return t.transpose(1, 2).reshape(t.shape[0], t.shape[2], *self.grid)

    def forward(self, x):
        if self.fc_norm:
            x = self.patch(x).flatten(2).transpose(1, 2)
            x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
            x = self.blocks(x)
            return self.head(self.norm(x[:, 0]))
        t = self.tokens(x)
        c = t[:, :1].flatten(1) if self.slice_cls else t[:, 0]
        return self.head(c)


class DistilledTinyViT(TinyViT):
    """timm's distilled DeiT at inference: a head on the class token and one on the distillation token, averaged."""

    def __init__(self):
        super().__init__(dist=True)
        self.head_dist = nn.Linear(self.head.in_features, self.head.out_features)

    def forward(self, x):
        t = self.tokens(x)
        return (self.head(t[:, 0]) + self.head_dist(t[:, 1])) / 2


def planted(dump, out):
    """planted_tiny: feature 0 of the patch tokens is negative where the image is bright, and so is the class token's."""
    m = TinyViT(depth=0).eval()
    d = m.head.in_features
    with torch.no_grad():
        m.patch.weight.zero_()
        m.patch.bias.zero_()
        m.patch.weight[0].fill_(-1.0)  # feature 0: minus the patch's brightness
        m.patch.weight[1].fill_(1.0)   # feature 1: plus it, so the token's mean stays 0
        m.pos.zero_()
        m.cls.zero_()
        m.cls[0, 0, 0] = -1.0
        m.cls[0, 0, 1] = 1.0
        m.norm.weight.fill_(1.0)
        m.norm.bias.zero_()
        x = torch.full((1, 3, 32, 32), 0.0)
        for gy, gx in [(1, 2), (3, 0)]:
            x[:, :, gy * 8:(gy + 1) * 8, gx * 8:(gx + 1) * 8] = 1.0
        dump('planted_tiny.input.bin', x)
        dump('planted_tiny.pooled.bin', m.pooled(x))
        dump('planted_tiny.tokens.bin', m.token_map(x))
        dump('planted_tiny.logits.bin', m(x))
    export(m, x, os.path.join(out, 'planted_tiny.onnx'), 14)
    assert d == 24


def export(model, x, path, opset, dynamic_size=False):
    # Outside no_grad: under it, torch 1.13 takes nn.MultiheadAttention's fused fast path, which has no ONNX export.
    axes = {0: 'batch', 2: 'height', 3: 'width'} if dynamic_size else {0: 'batch'}
    with torch.enable_grad():
        torch.onnx.export(model, x, path, opset_version=opset, input_names=['input'], output_names=['logits'],
                          dynamic_axes={'input': axes, 'logits': {0: 'batch'}}, do_constant_folding=True)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    if len(args) != 1:
        sys.exit(__doc__)
    out = args[0]
    large = '--no-large' not in sys.argv
    tiny_too = '--only-large' not in sys.argv
    full = '--full-depth' in sys.argv
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    meta = {}

    def dump(name, t):
        a = t.detach().cpu().contiguous().numpy().astype('<f4')
        a.tofile(os.path.join(out, name))
        meta[name] = list(a.shape)

    with torch.no_grad():
        if large:
            vit = (torchvision.models.vit_b_16(weights=None) if full else VisionTransformer(
                image_size=224, patch_size=16, num_layers=2, num_heads=12, hidden_dim=768, mlp_dim=3072)).eval()
            # Random init leaves encoder.ln at identity; perturb it so the map is checked after the final norm.
            vit.encoder.ln.weight.uniform_(0.5, 1.5)
            vit.encoder.ln.bias.uniform_(-0.3, 0.3)
            x = torch.randn(BATCH, 3, 224, 224)
            seen = {}
            h1 = vit.encoder.register_forward_hook(lambda m, i, o: seen.__setitem__('tokens', o))
            h2 = vit.heads.register_forward_hook(lambda m, i, o: seen.__setitem__('pooled', i[0]))
            logits = vit(x)
            h1.remove()
            h2.remove()
            tok = seen['tokens'][:, 1:]
            dump('vit_b_16.input.bin', x)
            dump('vit_b_16.pooled.bin', seen['pooled'])
            dump('vit_b_16.tokens.bin', tok.transpose(1, 2).reshape(BATCH, 768, 14, 14))
            dump('vit_b_16.logits.bin', logits)
            export(vit, x, os.path.join(out, 'vit_b_16.onnx'), 14)
            del vit

            swin = (torchvision.models.swin_t(weights=None) if full else SwinTransformer(
                patch_size=[4, 4], embed_dim=96, depths=[1, 1, 1, 1], num_heads=[3, 6, 12, 24], window_size=[7, 7])).eval()
            h3 = swin.head.register_forward_hook(lambda m, i, o: seen.__setitem__('pooled', i[0]))
            logits = swin(x)
            h3.remove()
            dump('swin_t.input.bin', x)
            dump('swin_t.pooled.bin', seen['pooled'])
            dump('swin_t.logits.bin', logits)
            export(swin, x, os.path.join(out, 'swin_t.onnx'), 14)
            del swin

        if tiny_too:
            planted(dump, out)
            export(DistilledTinyViT().eval(), torch.randn(BATCH, 3, 32, 32), os.path.join(out, 'distilled_tiny.onnx'), 14)
        tiny = {} if not tiny_too else {
            'deit_tiny': (dict(dist=True), 14, False),
            'reg_tiny': (dict(registers=4, pos_after_concat=False, slice_cls=True), 14, False),
            'fcnorm_tiny': (dict(fc_norm=True), 14, False),
            'ln17_tiny': (dict(dist=True), 17, False),
            'dynamic_tiny': (dict(dist=True), 14, True),
            'nonsquare_tiny': (dict(patch=(8, 4)), 14, False),
        }
        xt = torch.randn(BATCH, 3, 32, 32)
        for name, (kw, opset, dynamic) in tiny.items():
            m = TinyViT(**kw).eval()
            dump(f'{name}.input.bin', xt)
            dump(f'{name}.pooled.bin', m.pooled(xt))
            dump(f'{name}.tokens.bin', m.token_map(xt))
            dump(f'{name}.logits.bin', m(xt))
            export(m, xt, os.path.join(out, f'{name}.onnx'), opset, dynamic)

    with open(os.path.join(out, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=1)


if __name__ == '__main__':
    main()
