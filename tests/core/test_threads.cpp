#include "fastai/core/threads.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

// One test, in sequence: the policy is process-wide state applied once.
TEST(Threads, DefaultPolicyUserChoiceAndValidation) {
  const char* env = std::getenv("OMP_NUM_THREADS");
  const int expected = env && std::atoi(env) > 0 ? std::atoi(env) : std::max(1u, std::thread::hardware_concurrency());
  EXPECT_EQ(fastai::default_num_threads(), expected);

  // First use applies the default (libtorch here starts at 1 thread; tests/main.cpp sets 1).
  fastai::detail::reset_thread_policy_for_tests();  // whatever ran before in this process
  at::set_num_threads(1);
  EXPECT_EQ(fastai::init_threads(), expected);
  EXPECT_EQ(at::get_num_threads(), expected);
  // Applied once only: a later change by the user is not overridden.
  at::set_num_threads(1);
  EXPECT_EQ(fastai::init_threads(), 1);

  fastai::set_num_threads(2);
  EXPECT_EQ(fastai::num_threads(), 2);
  EXPECT_EQ(fastai::init_threads(), 2);
  EXPECT_THROW(fastai::set_num_threads(0), std::invalid_argument);
  EXPECT_EQ(fastai::num_threads(), 2);
  fastai::set_num_threads(1);
}

TEST(Threads, DefaultHonoursOmpNumThreads) {
  const char* old = std::getenv("OMP_NUM_THREADS");
  std::string saved = old ? old : "";
  ::setenv("OMP_NUM_THREADS", "3", 1);
  EXPECT_EQ(fastai::default_num_threads(), 3);
  ::setenv("OMP_NUM_THREADS", "junk", 1);
  EXPECT_EQ(fastai::default_num_threads(), static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  if (old)
    ::setenv("OMP_NUM_THREADS", saved.c_str(), 1);
  else
    ::unsetenv("OMP_NUM_THREADS");
}
