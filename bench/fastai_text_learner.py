#!/usr/bin/env python3
"""fastai's side of bench/bench_text_learner.cpp (real fastai 2.7.18 from ../shared/fastai-src).

  step THREADS EMB,N_HID,LAYERS REPS   one AWD-LSTM language-model training step on a fixed
                                       64 x 72 batch (vocab 5300): fastai's get_language_model,
                                       CrossEntropyLossFlat + RNNRegularizer's terms (alpha 2,
                                       beta 1), backward, fastai's Adam step; prints the median
                                       STEP, FORWARD, BACKWARD and OPT seconds over REPS steps
                                       after one warm-up step.

Run:  . ../shared/fastai-src/env.sh && $PY bench/fastai_text_learner.py step 2 200,400,2 3"""
import sys
import time

import torch
from fastai.losses import CrossEntropyLossFlat
from fastai.optimizer import Adam
from fastai.text.models.awdlstm import AWD_LSTM, awd_lstm_lm_config
from fastai.text.models.core import get_language_model


def step(threads, cfg, reps):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    emb, nhid, nl = cfg
    V = 5300
    config = dict(awd_lstm_lm_config, emb_sz=emb, n_hid=nhid, n_layers=nl)
    m = get_language_model(AWD_LSTM, V, config=config)
    m.train()
    opt = Adam(list(m.parameters()), lr=1e-3)
    x, y = torch.randint(2, V, (64, 72)), torch.randint(2, V, (64, 72))
    lf = CrossEntropyLossFlat()
    ts = []
    for i in range(reps + 1):
        t0 = time.perf_counter()
        out, raw, drop = m(x)
        loss = lf(out, y) + 2 * drop[-1].float().pow(2).mean() + (raw[-1][:, 1:] - raw[-1][:, :-1]).float().pow(2).mean()
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        opt.zero_grad()
        t3 = time.perf_counter()
        if i:
            ts.append((t3 - t0, t1 - t0, t2 - t1, t3 - t2))
    ts.sort()
    t = ts[len(ts) // 2]
    print("STEP %.4f" % t[0])
    print("FORWARD %.4f" % t[1])
    print("BACKWARD %.4f" % t[2])
    print("OPT %.4f" % t[3])


def main():
    if sys.argv[1] == "step":
        step(int(sys.argv[2]), [int(v) for v in sys.argv[3].split(",")], int(sys.argv[4]))
    else:
        sys.exit("usage: fastai_text_learner.py step THREADS EMB,N_HID,LAYERS REPS")


if __name__ == "__main__":
    main()
