#!/usr/bin/env python3
"""Real fastai 2.7.18's text-learner pieces on tiny sizes, for tests/text/test_text_learner.cpp:
  - get_text_classifier(AWD_LSTM, …) in eval mode: its state_dict saved with torch.save
    (text_classifier.pth, read by fastai.cpp's load_torch_state_dict), and its logits on a batch
    padded as pad_input_chunk pads (longest first) and on a document longer than max_len;
  - a language model's state_dict (text_lm.pth) with its itos (text_lm_itos.pkl) and its eval
    logits after fastai's match_embeds onto a new vocab (what load_pretrained does);
  - RNNRegularizer's loss on given outputs; awd_lstm_lm_split / awd_lstm_clas_split group sizes;
  - decode_spec_tokens on a token list.
Writes tests/data/reference/text_learner.json and the two .pth / one .pkl beside it. Run from the root:
  . ../shared/fastai-src/env.sh && $PY tools/gen_text_learner_reference.py"""
import json
import os
import pickle
from types import SimpleNamespace

import torch
from fastai.callback.rnn import RNNRegularizer
from fastai.text.learner import decode_spec_tokens, match_embeds
from fastai.text.models.awdlstm import (AWD_LSTM, awd_lstm_clas_config, awd_lstm_clas_split, awd_lstm_lm_config,
                                        awd_lstm_lm_split)
from fastai.text.models.core import get_language_model, get_text_classifier

ref_dir = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "reference")


def flat(t):
    return {"shape": list(t.shape), "values": t.detach().flatten().tolist()}


def save_atomic(path, write):
    write(path + ".tmp")
    os.replace(path + ".tmp", path)


out = {}
torch.manual_seed(23)
# ---- classifier
ccfg = dict(awd_lstm_clas_config, emb_sz=8, n_hid=12, n_layers=2)
clas = get_text_classifier(AWD_LSTM, 30, 3, seq_len=4, config=ccfg, drop_mult=0.5, max_len=8).eval()
with torch.no_grad():  # BatchNorm statistics that are not the defaults, so loading them matters
    for m in clas.modules():
        if isinstance(m, torch.nn.BatchNorm1d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
save_atomic(os.path.join(ref_dir, "text_classifier.pth"), lambda p: torch.save(clas.state_dict(), p))
# Three documents of 10, 6 and 3 tokens padded to 10 as pad_input_chunk(seq_len=4, pad_first) does:
# whole chunks of padding first, the remainder after.
def pad_chunk(x, n, seq_len=4, pad=1):
    l = n - len(x)
    return [pad] * ((l // seq_len) * seq_len) + x + [pad] * (l % seq_len)
docs = [[2] + torch.randint(3, 30, (9,)).tolist(), [2] + torch.randint(3, 30, (5,)).tolist(), [2, 5, 7]]
batch = torch.tensor([pad_chunk(d, 10) for d in docs])
long_doc = torch.tensor([[2] + torch.randint(3, 30, (13,)).tolist()])  # 14 tokens, max_len 8
with torch.no_grad():
    y, raw, _ = clas(batch)
    y_long, _, _ = clas(long_doc)
out["classifier"] = {"keys": list(clas.state_dict().keys()), "batch": batch.tolist(), "logits": flat(y),
                     "raw_out": flat(raw), "long": long_doc.tolist(), "long_logits": flat(y_long),
                     "dims": [l[-1].out_features if hasattr(l[-1], "out_features") else None for l in clas[1].layers],
                     "split_sizes": [sum(p.numel() for p in g) for g in awd_lstm_clas_split(clas)]}
# ---- language model + match_embeds
lcfg = dict(awd_lstm_lm_config, emb_sz=8, n_hid=12, n_layers=2)
old_vocab = ["xxunk", "xxpad", "xxbos", "xxmaj"] + [f"w{i}" for i in range(16)]
lm = get_language_model(AWD_LSTM, len(old_vocab), config=lcfg, drop_mult=0.5).eval()
with torch.no_grad():
    lm[1].decoder.bias.uniform_(-1, 1)
save_atomic(os.path.join(ref_dir, "text_lm.pth"), lambda p: torch.save(lm.state_dict(), p))
save_atomic(os.path.join(ref_dir, "text_lm_itos.pkl"), lambda p: pickle.dump(old_vocab, open(p, "wb")))
new_vocab = ["xxunk", "xxpad", "xxbos", "xxmaj", "w5", "new1", "w0", "w15", "new2", "w7"]
wgts = match_embeds({k: v.clone() for k, v in lm.state_dict().items()}, old_vocab, new_vocab)
lm2 = get_language_model(AWD_LSTM, len(new_vocab), config=lcfg, drop_mult=0.5).eval()
lm2.load_state_dict(wgts)
x = torch.randint(0, len(new_vocab), (2, 5))
with torch.no_grad():
    y2, _, _ = lm2(x)
out["lm"] = {"old_vocab": old_vocab, "new_vocab": new_vocab, "x": x.tolist(), "logits": flat(y2),
             "encoder": flat(wgts["0.encoder.weight"]), "bias": flat(wgts["1.decoder.bias"]),
             "split_sizes": [sum(p.numel() for p in g) for g in awd_lstm_lm_split(lm)]}
# ---- RNNRegularizer on given outputs (fastai's callback, on a stand-in learner)
h, o = torch.randn(3, 5, 4), torch.randn(3, 5, 4)
reg = RNNRegularizer(alpha=2., beta=1.)
reg.learn = SimpleNamespace(rnn=SimpleNamespace(raw_out=h, out=o), training=True, loss_grad=torch.tensor(1.5))
reg.after_loss()
reg1 = RNNRegularizer(alpha=2., beta=1.)
reg1.learn = SimpleNamespace(rnn=SimpleNamespace(raw_out=h[:1], out=o[:1]), training=True, loss_grad=torch.tensor(1.5))
reg1.after_loss()
out["regularizer"] = {"raw_out": flat(h), "out": flat(o), "loss": reg.learn.loss_grad.item(),
                      "loss_bs1": reg1.learn.loss_grad.item()}
toks = ["xxmaj", "hello", "xxup", "world", "xxrep", "3", "!", "xxwrep", "2", "very", "good", "xxmaj", "ÉTÉ"]
out["decode_spec_tokens"] = {"tokens": toks, "decoded": decode_spec_tokens(toks)}
save_atomic(os.path.join(ref_dir, "text_learner.json"), lambda p: json.dump(out, open(p, "w")))
print("wrote", ref_dir, out["classifier"]["keys"][:4], out["lm"]["split_sizes"], out["decode_spec_tokens"]["decoded"])
