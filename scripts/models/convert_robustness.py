"""Converts a `robustness`-library ImageNet checkpoint to an ONNX classifier for Spuriosity Lens.

The paper's model is the robustness library's ResNet-50 adversarially trained on ImageNet with
L2 PGD, eps = 3.0 (Salman et al. 2020, "Do Adversarially Robust ImageNet Models Transfer Better?").
Its checkpoint (`resnet50_l2_eps3.ckpt`) is listed in the README of microsoft/robust-models-transfer
(mirrored in the Hugging Face repository madrylab/robust-imagenet-models; MadryLab/robustness lists an
equivalent `imagenet_l2_3_0.pt`); download it yourself (this script never downloads anything).

Usage:
  /usr/bin/python3 scripts/models/convert_robustness.py CKPT OUT.onnx [--arch resnet50] [--card | --no-card]
                                                           [--labels LABELS.txt] [--opset 13]
  spuriosity extract <dataset> --model OUT.onnx

Checkpoint layout handled: a dict holding the state dict under 'model' (or 'state_dict', or the state
dict itself at top level); network weights under `module.model.`; the input normaliser's buffers
`module.normalizer.new_mean` / `new_std` (shape 3 x 1 x 1). The attacker's duplicate copies
(`module.attacker.model.`, `module.attacker.normalize.`) are ignored. Keys without the `module.`
prefix are accepted too.

The ONNX model bakes the normalisation in (clamp to [0, 1], subtract mean, divide by std, then the
network, exactly as the library's InputNormalize does), so its model card (OUT.card.json, written
unless --no-card) says mean [0, 0, 0], std [1, 1, 1], resize 256, crop 224.
"""
import argparse
import json
import os
import sys

import torch
import torch.nn as nn
import torchvision


class Normalized(nn.Module):
    """The robustness library's InputNormalize followed by the network."""

    def __init__(self, model, mean, std):
        super().__init__()
        self.model = model
        self.register_buffer('mean', mean.reshape(1, 3, 1, 1).float())
        self.register_buffer('std', std.reshape(1, 3, 1, 1).float())

    def forward(self, x):
        return self.model((torch.clamp(x, 0, 1) - self.mean) / self.std)


def split_checkpoint(ckpt):
    """Returns (network state dict, mean or None, std or None, epoch or None) from a robustness checkpoint."""
    if isinstance(ckpt, dict) and isinstance(ckpt.get('model'), dict):
        sd = ckpt['model']
    elif isinstance(ckpt, dict) and isinstance(ckpt.get('state_dict'), dict):
        sd = ckpt['state_dict']
    elif isinstance(ckpt, dict):
        sd = ckpt
    else:
        raise SystemExit('checkpoint is not a dict of tensors; expected a robustness-library checkpoint')
    epoch = ckpt.get('epoch') if isinstance(ckpt, dict) else None
    net, mean, std = {}, None, None
    for key, value in sd.items():
        k = key[len('module.'):] if key.startswith('module.') else key
        if k.startswith('attacker.'):
            continue
        if k == 'normalizer.new_mean':
            mean = value
        elif k == 'normalizer.new_std':
            std = value
        elif k.startswith('model.'):
            net[k[len('model.'):]] = value
    if not net:
        # A plain torchvision state dict (no robustness wrapper).
        net = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in sd.items() if torch.is_tensor(v)}
    return net, mean, std, epoch


def build(ckpt_path, arch):
    ckpt = torch.load(ckpt_path, map_location='cpu')
    net_sd, mean, std, epoch = split_checkpoint(ckpt)
    if 'fc.weight' not in net_sd:
        raise SystemExit(f'{ckpt_path}: no fc.weight among the network weights; is this a {arch} checkpoint?')
    classes = net_sd['fc.weight'].shape[0]
    if not hasattr(torchvision.models, arch):
        raise SystemExit(f'unknown --arch {arch}; use a torchvision model name such as resnet50 or wide_resnet50_2')
    model = getattr(torchvision.models, arch)(weights=None, num_classes=classes)
    missing, unexpected = model.load_state_dict(net_sd, strict=False)
    missing = [k for k in missing if not k.endswith('num_batches_tracked')]
    if missing or unexpected:
        raise SystemExit(f'{ckpt_path} does not match --arch {arch}: missing {missing[:5]}, unexpected {unexpected[:5]}')
    notes = []
    if mean is None or std is None:
        mean, std = torch.tensor([0.485, 0.456, 0.406]), torch.tensor([0.229, 0.224, 0.225])
        notes.append('no normalizer buffers in the checkpoint: baked in ImageNet mean/std')
    return Normalized(model.eval(), mean, std).eval(), epoch, notes


def export(wrapped, out_path, opset=13):
    x = torch.rand(1, 3, 224, 224)
    torch.onnx.export(
        wrapped, x, out_path, opset_version=opset, input_names=['input'], output_names=['logits'],
        dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, do_constant_folding=True)


def card_for(wrapped, ckpt_path, arch, epoch, notes, labels):
    mean = [round(float(v), 6) for v in wrapped.mean.flatten()]
    std = [round(float(v), 6) for v in wrapped.std.flatten()]
    prov = (f'{arch} from robustness checkpoint {os.path.basename(ckpt_path)}'
            f'{f" (epoch {epoch})" if epoch is not None else ""}, converted by scripts/models/convert_robustness.py; '
            f'input normalisation mean={mean} std={std} baked into the graph')
    if notes:
        prov += '; ' + '; '.join(notes)
    card = {
        'name': f'{arch} ({os.path.splitext(os.path.basename(ckpt_path))[0]})',
        'preprocess': {'resize': 256, 'crop': 224, 'mean': [0, 0, 0], 'std': [1, 1, 1]},
        'provenance': prov,
    }
    if labels:
        card['labelsFile'] = labels
    return card


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('ckpt')
    p.add_argument('out')
    p.add_argument('--arch', default='resnet50')
    p.add_argument('--card', action=argparse.BooleanOptionalAction, default=True,
                   help='write OUT.card.json next to the model (default on; the baked-in normalisation needs it)')
    p.add_argument('--labels', help='labels file (one label a line, logit order), written into the card as labelsFile relative to it')
    p.add_argument('--opset', type=int, default=13)
    a = p.parse_args(argv)
    with torch.no_grad():
        wrapped, epoch, notes = build(a.ckpt, a.arch)
        export(wrapped, a.out, a.opset)
    for n in notes:
        print('note:', n, file=sys.stderr)
    if a.card:
        base = a.out[:-5] if a.out.lower().endswith('.onnx') else a.out
        card_path = base + '.card.json'
        labels = os.path.relpath(os.path.abspath(a.labels), os.path.dirname(os.path.abspath(card_path))) if a.labels else None
        with open(card_path, 'w') as f:
            json.dump(card_for(wrapped, a.ckpt, a.arch, epoch, notes, labels), f, indent=2)
        print(f'wrote {a.out} and {card_path}')
    else:
        print(f'wrote {a.out} (no card: set preprocess mean [0,0,0] std [1,1,1] in its card before use)')
    return wrapped


if __name__ == '__main__':
    main()
