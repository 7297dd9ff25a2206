#pragma once
// Internal: y = x · Wᵀ + b with its own backward, for the language model's decoder (a [bs·seq_len,
// emb] × [emb, vocab] product, the largest of a small AWD-LSTM's step).
//
// Why not at::linear: (1) ATen 1.13 forms the weight gradient as (gradᵀ · x) to match the
// transposed weight's layout, and oneDNN's bf16 GEMM with a transposed first operand is ~4x slower
// than xᵀ · grad transposed afterwards (4,608 × 5,300 × 200: 38 ms vs 8 ms); (2) its bf16 addmm
// first copies the bias into the whole [rows, vocab] output. Here the forward is one oneDNN product
// with the bias fused (packed_matmul.h), the backward two plain products and a sum.
//
// Follows CPU autocast as at::linear does: under bf16 autocast the products run in bf16 and y is
// bf16 — or float32 with `float_out` (the product's float32 accumulator, not rounded: what
// MixedPrecision's after_pred would cast y to anyway, without the extra pass over [rows, vocab]);
// otherwise everything is float32. Other dtypes go to at::linear. Differentiable twice
// (create_graph uses ATen ops).
#include <ATen/core/Tensor.h>

namespace fastai::detail {

// x [..., in], weight [out, in], bias [out] or undefined → [..., out].
at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, bool float_out = false);

}  // namespace fastai::detail
