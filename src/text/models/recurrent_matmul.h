#pragma once
// Internal to fused_lstm.cpp: the product an LSTM repeats at every time step (h · w_hhᵀ forward,
// dgates · w_hh backward), with the weight packed once for oneDNN.
//
// Why: at::mm on a [32, 400] × [400, 1600] bf16 product costs ~105 µs here, because every call
// re-packs the 1.3 MB weight into the AMX tile layout (ATen 1.13's mkldnn_matmul keeps nothing
// between calls); the same oneDNN kernel with the weight packed once takes ~28 µs
// (2026-12-04, 72 steps on one thread: 7.6 ms vs 2.0 ms). An LSTM layer runs 72 of them per
// direction and batch in each of the forward and backward passes.
//
// oneDNN's fast kernels (brgemm) need dense rows: a and c with row strides k and n (otherwise it
// falls back to a generic GEMM as slow as at::mm), hence fused_lstm's time-major buffers.
//
// One instance per thread and row block: its primitive is built for fixed shapes.
#include <ATen/core/Tensor.h>

#include <memory>

namespace fastai::detail {

class RecurrentMatmul {
 public:
  // c[m, n] = a[m, k] · b[k, n] (+ bias[n]), a and c dense row-major, c float32. `b` is any
  // [k, n] view (e.g. w_hh.t()) in float32 or bf16 — the dtype of `a` too; it is packed here, so
  // it may change afterwards. `bias`, when defined, is float32 [n].
  RecurrentMatmul(const at::Tensor& b, int64_t m, const at::Tensor& bias = {});
  ~RecurrentMatmul();
  RecurrentMatmul(const RecurrentMatmul&) = delete;
  RecurrentMatmul& operator=(const RecurrentMatmul&) = delete;

  // One product: a and c point at their first rows.
  void operator()(const void* a, float* c);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fastai::detail
