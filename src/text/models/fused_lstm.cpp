#include "fastai/text/models/fused_lstm.h"

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <torch/autograd.h>

#include <algorithm>
#include <type_traits>
#include <stdexcept>
#include <string>

#include "../../no_autocast.h"
#include "../../parallel.h"
#include "lstm_cell.h"
#include "../../packed_matmul.h"

namespace fastai {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The products are cast by hand (mm_as), under detail::NoAutocast.
using detail::NoAutocast;

// a · b in `dt`, the result in float32.
at::Tensor mm_as(const at::Tensor& a, const at::Tensor& b, at::ScalarType dt) {
  if (dt == at::kFloat) return at::mm(a, b);
  return at::mm(a.to(dt), b.to(dt)).to(at::kFloat);
}

// Row blocks of the batch, one per thread: the rows of an LSTM never interact, so each block runs
// through every time step on its own thread, with no synchronisation per step (a step's ops are
// far too small to split: one fork/join each left the other core spinning).
template <class F>
void for_row_blocks(int64_t n, const F& f) {
  const int64_t threads = std::max(1, at::get_num_threads());
  detail::parallel_for(0, n, (n + threads - 1) / threads, [&](int64_t begin, int64_t end) { f(begin, end - begin); });
}

float* f32(const at::Tensor& t) { return t.data_ptr<float>(); }

// Step t, row r of a per-step buffer by pointer arithmetic: a tensor view per step and operand
// (select, narrow) cost ~1 µs each, ~7,000 of them per batch for two layers.
template <class E>
struct Steps {
  E* base;
  int64_t t_stride, row_stride;
  E* at(int64_t t, int64_t r) const { return base + t * t_stride + r * row_stride; }
};
// `t` indexed by dimension t_dim, rows by row_dim; null when undefined.
template <class E>
Steps<E> steps(const at::Tensor& t, int64_t t_dim, int64_t row_dim) {
  if (!t.defined()) return {nullptr, 0, 0};
  E* p = std::is_same_v<E, float> ? reinterpret_cast<E*>(t.data_ptr<float>())
                                  : reinterpret_cast<E*>(t.data_ptr<at::BFloat16>());
  return {p, t.stride(t_dim), t.stride(row_dim)};
}

// Everything indexed by time step is stored time-major ([T, B, ·]): a step's rows are then one
// dense block, which oneDNN's fast kernels require (packed_matmul.h) and memory likes. Only y
// and the gradient of x keep the callers' batch-first layout.
struct FusedLSTM : torch::autograd::Function<FusedLSTM> {
  // x [B, T, In]; h0, c0 [B, H] (contiguous float32); returns y [B, T, H], h_n, c_n [B, H].
  static variable_list forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& h0, const at::Tensor& c0,
                               const at::Tensor& w_ih, const at::Tensor& w_hh, const at::Tensor& b_ih,
                               const at::Tensor& b_hh, bool reverse, int64_t dtype, bool keep) {
    NoAutocast no_autocast;
    const auto dt = static_cast<at::ScalarType>(dtype);
    const bool bf16 = dt == at::kBFloat16;
    const int64_t B = x.size(0), T = x.size(1), In = x.size(2), H = w_hh.size(1);
    // x time-major in the GEMM dtype, kept for the weight gradient.
    const at::Tensor xt = at::empty({T, B, In}, x.options().dtype(dt)).copy_(x.transpose(0, 1));
    const at::Tensor w_ih_d = w_ih.to(dt), w_hh_d = w_hh.to(dt);
    // Every step's input projection and both biases in one GEMM; each step then adds h · w_hhᵀ and
    // turns its slice into the activated gates (i, f, g, o), kept for the backward.
    const auto fopt = x.options().dtype(at::kFloat);
    at::Tensor gates = at::empty({T, B, 4 * H}, fopt);
    detail::PackedMatmul(w_ih_d.t(), T * B, b_ih + b_hh)(xt.data_ptr(), f32(gates));
    at::Tensor cs = at::empty({T, B, H}, fopt), tcs = at::empty({T, B, H}, fopt);
    at::Tensor y = at::empty({B, T, H}, fopt);
    // The h each step multiplies w_hh by, in the GEMM dtype, at [t] for step t: h0 for the first
    // step, then written by each step for the next (also the weight gradient's operand).
    at::Tensor hprev = at::empty({T, B, H}, x.options().dtype(dt));
    hprev[reverse ? T - 1 : 0].copy_(h0);
    const at::Tensor w_hh_t = w_hh_d.t();
    const auto g_ = steps<float>(gates, 0, 1), c_ = steps<float>(cs, 0, 1), tc_ = steps<float>(tcs, 0, 1),
               y_ = steps<float>(y, 1, 0);
    const auto hpf = bf16 ? Steps<float>{} : steps<float>(hprev, 0, 1);
    const auto hpb = bf16 ? steps<uint16_t>(hprev, 0, 1) : Steps<uint16_t>{};
    const float* c0p = f32(c0);
    for_row_blocks(B, [&](int64_t r0, int64_t n) {
      at::Tensor hh = at::empty({n, 4 * H}, fopt);
      detail::PackedMatmul mm(w_hh_t, n);  // h · w_hhᵀ
      for (int64_t k = 0; k < T; ++k) {
        const int64_t t = reverse ? T - 1 - k : k, prev = reverse ? t + 1 : t - 1, next = reverse ? t - 1 : t + 1;
        mm(bf16 ? static_cast<const void*>(hpb.at(t, r0)) : hpf.at(t, r0), f32(hh));
        const bool more = k + 1 < T;
        detail::lstm_cell_forward({.n = n, .H = H,
                                   .gates = g_.at(t, r0), .gates_stride = 4 * H,
                                   .hh = f32(hh), .hh_stride = 4 * H,
                                   .c_prev = k == 0 ? c0p + r0 * H : c_.at(prev, r0), .c_prev_stride = H,
                                   .c = c_.at(t, r0), .c_stride = H,
                                   .tc = tc_.at(t, r0), .tc_stride = H,
                                   .h = y_.at(t, r0), .h_stride = T * H,
                                   .h_next_bf16 = more && bf16 ? hpb.at(next, r0) : nullptr,
                                   .h_next_f32 = more && !bf16 ? hpf.at(next, r0) : nullptr,
                                   .h_next_stride = H});
      }
    });
    const int64_t last = reverse ? 0 : T - 1;
    const at::Tensor hn = y.select(1, last).clone(), cn = cs[last].clone();
    if (!keep) return {y, hn, cn};  // nothing will ask for gradients
    ctx->save_for_backward({xt, h0, c0, w_ih_d, w_hh_d, gates, cs, tcs, hprev});
    ctx->saved_data["reverse"] = reverse;
    ctx->saved_data["dtype"] = dtype;
    return {y, hn, cn};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    NoAutocast no_autocast;
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &xt = saved[0], &h0 = saved[1], &c0 = saved[2], &w_ih_d = saved[3], &w_hh_d = saved[4],
                     &gates = saved[5], &cs = saved[6], &tcs = saved[7], &hprev = saved[8];
    const bool reverse = ctx->saved_data["reverse"].toBool();
    const auto dt = static_cast<at::ScalarType>(ctx->saved_data["dtype"].toInt());
    const bool bf16 = dt == at::kBFloat16;
    const int64_t T = gates.size(0), B = gates.size(1), H = cs.size(2), In = xt.size(2);
    at::Tensor dy = grads[0].defined() ? grads[0].to(at::kFloat) : at::Tensor();
    if (dy.defined() && dy.stride(2) != 1) dy = dy.contiguous();
    const at::Tensor dh_in = grads[1].defined() ? grads[1].to(at::kFloat).reshape({B, H}).contiguous()
                                                : at::zeros({B, H}, cs.options());
    // The cell gradient, updated in place step by step; at the end, c0's.
    at::Tensor dc = grads[2].defined() ? grads[2].to(at::kFloat).reshape({B, H}).clone()
                                       : at::zeros({B, H}, cs.options());
    at::Tensor dh0 = at::empty({B, H}, cs.options());
    // The gate gradients are only ever GEMM operands: written straight in the GEMM dtype.
    at::Tensor dgates = at::empty({T, B, 4 * H}, cs.options().dtype(dt));
    // Only the gate gradients and dh · w_hh are sequential; they go backwards through the steps.
    const auto g_ = steps<float>(gates, 0, 1), c_ = steps<float>(cs, 0, 1), tc_ = steps<float>(tcs, 0, 1),
               dy_ = steps<float>(dy, 1, 0);
    const auto dgf = bf16 ? Steps<float>{} : steps<float>(dgates, 0, 1);
    const auto dgb = bf16 ? steps<uint16_t>(dgates, 0, 1) : Steps<uint16_t>{};
    const float *c0p = f32(c0), *dhp = f32(dh_in);
    float* dcp = f32(dc);
    for_row_blocks(B, [&](int64_t r0, int64_t n) {
      at::Tensor dh = at::empty({n, H}, cs.options());  // dg · w_hh of the step after
      detail::PackedMatmul mm(w_hh_d, n);
      for (int64_t k = T - 1; k >= 0; --k) {
        const int64_t t = reverse ? T - 1 - k : k, prev = reverse ? t + 1 : t - 1;
        const bool first = k == T - 1;  // dh is then the incoming h_n gradient
        detail::lstm_cell_backward({.n = n, .H = H,
                                    .gates = g_.at(t, r0), .gates_stride = 4 * H,
                                    .tc = tc_.at(t, r0), .tc_stride = H,
                                    .c_prev = k == 0 ? c0p + r0 * H : c_.at(prev, r0), .c_prev_stride = H,
                                    .dy = dy.defined() ? dy_.at(t, r0) : nullptr, .dy_stride = dy_.row_stride,
                                    .dh = first ? dhp + r0 * H : f32(dh), .dh_stride = H,
                                    .dc = dcp + r0 * H, .dc_stride = H,
                                    .dgates_f = bf16 ? nullptr : dgf.at(t, r0),
                                    .dgates_bf16 = bf16 ? dgb.at(t, r0) : nullptr, .dgates_stride = 4 * H});
        mm(bf16 ? static_cast<const void*>(dgb.at(t, r0)) : dgf.at(t, r0), f32(dh));
      }
      dh0.narrow(0, r0, n).copy_(dh);
    });
    // Everything else is one GEMM (or sum) over all T · B rows. The weight gradients are formed
    // transposed (operandᵀ · dgates): with dgatesᵀ as the first operand ATen's bf16 GEMM takes ~4x
    // longer.
    const at::Tensor dg2 = dgates.view({T * B, 4 * H});
    at::Tensor dx, dw_ih, dw_hh, db;
    if (ctx->needs_input_grad(0)) dx = mm_as(dg2, w_ih_d, dt).view({T, B, In}).transpose(0, 1);
    if (ctx->needs_input_grad(3)) dw_ih = mm_as(xt.view({T * B, In}).t(), dg2, dt).t().contiguous();
    if (ctx->needs_input_grad(4)) dw_hh = mm_as(hprev.view({T * B, H}).t(), dg2, dt).t().contiguous();
    if (ctx->needs_input_grad(5) || ctx->needs_input_grad(6)) db = dg2.sum(0).to(at::kFloat);  // as linear.cpp's column_sum
    return {dx, dh0.to(h0.scalar_type()), dc.to(c0.scalar_type()), dw_ih, dw_hh, db, db, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

std::string shape(const at::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

}  // namespace

at::ScalarType fused_lstm_default_dtype() {
  return at::autocast::is_cpu_enabled() && at::autocast::get_autocast_cpu_dtype() == at::kBFloat16 ? at::kBFloat16
                                                                                                   : at::kFloat;
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> fused_lstm(const at::Tensor& x, const at::Tensor& h0,
                                                           const at::Tensor& c0, const at::Tensor& w_ih,
                                                           const at::Tensor& w_hh, const at::Tensor& b_ih,
                                                           const at::Tensor& b_hh, bool reverse,
                                                           std::optional<at::ScalarType> gemm_dtype) {
  if (x.dim() != 3 || x.size(1) < 1)
    throw std::invalid_argument("fused_lstm: x must be [bs, seq_len >= 1, n_in], got " + shape(x));
  const int64_t B = x.size(0), In = x.size(2), H = w_hh.size(-1);
  if (w_ih.dim() != 2 || w_ih.size(0) != 4 * H || w_ih.size(1) != In || w_hh.size(0) != 4 * H ||
      b_ih.numel() != 4 * H || b_hh.numel() != 4 * H)
    throw std::invalid_argument("fused_lstm: weights do not fit x " + shape(x) + ": w_ih " + shape(w_ih) + ", w_hh " +
                                shape(w_hh) + ", b_ih " + shape(b_ih) + ", b_hh " + shape(b_hh) +
                                " (expected w_ih [4·n_hid, n_in], w_hh [4·n_hid, n_hid], biases [4·n_hid])");
  if (h0.numel() != B * H || c0.numel() != B * H)
    throw std::invalid_argument("fused_lstm: h0 " + shape(h0) + " and c0 " + shape(c0) + " must hold [bs, n_hid] = [" +
                                std::to_string(B) + ", " + std::to_string(H) + "]");
  const auto dt = gemm_dtype.value_or(fused_lstm_default_dtype());
  // Intermediates are kept only when a gradient can be asked for (not in inference).
  const bool keep = at::GradMode::is_enabled() && (x.requires_grad() || h0.requires_grad() || c0.requires_grad() ||
                                                   w_ih.requires_grad() || w_hh.requires_grad() ||
                                                   b_ih.requires_grad() || b_hh.requires_grad());
  const at::Tensor xf = x.scalar_type() == at::kFloat ? x.contiguous() : x.to(at::kFloat).contiguous();
  const auto out = FusedLSTM::apply(xf, h0.reshape({B, H}).to(at::kFloat).contiguous(),
                                    c0.reshape({B, H}).to(at::kFloat).contiguous(),
                                    w_ih.to(at::kFloat), w_hh.to(at::kFloat), b_ih.to(at::kFloat), b_hh.to(at::kFloat),
                                    reverse, static_cast<int64_t>(dt), keep);
  return {out[0], out[1].unsqueeze(0), out[2].unsqueeze(0)};
}

}  // namespace fastai
