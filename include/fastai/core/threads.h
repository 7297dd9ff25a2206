#pragma once
/// The library's CPU thread policy (measurements in docs/ARCHITECTURE.md, "Threads and BLAS").
///
/// libtorch 1.13 as Debian builds it starts with ONE intra-op thread. `init_threads` (called by
/// `init_runtime`, which the examples and benchmarks call, and the Learner will) raises that to
/// the number of cores, unless the user chose: OMP_NUM_THREADS in the environment, or an
/// earlier `set_num_threads` call, wins. The DataLoader does not call it.
namespace fastai {

/// Number of intra-op threads the library uses by default: $OMP_NUM_THREADS when set to a
/// positive number, else std::thread::hardware_concurrency() (at least 1).
///
/// Example: `int n = fastai::default_num_threads();`
int default_num_threads();

/// Sets libtorch's intra-op thread count (and with the OpenMP OpenBLAS, BLAS's) and records it
/// as the user's choice, so `init_threads` will not change it. Throws std::invalid_argument
/// for n < 1.
///
/// Example: `fastai::set_num_threads(1);  // leave the other core to data-loader workers`
void set_num_threads(int n);

/// Current intra-op thread count. Example: `std::cout << fastai::num_threads();`
int num_threads();

/// Applies the default policy once per process: sets `default_num_threads()` unless the user
/// already chose through `set_num_threads`. Cheap and idempotent; the Learner, the data
/// loaders and the examples call it. Returns the thread count in force.
///
/// Example: `fastai::init_threads();`
int init_threads();

/// This thread's intra-op thread count set to `n` until the scope ends (OpenMP's per-thread
/// setting: other threads and the process default are untouched). Learner::predict runs under
/// one: a single item is too small to split, and from a thread other than the main one a
/// 2-thread team cost 1077 µs per vision predict against 146 µs on one thread (libgomp stops
/// spinning once a process has more OpenMP threads than cores; docs/ARCHITECTURE.md, "Threads").
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
}  // namespace detail

}  // namespace fastai
