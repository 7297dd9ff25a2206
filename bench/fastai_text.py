#!/usr/bin/env python3
"""fastai's side of bench/bench_text.cpp (real fastai 2.7.18 from ../shared/fastai-src).

  train_sp FOLDER CACHE_DIR       trains fastai's SentencePieceTokenizer (its defaults) on the .txt
                                  files of FOLDER (with fastai's rules), prints MODEL <path>
  tokenize FOLDER OUT MODEL N     fastai's tokenize_folder(FOLDER, output_dir=OUT, n_workers=N,
                                  tok=SentencePieceTokenizer(sp_model=MODEL)), prints SECONDS <s>

Run:  . ../shared/fastai-src/env.sh && $PY bench/fastai_text.py tokenize …"""
import sys
import time
from pathlib import Path

from fastai.text.core import SentencePieceTokenizer, defaults, tokenize_folder


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
        folder, out, model, n = Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], int(sys.argv[5])
        t0 = time.perf_counter()
        tokenize_folder(folder, output_dir=out, n_workers=n, tok=SentencePieceTokenizer(sp_model=model))
        print("SECONDS", time.perf_counter() - t0, flush=True)
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
