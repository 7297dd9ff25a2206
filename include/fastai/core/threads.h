#pragma once
/// The library's CPU thread policy (measurements in docs/ARCHITECTURE.md, "Threads, BLAS and
/// malloc" and "Sharing the machine").
///
/// libtorch 1.13 as Debian builds it starts with ONE intra-op thread. `init_threads` (called by
/// `init_runtime`, which the Learner, the examples and the benchmarks call) raises that to the
/// number of cores. Then, by default (ThreadPolicy::adaptive), the count follows the machine:
/// before each batch the Learner and the DataLoader call `adapt_threads`, which every 100 ms
/// measures the CPU time other processes used and leaves them their cores (at least 1 thread).
/// libgomp's threads spin while they wait for each other, so a team with one thread pre-empted
/// by another process stalls every parallel region: with one CPU-bound neighbour on 2 cores
/// bench_contention's tabular fit took 6.60 s at a fixed 2 threads and 0.141 s adaptive (0.149 s
/// idle).
///
/// Overrides: OMP_NUM_THREADS in the environment, `set_num_threads(n)`, or
/// FASTAI_THREAD_POLICY=fixed (or `set_thread_policy(ThreadPolicy::fixed)`) keep one count.
///
/// Thread-safety: every function here may be called from any thread. A thread count is
/// OpenMP's per-thread setting: adapt_threads and ScopedThreads change the calling thread's.
#include <functional>

#include "fastai/core/cpu_load.h"

namespace fastai {

/// Number of intra-op threads the library uses by default: $OMP_NUM_THREADS when set to a
/// positive number, else std::thread::hardware_concurrency() (at least 1).
///
/// Example: `int n = fastai::default_num_threads();`
int default_num_threads();

/// Sets libtorch's intra-op thread count (and with the OpenMP OpenBLAS, BLAS's) and records it
/// as the user's choice, so neither `init_threads` nor the adaptive policy will change it (the
/// policy becomes fixed). Throws std::invalid_argument for n < 1.
///
/// Example: `fastai::set_num_threads(1);  // leave the other core to data-loader workers`
void set_num_threads(int n);

/// Current intra-op thread count. Example: `std::cout << fastai::num_threads();`
int num_threads();

/// Applies the default policy once per process: sets `default_num_threads()` unless the user
/// already chose through `set_num_threads` — or, under the adaptive policy, fewer when other
/// processes are running right now. Cheap and idempotent; the Learner and the examples call
/// it. Returns the thread count in force. Throws std::invalid_argument naming the value when
/// FASTAI_THREAD_POLICY is neither "adaptive" nor "fixed".
///
/// Example: `fastai::init_threads();`
int init_threads();

/// How the intra-op thread count follows the machine.
/// Example: `fastai::set_thread_policy(fastai::ThreadPolicy::fixed);  // reproducible to the bit`
enum class ThreadPolicy {
  /// Default: up to `default_num_threads()`, minus the cores other processes keep busy (a core
  /// counts as taken from 0.6 of it in use, and as free again below 0.35), at least 1.
  adaptive,
  /// The count `init_threads` or `set_num_threads` set stays. Results then do not depend on
  /// the machine's load (a reduction split over 1 or 2 threads can differ in the last bit).
  fixed,
};

/// The policy in force: adaptive unless FASTAI_THREAD_POLICY=fixed, OMP_NUM_THREADS is set,
/// set_num_threads was called or set_thread_policy chose. Example: `if (fastai::thread_policy()
/// == fastai::ThreadPolicy::adaptive) …`
ThreadPolicy thread_policy();
/// Chooses the policy. Example: `fastai::set_thread_policy(fastai::ThreadPolicy::fixed);`
void set_thread_policy(ThreadPolicy policy);

/// The adaptive policy's step, cheap enough for every batch: at most every 100 ms it samples
/// the machine's load and picks the process-wide count; each call puts the calling thread on
/// that count (unless a ScopedThreads is active on it). Under the fixed policy it does nothing.
/// Returns the calling thread's count. The Learner calls it before each batch, the DataLoader
/// before each batch it hands out.
/// Example: `for (auto& b : batches) { fastai::adapt_threads(); step(b); }`
int adapt_threads();

/// This thread's intra-op thread count set to `n` until the scope ends (OpenMP's per-thread
/// setting: other threads and the process default are untouched). Learner::predict runs under
/// one: a single item is too small to split, and from threads other than the main one 2-thread
/// teams made vision predict 6.5× slower (bench_inference, one calling thread: 968 predictions/s
/// before this, 6257/s after; docs/ARCHITECTURE.md, "Inference from many threads").
/// Example: `{ fastai::ScopedThreads one(1); small_op(); }`
class ScopedThreads {
 public:
  explicit ScopedThreads(int n);
  ~ScopedThreads();
  ScopedThreads(const ScopedThreads&) = delete;
  ScopedThreads& operator=(const ScopedThreads&) = delete;

 private:
  int saved_;
};

namespace detail {
/// Forgets that the policy was applied or chosen, so tests can observe a first use.
void reset_thread_policy_for_tests();
/// Replaces the machine's load readings (sample_cpu, other_runnable_tasks) and the 100 ms
/// check interval, so tests can play a busy or an idle machine; empty functions restore them.
void set_load_source_for_tests(std::function<CpuSample()> sample, std::function<int()> runnable,
                               double interval_s = 0.1);
}  // namespace detail

}  // namespace fastai
