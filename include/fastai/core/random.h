#pragma once
/// Reproducible randomness. `set_seed` seeds everything a run uses; random transforms draw from
/// `rng()` / `torch_rng()`, which a DataLoader re-seeds for each batch from (its seed, epoch,
/// batch index), so a batch is the same whichever worker thread builds it and however many
/// workers there are.
///
/// Thread-safety: Per thread: rng() and torch_rng() are the calling thread's engines (a DataLoader batch's
/// while it is built), so threads never share one; set_seed seeds the calling thread's and
/// libtorch's global generator.
#include <ATen/core/Generator.h>

#include <cstdint>
#include <optional>
#include <random>

namespace fastai {

/// Seeds libtorch's global generator and fastai's per-thread generators (fastai's set_seed).
/// Example: `fastai::set_seed(42);`
void set_seed(uint64_t seed);

/// The current thread's random engine (inside a DataLoader batch: that batch's engine).
/// Example: `bool flip = std::bernoulli_distribution(0.5)(fastai::rng());`
std::mt19937_64& rng();

/// The current thread's libtorch CPU generator, for tensor ops in transforms:
/// `torch::rand({3}, fastai::torch_rng())`.
at::Generator& torch_rng();

/// A fresh 64-bit seed drawn from `rng()`. Example: `uint64_t s = fastai::draw_seed();`
uint64_t draw_seed();

/// Makes `rng()`/`torch_rng()` on this thread deterministic functions of `seed` for the scope.
///
/// Example:
///   { fastai::RngScope scope(1234); auto u = torch::rand({2}, fastai::torch_rng()); }
class RngScope {
 public:
  explicit RngScope(uint64_t seed);
  ~RngScope();
  RngScope(const RngScope&) = delete;
  RngScope& operator=(const RngScope&) = delete;

  /// The scope's engines, created on first use (most batches draw no random numbers).
  std::mt19937_64& engine();
  at::Generator& generator();

 private:
  RngScope* previous_;
  uint64_t seed_;
  std::optional<std::mt19937_64> engine_;
  std::optional<at::Generator> gen_;
};

/// Mixes several numbers into one well-spread seed (splitmix64). Example: `mix_seed(seed, epoch, b)`.
uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c = 0);

}  // namespace fastai
