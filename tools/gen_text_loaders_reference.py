#!/usr/bin/env python3
"""Runs real fastai 2.7.18's TextDataLoaders.from_df recipe (TextBlock.from_df + CategoryBlock,
ColSplitter, shuffling off) with the SentencePiece model of tests/data/reference/spm_unigram.model
on the 600 reviews of sentencepiece.json, as a classifier and as a language model, and writes the
vocabs and the first batches to tests/data/reference/text_loaders.json (test:
tests/text/test_text_loaders.cpp). The DataBlock is built as TextDataLoaders.from_df builds it;
the only change is n_workers=0 (tokenizing in this process; the tokens are the same). Run from the
root:  . ../shared/fastai-src/env.sh && $PY tools/gen_text_loaders_reference.py"""
import json
import os
import random

import pandas as pd
from fastai.data.block import CategoryBlock, ColReader, ColSplitter, DataBlock
from fastai.text.core import SentencePieceTokenizer
from fastai.text.data import TextBlock

here = os.path.dirname(__file__)
ref = os.path.join(here, "..", "tests", "data", "reference")
with open(os.path.join(ref, "sentencepiece.json")) as f:
    texts = json.load(f)["texts"]
rng = random.Random(18)
df = pd.DataFrame({"text": texts,
                   "label": [rng.choice(["great", "other"]) for _ in texts],
                   "is_valid": [i % 5 == 0 for i in range(len(texts))]})
df.to_csv(os.path.join(ref, "text_loaders.csv"), index=False)


def batches(dl, n):
    out = []
    for i, b in enumerate(dl):
        if i == n: break
        out.append([t.tolist() for t in b])
    return out


def loaders(is_lm, bs, seq_len):
    tok = SentencePieceTokenizer(sp_model=os.path.join(ref, "spm_unigram.model"))
    blocks = [TextBlock.from_df("text", is_lm=is_lm, seq_len=seq_len, tok=tok, n_workers=0)]
    if not is_lm: blocks.append(CategoryBlock)
    dblock = DataBlock(blocks=blocks, get_x=ColReader("text"), get_y=None if is_lm else ColReader("label"),
                       splitter=ColSplitter("is_valid"))
    return dblock.dataloaders(df, bs=bs, seq_len=seq_len, shuffle=False)


out = {}
clas = loaders(False, 16, 24)
out["clas"] = {"bs": 16, "seq_len": 24, "vocab": list(clas.vocab[0]), "labels": list(clas.vocab[1]),
               "n_train": len(clas.train_ds), "n_valid": len(clas.valid_ds),
               "train": batches(clas.train, 3), "valid": batches(clas.valid, 3)}
lm = loaders(True, 8, 20)
out["lm"] = {"bs": 8, "seq_len": 20, "vocab": list(lm.vocab), "n_train_batches": len(lm.train),
             "n_valid_batches": len(lm.valid), "train": batches(lm.train, 3), "valid": batches(lm.valid, 2)}
path = os.path.join(ref, "text_loaders.json")
with open(path + ".tmp", "w") as f:
    json.dump(out, f)
os.replace(path + ".tmp", path)
print(f"wrote {path}: clas vocab {len(out['clas']['vocab'])}, lm vocab {len(out['lm']['vocab'])}, "
      f"{out['lm']['n_train_batches']} LM train batches")
