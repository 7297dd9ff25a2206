#!/usr/bin/env python3
"""Runs real fastai 2.7.18's SentencePieceTokenizer (fastai.text.core) through tokenize_texts on a
made-up corpus of 600 reviews (seeded, so the same every run) and writes what fastai did:
  tests/data/reference/sentencepiece.json  the corpus, fastai's vocab_sz rule, the tokens of every
                                           text, and the pieces of each trained model
  tests/data/reference/spm_unigram.model   the model fastai trained with its defaults
  (and the pieces of a model trained with vocab_sz=200, model_type="bpe")
Test: tests/text/test_sentencepiece.cpp. Run from the project root:
  . ../shared/fastai-src/env.sh && $PY tools/gen_sentencepiece_reference.py"""
import json
import os
import random
import shutil
import tempfile

from fastai.text.core import SentencePieceTokenizer, tokenize_texts
import fastprogress
fastprogress.fastprogress.NO_BAR = True
from sentencepiece import SentencePieceProcessor

rng = random.Random(18)
words = ("the a an this that movie film food taste coffee tea it was is were be good great bad awful "
         "delicious stale fresh price shipping box bag order product love hate really very quite not "
         "never always my our your their dog cat kids husband wife friend buy bought again would "
         "could should recommend everyone anyone flavor sweet salty bitter cup morning night day "
         "week month year amazon store brand package arrived broken perfect cheap expensive "
         "chocolate cookies chips sauce pasta rice beans organic healthy snack treat").split()
weights = [1.0 / (i + 1) ** 0.9 for i in range(len(words))]
starts = ["I", "We", "My", "This", "The", "It", "Our", "They"]
extras = ["don't", "can't", "I'm", "it's", "won't", "they're", "you'll", "we've", "isn't", "wasn't"]
ends = [".", "!", "!!!", "?", "...", " :)", "."]


def sentence():
    n = rng.randint(3, 14)
    ws = rng.choices(words, weights, k=n)
    if rng.random() < 0.3: ws.insert(rng.randrange(len(ws) + 1), rng.choice(extras))
    if rng.random() < 0.1: ws.insert(rng.randrange(len(ws) + 1), rng.choice(words).upper())
    if rng.random() < 0.1: ws.insert(rng.randrange(len(ws) + 1), str(rng.randint(1, 500)))
    if rng.random() < 0.05: ws.insert(rng.randrange(len(ws) + 1), "sooooo")
    return rng.choice(starts) + " " + " ".join(ws) + rng.choice(ends)


def review():
    parts = [sentence() for _ in range(rng.randint(1, 6))]
    sep = rng.choice([" ", " ", " <br /><br />", "  "])
    return sep.join(parts)


texts = [review() for _ in range(600)]
ref = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "reference")
out = {"texts": texts}
for name, kwargs in [("unigram", {}), ("bpe", {"vocab_sz": 200, "model_type": "bpe"})]:
    models = []
    for attempt in range(2):  # twice, to show fastai's training is deterministic on this machine
        cache = tempfile.mkdtemp()
        tok = SentencePieceTokenizer(cache_dir=cache, **kwargs)
        toks = [list(t) for t in tokenize_texts(texts, n_workers=0, tok=tok)]
        with open(os.path.join(cache, "spm.model"), "rb") as f: models.append(f.read())
        shutil.rmtree(cache)
    # the model's bytes hold its trainer spec, temporary paths included: compare the pieces
    sps = [SentencePieceProcessor() for _ in models]
    for sp, m in zip(sps, models): sp.LoadFromSerializedProto(m)
    vocab = [[(sp.IdToPiece(i), sp.GetScore(i)) for i in range(sp.GetPieceSize())] for sp in sps]
    assert vocab[0] == vocab[1], "sentencepiece training is not deterministic here"
    sp = sps[0]
    out[name] = {"kwargs": kwargs, "tokens": toks,
                 "pieces": [sp.IdToPiece(i) for i in range(sp.GetPieceSize())],
                 "scores": [sp.GetScore(i) for i in range(sp.GetPieceSize())]}
    if name != "unigram": continue  # the bpe pieces are enough to compare with
    path = os.path.join(ref, f"spm_{name}.model")
    with open(path + ".tmp", "wb") as f: f.write(models[0])
    os.replace(path + ".tmp", path)
# fastai's vocab-size rule on the rules-applied corpus, for the C++ rule's test
tmp = tempfile.mkdtemp()
raw = os.path.join(tmp, "texts.out")
from fastai.text.core import defaults
from fastcore.all import maps
from pathlib import Path
with open(raw, "w") as f:
    for t in maps(*defaults.text_proc_rules, texts): f.write(f"{t}\n")
out["vocab_sz"] = SentencePieceTokenizer(cache_dir=tmp)._get_vocab_sz(Path(raw))
shutil.rmtree(tmp)
path = os.path.join(ref, "sentencepiece.json")
with open(path + ".tmp", "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False)
os.replace(path + ".tmp", path)
print(f"wrote {path}: {len(texts)} texts, vocab_sz {out['vocab_sz']}, "
      f"{sum(len(t) for t in out['unigram']['tokens'])} unigram tokens, "
      f"{len(out['unigram']['pieces'])} / {len(out['bpe']['pieces'])} pieces")
