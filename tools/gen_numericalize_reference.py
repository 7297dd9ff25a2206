#!/usr/bin/env python3
"""Runs real fastai 2.7.18's make_vocab and Numericalize (fastai.text.data) on the token streams of
tests/data/reference/text_rules.json (fastai's own tokens of 694 strings) and writes the vocabs,
ids and decoded tokens to tests/data/reference/numericalize.json
(test: tests/text/test_numericalize.cpp). Run from the project root:
  . ../shared/fastai-src/env.sh && $PY tools/gen_numericalize_reference.py"""
import json
import os
from collections import Counter

from fastai.text.data import Numericalize, make_vocab

ref = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "reference")
docs = [c["tokens"] for c in json.load(open(os.path.join(ref, "text_rules.json"), encoding="utf-8"))["cases"]]
count = Counter(p for d in docs for p in d)
out = {
    "vocab_default": make_vocab(count),
    "vocab_min1_max30": make_vocab(count, min_freq=1, max_vocab=30),
    "vocab_min2_specials": make_vocab(count, min_freq=2, special_toks=["xxunk", "xxpad", "a", "xxnew"]),
    "vocab_exact_multiple": make_vocab(Counter({"x": 5}), min_freq=1, special_toks=["a", "b", "c", "d", "e", "f", "g"]),
}
num = Numericalize()
num.setup(docs[:500])
out["numericalize_vocab"] = list(num.vocab)
out["encoded"] = [num(d).tolist() for d in docs[500:540]]
out["decoded"] = [list(num.decode(num(d))) for d in docs[500:540]]
out["n_train_docs"] = 500
path = os.path.join(ref, "numericalize.json")
with open(path + ".tmp", "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False)
os.replace(path + ".tmp", path)
print(f"wrote {path}: vocab {len(out['vocab_default'])} / {len(out['numericalize_vocab'])} tokens")
