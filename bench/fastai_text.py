#!/usr/bin/env python3
"""fastai's side of bench/bench_text.cpp (real fastai 2.7.18 from ../shared/fastai-src).

  train_sp FOLDER CACHE_DIR       trains fastai's SentencePieceTokenizer (its defaults) on the .txt
                                  files of FOLDER (with fastai's rules), prints MODEL <path>
  tokenize FOLDER MODEL N         fastai's tokenize_folder(FOLDER, n_workers=N, skip_if_exists=False,
                                  tok=SentencePieceTokenizer(sp_model=MODEL)), prints SECONDS <s> and
                                  OUT <dir>: fastai 2.7.18's tokenize_folder drops its output_dir
                                  argument (it never reaches _tokenize_files), so the tokens always
                                  go to FOLDER's sibling <name>_tok
  breakdown FOLDER MODEL          in one process: fastai's rules over the texts, then
                                  EncodeAsPieces over the ruled texts; prints RULES and ENCODE <s>

Run:  . ../shared/fastai-src/env.sh && $PY bench/fastai_text.py tokenize …"""
import sys
import time
from pathlib import Path

from fastai.text.core import SentencePieceTokenizer, defaults, tokenize_folder
from fastcore.all import maps


def main():
    cmd = sys.argv[1]
    if cmd == "train_sp":
        folder, cache = Path(sys.argv[2]), Path(sys.argv[3])
        files = sorted(folder.rglob("*.txt"))
        tok = SentencePieceTokenizer(cache_dir=cache)
        texts = [f.read_text(encoding="utf8") for f in files]
        tok.setup(texts, defaults.text_proc_rules)  # fastai's parallel_tokenize calls it so
        print("MODEL", cache / "spm.model", flush=True)
    elif cmd == "tokenize":
        folder, model, n = Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
        t0 = time.perf_counter()
        out = tokenize_folder(folder, n_workers=n, skip_if_exists=False, tok=SentencePieceTokenizer(sp_model=model))
        print("SECONDS", time.perf_counter() - t0, flush=True)
        print("OUT", out, flush=True)
    elif cmd == "breakdown":
        # One process, no pool: fastai's rules, then SentencePiece's EncodeAsPieces on the ruled texts.
        folder, model = Path(sys.argv[2]), sys.argv[3]
        texts = [f.read_text(encoding="utf8") for f in sorted(folder.rglob("*.txt"))]
        t0 = time.perf_counter()
        ruled = [t for t in maps(*defaults.text_proc_rules, texts)]
        t1 = time.perf_counter()
        tok = SentencePieceTokenizer(sp_model=model)
        t2 = time.perf_counter()
        n = sum(len(tok.tok.EncodeAsPieces(t)) for t in ruled)
        t3 = time.perf_counter()
        print("RULES", t1 - t0, flush=True)
        print("ENCODE", t3 - t2, flush=True)
        print("PIECES", n, flush=True)
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
