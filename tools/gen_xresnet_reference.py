#!/usr/bin/python3
"""Writes tests/data/reference/xresnet.json: parameter/buffer names and shapes of fastai 2.7's
XResNet variants, built with torch.nn from fastai's definitions (fastai/layers.py ConvLayer,
ResBlock, SEModule; fastai/vision/models/xresnet.py XResNet). fastai itself is not in Debian;
its architecture is transcribed below so the C++ models can be checked name by name."""
import json
import math

import torch
import torch.nn as nn


def ConvLayer(ni, nf, ks=3, stride=1, norm="batch", act="relu", groups=1):
    bn = norm in ("batch", "batchzero")
    conv = nn.Conv2d(ni, nf, ks, stride=stride, padding=(ks - 1) // 2, bias=not bn, groups=groups)
    layers = [conv]
    if bn:
        layers.append(nn.BatchNorm2d(nf))
    if act == "relu":
        layers.append(nn.ReLU())
    elif act == "sigmoid":
        layers.append(nn.Sigmoid())
    return nn.Sequential(*layers)


class SEModule(nn.Module):
    def __init__(self, ch, reduction):
        super().__init__()
        nf = math.ceil(ch // reduction / 8) * 8
        self.layers = nn.ModuleList([nn.AdaptiveAvgPool2d(1), ConvLayer(ch, nf, ks=1, norm=None),
                                     ConvLayer(nf, ch, ks=1, norm=None, act="sigmoid")])


class ResBlock(nn.Module):
    def __init__(self, expansion, ni, nf, stride=1, groups=1, reduction=None, nh1=None, nh2=None):
        super().__init__()
        if nh2 is None:
            nh2 = nf
        if nh1 is None:
            nh1 = nh2
        nf, ni = nf * expansion, ni * expansion
        if expansion == 1:
            convpath = [ConvLayer(ni, nh2, 3, stride=stride, groups=groups), ConvLayer(nh2, nf, 3, norm="batchzero", act=None)]
        else:
            convpath = [ConvLayer(ni, nh1, 1), ConvLayer(nh1, nh2, 3, stride=stride, groups=groups),
                        ConvLayer(nh2, nf, 1, norm="batchzero", act=None)]
        if reduction:
            convpath.append(SEModule(nf, reduction))
        self.convpath = nn.Sequential(*convpath)
        idpath = []
        if ni != nf:
            idpath.append(ConvLayer(ni, nf, 1, act=None))
        if stride != 1:
            idpath.insert(0, nn.AvgPool2d(stride, ceil_mode=True))
        self.idpath = nn.Sequential(*idpath)


def XResNet(expansion, layers, c_in=3, n_out=1000, block="res", groups=1, reduction=None):
    stem_szs = [c_in, 32, 32, 64]
    stem = [ConvLayer(stem_szs[i], stem_szs[i + 1], stride=2 if i == 0 else 1) for i in range(3)]
    block_szs = [64 // expansion] + [64, 128, 256, 512] + [256] * (len(layers) - 4)
    blocks = []
    for i, l in enumerate(layers):
        ni, nf = block_szs[i], block_szs[i + 1]
        kw = {}
        if block == "se":
            kw = dict(groups=groups, reduction=reduction, nh1=nf * 2, nh2=nf * expansion)
        elif block == "resnext":
            kw = dict(groups=groups, reduction=reduction, nh2=math.floor(nf * (4 / 64)) * groups)
        blocks.append(nn.Sequential(*[ResBlock(expansion, ni if j == 0 else nf, nf, stride=(1 if i == 0 else 2) if j == 0 else 1, **kw)
                                      for j in range(l)]))
    return nn.Sequential(*stem, nn.MaxPool2d(3, 2, 1), *blocks, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.0),
                         nn.Linear(block_szs[-1] * expansion, n_out))


variants = {
    "xresnet18": (1, [2, 2, 2, 2], {}),
    "xresnet34": (1, [3, 4, 6, 3], {}),
    "xresnet50": (4, [3, 4, 6, 3], {}),
    "xresnet18_deep": (1, [2, 2, 2, 2, 1, 1], {}),
    "xse_resnet18": (1, [2, 2, 2, 2], dict(block="se", groups=1, reduction=16)),
    "xresnext50": (4, [3, 4, 6, 3], dict(block="resnext", groups=32, reduction=None)),
    "xse_resnext50": (4, [3, 4, 6, 3], dict(block="resnext", groups=32, reduction=16)),
}
out = {}
for name, (exp, layers, kw) in variants.items():
    m = XResNet(exp, layers, c_in=1, n_out=10, **kw)
    shapes = {k: list(v.shape) for k, v in m.state_dict().items()}
    out[name] = {"params": sum(p.numel() for p in m.parameters()), "state": shapes}
with open("tests/data/reference/xresnet.json", "w") as f:
    json.dump(out, f)
print({k: v["params"] for k, v in out.items()})
