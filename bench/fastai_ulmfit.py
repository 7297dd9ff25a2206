#!/usr/bin/env python3
"""fastai's side of examples/train_text's ULMFiT recipe (real fastai 2.7.18 from ../shared/fastai-src).

  TOKENS_CSV PRETRAINED_DIR SEED LM_EPOCHS THREADS

TOKENS_CSV: reviews with their tokens already made by fastai.cpp's WordTokenizer and fastai's
rules, space-joined (train_text --dump-tokens writes it: spaCy, fastai's default tokenizer, is not
in Debian), so both sides read the same tokens and build the same vocab; fastai splits them on
spaces with no further rules. PRETRAINED_DIR: pretrain_lm's lstm_fwd.pth, itos.pkl, config.json.
The schedule is the tutorial's, as train_text runs it: LM fit_one_cycle(1, 2e-2), unfreeze,
fit_one_cycle(LM_EPOCHS, 2e-3); classifier fit_one_cycle(1, 2e-2), freeze_to(-2), (1, slice(1e-2/2.6**4,
1e-2)), freeze_to(-3), (1, slice(5e-3/2.6**4, 5e-3)), unfreeze, (2, slice(1e-3/2.6**4, 1e-3)). fastai's
TextLearner never adds RNNRegularizer (alpha 2, beta 1), fastai.cpp's does: it is passed here. fastai trains
in fp32: its to_bf16 is CUDA-only (torch.cuda.amp.autocast fails on a CPU build).
Prints a RESULT line with the valid accuracy, the LM's perplexity, each phase's seconds and the mean
seconds of the unfrozen LM and classifier epochs (train_text's line has the same keys).

Run:  . ../shared/fastai-src/env.sh && $PY bench/fastai_ulmfit.py tokens.csv ~/.fastai/models/awd_lstm_books 42 4 2"""
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch
from fastai.text.all import (AWD_LSTM, BaseTokenizer, CategoryBlock, ColReader, ColSplitter, DataBlock, Perplexity,
                             RandomSplitter, RNNRegularizer, TextBlock, accuracy, awd_lstm_clas_config,
                             awd_lstm_lm_config, language_model_learner, set_seed, text_classifier_learner)


def main(tokens_csv, pretrained_dir, seed, lm_epochs, threads):
    torch.set_num_threads(threads)
    set_seed(seed)
    df = pd.read_csv(tokens_csv)
    cfg = json.loads((Path(pretrained_dir) / "config.json").read_text())
    sizes = dict(emb_sz=cfg["emb_sz"], n_hid=cfg["n_hid"], n_layers=cfg["n_layers"])
    work = Path(tempfile.mkdtemp(prefix="fastai_ulmfit_"))
    (work / "models").mkdir()
    for f in ("lstm_fwd.pth", "itos.pkl"):
        shutil.copy(Path(pretrained_dir) / f, work / "models" / f)
    tok = dict(tok=BaseTokenizer(split_char=" "), rules=[])  # the tokens as they are

    t0 = time.perf_counter()
    dls_lm = DataBlock(blocks=[TextBlock.from_df("text", is_lm=True, **tok)], get_x=ColReader("text"),
                       splitter=RandomSplitter(0.1, seed=seed)).dataloaders(df, path=work, bs=64)
    learn = language_model_learner(dls_lm, AWD_LSTM, config=dict(awd_lstm_lm_config, **sizes), drop_mult=0.3,
                                   pretrained_fnames=["lstm_fwd", "itos"], metrics=[accuracy, Perplexity()],
                                   cbs=RNNRegularizer(alpha=2, beta=1))
    learn.fit_one_cycle(1, 2e-2)
    learn.unfreeze()
    t = time.perf_counter()
    learn.fit_one_cycle(lm_epochs, 2e-3)
    lm_epoch_s = (time.perf_counter() - t) / max(lm_epochs, 1)
    lm_valid = learn.validate()
    learn.save_encoder("finetuned")
    t1 = time.perf_counter()

    dls = DataBlock(blocks=[TextBlock.from_df("text", vocab=dls_lm.vocab, **tok), CategoryBlock],
                    get_x=ColReader("text"), get_y=ColReader("label"),
                    splitter=ColSplitter("is_valid")).dataloaders(df, path=work, bs=64)
    clas = text_classifier_learner(dls, AWD_LSTM, config=dict(awd_lstm_clas_config, **sizes), drop_mult=0.5,
                                   pretrained=False, metrics=accuracy, cbs=RNNRegularizer(alpha=2, beta=1))
    clas.load_encoder("finetuned")
    clas.fit_one_cycle(1, 2e-2)
    clas.freeze_to(-2)
    clas.fit_one_cycle(1, slice(1e-2 / (2.6 ** 4), 1e-2))
    clas.freeze_to(-3)
    clas.fit_one_cycle(1, slice(5e-3 / (2.6 ** 4), 5e-3))
    clas.unfreeze()
    t = time.perf_counter()
    clas.fit_one_cycle(2, slice(1e-3 / (2.6 ** 4), 1e-3))
    clas_epoch_s = (time.perf_counter() - t) / 2
    v = clas.validate()
    t2 = time.perf_counter()
    print(f"RESULT fastai_ulmfit seed={seed} valid_accuracy={float(v[1]):.4f} valid_loss={float(v[0]):.4f} "
          f"lm_perplexity={float(lm_valid[2]):.3f} lm_seconds={t1 - t0:.1f} clas_seconds={t2 - t1:.1f} "
          f"lm_epoch_s={lm_epoch_s:.1f} clas_epoch_s={clas_epoch_s:.1f}")
    shutil.rmtree(work)


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) != 5:
        sys.exit(__doc__)
    main(a[0], a[1], int(a[2]), int(a[3]), int(a[4]))
