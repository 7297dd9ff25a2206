#!/usr/bin/env python3
"""Counts the hand-written describe/rebuild code in src/: the lines of every function body
named describe() or from_description(...), plus FASTAI_REGISTER_TRANSFORM lines and field-list
macros (NLOHMANN_DEFINE_TYPE_*, FASTAI_JSON_ENUM, FASTAI_DESCRIBED_*). Reads the working tree,
or a git revision with --rev.

  python3 tools/count_describe_lines.py            # working tree
  python3 tools/count_describe_lines.py --rev HEAD~3
"""
import argparse
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIG = re.compile(r"(::describe\(\) const|::from_description\(const)[^;{]*\{\s*$")
ONE_LINE = re.compile(r"(FASTAI_REGISTER_TRANSFORM|NLOHMANN_DEFINE_TYPE|FASTAI_JSON_ENUM|FASTAI_DESCRIBED)")


def files(rev):
    if rev:
        out = subprocess.run(["git", "ls-tree", "-r", "--name-only", rev, "src"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.split()
        for f in out:
            if f.endswith(".cpp"):
                yield f, subprocess.run(["git", "show", f"{rev}:{f}"], cwd=ROOT, check=True, capture_output=True,
                                        text=True).stdout
    else:
        for p in sorted((ROOT / "src").rglob("*.cpp")):
            yield str(p.relative_to(ROOT)), p.read_text()


def count(text):
    lines = text.splitlines()
    n, i = 0, 0
    while i < len(lines):
        line = lines[i]
        if SIG.search(line):
            depth, j = 0, i
            while True:
                depth += lines[j].count("{") - lines[j].count("}")
                j += 1
                if depth <= 0:
                    break
            n += j - i
            i = j
            continue
        if ONE_LINE.search(line) and not line.lstrip().startswith(("//", "#define")):
            n += 1
        i += 1
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rev")
    ap.add_argument("-v", action="store_true", help="per file")
    a = ap.parse_args()
    total = 0
    for name, text in files(a.rev):
        c = count(text)
        total += c
        if a.v and c:
            print(f"{c:5d} {name}")
    print(f"describe/rebuild lines: {total}")


if __name__ == "__main__":
    main()
