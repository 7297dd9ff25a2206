// The caching CPU allocator (core/cpu_allocator.h): large blocks come back from the pool, small ones
// go to libtorch's allocator, the pool stays under its cap, tensors keep their values, and many
// threads can allocate and free at once.
#include "fastai/core/cpu_allocator.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <thread>
#include <vector>

using namespace fastai;

namespace {
// Installs the allocator with the given options, restoring the defaults afterwards.
struct WithAllocator {
  explicit WithAllocator(CachingCPUAllocatorOptions o) { installed = use_caching_cpu_allocator(o); }
  ~WithAllocator() { use_caching_cpu_allocator(); }
  bool installed = false;
};
}  // namespace

TEST(CPUAllocator, LargeBlocksAreReusedSmallOnesAreNot) {
  WithAllocator with({.min_bytes = size_t{1} << 20, .max_cached_bytes = size_t{64} << 20});
  if (!with.installed) GTEST_SKIP() << "FASTAI_CPU_ALLOCATOR=default";
  empty_cpu_cache();
  void* first = nullptr;
  {
    auto big = torch::empty({1 << 20});  // 4 MiB
    first = big.data_ptr();
  }
  const auto before = cpu_allocator_stats();
  EXPECT_GE(before.cached_bytes, size_t{4} << 20);
  auto again = torch::ones({1 << 20});  // the same size: the same block, from the pool
  EXPECT_EQ(again.data_ptr(), first);
  EXPECT_EQ(cpu_allocator_stats().hits, before.hits + 1);
  EXPECT_EQ(again.sum().item<float>(), float(1 << 20));  // and it holds what was written
  // A block a little smaller rounds to the same pool entry size (1/8 of its power of two).
  const void* p = again.data_ptr();
  again = torch::Tensor();
  auto near = torch::empty({(1 << 20) - 1000});
  EXPECT_EQ(near.data_ptr(), p);
  // Small blocks never enter the pool.
  const auto s0 = cpu_allocator_stats();
  { auto small = torch::empty({1000}); }
  EXPECT_EQ(cpu_allocator_stats().cached_bytes, s0.cached_bytes);
  EXPECT_EQ(cpu_allocator_stats().misses, s0.misses);
}

TEST(CPUAllocator, ThePoolStaysUnderItsCapAndEmpties) {
  WithAllocator with({.min_bytes = size_t{1} << 20, .max_cached_bytes = size_t{10} << 20});
  if (!with.installed) GTEST_SKIP() << "FASTAI_CPU_ALLOCATOR=default";
  {
    std::vector<torch::Tensor> ts;
    for (int i = 0; i < 6; ++i) ts.push_back(torch::empty({1 << 20}));  // 6 x 4 MiB in use
    EXPECT_GE(cpu_allocator_stats().in_use_bytes, size_t{24} << 20);  // at least these six
  }
  EXPECT_LE(cpu_allocator_stats().cached_bytes, size_t{10} << 20);
  { auto huge = torch::empty({4 << 20}); }  // 16 MiB: larger than the cap, freed at once
  EXPECT_LE(cpu_allocator_stats().cached_bytes, size_t{10} << 20);
  empty_cpu_cache();
  EXPECT_EQ(cpu_allocator_stats().cached_bytes, 0u);
}

TEST(CPUAllocator, ThreadsAllocateAndFreeAtOnce) {
  WithAllocator with({.min_bytes = size_t{1} << 16, .max_cached_bytes = size_t{32} << 20});
  if (!with.installed) GTEST_SKIP() << "FASTAI_CPU_ALLOCATOR=default";
  // Other tests' long-lived tensors may hold pool blocks: compare with what was in use before.
  const size_t in_use_before = cpu_allocator_stats().in_use_bytes;
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int k = 0; k < 4; ++k)
    threads.emplace_back([k, &ok] {
      int good = 0;
      for (int i = 0; i < 200; ++i) {
        auto t = torch::full({(1 << 15) + 97 * (i % 7)}, float(k));  // sizes sharing pool entries
        good += t.sum().item<float>() == float(k) * t.numel();
      }
      ok[k] = good;
    });
  for (auto& t : threads) t.join();
  for (int k = 0; k < 4; ++k) EXPECT_EQ(ok[k], 200) << "thread " << k;
  EXPECT_EQ(cpu_allocator_stats().in_use_bytes, in_use_before);
}
