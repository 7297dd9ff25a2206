#!/usr/bin/python3
"""Writes tests/data/masks/: palette PNG masks as users have them (written by PIL, as VOC's and
labelme's are), with the codes they hold, for the mask-decoding tests:
- voc_palette.png: 8-bit palette, VOC's colour map, codes 0..20 and 255 (VOC's "void" border);
- palette_4bit.png: a 16-colour palette at 4 bits per pixel (odd width: a half-used last byte);
- palette_1bit.png: 2 colours at 1 bit per pixel;
- codes.json: each file's codes row by row, and what PIL's convert("L") (fastai's PILMask) gives;
  under "voc": the code counts of the three VOC masks of Debian's labelme-examples (read by the
  tests from the installed package, which scripts/setup.sh installs).
Run from the project root: python3 tools/gen_mask_reference.py  (Debian's python3-pil)"""
import json
import numpy as np
from PIL import Image


def voc_cmap(n=256):
    cmap = []
    for i in range(n):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        cmap += [r, g, b]
    return cmap


rng = np.random.default_rng(0)
out = {}
a = rng.integers(0, 21, size=(12, 17)).astype(np.uint8)
a[0, :] = 255
im = Image.fromarray(a, mode="P")
im.putpalette(voc_cmap())
im.save("tests/data/masks/voc_palette.png")
b = rng.integers(0, 16, size=(7, 9)).astype(np.uint8)
im4 = Image.fromarray(b, mode="P")
im4.putpalette(voc_cmap(16))
im4.save("tests/data/masks/palette_4bit.png", bits=4)
c = rng.integers(0, 2, size=(5, 11)).astype(np.uint8)
im1 = Image.fromarray(c, mode="P")
im1.putpalette([0, 0, 0, 255, 255, 255])
im1.save("tests/data/masks/palette_1bit.png", bits=1)
for name, arr in [("voc_palette.png", a), ("palette_4bit.png", b), ("palette_1bit.png", c)]:
    back = Image.open("tests/data/masks/" + name)
    assert back.mode == "P" and (np.array(back) == arr).all(), name
    out[name] = {"codes": arr.tolist(), "pil_L": np.array(back.convert("L")).tolist()}
VOC = "/usr/share/doc/labelme-examples/examples/instance_segmentation/data_dataset_voc"
out["voc"] = {}
for stem in ["2011_000003", "2011_000006", "2011_000025"]:
    m = np.array(Image.open(f"{VOC}/SegmentationClassPNG/{stem}.png"))
    u, c = np.unique(m, return_counts=True)
    out["voc"][stem] = {"shape": list(m.shape), "counts": {str(k): int(v) for k, v in zip(u, c)}}
json.dump(out, open("tests/data/masks/codes.json", "w"))
