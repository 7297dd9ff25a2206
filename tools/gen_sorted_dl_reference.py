#!/usr/bin/env python3
"""Runs real fastai 2.7.18's SortedDL with pad_input_chunk (fastai.text.data) with shuffling off
on made-up (ids, label) samples, and pad_chunk on its own, and writes the batches to
tests/data/reference/sorted_dl.json (test: tests/text/test_sorted_loader.cpp). Run from the root:
  . ../shared/fastai-src/env.sh && $PY tools/gen_sorted_dl_reference.py"""
import json
import os
import random
from functools import partial

import torch
from fastai.text.data import SortedDL, pad_chunk, pad_input_chunk
from fastai.text.data import TensorText

rng = random.Random(18)
cases = []
for n, bs, seq_len, pad_first, pad_idx in [(10, 4, 3, True, 1), (23, 5, 72, True, 1), (9, 2, 4, False, 0), (16, 16, 5, True, 2)]:
    lens = [rng.randint(1, 30) for _ in range(n)]
    if n > 3: lens[3] = lens[1]  # a tie: sorted() keeps the first first
    samples = [(TensorText(torch.tensor([rng.randint(2, 99) for _ in range(l)])), rng.randint(0, 1)) for l in lens]
    dl = SortedDL(samples, bs=bs, shuffle=False,
                  before_batch=partial(pad_input_chunk, pad_idx=pad_idx, pad_first=pad_first, seq_len=seq_len))
    batches = [{"x": x.tolist(), "y": y.tolist()} for x, y in dl]
    cases.append({"samples": [[s[0].tolist(), s[1]] for s in samples], "bs": bs, "seq_len": seq_len,
                  "pad_first": pad_first, "pad_idx": pad_idx, "batches": batches})
chunks = []
for l, pad_len, seq_len, pad_first in [(5, 12, 3, True), (5, 12, 3, False), (7, 7, 72, True), (1, 150, 72, True)]:
    x = torch.arange(10, 10 + l)
    chunks.append({"x": x.tolist(), "pad_len": pad_len, "seq_len": seq_len, "pad_first": pad_first,
                   "out": pad_chunk(x, pad_idx=1, pad_first=pad_first, seq_len=seq_len, pad_len=pad_len).tolist()})
path = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "reference", "sorted_dl.json")
with open(path + ".tmp", "w") as f:
    json.dump({"cases": cases, "pad_chunk": chunks}, f)
os.replace(path + ".tmp", path)
print(f"wrote {path}: {len(cases)} loaders, {sum(len(c['batches']) for c in cases)} batches")
