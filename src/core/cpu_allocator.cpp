#include "fastai/core/cpu_allocator.h"

#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>

#include <bit>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <unordered_map>

namespace fastai {
namespace {

constexpr size_t kAlignment = 64;  // c10's own CPU alignment (AVX-512 loads)

class CachingCPUAllocator final : public c10::Allocator {
 public:
  explicit CachingCPUAllocator(c10::Allocator* fallback) : fallback_(fallback) {}

  c10::DataPtr allocate(size_t n) const override {
    if (n < min_bytes_) return fallback_->allocate(n);
    const size_t size = rounded(n);
    void* p = nullptr;
    {
      std::lock_guard lock(mutex_);
      if (auto it = free_.find(size); it != free_.end()) {
        p = it->second;
        free_.erase(it);
        cached_ -= size;
        ++hits_;
      } else {
        ++misses_;
      }
    }
    if (!p) p = fresh(size);
    {
      std::lock_guard lock(mutex_);
      live_[p] = size;
      in_use_ += size;
    }
    return {p, p, &release, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &release; }

  void set_options(const CachingCPUAllocatorOptions& o) {
    std::lock_guard lock(mutex_);
    min_bytes_ = o.min_bytes, max_cached_ = o.max_cached_bytes;
    trim_locked(max_cached_);
  }
  CPUAllocatorStats stats() const {
    std::lock_guard lock(mutex_);
    return {hits_, misses_, cached_, in_use_};
  }
  void empty() const {
    std::lock_guard lock(mutex_);
    trim_locked(0);
  }

  // The one instance, never destroyed: tensors freed during static destruction still call
  // `release` (a function-local static object would be gone by then).
  static CachingCPUAllocator& instance() {
    static CachingCPUAllocator* const a = new CachingCPUAllocator(c10::GetDefaultCPUAllocator());
    return *a;
  }

 private:
  // Up to 1/8 of the block's power of two more, so blocks of nearby sizes (a classifier's
  // batches of varying length) share the pool's entries.
  static size_t rounded(size_t n) {
    const size_t step = std::max<size_t>(std::bit_ceil(n) / 8, kAlignment);
    return (n + step - 1) / step * step;
  }

  void* fresh(size_t size) const {
    void* p = std::aligned_alloc(kAlignment, size);
    if (!p) {  // the pool may be what fills memory: give it back and retry once
      empty();
      p = std::aligned_alloc(kAlignment, size);
    }
    TORCH_CHECK(p, "fastai's CPU allocator: out of memory allocating ", size, " bytes");
    return p;
  }

  static void release(void* p) {
    CachingCPUAllocator& a = instance();
    std::lock_guard lock(a.mutex_);
    auto it = a.live_.find(p);
    if (it == a.live_.end()) {  // a small block given out raw (Allocator::raw_allocate) by the fallback
      a.fallback_->raw_deleter()(p);
      return;
    }
    const size_t size = it->second;
    a.live_.erase(it);
    a.in_use_ -= size;
    if (size > a.max_cached_) {
      std::free(p);
      return;
    }
    a.free_.emplace(size, p);
    a.cached_ += size;
    a.trim_locked(a.max_cached_);
  }

  // Frees the largest cached blocks until at most `limit` bytes stay cached.
  void trim_locked(size_t limit) const {
    while (cached_ > limit && !free_.empty()) {
      auto it = std::prev(free_.end());
      cached_ -= it->first;
      std::free(it->second);
      free_.erase(it);
    }
  }

  c10::Allocator* fallback_;
  mutable std::mutex mutex_;
  mutable std::multimap<size_t, void*> free_;
  mutable std::unordered_map<void*, size_t> live_;
  mutable size_t cached_ = 0, in_use_ = 0, hits_ = 0, misses_ = 0;
  size_t min_bytes_ = CachingCPUAllocatorOptions{}.min_bytes;
  size_t max_cached_ = CachingCPUAllocatorOptions{}.max_cached_bytes;
  std::once_flag installed_;

  friend bool fastai::use_caching_cpu_allocator(CachingCPUAllocatorOptions);
};

}  // namespace

bool use_caching_cpu_allocator(CachingCPUAllocatorOptions options) {
  if (const char* v = std::getenv("FASTAI_CPU_ALLOCATOR"); v && std::strcmp(v, "default") == 0) return false;
  CachingCPUAllocator& a = CachingCPUAllocator::instance();
  a.set_options(options);
  std::call_once(a.installed_, [&a] { c10::SetCPUAllocator(&a); });
  return true;
}

CPUAllocatorStats cpu_allocator_stats() { return CachingCPUAllocator::instance().stats(); }

void empty_cpu_cache() { CachingCPUAllocator::instance().empty(); }

}  // namespace fastai
