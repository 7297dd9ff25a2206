#!/usr/bin/python3
"""Writes tests/data/reference/losses.json: inputs, targets and expected values (reductions
mean, sum, none) computed with torch.nn.functional, and fastai's formulas for the focal and
dice losses. Run from the repository root with Debian's python3-torch."""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(1)


def T(x):
    return {"shape": list(x.shape), "values": x.flatten().tolist(), "dtype": str(x.dtype).replace("torch.", "")}


cases = []


def add(name, inp, targ, **expected):
    cases.append({"name": name, "input": T(inp), "target": T(targ),
                  **{k: T(v if v.dim() else v.reshape(())) for k, v in expected.items()}})


# Classification [N, C]
x = torch.randn(6, 4)
y = torch.tensor([0, 3, 1, 1, 2, 0])
add("ce", x, y, **{r: F.cross_entropy(x, y, reduction=r) for r in ("mean", "sum", "none")})
# Segmentation [N, C, H, W] with axis 1: the flat loss equals CE over every pixel
xs = torch.randn(2, 3, 4, 5)
ys = torch.randint(0, 3, (2, 4, 5))
flat_in = xs.transpose(1, -1).contiguous().view(-1, 3)
flat_t = ys.transpose(1, -1).contiguous().view(-1)
add("ce_seg_axis1", xs, ys, mean=F.cross_entropy(xs, ys), none=F.cross_entropy(flat_in, flat_t, reduction="none"))
# Multi-label
xm = torch.randn(5, 3)
ym = (torch.rand(5, 3) > 0.5).float()
add("bce_logits", xm, ym, **{r: F.binary_cross_entropy_with_logits(xm, ym, reduction=r).flatten() if r == "none" else
                              F.binary_cross_entropy_with_logits(xm, ym, reduction=r) for r in ("mean", "sum", "none")})
pm = torch.sigmoid(xm)
add("bce", pm, ym, mean=F.binary_cross_entropy(pm, ym))
# Regression
xr = torch.randn(7, 1)
yr = torch.randn(7)
add("mse", xr, yr, mean=F.mse_loss(xr.view(-1), yr), sum=F.mse_loss(xr.view(-1), yr, reduction="sum"))
add("l1", xr, yr, mean=F.l1_loss(xr.view(-1), yr))
# Label smoothing: fastai's formula equals torch's label_smoothing
add("label_smoothing", x, y, mean=F.cross_entropy(x, y, label_smoothing=0.1),
    sum=F.cross_entropy(x, y, label_smoothing=0.1, reduction="sum"))
# Focal loss, fastai's formula
ce = F.cross_entropy(x, y, reduction="none")
add("focal", x, y, mean=((1 - torch.exp(-ce)) ** 2.0 * ce).mean())
# Dice loss, fastai's formula (softmax over axis 1, one-hot targets, sum over spatial dims)
pred = F.softmax(xs, dim=1)
hot = torch.stack([torch.where(ys == c, 1, 0) for c in range(3)], dim=1).float()
inter = (pred * hot).sum(dim=[2, 3])
union = (pred + hot).sum(dim=[2, 3])
add("dice", xs, ys, sum=(1 - (2 * inter + 1e-6) / (union + 1e-6)).sum())

with open("tests/data/reference/losses.json", "w") as f:
    json.dump({"torch_version": torch.__version__, "cases": cases}, f)
print("wrote tests/data/reference/losses.json:", ", ".join(c["name"] for c in cases))
