#!/bin/sh
# Trains the demo model's variants for `spuriosity compare` (models/demo/spurious-mnist-{b,c,d}.onnx), deterministic for
# their seeds on one machine. Same recipe as the bundled model (train_demo_model.py), other seed / width / epochs /
# colour gain / head L2, so they lean on the planted cue by different amounts. Needs the benchmark and pretraining set:
#   node scripts/demo/generate-dataset.mjs && node scripts/demo/generate-pretrain.mjs
# Run with Debian's PyTorch: sh scripts/demo/train_compare_models.sh   (about 40 s per model on 2 cores)
set -eu
PY=${PY:-/usr/bin/python3}
OUT=${OUT:-models/demo}
# b: milder cue (colour gain 1.5, lighter L2): the least biased head.
"$PY" scripts/demo/train_demo_model.py --out "$OUT" --name spurious-mnist-b --seed 1 --colour-scale 1.5 --head-wd 0.3
# c: narrower, shorter-trained shape branch and a louder cue: weaker digits, the most biased head.
"$PY" scripts/demo/train_demo_model.py --out "$OUT" --name spurious-mnist-c --seed 2 --shape-width 48 --shape-epochs 2 --colour-scale 4
# d: longer-trained shape branch, stronger L2 on the head.
"$PY" scripts/demo/train_demo_model.py --out "$OUT" --name spurious-mnist-d --seed 3 --shape-epochs 5 --head-wd 1.0
