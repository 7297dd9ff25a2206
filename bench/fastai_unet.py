#!/usr/bin/env python3
"""Real fastai 2.7.18 (../shared/fastai-src) running bench_unet's recipe on URLs::FMNIST_SEG,
one seed after another, printing one machine line per seed for bench/bench_unet.cpp to read:

  SEED 1 dice=0.8123 foreground_acc=0.8011 valid_loss=0.2100 s_per_epoch=612.3

Recipe (fastai's segmentation tutorial, without pretraining): the first n_train training and
n_valid validation canvases (valid.txt), DataBlock(ImageBlock(PILImageBW), MaskBlock(codes)),
bs 64, unet_learner(dls, xresnet18, pretrained=False, n_in=1, metrics=[DiceMulti(),
foreground_acc]), fit_one_cycle(epochs, lr).

  . ../shared/fastai-src/env.sh
  $PY bench/fastai_unet.py ~/.fastai/data/fmnist_seg --n-train 2000 --n-valid 500 --epochs 1 --seeds 1 2
"""
import argparse, time
from pathlib import Path
import torch
from fastai.vision.all import (DataBlock, ImageBlock, MaskBlock, PILImageBW, FuncSplitter, unet_learner, xresnet18,
                               DiceMulti, foreground_acc, set_seed)

p = argparse.ArgumentParser()
p.add_argument('path')
p.add_argument('--n-train', type=int, default=10000)
p.add_argument('--n-valid', type=int, default=2000)
p.add_argument('--epochs', type=int, default=1)
p.add_argument('--lr', type=float, default=3e-3)
p.add_argument('--bs', type=int, default=64)
p.add_argument('--threads', type=int, default=2)
p.add_argument('--seeds', type=int, nargs='+', default=[1])
a = p.parse_args()
torch.set_num_threads(a.threads)
path = Path(a.path)
codes = [l.rstrip('\n') for l in open(path / 'codes.txt') if l.strip()]
files = [path / 'images' / f'train_{i:05d}.png' for i in range(a.n_train)] + \
        [path / 'images' / f'valid_{i:05d}.png' for i in range(a.n_valid)]
for seed in a.seeds:
    set_seed(seed)
    dblock = DataBlock(blocks=(ImageBlock(PILImageBW), MaskBlock(codes)),
                       get_y=lambda o: path / 'labels' / f'{o.stem}_P{o.suffix}',
                       splitter=FuncSplitter(lambda o: o.name.startswith('valid')))
    dls = dblock.dataloaders(files, bs=a.bs, num_workers=0)
    learn = unet_learner(dls, xresnet18, pretrained=False, n_in=1, metrics=[DiceMulti(), foreground_acc])
    t = time.perf_counter()
    with learn.no_bar(), learn.no_logging():
        learn.fit_one_cycle(a.epochs, a.lr)
    s = (time.perf_counter() - t) / a.epochs
    v = learn.recorder.values[-1]
    print(f'SEED {seed} dice={v[2]:.6f} foreground_acc={v[3]:.6f} valid_loss={v[1]:.6f} s_per_epoch={s:.3f}', flush=True)
