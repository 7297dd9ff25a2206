#!/usr/bin/python3
"""Writes tests/data/reference/schedules.json: fastai 2.7's schedule functions (sched_lin/cos/
no/exp, SchedPoly, combine_scheds, combined_cos) at fixed positions, the 1cycle lr/mom values a
fit of n batches sees, and lr_find's suggestion functions (valley, slide, minimum, steep) on a
synthetic loss curve. The formulas are fastai's (fastai/callback/schedule.py), evaluated with
numpy/torch as fastai evaluates them. Run from the repository root with Debian's python3."""
import json
import math

import numpy as np
import torch


def sched_lin(s, e, p): return s + p * (e - s)
def sched_cos(s, e, p): return s + (1 + math.cos(math.pi * (1 - p))) * (e - s) / 2
def sched_no(s, e, p): return s
def sched_exp(s, e, p): return s * (e / s) ** p
def sched_poly(s, e, power, p): return s + (e - s) * p ** power


def combine_scheds(pcts, scheds):
    pcts = torch.tensor([0] + list(pcts))  # float32, as fastai (so the position in a phase is float32)
    pcts = torch.cumsum(pcts, 0)
    pct_lim = len(pcts) - 2

    def inner(pos):
        idx = min((pos >= pcts).nonzero().max(), pct_lim)
        actual = (pos - pcts[idx]) / (pcts[idx + 1] - pcts[idx])
        return scheds[idx](actual.item())
    return inner


def combined_cos(pct, start, middle, end):
    return combine_scheds([pct, 1 - pct], [lambda p: sched_cos(start, middle, p), lambda p: sched_cos(middle, end, p)])


positions = [0.0, 0.1, 0.25, 0.3, 0.5, 0.75, 0.9, 1.0]
out = {"positions": positions}
out["lin"] = [sched_lin(1e-3, 1e-1, p) for p in positions]
out["cos"] = [sched_cos(1e-3, 1e-1, p) for p in positions]
out["no"] = [sched_no(1e-3, 1e-1, p) for p in positions]
out["exp"] = [sched_exp(1e-3, 1e-1, p) for p in positions]
out["poly"] = [sched_poly(1e-3, 1e-1, 2.0, p) for p in positions]
comb = combine_scheds([0.3, 0.7], [lambda p: sched_lin(0.1, 1.0, p), lambda p: sched_cos(1.0, 0.0, p)])
out["combine_03_07"] = [comb(p) for p in positions]
cc = combined_cos(0.25, 1e-2 / 25, 1e-2, 1e-2 / 1e5)
out["combined_cos"] = [cc(p) for p in positions]

# One epoch of n batches: ParamScheduler sets the value at pct_train = i / n before batch i.
n = 12
lr_max = 1e-2
lr_s = combined_cos(0.25, lr_max / 25, lr_max, lr_max / 1e5)
mom_s = combined_cos(0.25, 0.95, 0.85, 0.95)
out["one_cycle"] = {"n": n, "lr_max": lr_max, "lr": [lr_s(i / n) for i in range(n)], "mom": [mom_s(i / n) for i in range(n)]}


# lr_find suggestions (fastai's functions) on a synthetic smoothed-loss curve.
def valley(lrs, losses, num_it):
    n = len(losses)
    max_start, max_end = 0, 0
    lds = [1] * n
    for i in range(1, n):
        for j in range(0, i):
            if (losses[i] < losses[j]) and (lds[i] < lds[j] + 1):
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]
    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)
    return float(lrs[idx]), (float(lrs[idx]), float(losses[idx]))


def slide(lrs, losses, num_it, lr_diff=15, thresh=.005, adjust_value=1.):
    losses = np.asarray(losses)
    loss_grad = np.gradient(losses)
    r_idx = -1
    l_idx = r_idx - lr_diff
    local_min_lr = lrs[l_idx]
    while (l_idx >= -len(losses)) and (abs(loss_grad[r_idx] - loss_grad[l_idx]) > thresh):
        local_min_lr = lrs[l_idx]
        r_idx -= 1
        l_idx -= 1
    suggestion = float(local_min_lr) * adjust_value
    idx = np.interp(np.log10(suggestion), np.log10(lrs), losses)
    return suggestion, (suggestion, float(idx))


def minimum(lrs, losses, num_it):
    i = int(np.argmin(losses))
    return float(lrs[i]) / 10, (float(lrs[i]), float(losses[i]))


def steep(lrs, losses, num_it):
    lrs, losses = np.asarray(lrs), np.asarray(losses)
    grads = (losses[1:] - losses[:-1]) / (np.log(lrs[1:]) - np.log(lrs[:-1]))
    i = int(np.argmin(grads))
    return float(lrs[i]), (float(lrs[i]), float(losses[i]))


rng = np.random.default_rng(0)
lrs = np.logspace(-7, 1, 100)
x = np.log10(lrs)
# flat, then a descent between 1e-4 and 1e-2, then divergence: the shape lr_find records
losses = 2.3 - 1.5 / (1 + np.exp(-(x + 3) * 2.5)) + np.where(x > -1.2, (x + 1.2) ** 2 * 3, 0) + rng.normal(0, 0.01, 100)
lrs_s, losses_s = lrs[10:-5], losses[10:-5]  # what lr_find hands the functions (num_it 100)
sugg = {}
for name, f in [("valley", valley), ("slide", slide), ("minimum", minimum), ("steep", steep)]:
    lr, (px, py) = f(lrs_s, losses_s, 100)
    sugg[name] = {"lr": lr, "point": [px, py]}
out["suggestions"] = {"lrs": lrs_s.tolist(), "losses": losses_s.tolist(), "expected": sugg}

with open("tests/data/reference/schedules.json", "w") as f:
    json.dump(out, f, indent=1)
print("wrote tests/data/reference/schedules.json")
