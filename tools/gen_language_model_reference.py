#!/usr/bin/env python3
"""Real fastai 2.7.18's get_language_model(AWD_LSTM, …) (fastai.text.models.core) on a small
awd_lstm_lm_config: its state_dict (the decoder tied to the embedding), the configuration after
drop_mult, and its eval-mode logits on two consecutive batches; written to
tests/data/reference/language_model.json (test: tests/text/test_language_model.cpp). Run from the root:
  . ../shared/fastai-src/env.sh && $PY tools/gen_language_model_reference.py"""
import json
import os

import torch
from fastai.text.models.awdlstm import AWD_LSTM, awd_lstm_lm_config
from fastai.text.models.core import get_language_model

torch.manual_seed(19)
config = dict(awd_lstm_lm_config, emb_sz=8, n_hid=12, n_layers=2)
m = get_language_model(AWD_LSTM, 30, config=config, drop_mult=0.5).eval()
x1, x2 = torch.randint(0, 30, (3, 5)), torch.randint(0, 30, (3, 5))
with torch.no_grad():
    y1, raw1, drop1 = m(x1)
    y2, _, _ = m(x2)
enc = m[0]
out = {"state_dict": {k: {"shape": list(v.shape), "values": v.flatten().tolist()} for k, v in m.state_dict().items()},
       "tied": m[1].decoder.weight is enc.encoder.weight,
       "dropouts": {"hidden_p": enc.hidden_dps[0].p, "input_p": enc.input_dp.p, "embed_p": enc.encoder_dp.embed_p,
                    "weight_p": enc.rnns[0].weight_p, "output_p": m[1].output_dp.p},
       "x1": x1.tolist(), "x2": x2.tolist(), "y1": y1.flatten().tolist(), "y2": y2.flatten().tolist(),
       "raw1": raw1.flatten().tolist(), "shape": list(y1.shape)}
path = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "reference", "language_model.json")
with open(path + ".tmp", "w") as f:
    json.dump(out, f)
os.replace(path + ".tmp", path)
print("wrote", path, list(out["state_dict"]), out["tied"], out["dropouts"])
