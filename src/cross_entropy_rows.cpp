#include "cross_entropy_rows.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "vec_math.h"

namespace fastai::detail {
namespace {

// Lanes of partial maxima and sums: float reductions vectorise only with several accumulators
// (without -fassociative-math GCC keeps a single sum in order).
constexpr int64_t L = 16;

inline float load(const float* x, int64_t j) { return x[j]; }
inline float load(const uint16_t* x, int64_t j) { return vec::from_bf16(x[j]); }
inline void store(float* x, int64_t j, float v) { x[j] = v; }
inline void store(uint16_t* x, int64_t j, float v) { x[j] = vec::to_bf16(v); }

template <class T>
inline float row_max(const T* __restrict x, int64_t C) {
  float m[L];
  for (int64_t l = 0; l < L; ++l) m[l] = -std::numeric_limits<float>::infinity();
  int64_t j = 0;
  for (; j + L <= C; j += L)
    for (int64_t l = 0; l < L; ++l) m[l] = std::max(m[l], load(x, j + l));
  float r = -std::numeric_limits<float>::infinity();
  for (int64_t l = 0; l < L; ++l) r = std::max(r, m[l]);
  for (; j < C; ++j) r = std::max(r, load(x, j));
  return r;
}

template <class T>
inline float row_sum_exp(const T* __restrict x, int64_t C, float top) {
  float s[L] = {};
  int64_t j = 0;
  for (; j + L <= C; j += L)
    for (int64_t l = 0; l < L; ++l) s[l] += vec::exp(load(x, j + l) - top);
  float r = 0;
  for (int64_t l = 0; l < L; ++l) r += s[l];
  for (; j < C; ++j) r += vec::exp(load(x, j) - top);
  return r;
}

template <class T>
FASTAI_CLONES void lse_rows(const T* x, int64_t n, int64_t C, float* lse) {
  for (int64_t r = 0; r < n; ++r) {
    const T* row = x + r * C;
    const float top = row_max(row, C);
    // A row of -inf (or a +inf) has no finite maximum to shift by: ATen's logsumexp gives ±inf/NaN.
    lse[r] = std::isfinite(top) ? top + std::log(row_sum_exp(row, C, top)) : top;
  }
}

template <class T>
inline void grad_row(const T* __restrict x, T* __restrict dx, int64_t C, float lse, float w) {
  for (int64_t j = 0; j < C; ++j) store(dx, j, w * vec::exp(load(x, j) - lse));
}

template <class T>
FASTAI_CLONES void grad_rows(const T* x, int64_t n, int64_t C, const float* lse, const float* w, const int64_t* target,
                             T* dx) {
  for (int64_t r = 0; r < n; ++r) {
    grad_row(x + r * C, dx + r * C, C, lse[r], w[r]);
    const int64_t t = target[r];
    store(dx + r * C, t, load(dx + r * C, t) - w[r]);
  }
}

}  // namespace

void rows_logsumexp(const void* x, bool bf16, int64_t n, int64_t C, float* lse) {
  if (bf16)
    lse_rows(static_cast<const uint16_t*>(x), n, C, lse);
  else
    lse_rows(static_cast<const float*>(x), n, C, lse);
}

void rows_softmax_grad(const void* x, bool bf16, int64_t n, int64_t C, const float* lse, const float* w,
                       const int64_t* target, void* dx) {
  if (bf16)
    grad_rows(static_cast<const uint16_t*>(x), n, C, lse, w, target, static_cast<uint16_t*>(dx));
  else
    grad_rows(static_cast<const float*>(x), n, C, lse, w, target, static_cast<float*>(dx));
}

}  // namespace fastai::detail
