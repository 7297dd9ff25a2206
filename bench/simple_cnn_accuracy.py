#!/usr/bin/python3
"""The issue-4 accuracy recipe in plain PyTorch, transcribing what fastai 2.7 does: the simple
CNN of fastai ConvLayers (kaiming_uniform_ conv weights under ReLU, BatchNorm weight 1 / bias
1e-3), images /255 with no normalisation (from_folder adds none), bs 128 shuffled with the last
partial batch dropped, fastai's Adam (betas (mom, 0.99), eps 1e-5, decoupled wd 0.01, none on
BatchNorm) under fit_one_cycle(1, 1e-2)'s schedules (lr cos 4e-4 → 1e-2 → 1e-7, mom 0.95 →
0.85 → 0.95, pct_start 0.25), accuracy on the 10,000 test images. One line per seed
`seed=… valid_accuracy=…`. Twin of bench/bench_accuracy.cpp.

Usage: simple_cnn_accuracy.py DATA_DIR --seeds 16 --threads 1
"""
import argparse
import gzip
import math
import struct

import numpy as np
import torch
from torch import nn


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    _, _, ndim = struct.unpack(">HBB", data[:4])
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(dir_, prefix):
    x = torch.from_numpy(read_idx(f"{dir_}/{prefix}-images-idx3-ubyte.gz").copy()).float().div(255).unsqueeze(1)
    y = torch.from_numpy(read_idx(f"{dir_}/{prefix}-labels-idx1-ubyte.gz").astype(np.int64))
    return x.contiguous(), y


def conv_layer(ni, nf, ks=3, act=True):
    conv = nn.Conv2d(ni, nf, ks, stride=2, padding=ks // 2, bias=False)
    if act:
        nn.init.kaiming_uniform_(conv.weight)
    bn = nn.BatchNorm2d(nf)
    with torch.no_grad():
        bn.bias.fill_(1e-3)
        bn.weight.fill_(1.0)
    return nn.Sequential(conv, bn, nn.ReLU()) if act else nn.Sequential(conv, bn)


def cos(start, end, pos):
    return start + (1 + math.cos(math.pi * (1 - pos))) * (end - start) / 2


def one_cycle(pct, lr):
    if pct < 0.25:
        p = pct / 0.25
        return cos(lr / 25, lr, p), cos(0.95, 0.85, p)
    p = (pct - 0.25) / 0.75
    return cos(lr, lr / 1e5, p), cos(0.85, 0.95, p)


def run(x, y, xv, yv, seed, lr=1e-2, bs=128, wd=0.01):
    torch.manual_seed(seed)
    model = nn.Sequential(conv_layer(1, 8, 5), conv_layer(8, 16), conv_layer(16, 32), conv_layer(32, 64),
                          conv_layer(64, 10, act=False), nn.Flatten())
    bn = {id(p) for m in model.modules() if isinstance(m, nn.BatchNorm2d) for p in m.parameters()}
    opt = torch.optim.AdamW([{"params": [p for p in model.parameters() if id(p) not in bn], "weight_decay": wd},
                             {"params": [p for p in model.parameters() if id(p) in bn], "weight_decay": 0.0}],
                            lr=lr, betas=(0.95, 0.99), eps=1e-5)
    n = x.shape[0]
    nb = n // bs
    perm = torch.randperm(n)
    model.train()
    for b in range(nb):
        l, mom = one_cycle(b / nb, lr)
        for g in opt.param_groups:
            g["lr"], g["betas"] = l, (mom, 0.99)
        idx = perm[b * bs : (b + 1) * bs]
        loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        return (model(xv).argmax(1) == yv).float().mean().item()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("data_dir")
    p.add_argument("--seeds", type=int, default=16)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    x, y = load(a.data_dir, "train")
    xv, yv = load(a.data_dir, "t10k")
    for s in range(a.seeds):
        print(f"seed={s} valid_accuracy={run(x, y, xv, yv, s):.6f}", flush=True)


if __name__ == "__main__":
    main()
