#!/usr/bin/env python3
"""Real fastai 2.7.18's AWD_LSTM (fastai.text.models.awdlstm) on a small configuration: its
state_dict (names, shapes, values) and its eval-mode outputs on two consecutive batches (the
hidden state carried between them), then after reset(); written to
tests/data/reference/awd_lstm.json (test: tests/text/test_awd_lstm.cpp). Run from the root:
  . ../shared/fastai-src/env.sh && $PY tools/gen_awd_lstm_reference.py"""
import json
import os

import torch
from fastai.text.models.awdlstm import AWD_LSTM

out = {}
for bidir in (False, True):
    torch.manual_seed(18)
    m = AWD_LSTM(vocab_sz=30, emb_sz=8, n_hid=12, n_layers=2, bidir=bidir).eval()
    x1 = torch.randint(0, 30, (3, 5))
    x2 = torch.randint(0, 30, (3, 5))
    with torch.no_grad():
        y1 = m(x1)
        y2 = m(x2)
        m.reset()
        y3 = m(x1)
    out["bidir" if bidir else "plain"] = {
        "state_dict": {k: {"shape": list(v.shape), "values": v.flatten().tolist()} for k, v in m.state_dict().items()},
        "x1": x1.tolist(), "x2": x2.tolist(),
        "y1": y1.flatten().tolist(), "y2": y2.flatten().tolist(), "y3": y3.flatten().tolist(),
        "shape": list(y1.shape)}
path = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "reference", "awd_lstm.json")
with open(path + ".tmp", "w") as f:
    json.dump(out, f)
os.replace(path + ".tmp", path)
print("wrote", path, {k: list(v["state_dict"]) for k, v in out.items()})
