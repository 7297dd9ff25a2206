#!/usr/bin/env python3
"""Step-by-step training trajectories from real fastai (../shared/fastai-src), for
tests/test_trajectory*.cpp: fastai.cpp loads the same initial weights, replays the same batch
order and must reproduce every step's loss, learning rate, momentum and parameter norms.

Each case writes tests/data/reference/trajectory/<case>.json:
  params        the initial state_dict, by fastai's names ({"shape", "values"})
  order         per epoch, the training rows in the order fastai's loader drew them
  steps         per optimizer step: loss (the batch's, before the step), lr and mom (the
                hypers the step used), norms (every parameter's L2 norm after the step)
  valid_loss    per epoch, fastai's validation loss
  data          the processed inputs fastai fed the model (TabularPandas: cats, conts, ys)

  . ../shared/fastai-src/env.sh && $PY tools/gen_trajectory_reference.py      # every case
  $PY tools/gen_trajectory_reference.py tabular_cls                            # one case

The data are made here (small, seeded, committed beside the references) so the tests need
neither fastai nor any data package.
"""
import json, os, sys
import numpy as np, pandas as pd, torch
from fastai.tabular.all import (Categorify, FillMissing, Normalize, TabularDataLoaders, tabular_learner,
                                IndexSplitter, RandomSplitter, Callback, CategoryBlock, RegressionBlock, accuracy,
                                range_of)
from fastai.collab import CollabDataLoaders, collab_learner

OUT = os.path.join(os.path.dirname(__file__), '..', 'tests', 'data', 'reference', 'trajectory')
torch.set_num_threads(1)


def tensor_json(t):
    t = t.detach().cpu()
    return {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape),
            'values': t.reshape(-1).tolist()}


class Trace(Callback):
    """Records what every step saw and did (order 1: after fastai's schedulers set the hypers)."""
    order = 100

    def before_fit(self):
        self.steps = []

    def before_step(self):
        h = self.opt.hypers[-1]
        self.cur = {'loss': float(self.learn.loss), 'lr': float(h['lr']),
                    'mom': float(h['mom'] if 'mom' in h else h['betas'][0])}

    def after_step(self):
        self.cur['norms'] = {n: float(p.detach().norm()) for n, p in self.learn.model.named_parameters()}
        self.steps.append(self.cur)


def record_order(dl):
    """Wraps the loader's get_idxs so every epoch's shuffled order is kept."""
    orders, orig = [], dl.get_idxs

    def get_idxs():
        idxs = list(orig())
        orders.append([int(i) for i in idxs])
        return idxs
    dl.get_idxs = get_idxs
    return orders


def tabular_frame(n=400, seed=0):
    """Categorical (with missing values), continuous (with missing values, one integer) and
    both kinds of target."""
    r = np.random.default_rng(seed)
    color = r.choice(['red', 'green', 'blue', 'black', 'white'], n).astype(object)
    color[r.random(n) < 0.05] = np.nan  # an empty CSV field: pandas reads NaN, Categorify maps it to #na#
    size = r.choice(['S', 'M', 'L'], n, p=[0.5, 0.3, 0.2])
    x1 = r.normal(3, 2, n)
    x2 = r.uniform(-1, 1, n)
    x2[r.random(n) < 0.1] = np.nan
    count = r.integers(0, 20, n).astype('int64')
    score = x1 * 0.5 + np.nan_to_num(x2) * 2 + (size == 'L') * 1.5 - (color == 'red') + r.normal(0, 0.5, n)
    df = pd.DataFrame({'color': color, 'size': size, 'x1': x1, 'x2': x2, 'count': count})
    df['label'] = np.where(score > np.median(score), 'high', 'low')
    df['price'] = (score * 10 + 50).astype('float32')
    return df


def run_tabular(name, y, regression):
    df = tabular_frame()
    csv = os.path.join(OUT, 'tabular.csv')
    df.to_csv(csv, index=False)
    df = pd.read_csv(csv)  # exactly what the C++ side reads
    valid = list(range(320, 400))
    dls = TabularDataLoaders.from_df(df, procs=[Categorify, FillMissing, Normalize], cat_names=['color', 'size'],
                                     cont_names=['x1', 'x2', 'count'], y_names=y,
                                     y_block=RegressionBlock() if regression else CategoryBlock(),
                                     valid_idx=valid, bs=64)
    torch.manual_seed(0)
    learn = tabular_learner(dls, layers=[32, 16], y_range=(0, 120) if regression else None,
                            metrics=None if regression else accuracy)
    params = {k: tensor_json(v) for k, v in learn.model.state_dict().items()}
    orders = record_order(learn.dls.train)
    trace = Trace()
    with learn.no_bar(), learn.no_logging():
        learn.fit_one_cycle(10, 1e-2, cbs=[trace])
    to = learn.dls.train_ds
    data = {'cat_names': list(to.cat_names), 'cont_names': list(to.cont_names),
            'classes': {c: [str(v) for v in to.classes[c]] for c in to.cat_names},
            'train_cats': to.cats.values.tolist(), 'train_conts': to.conts.values.tolist(),
            'train_ys': to.ys.values.reshape(-1).tolist(),
            'normalize': {'means': {k: float(v) for k, v in to.procs.normalize.means.items()},
                          'stds': {k: float(v) for k, v in to.procs.normalize.stds.items()}},
            'fill': {k: float(v) for k, v in to.procs.fill_missing.na_dict.items()}}
    if not regression: data['vocab'] = [str(v) for v in dls.vocab]
    return {'case': name, 'fit': {'method': 'fit_one_cycle', 'n_epoch': 10, 'lr_max': 1e-2},
            'layers': [32, 16], 'y_range': [0, 120] if regression else None, 'bs': 64, 'valid_idx': valid, 'y': y, 'params': params, 'order': orders,
            'steps': trace.steps, 'valid_loss': [float(v[1]) for v in learn.recorder.values], 'data': data}


def ratings_frame(n_users=60, n_items=40, n=1500, seed=1):
    r = np.random.default_rng(seed)
    u = r.integers(0, n_users, n)
    i = r.integers(0, n_items, n)
    uf, itf = r.normal(0, 1, (n_users, 3)), r.normal(0, 1, (n_items, 3))
    score = 3 + (uf[u] * itf[i]).sum(1) * 0.5 + r.normal(0, 0.5, n)
    return pd.DataFrame({'user': u + 1000, 'item': [f'm{k}' for k in i],
                         'rating': np.clip(np.round(score), 1, 5).astype('float32')})


def run_collab(name, use_nn):
    df = ratings_frame()
    csv = os.path.join(OUT, 'ratings.csv')
    df.to_csv(csv, index=False)
    df = pd.read_csv(csv)
    dls = CollabDataLoaders.from_df(df, valid_pct=0.2, seed=42, bs=64)
    splits = RandomSplitter(valid_pct=0.2, seed=42)(range_of(df))
    torch.manual_seed(0)
    learn = collab_learner(dls, n_factors=8, use_nn=use_nn, layers=[16] if use_nn else None, y_range=(0, 5.5))
    params = {k: tensor_json(v) for k, v in learn.model.state_dict().items()}
    orders = record_order(learn.dls.train)
    trace = Trace()
    with learn.no_bar(), learn.no_logging():
        learn.fit_one_cycle(3, 5e-3, cbs=[trace])
    to = learn.dls.train_ds
    data = {'valid_idx': [int(i) for i in splits[1]],
            'classes': {c: [str(v) for v in to.classes[c]] for c in to.cat_names},
            'train_cats': to.cats.values.tolist(), 'train_ys': to.ys.values.reshape(-1).tolist()}
    return {'case': name, 'fit': {'method': 'fit_one_cycle', 'n_epoch': 3, 'lr_max': 5e-3}, 'n_factors': 8,
            'use_nn': use_nn, 'layers': [16] if use_nn else None, 'y_range': [0, 5.5], 'bs': 64, 'seed': 42,
            'params': params, 'order': orders, 'steps': trace.steps,
            'valid_loss': [float(v[1]) for v in learn.recorder.values], 'data': data}


CASES = {
    'tabular_cls': lambda: run_tabular('tabular_cls', 'label', False),
    'tabular_reg': lambda: run_tabular('tabular_reg', 'price', True),
    'collab_dot': lambda: run_collab('collab_dot', False),
    'collab_nn': lambda: run_collab('collab_nn', True),
}

if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    for name in sys.argv[1:] or CASES:
        ref = CASES[name]()
        path = os.path.join(OUT, name + '.json')
        with open(path + '.tmp', 'w') as f:
            json.dump(ref, f, separators=(',', ':'))
        os.replace(path + '.tmp', path)
        print(f'{path}: {len(ref["steps"])} steps, first loss {ref["steps"][0]["loss"]:.6f}, '
              f'last {ref["steps"][-1]["loss"]:.6f}')
