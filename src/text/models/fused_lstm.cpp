#include "fastai/text/models/fused_lstm.h"

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <torch/autograd.h>

#include <stdexcept>
#include <string>

#include "../../no_autocast.h"

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

struct FusedLSTM : torch::autograd::Function<FusedLSTM> {
  // x [B, T, In]; h0, c0 [B, H]; returns y [B, T, H], h_n, c_n [B, H].
  static variable_list forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& h0, const at::Tensor& c0,
                               const at::Tensor& w_ih, const at::Tensor& w_hh, const at::Tensor& b_ih,
                               const at::Tensor& b_hh, bool reverse, int64_t dtype, bool keep) {
    NoAutocast no_autocast;
    const auto dt = static_cast<at::ScalarType>(dtype);
    const int64_t B = x.size(0), T = x.size(1), In = x.size(2), H = w_hh.size(1);
    const at::Tensor x2 = x.reshape({B * T, In});
    const at::Tensor x2d = x2.to(dt);  // kept for the weight gradient
    const at::Tensor w_ih_d = w_ih.to(dt), w_hh_d = w_hh.to(dt);
    const at::Tensor w_hh_t = w_hh_d.t();
    // Every step's input projection and both biases in one GEMM; each step then adds h · w_hhᵀ in
    // place and turns its slice into the activated gates (i, f, g, o), kept for the backward.
    at::Tensor gates = mm_as(x2d, w_ih_d.t(), dt);
    gates.add_(b_ih + b_hh);
    gates = gates.view({B, T, 4 * H});
    at::Tensor cs = at::empty({B, T, H}, x.options().dtype(at::kFloat));
    at::Tensor tcs = at::empty_like(cs), hs = at::empty_like(cs);
    at::Tensor h = h0, c = c0;
    for (int64_t k = 0; k < T; ++k) {
      const int64_t t = reverse ? T - 1 - k : k;
      at::Tensor g = gates.select(1, t);
      if (dt == at::kFloat)
        g.addmm_(h, w_hh_t);
      else
        g.add_(at::mm(h.to(dt), w_hh_t));
      g.narrow(1, 0, 2 * H).sigmoid_();
      g.narrow(1, 2 * H, H).tanh_();
      g.narrow(1, 3 * H, H).sigmoid_();
      const at::Tensor gi = g.narrow(1, 0, H), gf = g.narrow(1, H, H), gg = g.narrow(1, 2 * H, H),
                       go = g.narrow(1, 3 * H, H);
      at::Tensor ct = cs.select(1, t), tct = tcs.select(1, t), ht = hs.select(1, t);
      at::mul_out(ct, gf, c).addcmul_(gi, gg);
      at::tanh_out(tct, ct);
      at::mul_out(ht, go, tct);
      h = ht, c = ct;
    }
    if (!keep) return {hs, h.clone(), c.clone()};  // nothing will ask for gradients
    // The h each step multiplied w_hh by: h0 then every output but the last (in step order).
    const at::Tensor hprev =
        T == 1 ? h0.unsqueeze(1)
               : (reverse ? at::cat({hs.narrow(1, 1, T - 1), h0.unsqueeze(1)}, 1)
                          : at::cat({h0.unsqueeze(1), hs.narrow(1, 0, T - 1)}, 1));
    ctx->save_for_backward({x2d, h0, c0, w_ih_d, w_hh_d, gates, cs, tcs, hprev.reshape({B * T, H}).to(dt)});
    ctx->saved_data["reverse"] = reverse;
    ctx->saved_data["dtype"] = dtype;
    return {hs, h.clone(), c.clone()};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    NoAutocast no_autocast;
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &x2d = saved[0], &h0 = saved[1], &c0 = saved[2], &w_ih_d = saved[3], &w_hh_d = saved[4],
                     &gates = saved[5], &cs = saved[6], &tcs = saved[7], &hprev = saved[8];
    const bool reverse = ctx->saved_data["reverse"].toBool();
    const auto dt = static_cast<at::ScalarType>(ctx->saved_data["dtype"].toInt());
    const int64_t B = gates.size(0), T = gates.size(1), H = cs.size(2);
    const at::Tensor &dy = grads[0], &dhn = grads[1], &dcn = grads[2];
    at::Tensor dh = dhn.defined() ? dhn.to(at::kFloat) : at::zeros({B, H}, cs.options());
    at::Tensor dc = dcn.defined() ? dcn.to(at::kFloat) : at::zeros({B, H}, cs.options());
    // The gate gradients are only ever GEMM operands: written straight in the GEMM dtype.
    at::Tensor dgates = at::empty({B, T, 4 * H}, cs.options().dtype(dt));
    // Only the gate gradients and dh · w_hh are sequential; they go backwards through the steps.
    for (int64_t k = T - 1; k >= 0; --k) {
      const int64_t t = reverse ? T - 1 - k : k;
      const at::Tensor g = gates.select(1, t);
      const at::Tensor gi = g.narrow(1, 0, H), gf = g.narrow(1, H, H), gg = g.narrow(1, 2 * H, H),
                       go = g.narrow(1, 3 * H, H);
      const at::Tensor tct = tcs.select(1, t);
      const at::Tensor c_prev = k == 0 ? c0 : cs.select(1, reverse ? t + 1 : t - 1);
      const at::Tensor dht = dy.defined() ? dy.select(1, t).to(at::kFloat) + dh : dh;
      at::Tensor dg = dgates.select(1, t);
      at::Tensor dgi = dg.narrow(1, 0, H), dgf = dg.narrow(1, H, H), dgg = dg.narrow(1, 2 * H, H),
                 dgo = dg.narrow(1, 3 * H, H);
      at::sigmoid_backward_out(dgo, dht * tct, go);
      const at::Tensor dct = at::tanh_backward(dht * go, tct).add_(dc);
      at::sigmoid_backward_out(dgi, dct * gg, gi);
      at::sigmoid_backward_out(dgf, dct * c_prev, gf);
      at::tanh_backward_out(dgg, dct * gi, gg);
      dc = dct * gf;
      dh = mm_as(dg, w_hh_d, dt);
    }
    // Everything else is one GEMM (or sum) over all B · T rows.
    const at::Tensor dg2 = dgates.view({B * T, 4 * H});
    at::Tensor dx, dw_ih, dw_hh, db;
    if (ctx->needs_input_grad(0)) dx = mm_as(dg2, w_ih_d, dt).view({B, T, -1});
    if (ctx->needs_input_grad(3)) dw_ih = mm_as(dg2.t(), x2d, dt);
    if (ctx->needs_input_grad(4)) dw_hh = mm_as(dg2.t(), hprev, dt);
    if (ctx->needs_input_grad(5) || ctx->needs_input_grad(6)) db = at::sum(dg2, {0}, false, at::kFloat);
    return {dx, dh.to(h0.scalar_type()), dc.to(c0.scalar_type()), dw_ih, dw_hh, db, db, at::Tensor(), at::Tensor(), at::Tensor()};
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
  const auto out = FusedLSTM::apply(xf, h0.reshape({B, H}).to(at::kFloat), c0.reshape({B, H}).to(at::kFloat),
                                    w_ih.to(at::kFloat), w_hh.to(at::kFloat), b_ih.to(at::kFloat), b_hh.to(at::kFloat),
                                    reverse, static_cast<int64_t>(dt), keep);
  return {out[0], out[1].unsqueeze(0), out[2].unsqueeze(0)};
}

}  // namespace fastai
