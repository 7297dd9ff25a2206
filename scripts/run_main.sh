#!/usr/bin/env bash
# README command 1: set up, build, and run the main job (train a vision model on Fashion-MNIST
# and show results). Extra arguments go to the example: scripts/run_main.sh [epochs] [batch_size]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec "${FASTAI_BUILD_DIR:-build}/examples/train_fashion_mnist" "$@"
