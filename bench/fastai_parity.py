#!/usr/bin/env python3
"""Real fastai 2.7.18 (../shared/fastai-src) running bench_parity's recipes, one seed after
another, printing one machine line per seed for bench/bench_parity.cpp to read:

  SPLIT cat=a,b cont=c,d                   (tabular: the columns, after cont_cat_split)
  PROCS {"classes": …, "na_dict": …, …}    (tabular: what the procs learned, column sums)
  SEED 0 metric=0.7912 s_per_epoch=0.52

Recipes (fastai's defaults unless named):
  tabular  Categorify/FillMissing/Normalize, RandomSplitter(0.2, seed 42), bs 64, tabular_learner
           ([200, 100]), fit_one_cycle(epochs, lr); accuracy, or rmse for a float target
  collab   CollabDataLoaders.from_df(valid_pct 0.2, seed 42, bs 64), collab_learner(n_factors 50,
           y_range (0, 5.5)), fit_one_cycle(epochs, lr, wd 0.1); valid mse
  vision   Fashion-MNIST from its idx files (the folder as `csv`), images / 255, bs 128, fastai's
           simple CNN in a Learner, fit_one_cycle(epochs, lr); accuracy on the 10,000 test images
The seed sets the model's initialisation and the shuffling (set_seed), never the split.

  . ../shared/fastai-src/env.sh
  $PY bench/fastai_parity.py tabular credit_data.csv Status --cat Home Marital --cont Age --seeds 0 1
"""
import argparse, json, os, sys, time
import numpy as np, pandas as pd, torch
import torch.nn as nn
from fastai.tabular.all import (TabularPandas, Categorify, FillMissing, Normalize, RandomSplitter, range_of,
                                tabular_learner, accuracy, rmse, cont_cat_split, set_seed, CategoryBlock,
                                RegressionBlock)
from fastai.collab import CollabDataLoaders, collab_learner


def tabular(a, seed):
    df = pd.read_csv(a.csv)
    if a.log_y: df[a.y] = np.log(df[a.y])
    cat, cont = a.cat, a.cont
    if not cat and not cont:
        cont, cat = cont_cat_split(df, max_card=20, dep_var=a.y)
    if seed == a.seeds[0]: print('SPLIT cat=' + ','.join(cat) + ' cont=' + ','.join(cont), flush=True)
    regression = pd.api.types.is_float_dtype(df[a.y])
    splits = RandomSplitter(valid_pct=0.2, seed=42)(range_of(df))
    to = TabularPandas(df, procs=[Categorify, FillMissing, Normalize], cat_names=cat, cont_names=cont, y_names=a.y,
                       y_block=RegressionBlock() if regression else CategoryBlock(), splits=splits)
    if seed == a.seeds[0]:  # what the procs learned and made, for bench_parity to compare
        t = to.train
        print('PROCS ' + json.dumps({
            'cat_names': list(to.cat_names), 'cont_names': list(to.cont_names),
            'classes': {c: [str(v) for v in to.classes[c]] for c in to.cat_names},
            'na_dict': {k: float(v) for k, v in to.procs.fill_missing.na_dict.items()},
            'means': {k: float(v) for k, v in to.procs.normalize.means.items()},
            'stds': {k: float(v) for k, v in to.procs.normalize.stds.items()},
            'cat_sums': [int(x) for x in t.cats.values.sum(0)],
            'cont_abs_sums': [float(x) for x in np.abs(t.conts.values).sum(0)],
            'y_sum': float(t.ys.values.astype('float64').sum())}), flush=True)
    set_seed(seed)
    dls = to.dataloaders(bs=64)
    learn = tabular_learner(dls, metrics=rmse if regression else accuracy)
    return learn, lambda: learn.recorder.values[-1][2]


def collab(a, seed):
    df = pd.read_csv(a.csv)[[a.user, a.item, a.rating]]
    set_seed(seed)
    dls = CollabDataLoaders.from_df(df, valid_pct=0.2, seed=42, bs=64)
    set_seed(seed)
    learn = collab_learner(dls, n_factors=50, y_range=(0, 5.5))
    return learn, lambda: learn.recorder.values[-1][1]


def vision(a, seed):
    import gzip
    from fastai.vision.all import (Learner, DataLoaders, DataLoader, ConvLayer, Flatten, CrossEntropyLossFlat)
    def idx(stem):
        p = os.path.join(a.csv, stem)
        raw = gzip.open(p + '.gz').read() if os.path.exists(p + '.gz') else open(p, 'rb').read()
        ndim = raw[3]
        dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
        return torch.frombuffer(bytearray(raw[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)
    x = (idx('train-images-idx3-ubyte').float() / 255).unsqueeze(1)
    y = idx('train-labels-idx1-ubyte').long()
    xv = (idx('t10k-images-idx3-ubyte').float() / 255).unsqueeze(1)
    yv = idx('t10k-labels-idx1-ubyte').long()
    set_seed(seed)
    dls = DataLoaders(DataLoader(list(zip(x, y)), bs=128, shuffle=True, drop_last=True),
                      DataLoader(list(zip(xv, yv)), bs=128))
    model = nn.Sequential(ConvLayer(1, 8, ks=5, stride=2), ConvLayer(8, 16, stride=2), ConvLayer(16, 32, stride=2),
                          ConvLayer(32, 64, stride=2), ConvLayer(64, 10, stride=2, act_cls=None), Flatten())
    learn = Learner(dls, model, loss_func=CrossEntropyLossFlat(), metrics=accuracy)
    return learn, lambda: learn.recorder.values[-1][2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('task', choices=['tabular', 'collab', 'vision'])
    ap.add_argument('csv')
    ap.add_argument('y', nargs='?', default='')
    ap.add_argument('--cat', nargs='*', default=[]); ap.add_argument('--cont', nargs='*', default=[])
    ap.add_argument('--log-y', action='store_true')
    ap.add_argument('--user', default='userId'); ap.add_argument('--item', default='movieId')
    ap.add_argument('--rating', default='rating')
    ap.add_argument('--epochs', type=int, default=3); ap.add_argument('--lr', type=float, default=1e-2)
    ap.add_argument('--wd', type=float, default=None)
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2, 3, 4])
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    for seed in a.seeds:
        learn, metric = {'tabular': tabular, 'collab': collab, 'vision': vision}[a.task](a, seed)
        t0 = time.perf_counter()
        with learn.no_bar(), learn.no_logging():
            learn.fit_one_cycle(a.epochs, a.lr, wd=a.wd)
        dt = (time.perf_counter() - t0) / a.epochs
        print(f'SEED {seed} metric={float(metric()):.6f} s_per_epoch={dt:.4f}', flush=True)


if __name__ == '__main__':
    main()
