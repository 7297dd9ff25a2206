#pragma once
// Internal: a matrix product through oneDNN with the weight packed once — the product an LSTM
// repeats at every time step (h · w_hhᵀ forward, dgates · w_hh backward, fused_lstm.cpp), and
// the language-model decoder's (linear_decoder.cpp).
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
// One instance per thread and row block: its primitive is built for fixed shapes. Inside
// detail::parallel_for it runs on its calling thread; outside, on ATen's threads.
#include <ATen/core/Tensor.h>

#include <memory>

namespace fastai::detail {

class PackedMatmul {
 public:
  // c[m, n] = a[m, k] · b[k, n] (+ bias[n]), a and c dense row-major. `b` is any [k, n] view
  // (e.g. w_hh.t()) in float32 or bf16 — the dtype of `a` too; it is packed here, so it may change
  // afterwards. `bias`, when defined, is [n] (any float dtype). c is float32, or bf16 with c_bf16.
  PackedMatmul(const at::Tensor& b, int64_t m, const at::Tensor& bias = {}, bool c_bf16 = false);
  ~PackedMatmul();
  PackedMatmul(const PackedMatmul&) = delete;
  PackedMatmul& operator=(const PackedMatmul&) = delete;

  // One product: a and c point at their first rows.
  void operator()(const void* a, void* c);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fastai::detail
