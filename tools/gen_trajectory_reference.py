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
import json, math, os, sys
import numpy as np, pandas as pd, torch
from PIL import Image
from fastai.tabular.all import (Categorify, FillMissing, Normalize, TabularDataLoaders, tabular_learner,
                                IndexSplitter, RandomSplitter, Callback, CategoryBlock, RegressionBlock, accuracy,
                                range_of)
from fastai.collab import CollabDataLoaders, collab_learner
from fastai.vision.all import (ImageDataLoaders, PILImageBW, Learner, ConvLayer, Flatten, vision_learner, xresnet18)
import torch.nn as nn
import torch.nn.functional as F
from fastai.torch_core import set_seed

OUT = os.path.join(os.path.dirname(__file__), '..', 'tests', 'data', 'reference', 'trajectory')
torch.set_num_threads(int(os.environ.get("FASTAI_REF_THREADS", "1")))  # 1: what the tests replay


def tensor_json(t):
    t = t.detach().cpu()
    return {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape),
            'values': t.reshape(-1).tolist()}


class Trace(Callback):
    """Records what every step saw and did, across fits (fine_tune fits twice), and each epoch's
    validation loss (order 100: after the schedulers set the hypers and the Recorder logged)."""
    order = 100

    def __init__(self):
        self.steps, self.valid_loss = [], []

    def after_epoch(self):
        self.valid_loss.append(float(self.learn.recorder.values[-1][1]))

    def before_step(self):
        h = self.opt.hypers[-1]
        self.cur = {'loss': float(self.learn.loss_grad), 'lr': float(h['lr']),
                    'mom': float(h['mom'] if 'mom' in h else h['betas'][0]),
                    'lrs': [float(g['lr']) for g in self.opt.hypers]}
        self.before = {n: p.detach().clone() for n, p in self.learn.model.named_parameters()}
        self.cur['grads'] = {n: float(p.grad.norm()) for n, p in self.learn.model.named_parameters()
                             if p.grad is not None}

    def after_step(self):
        self.cur['norms'] = {n: float(p.detach().norm()) for n, p in self.learn.model.named_parameters()}
        # How far the step moved each parameter: catches an update a norm hides (a frozen layer
        # that moved, weight decay on the wrong parameters).
        self.cur['deltas'] = {n: float((p.detach() - self.before[n]).norm())
                              for n, p in self.learn.model.named_parameters()}
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
            'steps': trace.steps, 'valid_loss': trace.valid_loss, 'data': data}


def ratings_frame(n_users=60, n_items=40, n=1500, seed=1):
    r = np.random.default_rng(seed)
    u = r.integers(0, n_users, n)
    i = r.integers(0, n_items, n)
    uf, itf = r.normal(0, 1, (n_users, 3)), r.normal(0, 1, (n_items, 3))
    score = 3 + (uf[u] * itf[i]).sum(1) * 0.5 + r.normal(0, 0.5, n)
    return pd.DataFrame({'user': u + 1000, 'item': [f'm{k}' for k in i],
                         'rating': np.clip(np.round(score), 1, 5).astype('float32')})


def run_collab(name, use_nn, wd=None):
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
        learn.fit_one_cycle(3, 5e-3, wd=wd, cbs=[trace])
    to = learn.dls.train_ds
    data = {'valid_idx': [int(i) for i in splits[1]],
            'classes': {c: [str(v) for v in to.classes[c]] for c in to.cat_names},
            'train_cats': to.cats.values.tolist(), 'train_ys': to.ys.values.reshape(-1).tolist()}
    return {'case': name, 'fit': {'method': 'fit_one_cycle', 'n_epoch': 3, 'lr_max': 5e-3, 'wd': wd}, 'n_factors': 8,
            'use_nn': use_nn, 'layers': [16] if use_nn else None, 'y_range': [0, 5.5], 'bs': 64, 'seed': 42,
            'params': params, 'order': orders, 'steps': trace.steps,
            'valid_loss': trace.valid_loss, 'data': data}


def formula_init(model):
    """Weights from a formula both sides compute (instead of shipping xresnet18's 11M values):
    parameter i (in named_parameters order) of n values gets sin(0.618 k + 0.37 i), scaled by
    sqrt(3 / fan_in) for matrices and kernels, 1 + 0.1 sin for vectors named weight (norms),
    0.1 sin for the other vectors (biases) and for the norm closing a residual branch
    (`convpath.1.1.weight`: fastai's BatchZero starts it at 0, so a deep net starts near the
    identity and stays well conditioned). Buffers keep their defaults."""
    with torch.no_grad():
        for i, (n, p) in enumerate(model.named_parameters()):
            k = torch.arange(p.numel(), dtype=torch.float64)
            v = torch.sin(k * 0.618 + i * 0.37)
            if p.dim() > 1: v = v * math.sqrt(3.0 / (p.numel() // p.shape[0]))
            elif n.endswith('weight') and not n.endswith('convpath.1.1.weight'): v = 1 + 0.1 * v
            else: v = 0.1 * v
            p.copy_(v.reshape(p.shape).to(p.dtype))


def make_images(root, n_train=80, n_valid=32, seed=2):
    """28x28 grey PNGs in fastai's from_folder layout: 'square' has a bright square, 'bar' a
    bright horizontal bar, both at random places over noise."""
    r = np.random.default_rng(seed)
    for split, n in (('train', n_train), ('valid', n_valid)):
        for k in range(n):
            cls = ('square', 'bar')[k % 2]
            img = r.integers(0, 60, (28, 28)).astype(np.uint8)
            y, x = r.integers(2, 18, 2)
            if cls == 'square': img[y:y + 8, x:x + 8] = 220
            else: img[y + 3:y + 6, 2:26] = 220
            d = os.path.join(root, split, cls)
            os.makedirs(d, exist_ok=True)
            Image.fromarray(img, mode='L').save(os.path.join(d, f'{k:03d}.png'))


def simple_cnn_model(n_out):
    """fastai's simple CNN for 1-channel 28x28 images (the stack fastai.cpp's simple_cnn builds)."""
    return nn.Sequential(ConvLayer(1, 8, ks=5, stride=2), ConvLayer(8, 16, stride=2), ConvLayer(16, 32, stride=2),
                         ConvLayer(32, 64, stride=2), ConvLayer(64, n_out, stride=2, act_cls=None), Flatten())


class ToDouble(Callback):
    """Runs the model in float64 (xresnet18 under formula_init is so ill-conditioned that fastai
    itself moves its gradient norms by 3% between float32 and float64, and by 2e-4 between 1 and
    2 threads: in float32 a step-by-step comparison would measure rounding, not the code)."""
    order = -20

    def before_fit(self):
        self.learn.model.double()
        # fastai's CrossEntropyLossFlat returns float32 even for float64 predictions (so its
        # gradient would carry float32 rounding); the same loss, computed in float64:
        self.learn.loss_func = lambda out, targ: F.cross_entropy(out.view(-1, out.shape[-1]), targ.view(-1).long())

    def before_batch(self): self.learn.xb = tuple(x.double() for x in self.xb)

    def after_loss(self): self.learn.loss = self.learn.loss.float()  # fastai's metrics accumulate in float32


def train_vision(arch, threads):
    set_seed(0)
    torch.set_num_threads(threads)
    root = os.path.join(OUT, 'images')
    if not os.path.isdir(root): make_images(root)
    dls = ImageDataLoaders.from_folder(root, train='train', valid='valid', img_cls=PILImageBW, bs=16,
                                       num_workers=0)
    if arch == 'simple_cnn':
        learn = Learner(dls, simple_cnn_model(2))
    else:
        learn = vision_learner(dls, xresnet18, n_in=1, pretrained=False, ps=0.)
    formula_init(learn.model)
    dtype = 'float32' if arch == 'simple_cnn' else 'float64'
    if dtype == 'float64': learn.add_cb(ToDouble())
    shapes = {k: list(v.shape) for k, v in learn.model.state_dict().items()}
    orders = record_order(learn.dls.train)
    trace = Trace()
    with learn.no_bar(), learn.no_logging():
        if arch == 'simple_cnn':
            fit = {'method': 'fit_flat_cos', 'n_epoch': 10, 'lr': 1e-2}
            learn.fit_flat_cos(10, 1e-2, cbs=[trace])
        else:
            fit = {'method': 'fine_tune', 'epochs': 9, 'base_lr': 2e-3, 'freeze_epochs': 1}
            learn.fine_tune(9, 2e-3, freeze_epochs=1, cbs=[trace])
    torch.set_num_threads(1)
    items = lambda ds: [os.path.relpath(str(f), root) for f in ds.items]
    return {'arch': arch, 'fit': fit, 'bs': 16, 'dtype': dtype, 'shapes': shapes,
            'param_names': [n for n, _ in learn.model.named_parameters()],
            'train_items': items(dls.train_ds), 'vocab': [str(v) for v in dls.vocab], 'order': orders,
            'steps': trace.steps, 'valid_loss': trace.valid_loss}


def run_vision(name, arch):
    ref = {'case': name, **train_vision(arch, 1)}
    if ref['dtype'] == 'float64':
        # How long is this trajectory reproducible at all? fastai against itself with 2 threads
        # instead of 1 (another summation order, same code): the first step whose loss differs
        # by more than 1e-6 relative. Training dynamics amplify rounding exponentially, so past
        # that step a comparison measures rounding, not code; the tests compare up to it.
        other = train_vision(arch, 2)
        diverged = [i for i, (a, b) in enumerate(zip(ref['steps'], other['steps']))
                    if abs(a['loss'] - b['loss']) > 1e-6 * abs(a['loss'])]
        ref['reproducible_steps'] = diverged[0] if diverged else len(ref['steps'])
        print(f'{name}: fastai with 1 vs 2 threads agrees for {ref["reproducible_steps"]} steps')
    return ref


CASES = {
    'tabular_cls': lambda: run_tabular('tabular_cls', 'label', False),
    'tabular_reg': lambda: run_tabular('tabular_reg', 'price', True),
    'collab_dot': lambda: run_collab('collab_dot', False),
    'collab_nn': lambda: run_collab('collab_nn', True),
    'collab_dot_wd': lambda: run_collab('collab_dot_wd', False, wd=0.1),  # fastai's MovieLens recipe's wd
    'vision_simple_cnn': lambda: run_vision('vision_simple_cnn', 'simple_cnn'),
    'vision_xresnet18': lambda: run_vision('vision_xresnet18', 'xresnet18'),
}

if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    for name in sys.argv[1:] or CASES:
        set_seed(0)  # python, numpy and torch: the same references on every run
        ref = CASES[name]()
        path = os.path.join(OUT, name + '.json')
        with open(path + '.tmp', 'w') as f:
            json.dump(ref, f, separators=(',', ':'))
        os.replace(path + '.tmp', path)
        print(f'{path}: {len(ref["steps"])} steps, first loss {ref["steps"][0]["loss"]:.6f}, '
              f'last {ref["steps"][-1]["loss"]:.6f}')
