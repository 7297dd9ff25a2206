#include "fastai/core/threads.h"

#include <ATen/Parallel.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

extern "C" void omp_set_num_threads(int);  // libgomp, which libtorch loads: this thread only

namespace fastai {
namespace {
std::atomic<bool> user_chose{false};
std::mutex init_mutex;
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
  std::lock_guard lock(init_mutex);
  at::set_num_threads(n);
  user_chose = true;
}

int num_threads() { return at::get_num_threads(); }

int init_threads() {
  std::lock_guard lock(init_mutex);
  if (!user_chose) {
    at::set_num_threads(default_num_threads());
    user_chose = true;  // applied once; later calls keep whatever is in force
  }
  return at::get_num_threads();
}

ScopedThreads::ScopedThreads(int n) : saved_(at::get_num_threads()) {  // get_ first: ATen's per-thread init
  if (n < 1) throw std::invalid_argument("ScopedThreads: need at least 1 thread, got " + std::to_string(n));
  if (n != saved_) omp_set_num_threads(n);
}

ScopedThreads::~ScopedThreads() {
  if (at::get_num_threads() != saved_) omp_set_num_threads(saved_);
}

namespace detail {
void reset_thread_policy_for_tests() {
  std::lock_guard lock(init_mutex);
  user_chose = false;
}
}  // namespace detail

}  // namespace fastai
