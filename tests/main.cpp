// Test entry point. Unit tests run on one intra-op thread: the tensors are small, and ctest may
// run a second libtorch process (the consumer build) beside this one.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  at::set_num_threads(1);
  return RUN_ALL_TESTS();
}
