#pragma once
// Internal to fused_lstm.cpp: one LSTM time step's elementwise maths for a block of batch rows, in
// one pass over memory.
//
// Why: done with ATen ops, a step is ~12 small kernels (three sigmoids and tanhs, the cell update,
// bf16 casts, views), each on a [bs, n_hid] slice: ~350 µs of a 440 µs step for the small
// AWD-LSTM, far more than its h · w_hhᵀ GEMM. ATen's float tanh (Sleef's 1-ulp tanhf) alone costs
// 1.5-2 ns per value. Here sigmoid and tanh are formed from one exp each (a Cephes-style
// polynomial, ~2 ulp) in loops the compiler vectorises, built for AVX-512, AVX2 and plain x86-64
// and chosen at load time.
//
// Every pointer is a row-major block of `n` rows with its own row stride (in elements); columns are
// contiguous. `H` is n_hid; gate rows hold 4·H values in PyTorch's order (i, f, g, o).
#include <cstdint>

namespace fastai::detail {

// Forward, in place on `gates` (the input projections plus biases): adds `hh` (h·w_hhᵀ),
// activates the gates (stored activated, for the backward), then c = f·c_prev + i·g,
// tc = tanh(c), h = o·tc. Writes h once more as the next step's GEMM operand, in bf16 or float32,
// when given.
struct CellForward {
  int64_t n, H;
  float* gates;
  int64_t gates_stride;
  const float* hh;
  int64_t hh_stride;
  const float* c_prev;
  int64_t c_prev_stride;
  float* c;
  int64_t c_stride;
  float* tc;
  int64_t tc_stride;
  float* h;
  int64_t h_stride;
  uint16_t* h_next_bf16;  // at most one of these two; both may be null
  float* h_next_f32;
  int64_t h_next_stride;
};
void lstm_cell_forward(const CellForward& a);

// Backward of one step: dh_total = dy + dh (either may be null), then the gate
// gradients (into dgates, as float32 or bf16) and dc ← dc_prev (in place: dc holds the next
// step's cell gradient on entry and this step's on return).
struct CellBackward {
  int64_t n, H;
  const float* gates;  // activated
  int64_t gates_stride;
  const float* tc;
  int64_t tc_stride;
  const float* c_prev;
  int64_t c_prev_stride;
  const float* dy;  // may be null
  int64_t dy_stride;
  const float* dh;  // may be null
  int64_t dh_stride;
  float* dc;
  int64_t dc_stride;
  float* dgates_f;  // exactly one of dgates_f and dgates_bf16
  uint16_t* dgates_bf16;
  int64_t dgates_stride;
};
void lstm_cell_backward(const CellBackward& a);

// The approximations above, for tests: sigmoid and tanh of `n` values.
void lstm_sigmoid(const float* x, float* y, int64_t n);
void lstm_tanh(const float* x, float* y, int64_t n);

}  // namespace fastai::detail
