#pragma once
// Work on items spread over threads, for the text tokenizers (internal to the library).
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace fastai::text_detail {

// The item that failed and its exception.
struct ItemFailure {
  size_t index;
  std::exception_ptr error;
};

// Calls f(i) for every i in [0, n) on up to `n_workers` threads (1 or less: the calling thread),
// handing out `block` indices at a time. The first failure stops the handing out; once every
// thread is done, the failure with the smallest index is returned (nullopt when none), so the
// same input reports the same item whatever the thread count.
inline std::optional<ItemFailure> for_each_item(size_t n, int n_workers, size_t block,
                                                const std::function<void(size_t)>& f) {
  block = std::max<size_t>(block, 1);
  std::atomic<size_t> next{0};
  std::mutex m;
  std::optional<ItemFailure> failed;
  auto work = [&] {
    for (size_t b; (b = next.fetch_add(block)) < n;) {
      for (size_t i = b; i < std::min(b + block, n); ++i) {
        try {
          f(i);
        } catch (...) {
          std::lock_guard lock(m);
          if (!failed || i < failed->index) failed = ItemFailure{i, std::current_exception()};
          next = n;  // stop handing out work
          return;
        }
      }
    }
  };
  const int threads = std::max(1, std::min<int>(n_workers, static_cast<int>(std::min<size_t>(n, 1 << 20))));
  if (threads == 1) {
    work();
  } else {
    std::vector<std::jthread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(work);
  }
  return failed;
}

}  // namespace fastai::text_detail
