#!/usr/bin/env python3
"""fastai's side of examples/pretrain_lm (real fastai 2.7.18 from ../shared/fastai-src): the same
AWD-LSTM config, schedule and tokens on URLs::BOOKS, for the valid perplexity beside fastai.cpp's.

  BOOKS_TOK_DIR EPOCHS THREADS [EMB HID LAYERS]

BOOKS_TOK_DIR: the books_tok folder pretrain_lm's TextDataLoaders.from_folder leaves beside BOOKS
(fastai's tokenize_folder cache: train/ and valid/ files of space-joined tokens, xxbos included;
spaCy, fastai's default tokenizer, is not in Debian), read with no further rules so both sides see
the same tokens and build the same vocab (max_vocab 15000, min_freq 3). Defaults as pretrain_lm's:
emb 200, n_hid 400, 2 layers, bs 64, seq_len 72, drop_mult 0.3, fit_one_cycle(EPOCHS, 5e-3), seed 42,
RNNRegularizer(alpha 2, beta 1) (fastai.cpp's language_model_learner adds it; fastai's does not).
fastai trains in fp32: its to_bf16 is CUDA-only.
Prints RESULT with the valid loss, accuracy, perplexity and the seconds per epoch.

Run:  . ../shared/fastai-src/env.sh && $PY bench/fastai_pretrain_lm.py ~/.fastai/data/books_tok 1 2"""
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch
from fastai.text.all import (AWD_LSTM, BaseTokenizer, ColReader, ColSplitter, DataBlock, Perplexity, RNNRegularizer,
                             TextBlock, accuracy, awd_lstm_lm_config, language_model_learner, set_seed)


def main(tok_dir, epochs, threads, emb=200, hid=400, layers=2):
    torch.set_num_threads(threads)
    set_seed(42)
    rows = [(f.read_text(encoding="utf-8"), split == "valid")
            for split in ("train", "valid") for f in sorted((Path(tok_dir) / split).glob("*.txt"))]
    df = pd.DataFrame(rows, columns=["text", "is_valid"])
    t0 = time.perf_counter()
    block = TextBlock.from_df("text", is_lm=True, seq_len=72, max_vocab=15000, tok=BaseTokenizer(split_char=" "),
                              rules=[])
    dls = DataBlock(blocks=[block], get_x=ColReader("text"), splitter=ColSplitter("is_valid")).dataloaders(
        df, path=tempfile.mkdtemp(prefix="fastai_pretrain_lm_"), bs=64)
    print(f"BOOKS: {len(dls.train)} train batches, {len(dls.valid)} valid batches; vocab {len(dls.vocab)}", flush=True)
    config = dict(awd_lstm_lm_config, emb_sz=emb, n_hid=hid, n_layers=layers)
    learn = language_model_learner(dls, AWD_LSTM, config=config, drop_mult=0.3, pretrained=False,
                                   metrics=[accuracy, Perplexity()], cbs=RNNRegularizer(alpha=2, beta=1))
    t1 = time.perf_counter()
    learn.fit_one_cycle(epochs, 5e-3)
    t2 = time.perf_counter()
    v = learn.validate()
    print(f"RESULT fastai_pretrain_lm epochs={epochs} valid_loss={float(v[0]):.4f} valid_accuracy={float(v[1]):.4f} "
          f"valid_perplexity={float(v[2]):.3f} epoch_s={(t2 - t1) / epochs:.1f} data_s={t1 - t0:.1f}")


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) not in (3, 6):
        sys.exit(__doc__)
    main(a[0], *map(int, a[1:]))
