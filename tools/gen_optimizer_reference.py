#!/usr/bin/python3
"""Writes tests/data/reference/optimizers.json: 20-step parameter trajectories that the C++
optimizer tests must reproduce.

- torch.optim cases run PyTorch's own optimizers (Debian's python3-torch), with fastai's
  hyper-parameter mapping (mom = momentum / beta1, sqr_mom = alpha / beta2, decoupled wd = AdamW).
- formula cases (RAdam, QHAdam, LARC/LARS, LAMB, ranger, decoupled-wd SGD) are fastai's
  definitions written out here independently, step by step, in float32.

Run: /usr/bin/python3 tools/gen_optimizer_reference.py   (from the repository root)
"""
import json
import math

import torch

STEPS = 20
torch.manual_seed(0)
PARAMS = [torch.randn(3, 4), torch.randn(5)]
GRADS = [[torch.randn_like(p) for p in PARAMS] for _ in range(STEPS)]


def run_torch(make):
    ps = [p.clone().requires_grad_(True) for p in PARAMS]
    opt = make(ps)
    out = []
    for g in GRADS:
        for p, gi in zip(ps, g):
            p.grad = gi.clone()
        opt.step()
        out.append([p.detach().flatten().tolist() for p in ps])
    return out


def run_formula(step_fn, init_state=None):
    ps = [p.clone() for p in PARAMS]
    states = [dict() for _ in ps]
    out = []
    for t, g in enumerate(GRADS, start=1):
        for p, gi, s in zip(ps, g, states):
            step_fn(p, gi.clone(), s, t)
        out.append([p.flatten().tolist() for p in ps])
    return out


def debias(mom, damp, step):
    return damp * (1 - mom**step) / (1 - mom)


def adam_stats(g, s, mom, sqr_mom):
    s.setdefault("grad_avg", torch.zeros_like(g)).mul_(mom).add_(g, alpha=1 - mom)
    s.setdefault("sqr_avg", torch.zeros_like(g)).mul_(sqr_mom).addcmul_(g, g, value=1 - sqr_mom)


def radam(lr, mom=0.9, sqr_mom=0.99, eps=1e-5, wd=0.0):
    def f(p, g, s, t):
        if wd:
            p.mul_(1 - lr * wd)
        adam_stats(g, s, mom, sqr_mom)
        d1, d2 = debias(mom, 1 - mom, t), debias(sqr_mom, 1 - sqr_mom, t)
        r_inf = 2 / (1 - sqr_mom) - 1
        r = r_inf - 2 * t * sqr_mom**t / (1 - sqr_mom**t)
        if r > 5:
            v = math.sqrt(((r - 4) * (r - 2) * r_inf) / ((r_inf - 4) * (r_inf - 2) * r))
            denom = (s["sqr_avg"] / d2).sqrt() + eps
            p.addcdiv_(s["grad_avg"], denom, value=-lr * v / d1)
        else:
            p.add_(s["grad_avg"], alpha=-lr / d1)
    return f


def qhadam(lr, mom=0.999, sqr_mom=0.999, nu_1=0.7, nu_2=1.0, eps=1e-8):
    def f(p, g, s, t):
        adam_stats(g, s, mom, sqr_mom)
        d1, d2 = debias(mom, 1 - mom, t), debias(sqr_mom, 1 - sqr_mom, t)
        num = (1 - nu_1) * g + nu_1 * (s["grad_avg"] / d1)
        den = ((1 - nu_2) * g**2 + nu_2 * (s["sqr_avg"] / d2)).sqrt() + eps
        p.addcdiv_(num, den, value=-lr)
    return f


def larc(lr, mom=0.9, trust_coeff=0.02, eps=1e-8, clip=True):
    def f(p, g, s, t):
        s.setdefault("grad_avg", torch.zeros_like(g)).mul_(mom).add_(g)
        p_norm, g_norm = p.norm().item(), g.norm().item()
        local = lr * trust_coeff * p_norm / (g_norm + p_norm * 0.0 + eps)
        local = min(lr, local) if clip else local
        p.add_(s["grad_avg"], alpha=-local)
    return f


def lamb(lr, mom=0.9, sqr_mom=0.99, eps=1e-5):
    def f(p, g, s, t):
        adam_stats(g, s, mom, sqr_mom)
        d1, d2 = debias(mom, 1 - mom, t), debias(sqr_mom, 1 - sqr_mom, t)
        r1 = p.pow(2).mean().sqrt().item()
        stp = (s["grad_avg"] / d1) / ((s["sqr_avg"] / d2).sqrt() + eps)
        r2 = stp.pow(2).mean().sqrt().item()
        q = 1 if r1 == 0 or r2 == 0 else min(r1 / r2, 10)
        p.add_(stp, alpha=-lr * q)
    return f


def sgd_decoupled(lr, wd):
    def f(p, g, s, t):
        p.mul_(1 - lr * wd)
        p.add_(g, alpha=-lr)
    return f


def ranger(lr, k=6, alpha=0.5):
    inner = radam(lr, mom=0.95, eps=1e-6, wd=0.01)

    def f(p, g, s, t):
        if "slow" not in s:
            s["slow"] = p.clone()
        inner(p, g, s, t)
        if t % k == 0:
            s["slow"].add_(p - s["slow"], alpha=alpha)
            p.copy_(s["slow"])
    return f


cases = {
    "sgd": run_torch(lambda ps: torch.optim.SGD(ps, lr=0.1)),
    "sgd_mom": run_torch(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
    "sgd_mom_l2": run_torch(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01)),
    "adam": run_torch(lambda ps: torch.optim.Adam(ps, lr=1e-2, betas=(0.9, 0.99), eps=1e-5)),
    "adam_l2": run_torch(lambda ps: torch.optim.Adam(ps, lr=1e-2, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01)),
    "adamw": run_torch(lambda ps: torch.optim.AdamW(ps, lr=1e-2, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01)),
    "rmsprop": run_torch(lambda ps: torch.optim.RMSprop(ps, lr=1e-2, alpha=0.99, eps=1e-8)),
    "sgd_decoupled_wd": run_formula(sgd_decoupled(0.1, 0.1)),
    "radam": run_formula(radam(1e-2)),
    "qhadam": run_formula(qhadam(1e-2)),
    "larc": run_formula(larc(0.1, clip=True)),
    "lars": run_formula(larc(0.1, clip=False)),
    "lamb": run_formula(lamb(1e-2)),
    "ranger": run_formula(ranger(1e-2)),
}

out = {
    "torch_version": torch.__version__,
    "params": [p.flatten().tolist() for p in PARAMS],
    "shapes": [list(p.shape) for p in PARAMS],
    "grads": [[g.flatten().tolist() for g in step] for step in GRADS],
    "cases": cases,
}
with open("tests/data/reference/optimizers.json", "w") as f:
    json.dump(out, f)
print("wrote tests/data/reference/optimizers.json:", ", ".join(cases))
