#!/usr/bin/python3
"""Python PyTorch twin of bench/reference_loop.cpp: same model, data preparation, optimizer
and loop. Prints one line `train_seconds=… last_train_loss=… valid_accuracy=… batches=…`.

Usage: reference_loop.py DATA_DIR --bs 128 --epochs 1 --lr 1e-3 --max-batches -1 --seed 42 --threads 2
"""
import argparse
import gzip
import struct
import time

import numpy as np
import torch
from torch import nn

MEAN, STD = 0.2860, 0.3530


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    assert zero == 0 and dtype == 8, f"{path}: not a uint8 idx file"
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(dir_, prefix):
    x = torch.from_numpy(read_idx(f"{dir_}/{prefix}-images-idx3-ubyte.gz").copy())
    y = torch.from_numpy(read_idx(f"{dir_}/{prefix}-labels-idx1-ubyte.gz").astype(np.int64))
    return ((x.float() / 255.0 - MEAN) / STD).unsqueeze(1).contiguous(), y


def block(ci, co):
    return nn.Sequential(nn.Conv2d(ci, co, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(co), nn.ReLU())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("data_dir")
    p.add_argument("--bs", type=int, default=128)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--max-batches", type=int, default=-1)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x, y = load(a.data_dir, "train")
    xv, yv = load(a.data_dir, "t10k")
    model = nn.Sequential(block(1, 32), block(32, 64), block(64, 128), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    n = x.shape[0]
    nb = (n + a.bs - 1) // a.bs
    if a.max_batches >= 0:
        nb = min(nb, a.max_batches)
    batches, last = 0, 0.0
    t0 = time.perf_counter()
    for _ in range(a.epochs):
        model.train()
        perm = torch.randperm(n)
        total = 0.0
        for b in range(nb):
            idx = perm[b * a.bs : min(n, (b + 1) * a.bs)]
            xb, yb = x.index_select(0, idx), y.index_select(0, idx)
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item()
            batches += 1
        last = total / nb
    secs = time.perf_counter() - t0
    model.eval()
    with torch.no_grad():
        correct = sum(int((model(xv[i : i + 1000]).argmax(1) == yv[i : i + 1000]).sum()) for i in range(0, len(xv), 1000))
    print(f"train_seconds={secs:.6f} last_train_loss={last:.6f} valid_accuracy={correct / len(xv):.6f} batches={batches}")


if __name__ == "__main__":
    main()
