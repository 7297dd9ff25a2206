#pragma once
/// Process-wide runtime defaults the library applies once, at the first entry point that
/// needs them (the examples, benchmarks and the Learner call `init_runtime`). Measurements
/// behind each choice: docs/ARCHITECTURE.md, "Threads, BLAS and malloc".
///
/// Thread-safety: Safe from any thread (applied once under a lock).
namespace fastai {

/// Keeps batch- and activation-sized buffers (up to 32 MiB) on the malloc heap instead of
/// fresh mmap'd pages, and trims the heap only past 128 MiB. glibc's default (mmap above a
/// threshold that adapts at run time) can make a loop allocating ~0.4 MB tensors page-fault
/// on every batch, depending on the heap's history: in one build the whole-batch loader of
/// bench_data_loader ran 49.9 ms/epoch, and 29.3 ms/epoch once this policy was added. Leaves
/// malloc alone when the user tuned it (GLIBC_TUNABLES with a malloc setting, or
/// MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_). Returns whether it applied.
///
/// Example: `fastai::apply_malloc_policy();`
bool apply_malloc_policy();

/// Applies the thread policy (`init_threads`), the malloc policy and the caching CPU allocator
/// (`use_caching_cpu_allocator`, core/cpu_allocator.h), once per process; cheap
/// to call again. Returns the intra-op thread count in force.
///
/// Example: `int threads = fastai::init_runtime();`
int init_runtime();

}  // namespace fastai
