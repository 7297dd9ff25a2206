#!/usr/bin/env bash
# Builds the tests with ThreadSanitizer in build-tsan/ and runs the threaded ones: inference
# from many threads on one learner, the loader's worker threads, the thread policy.
#   scripts/tsan.sh                      # the default selection
#   scripts/tsan.sh 'InferenceThreads*'  # a gtest filter of your own
# libtorch and libgomp are not instrumented, so the tests run on one intra-op thread where they
# can, and races with an OpenMP frame are suppressed (scripts/tsan.supp: TSan cannot see
# OpenMP's barriers); the caller threads, loader workers and the Learner's turn-taking are all
# ours and instrumented. ASLR is turned off for the run (setarch -R):
# gcc 12's TSan cannot map its shadow memory under the kernel's high-entropy ASLR.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null  # packages (the normal build is left as it is)
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
BUILD_DIR=${FASTAI_TSAN_BUILD_DIR:-build-tsan}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFASTAI_SANITIZE_THREAD=ON \
    -DFASTAI_BUILD_EXAMPLES=OFF -DFASTAI_BUILD_BENCH=OFF
fi
cmake --build "$BUILD_DIR" --target fastai_tests
FILTER=${1:-'InferenceThreads*:DataLoader.*:Threads.*:PassGate*'}
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/scripts/tsan.supp ${TSAN_OPTIONS:-}" OMP_NUM_THREADS=1 FASTAI_THREAD_POLICY=fixed \
  setarch "$(uname -m)" -R "$BUILD_DIR/tests/fastai_tests" --gtest_brief=1 --gtest_filter="$FILTER"
