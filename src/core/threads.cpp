#include "fastai/core/threads.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

extern "C" void omp_set_num_threads(int);  // libgomp, which libtorch loads: this thread only

namespace fastai {
namespace {

std::mutex mutex;                       // guards everything below that is not atomic
bool applied = false;                   // init_threads ran or the user chose a count
bool user_count = false;                // set_num_threads: the count is the user's
std::atomic<int> policy{-1};            // -1: not decided (read the environment on first use)
std::atomic<int> target{0};             // the adaptive count every thread follows (0: none yet)
std::atomic<int> max_threads{1};        // what the adaptive policy may use at most
std::atomic<int64_t> next_check_ns{0};  // when adapt_threads samples again
CpuSample last;                         // the previous sample
std::function<CpuSample()> sample_fn;   // tests replace these
std::function<int()> runnable_fn;
double interval_s = 0.1;
thread_local int scoped_depth = 0;  // ScopedThreads active on this thread

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

CpuSample take_sample() { return sample_fn ? sample_fn() : sample_cpu(); }
int runnable_others() { return runnable_fn ? runnable_fn() : other_runnable_tasks(); }

ThreadPolicy policy_from_env() {
  if (const char* v = std::getenv("FASTAI_THREAD_POLICY"); v && *v) {
    if (std::strcmp(v, "adaptive") == 0) return ThreadPolicy::adaptive;
    if (std::strcmp(v, "fixed") == 0) return ThreadPolicy::fixed;
    throw std::invalid_argument(std::string("FASTAI_THREAD_POLICY=") + v +
                                " is not a thread policy: use \"adaptive\" (the default) or \"fixed\"");
  }
  if (const char* env = std::getenv("OMP_NUM_THREADS"); env && *env) return ThreadPolicy::fixed;  // the user's
  return ThreadPolicy::adaptive;
}

ThreadPolicy current_policy() {
  int p = policy.load();
  if (p < 0) {
    const ThreadPolicy decided = policy_from_env();
    int expected = -1;
    policy.compare_exchange_strong(expected, static_cast<int>(decided));
    p = policy.load();
  }
  return static_cast<ThreadPolicy>(p);
}

// Cores other processes hold, from their CPU use (`others`, in cores) and the current count:
// taken from 0.6 of a core, given back below 0.35, so a neighbour near half a core does not
// make the count flap.
int decide(double others, int current, int max) {
  const int taken = static_cast<int>(std::floor(others + (current < max ? 0.65 : 0.4) + 1e-9));
  return std::clamp(max - taken, 1, max);
}

}  // namespace

int default_num_threads() {
  if (const char* env = std::getenv("OMP_NUM_THREADS"); env && *env) {
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (end != env && v > 0) return static_cast<int>(v);
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(hc);
}

void set_num_threads(int n) {
  if (n < 1) throw std::invalid_argument("set_num_threads: need at least 1 thread, got " + std::to_string(n));
  std::lock_guard lock(mutex);
  at::set_num_threads(n);
  applied = user_count = true;
  max_threads = n;
  policy = static_cast<int>(ThreadPolicy::fixed);
  target = 0;
}

int num_threads() { return at::get_num_threads(); }

ThreadPolicy thread_policy() { return current_policy(); }

void set_thread_policy(ThreadPolicy p) {
  std::lock_guard lock(mutex);
  policy = static_cast<int>(p);
  if (p == ThreadPolicy::fixed) {
    target = 0;
  } else {
    next_check_ns = 0;  // decide at the next step
  }
}

int init_threads() {
  const ThreadPolicy p = current_policy();  // throws for a bad FASTAI_THREAD_POLICY
  std::lock_guard lock(mutex);
  if (!applied) {
    applied = true;  // applied once; later calls keep whatever is in force
    const int max = default_num_threads();
    max_threads = max;
    int n = max;
    if (p == ThreadPolicy::adaptive) {
      // No two samples yet: the tasks running right now stand in for the first decision.
      last = take_sample();
      n = std::clamp(max - runnable_others(), 1, max);
      target = n;
      next_check_ns = now_ns() + static_cast<int64_t>(interval_s * 1e9);
    }
    at::set_num_threads(n);
  }
  return at::get_num_threads();
}

int adapt_threads() {
  if (current_policy() != ThreadPolicy::adaptive) return at::get_num_threads();
  const int64_t now = now_ns();
  if (now >= next_check_ns.load(std::memory_order_relaxed)) {
    std::unique_lock lock(mutex, std::try_to_lock);  // one thread samples; the others go on
    if (lock.owns_lock() && now >= next_check_ns.load() && applied && !user_count) {
      const CpuSample s = take_sample();
      if (auto others = other_cores(last, s)) {
        const int max = max_threads.load();
        const int current = target.load() > 0 ? target.load() : max;
        const int next = decide(*others, current, max);
        if (next != current && scoped_depth == 0) at::set_num_threads(next);  // also the default of new threads
        target = next;
        last = s;
      } else if (!last.valid) {
        last = s;
      }
      next_check_ns = now + static_cast<int64_t>(interval_s * 1e9);
    }
  }
  const int t = target.load(std::memory_order_relaxed);
  const int have = at::get_num_threads();
  if (t > 0 && scoped_depth == 0 && have != t) {
    omp_set_num_threads(t);  // this thread only
    return t;
  }
  return have;
}

ScopedThreads::ScopedThreads(int n) : saved_(at::get_num_threads()) {  // get_ first: ATen's per-thread init
  if (n < 1) throw std::invalid_argument("ScopedThreads: need at least 1 thread, got " + std::to_string(n));
  if (n != saved_) omp_set_num_threads(n);
  ++scoped_depth;
}

ScopedThreads::~ScopedThreads() {
  --scoped_depth;
  if (at::get_num_threads() != saved_) omp_set_num_threads(saved_);
}

namespace detail {
void reset_thread_policy_for_tests() {
  std::lock_guard lock(mutex);
  applied = user_count = false;
  policy = -1;
  target = 0;
  next_check_ns = 0;
  last = CpuSample{};
}

void set_load_source_for_tests(std::function<CpuSample()> sample, std::function<int()> runnable, double interval) {
  std::lock_guard lock(mutex);
  sample_fn = std::move(sample);
  runnable_fn = std::move(runnable);
  interval_s = interval;
  last = CpuSample{};
  next_check_ns = 0;
}
}  // namespace detail

}  // namespace fastai
