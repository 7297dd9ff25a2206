#pragma once
// Internal: elementwise maths written so GCC vectorises the loops that use it (lstm_cell.cpp,
// cross_entropy_rows.cpp), and built for several CPUs with FASTAI_CLONES.
//
// Why not ATen's: its float tanh is Sleef's 1-ulp tanhf (1.5-2 ns a value here), and every ATen
// op is a separate pass over memory with its own dispatch; these are fused into one loop each.
//
// A file using these must be compiled with -fno-trapping-math (src/CMakeLists.txt): otherwise
// GCC will not turn the comparisons into selects, and no loop vectorises.
#include <algorithm>
#include <bit>
#include <cstdint>

// Built three times and picked by the CPU at load time (GCC's ifunc): the loops vectorise to 16
// floats with AVX-512, 8 with AVX2 and FMA, 4 otherwise.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define FASTAI_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FASTAI_CLONES
#endif

namespace fastai::detail::vec {

// exp(x), Cephes' expf polynomial after reduction by ln 2: ~2 ulp on [-87, 88]; 0 below -87 and
// +inf above 88.7 (never a denormal: those are slow). NaN stays NaN.
inline float exp(float x) {
  const float xc = std::min(std::max(x, -87.0f), 89.0f);
  // floor(x·log2 e + 1/2) by truncation of a positive value (cvttps2dq even without SSE4.1).
  const float n = static_cast<float>(static_cast<int32_t>(xc * 1.44269504088896341f + 128.5f) - 128);
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const float e = p * std::bit_cast<float>((static_cast<int32_t>(n) + 127) << 23);
  return x < -87.0f ? 0.0f : e;
}

inline float sigmoid(float x) { return 1.0f / (1.0f + vec::exp(-x)); }
// 1 − 2/(e^{2x} + 1): saturates to ±1 exactly, absolute error ~1e-7 near 0.
inline float tanh(float x) { return 1.0f - 2.0f / (vec::exp(2.0f * x) + 1.0f); }

inline float from_bf16(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }
// Round to nearest even, as c10::BFloat16 does; NaN stays NaN.
inline uint16_t to_bf16(float f) {
  const uint32_t u = std::bit_cast<uint32_t>(f);
  const uint32_t r = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
  return f != f ? uint16_t{0x7FC0} : static_cast<uint16_t>(r);
}

}  // namespace fastai::detail::vec
