#!/usr/bin/env python3
"""Runs real fastai 2.7.18's LMDataLoader (fastai.text.data) with shuffling off on made-up
numericalized documents (seeded lengths and ids) and writes every batch to
tests/data/reference/lm_loader.json (test: tests/text/test_lm_loader.cpp). Run from the project root:
  . ../shared/fastai-src/env.sh && $PY tools/gen_lm_loader_reference.py"""
import json
import os
import random

import torch
from fastai.text.data import LMDataLoader

rng = random.Random(18)
cases = []
for n_docs, bs, seq_len in [(7, 4, 5), (30, 3, 72), (12, 5, 6), (3, 2, 100), (50, 16, 10)]:
    lens = [rng.randint(1, 60) for _ in range(n_docs)]
    docs = [torch.tensor([rng.randint(0, 999) for _ in range(n)]) for n in lens]
    dl = LMDataLoader(docs, bs=bs, seq_len=seq_len, shuffle=False)
    batches = [{"x": x.tolist(), "y": y.tolist()} for x, y in dl]
    cases.append({"docs": [d.tolist() for d in docs], "bs": bs, "seq_len": seq_len, "batches": batches})
ref = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "reference")
path = os.path.join(ref, "lm_loader.json")
with open(path + ".tmp", "w") as f:
    json.dump({"cases": cases}, f)
os.replace(path + ".tmp", path)
print(f"wrote {path}: {len(cases)} cases, {sum(len(c['batches']) for c in cases)} batches")
