"""The benchmark models' one ONNX export: opset 13, dynamic batch, input 'input', output 'logits', written atomically.

Shared by export_resnet50.py, export_mobilenetv2.py and export_standin.py so that every benchmark model has the
same interface the engine adapts (and a crashed export never leaves a half-written OUT.onnx behind).
"""
import os

import torch


def export_classifier(net, out):
    """Exports net (eval mode) to out, tracing on a seeded 2 x 3 x 224 x 224 input."""
    net.eval()
    x = torch.rand(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    tmp = out + '.tmp'
    with torch.no_grad():
        torch.onnx.export(
            net, x, tmp, opset_version=13, input_names=['input'], output_names=['logits'],
            dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, do_constant_folding=True)
    os.replace(tmp, out)
