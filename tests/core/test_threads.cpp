#include "fastai/core/threads.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>
#include <vector>

// One test, in sequence: the policy is process-wide state applied once.
TEST(Threads, DefaultPolicyUserChoiceAndValidation) {
  const char* env = std::getenv("OMP_NUM_THREADS");
  const int expected = env && std::atoi(env) > 0 ? std::atoi(env) : std::max(1u, std::thread::hardware_concurrency());
  EXPECT_EQ(fastai::default_num_threads(), expected);

  // First use applies the default (libtorch here starts at 1 thread; tests/main.cpp sets 1),
  // on a machine that looks idle (the real one may be running another test process).
  fastai::detail::reset_thread_policy_for_tests();  // whatever ran before in this process
  fastai::detail::set_load_source_for_tests([] { return fastai::CpuSample{}; }, [] { return 0; });
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
  EXPECT_EQ(fastai::thread_policy(), fastai::ThreadPolicy::fixed);  // the user's count stays
  fastai::detail::set_load_source_for_tests({}, {});
  fastai::set_num_threads(1);
}

namespace {
// A machine whose load the test sets: each sample advances 0.1 s, during which other
// processes used `others` cores and this process `self` cores.
struct FakeMachine {
  double wall = 1000, busy = 0, self = 0;
  fastai::CpuSample step(double others, double own = 1.0) {
    wall += 0.1, busy += 0.1 * (others + own), self += 0.1 * own;
    return {wall, busy, self, true};
  }
};
}  // namespace

TEST(Threads, AdaptivePolicyLeavesOtherProcessesTheirCores) {
  const int max = static_cast<int>(std::thread::hardware_concurrency());
  if (max < 2 || std::getenv("OMP_NUM_THREADS")) GTEST_SKIP() << "needs 2+ cores and no OMP_NUM_THREADS";
  FakeMachine m;
  double others = 0;
  int runnable = 1;
  fastai::detail::reset_thread_policy_for_tests();
  fastai::detail::set_load_source_for_tests([&] { return m.step(others); }, [&] { return runnable; }, 0.0);
  fastai::set_thread_policy(fastai::ThreadPolicy::adaptive);
  // The first decision: one other task running now.
  EXPECT_EQ(fastai::init_threads(), max - 1);
  // Then measured use over each interval, with hysteresis around half a core.
  const std::vector<std::pair<double, int>> steps = {{0.05, max}, {1.0, max - 1}, {0.45, max - 1}, {0.3, max},
                                                     {0.55, max}, {0.6, max - 1}, {0.0, max}};
  for (const auto& [o, want] : steps) {
    others = o;
    EXPECT_EQ(fastai::adapt_threads(), want) << "others use " << o << " cores";
    EXPECT_EQ(at::get_num_threads(), want);
  }
  // Every thread follows the process-wide count on its next step…
  others = 1.0;
  EXPECT_EQ(fastai::adapt_threads(), max - 1);
  int seen = 0;
  std::thread([&] { seen = fastai::adapt_threads(); }).join();
  EXPECT_EQ(seen, max - 1);
  // …except inside a ScopedThreads, which wins on its thread.
  others = 0;
  {
    fastai::ScopedThreads scoped(1);
    EXPECT_EQ(fastai::adapt_threads(), 1);
  }
  EXPECT_EQ(fastai::adapt_threads(), max);
  // A count the user set is never changed, however busy the machine.
  fastai::set_num_threads(2);
  others = 1.5;
  EXPECT_EQ(fastai::adapt_threads(), 2);
  EXPECT_EQ(fastai::thread_policy(), fastai::ThreadPolicy::fixed);
  // A policy name that means nothing is refused with its value.
  fastai::detail::reset_thread_policy_for_tests();
  ::setenv("FASTAI_THREAD_POLICY", "sometimes", 1);
  try {
    fastai::init_threads();
    ADD_FAILURE() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("sometimes"), std::string::npos) << e.what();
  }
  ::unsetenv("FASTAI_THREAD_POLICY");
  fastai::detail::set_load_source_for_tests({}, {});
  fastai::set_num_threads(1);  // as the test before leaves it (tests/main.cpp: one thread)
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
