#pragma once
// Internal: dropout masks drawn fast — the AWD-LSTM's WeightDropout, RNNDropout and
// EmbeddingDropout.
//
// Why: libtorch 1.13 built without MKL (Debian's) draws bernoulli_ one element at a time from the
// Mersenne twister, ~4 ns each: 5.3 ms per step for the small AWD-LSTM's hidden-to-hidden weights
// alone. Here each element's bits come from a counter-based generator (SplitMix64 of a per-call
// seed plus the element's index) in a loop that vectorises; the seed is drawn from ATen's default
// CPU generator, so at::manual_seed still makes every mask reproducible. The draws differ from
// torch's own (no test depends on torch's exact sequence: fastai's masks cannot be matched
// bit-for-bit anyway across frameworks).
#include <ATen/core/Tensor.h>

namespace fastai::detail {

// A float32 tensor of `sizes` whose elements are 1/keep with probability `keep` and 0 otherwise
// (keep in (0, 1]; keep = 1 gives all ones).
at::Tensor keep_mask(at::IntArrayRef sizes, double keep);

// x · mask with the mask above at keep = 1 − p (what F.dropout(x, p, training=True) computes);
// p = 0 returns x, p = 1 zeros. Differentiable (the gradient is grad · mask).
at::Tensor dropout(const at::Tensor& x, double p);

}  // namespace fastai::detail
