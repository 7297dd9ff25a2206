// Test entry point. Unit tests run on one intra-op thread: the tensors are small, and ctest may
// run a second libtorch process (the consumer build) beside this one. The thread policy is
// fixed, so a test's numbers never depend on how busy the machine is (tests/core/test_threads.cpp
// plays a busy machine to test the adaptive policy).
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include "fastai/core/threads.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  at::set_num_threads(1);
  fastai::set_thread_policy(fastai::ThreadPolicy::fixed);
  return RUN_ALL_TESTS();
}
