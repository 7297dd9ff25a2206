#include "random_mask.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <mutex>
#include <stdexcept>
#include <string>

#include "parallel.h"
#include "vec_math.h"

namespace fastai::detail {
namespace {

// SplitMix64's output function: a bijection of 64 bits that mixes well enough that consecutive
// counters give independent-looking words (it is how SplitMix64 itself steps).
inline uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Elements [begin, end): 24 random bits each against the threshold keep·2^24.
FASTAI_CLONES void fill(float* __restrict out, int64_t begin, int64_t end, uint64_t seed, uint32_t threshold,
                        float scale) {
  for (int64_t i = begin; i < end; ++i) {
    const uint32_t u = static_cast<uint32_t>(mix(seed + static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull) >> 40);
    out[i] = u < threshold ? scale : 0.0f;
  }
}

uint64_t draw_seed() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return at::check_generator<at::CPUGeneratorImpl>(gen)->random64();
}

}  // namespace

at::Tensor keep_mask(at::IntArrayRef sizes, double keep) {
  if (!(keep > 0.0 && keep <= 1.0))
    throw std::invalid_argument("keep_mask: the keep probability must be in (0, 1], got " + std::to_string(keep));
  at::Tensor m = at::empty(sizes, at::kFloat);
  if (keep == 1.0) return m.fill_(1.0f);
  const uint64_t seed = draw_seed();
  const auto threshold = static_cast<uint32_t>(keep * 16777216.0 + 0.5);  // keep · 2^24
  const auto scale = static_cast<float>(1.0 / keep);
  float* out = m.data_ptr<float>();
  parallel_for(0, m.numel(), 1 << 16, [&](int64_t b, int64_t e) { fill(out, b, e, seed, threshold, scale); });
  return m;
}

at::Tensor dropout(const at::Tensor& x, double p) {
  if (!(p >= 0.0 && p <= 1.0)) throw std::invalid_argument("dropout: p must be in [0, 1], got " + std::to_string(p));
  if (p == 0.0) return x;
  if (p == 1.0) return x * at::zeros({}, x.options());
  return x * keep_mask(x.sizes(), 1.0 - p).to(x.scalar_type());
}

}  // namespace fastai::detail
