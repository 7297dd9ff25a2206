#!/usr/bin/python3
"""Writes tests/data/reference/hooks.json from the real fastai 2.7.18 (../shared/fastai-src):
for xresnet18(c_in=1, n_out=11) — the encoder of the segmentation issue's U-Net — the leaf
modules of flatten_model, model_sizes at 64x64, and Learner.summary()'s table for a Learner on
4-image batches of 1x64x64. Run from the project root:
    . ../shared/fastai-src/env.sh && $PY tools/gen_hook_reference.py"""
import json
import torch
from fastai.vision.all import *  # noqa: F401,F403
from fastai.callback.hook import model_sizes, flatten_model, num_features_model

torch.manual_seed(0)
m = xresnet18(c_in=1, n_out=11)
out = {
    "leaf_types": [type(l).__name__ for l in flatten_model(m)],
    "model_sizes": [list(s) for s in model_sizes(m, (64, 64))],
    "num_features_body": num_features_model(nn.Sequential(*list(m.children())[:-4])),
}
ds = [(torch.randn(1, 64, 64), torch.tensor(i % 11)) for i in range(8)]
dls = DataLoaders(DataLoader(ds, bs=4), DataLoader(ds, bs=4))
learn = Learner(dls, m, loss_func=CrossEntropyLossFlat())
s = str(learn.summary())
out["summary_table"] = s[: s.index("Optimizer used")]
json.dump(out, open("tests/data/reference/hooks.json", "w"), indent=1)
print(s)
