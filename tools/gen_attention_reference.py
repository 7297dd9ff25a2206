#!/usr/bin/python3
"""Writes tests/data/reference/simple_self_attention.json: fastai 2.7's SimpleSelfAttention
(torch.nn.utils.spectral_norm on a Conv1d, γ · (x xᵀ) · conv(x) + x) with fixed weight_orig, u,
v, γ and input: the training-mode output (one power-iteration step), the updated u and v, the
eval-mode output after it, and the gradient of sum(output²) w.r.t. weight_orig and γ.

Usage (from the repository root): /usr/bin/python3 tools/gen_attention_reference.py
"""
import json

import torch
from torch import nn

torch.manual_seed(0)
n_in, length = 4, 6
conv = nn.utils.spectral_norm(nn.Conv1d(n_in, n_in, 1, bias=False))
with torch.no_grad():
    conv.weight_orig.copy_(torch.randn(n_in, n_in, 1))
gamma = nn.Parameter(torch.tensor([0.5]))
x = torch.randn(2, n_in, 2, 3)
u0, v0 = conv.weight_u.clone(), conv.weight_v.clone()


def attention(x):
    size = x.size()
    flat = x.view(*size[:2], -1)
    convx = conv(flat)
    xxT = torch.bmm(flat, flat.permute(0, 2, 1).contiguous())
    return (gamma * torch.bmm(xxT, convx) + flat).view(*size).contiguous()


conv.train()
y_train = attention(x)
(y_train ** 2).sum().backward()
conv.eval()
with torch.no_grad():
    y_eval = attention(x)

L = lambda t: t.detach().reshape(-1).tolist()
out = {
    "weight_orig": L(conv.weight_orig), "u0": L(u0), "v0": L(v0), "gamma": 0.5,
    "x_shape": list(x.shape), "x": L(x),
    "y_train": L(y_train), "u1": L(conv.weight_u), "v1": L(conv.weight_v), "y_eval": L(y_eval),
    "grad_weight_orig": L(conv.weight_orig.grad), "grad_gamma": L(gamma.grad),
}
with open("tests/data/reference/simple_self_attention.json", "w") as f:
    json.dump(out, f)
print("wrote tests/data/reference/simple_self_attention.json")
