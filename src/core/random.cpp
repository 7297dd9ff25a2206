#include "fastai/core/random.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>

#include <atomic>
#include <mutex>

namespace fastai {

namespace {
std::atomic<uint64_t> global_seed{0x5eed5eedULL};
std::atomic<uint64_t> thread_counter{0};

uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Each thread's default engine: seeded from the global seed and the thread's arrival order.
struct ThreadDefault {
  uint64_t seed_version = ~0ULL;
  std::mt19937_64 engine;
  at::Generator gen;
  void refresh() {
    const uint64_t s = global_seed.load();
    if (s == seed_version) return;
    seed_version = s;
    const uint64_t mixed = mix_seed(s, thread_counter.fetch_add(1));
    engine.seed(mixed);
    gen = at::make_generator<at::CPUGeneratorImpl>(mixed);
  }
};
thread_local ThreadDefault thread_default;
thread_local RngScope* current = nullptr;  // innermost scope on this thread
}  // namespace

uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c) { return splitmix(splitmix(splitmix(a) ^ b) ^ c); }

void set_seed(uint64_t seed) {
  at::manual_seed(seed);
  thread_counter = 0;
  global_seed = seed;
  thread_default.seed_version = ~0ULL;  // this thread re-seeds now, in a known order
  thread_default.refresh();
}

std::mt19937_64& rng() {
  if (current) return current->engine();
  thread_default.refresh();
  return thread_default.engine;
}

at::Generator& torch_rng() {
  if (current) return current->generator();
  thread_default.refresh();
  return thread_default.gen;
}

uint64_t draw_seed() { return rng()(); }

RngScope::RngScope(uint64_t seed) : previous_(current), seed_(seed) {
  current = this;  // scopes nest strictly on a thread
}

std::mt19937_64& RngScope::engine() {
  if (!engine_) engine_.emplace(seed_);
  return *engine_;
}

at::Generator& RngScope::generator() {
  if (!gen_) gen_ = at::make_generator<at::CPUGeneratorImpl>(seed_);
  return *gen_;
}

RngScope::~RngScope() { current = previous_; }

}  // namespace fastai
