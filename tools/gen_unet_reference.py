#!/usr/bin/python3
"""Writes tests/data/reference/unet.json and unet_tiny.pth from the real fastai 2.7.18
(../shared/fastai-src), for the DynamicUnet parity tests:
- "xresnet18": DynamicUnet(create_body(xresnet18(), n_in=1, pretrained=False, cut=-4), 11, (64, 64))
  as unet_learner builds it — state_dict names/shapes, model_sizes of the encoder, the
  summary table of a Learner on 2-image batches, and the eval output on a fixed input after
  every state tensor is set by a formula both sides compute (fill() below), so the 80 MB of
  weights need not be committed;
- "xresnet18_sa": the same encoder with blur, self_attention and y_range=(0, 1), 5 classes;
- "tiny": a three-ConvLayer encoder at 32x32 whose real (random-init) state_dict is saved with
  torch.save as unet_tiny.pth, with its eval output, to test loading a Python file by name.
Run from the project root:
    . ../shared/fastai-src/env.sh && $PY tools/gen_unet_reference.py"""
import json
import math
import torch
from fastai.vision.all import *  # noqa: F401,F403
from fastai.vision.models.unet import DynamicUnet
from fastai.callback.hook import model_sizes


def formula(i, shape):
    n = 1
    for s in shape:
        n *= s
    # A hash of (i, position) spread over [-1, 1): weights without the structure a plain sine has
    # (which amplifies coherently through 40 layers).
    h = torch.sin(torch.arange(n, dtype=torch.float64) * 12.9898 + 78.233 * i) * 43758.5453
    return (torch.frac(h).abs() * 2 - 1).view(shape)


def fill(model):
    """Every float state tensor from its index in state_dict order (the C++ test's FillByFormula)."""
    sd = model.state_dict()
    with torch.no_grad():
        for i, (k, t) in enumerate(sd.items()):
            if not t.is_floating_point():
                continue
            v = formula(i, tuple(t.shape))
            if k.endswith("running_var"):
                v = 1 + 0.5 * v * v
            elif t.dim() == 1 and k.endswith(".weight"):
                v = 1 + 0.1 * v
            elif t.dim() <= 1:
                v = 0.1 * v
            else:
                v = v * 1.4 / math.sqrt(t.numel() / t.shape[0])  # std ~0.8 of kaiming's
            t.copy_(v.to(t.dtype))


def fixed_input(shape):
    return formula(7, shape).float()


def describe(unet, x, n_out):
    unet.eval()
    with torch.no_grad():
        y = unet(x)
    return {
        "names": list(unet.state_dict().keys()),
        "shapes": [list(t.shape) for t in unet.state_dict().values()],
        "n_params": sum(p.numel() for p in unet.parameters()),
        "out_shape": list(y.shape),
        "out_sample": y[:, :, ::8, ::8].flatten().tolist(),
        "out_sums": y.sum(dim=(2, 3)).flatten().tolist(),
        "out_abs_mean": y.abs().mean().item(),
    }


out = {}
torch.manual_seed(0)
body = create_body(xresnet18(), n_in=1, pretrained=False, cut=-4)
sizes = [list(s) for s in model_sizes(body, (64, 64))]
unet = DynamicUnet(body, 11, (64, 64))
fill(unet)
r = describe(unet, fixed_input((2, 1, 64, 64)), 11)
r["model_sizes"] = sizes
# The summary of a unet_learner-like Learner (2 images of 1x64x64, masks of 64x64).
ds = [(torch.randn(1, 64, 64), torch.randint(0, 11, (64, 64))) for i in range(4)]
dls = DataLoaders(DataLoader(ds, bs=2), DataLoader(ds, bs=2))
learn = Learner(dls, unet, loss_func=CrossEntropyLossFlat(axis=1))
s = str(learn.summary())
r["summary_table"] = s[: s.index("Optimizer used")]
print(s)
out["xresnet18"] = r

torch.manual_seed(0)
body = create_body(xresnet18(), n_in=1, pretrained=False, cut=-4)
# (bottle=True fails in fastai 2.7.18: its last ConvLayer still takes the un-halved channels.)
unet = DynamicUnet(body, 5, (64, 64), blur=True, self_attention=True, y_range=(0, 1))
fill(unet)
out["xresnet18_sa"] = describe(unet, fixed_input((2, 1, 64, 64)), 5)

torch.manual_seed(0)
enc = nn.Sequential(ConvLayer(1, 4, stride=2), ConvLayer(4, 8, stride=2), ConvLayer(8, 16, stride=2))
unet = DynamicUnet(enc, 3, (32, 32))
unet.eval()
torch.save(unet.state_dict(), "tests/data/reference/unet_tiny.pth")
x = fixed_input((2, 1, 32, 32))
with torch.no_grad():
    y = unet(x)
out["tiny"] = {"names": list(unet.state_dict().keys()), "out_shape": list(y.shape),
               "out_sample": y[:, :, ::2, ::2].flatten().tolist(), "out_sums": y.sum(dim=(2, 3)).flatten().tolist()}

json.dump(out, open("tests/data/reference/unet.json", "w"), indent=0)
