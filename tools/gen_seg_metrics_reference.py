#!/usr/bin/python3
"""Writes tests/data/reference/seg_metrics.json: foreground_acc (as fastai's AvgMetric),
DiceMulti and JaccardCoeffMulti computed by the real fastai 2.7.18 over three random batches of
11-class 8x8 masks (one class never present, background-heavy targets). Run from the root:
    . ../shared/fastai-src/env.sh && $PY tools/gen_seg_metrics_reference.py"""
import json
from types import SimpleNamespace

import torch
from fastai.metrics import AvgMetric, DiceMulti, JaccardCoeffMulti, foreground_acc

torch.manual_seed(7)
batches = []
for bs in (3, 3, 2):
    pred = torch.randn(bs, 11, 8, 8).mul(1000).round().div(1000)  # short in the JSON, exact in C++
    pred[:, 10] -= 10  # class 10 is never predicted ...
    targ = torch.randint(0, 10, (bs, 8, 8))  # ... nor present: nan in the per-class means
    targ[torch.rand(bs, 8, 8) < 0.5] = 0  # background-heavy
    batches.append((pred, targ))

out = {"batches": [{"pred": p.flatten().tolist(), "pred_shape": list(p.shape), "targ": t.flatten().tolist(),
                    "targ_shape": list(t.shape)} for p, t in batches]}
for name, m in (("foreground_acc", AvgMetric(foreground_acc)), ("dice_multi", DiceMulti()),
                ("jaccard_coeff_multi", JaccardCoeffMulti())):
    m.reset()
    for p, t in batches:
        m.accumulate(SimpleNamespace(pred=p, y=t, yb=(t,), to_detach=lambda x: x.detach()))
    out[name] = float(m.value)
    out[name + "_name"] = m.name
json.dump(out, open("tests/data/reference/seg_metrics.json", "w"))
print({k: v for k, v in out.items() if k != "batches"})
