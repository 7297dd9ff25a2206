#!/usr/bin/env bash
# README command 2: set up, build, and run every test (ctest: the unit-test executable and the
# find_package(fastai) consumer build).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd "${FASTAI_BUILD_DIR:-build}"
ctest --output-on-failure -j2
