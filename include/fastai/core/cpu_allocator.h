#pragma once
/// A caching allocator for large CPU tensors, installed as libtorch's CPU allocator by
/// `init_runtime` (the Learner, the examples and the benchmarks call it).
///
/// glibc serves every block above 32 MiB (the largest mmap threshold it accepts) with fresh
/// mmap'd pages and unmaps them on free, so a language model's step, whose logits and their
/// gradient are tens to hundreds of MB, page-faults and zero-fills them again on every batch:
/// examples/pretrain_lm spent 35% of its CPU time in the kernel (561 of 1,606 s, 407 M minor page
/// faults in one epoch; docs/ARCHITECTURE.md, "Threads, BLAS and malloc"). This keeps freed blocks
/// of at least `min_bytes` in a pool keyed by size (rounded up to an eighth of their power of two)
/// and hands them out again; smaller blocks go to libtorch's default allocator.
///
/// Set FASTAI_CPU_ALLOCATOR=default in the environment to keep libtorch's allocator.
///
/// Thread-safety: allocation and release may happen on any thread (one mutex, taken only for
/// blocks of at least `min_bytes`).
#include <cstddef>

namespace fastai {

/// What the caching CPU allocator keeps.
/// Example: `fastai::use_caching_cpu_allocator({.max_cached_bytes = size_t{512} << 20});`
struct CachingCPUAllocatorOptions {
  /// Blocks smaller than this go to libtorch's default allocator (the many tiny tensors of a step).
  size_t min_bytes = size_t{64} << 10;
  /// Free blocks beyond this total are returned to the system at once.
  size_t max_cached_bytes = size_t{2} << 30;
};

/// Installs the caching allocator as libtorch's CPU allocator (once; later calls update the
/// options). Tensors allocated before keep their own deleters, so installing it at any time is
/// safe. Returns false, installing nothing, when FASTAI_CPU_ALLOCATOR=default.
///
/// Example: `fastai::use_caching_cpu_allocator();`
bool use_caching_cpu_allocator(CachingCPUAllocatorOptions options = {});

/// Counters of the caching allocator (all 0 until it is installed).
/// Example: `auto s = fastai::cpu_allocator_stats(); std::cout << s.hits << "/" << s.hits + s.misses;`
struct CPUAllocatorStats {
  size_t hits = 0;          ///< large blocks served from the pool
  size_t misses = 0;        ///< large blocks the system had to provide
  size_t cached_bytes = 0;  ///< free bytes held in the pool now
  size_t in_use_bytes = 0;  ///< large blocks handed out and not yet freed
};
/// Example: `fastai::CPUAllocatorStats s = fastai::cpu_allocator_stats();`
CPUAllocatorStats cpu_allocator_stats();

/// Returns every free block in the pool to the system (what the allocator also does when the
/// system refuses memory). Example: `fastai::empty_cpu_cache();  // before a memory-hungry step`
void empty_cpu_cache();

}  // namespace fastai
