#include "linear.h"

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <torch/autograd.h>

#include "no_autocast.h"
#include "packed_matmul.h"

namespace fastai::detail {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Σ over rows in g's dtype, returned as float32: summing bf16 with dtype=float first casts the
// whole matrix (14 ms vs 2.4 ms for 4,608 × 5,300); the result is rounded to bf16 once, as the
// weight gradients from bf16 products are.
at::Tensor column_sum(const at::Tensor& g) { return g.sum(0).to(at::kFloat); }

struct Linear : torch::autograd::Function<Linear> {
  // x2 [N, in] float32, weight [out, in] float32, bias [out] float32 or [0] for none (a custom
  // Function's inputs must be defined tensors in libtorch 1.13).
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x2, const at::Tensor& weight,
                            const at::Tensor& bias, int64_t dtype, bool float_out) {
    NoAutocast no_autocast;
    const auto dt = static_cast<at::ScalarType>(dtype);
    const at::Tensor xd = x2.to(dt).contiguous(), wd = weight.to(dt);
    const bool bf16_out = dt == at::kBFloat16 && !float_out;
    at::Tensor y = at::empty({x2.size(0), weight.size(0)}, x2.options().dtype(bf16_out ? dt : at::kFloat));
    const bool has_bias = bias.numel() > 0;
    PackedMatmul(wd.t(), x2.size(0), has_bias ? bias : at::Tensor(), bf16_out)(xd.data_ptr(), y.data_ptr());
    ctx->save_for_backward({x2, weight});
    ctx->saved_data["dtype"] = dtype;
    ctx->saved_data["bias"] = has_bias;
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    NoAutocast no_autocast;
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &x2 = saved[0], &weight = saved[1];
    const auto dt = static_cast<at::ScalarType>(ctx->saved_data["dtype"].toInt());
    const at::Tensor g = grads[0].to(dt).contiguous();
    const at::Tensor xd = x2.to(dt), wd = weight.to(dt);
    at::Tensor dx, dw, db;
    if (at::GradMode::is_enabled()) {  // create_graph: differentiable ATen ops
      if (ctx->needs_input_grad(0)) dx = at::mm(g, wd).to(x2.scalar_type());
      if (ctx->needs_input_grad(1)) dw = at::mm(g.t(), xd).to(weight.scalar_type());
    } else {
      if (ctx->needs_input_grad(0)) {
        dx = at::empty(x2.sizes(), x2.options());
        PackedMatmul(wd, g.size(0))(g.data_ptr(), dx.data_ptr());
      }
      // (xᵀ · g)ᵀ: see linear.h.
      if (ctx->needs_input_grad(1)) dw = at::mm(xd.t(), g).t().to(weight.scalar_type()).contiguous();
    }
    if (ctx->saved_data["bias"].toBool() && ctx->needs_input_grad(2)) db = column_sum(g);
    return {dx, dw, db, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, bool float_out) {
  const bool bf16 = at::autocast::is_cpu_enabled() && at::autocast::get_autocast_cpu_dtype() == at::kBFloat16;
  const bool covered = x.device().is_cpu() && x.scalar_type() == at::kFloat && weight.scalar_type() == at::kFloat &&
                       weight.dim() == 2 && x.dim() >= 1 && x.size(-1) == weight.size(1) && x.numel() > 0 &&
                       (!bias.defined() || (bias.scalar_type() == at::kFloat && bias.numel() == weight.size(0)));
  if (!covered) {
    const at::Tensor y = at::linear(x, weight, bias);
    return float_out ? y.to(at::kFloat) : y;
  }
  std::vector<int64_t> out(x.sizes().begin(), x.sizes().end());
  out.back() = weight.size(0);
  const at::Tensor y = Linear::apply(x.reshape({-1, x.size(-1)}), weight, bias.defined() ? bias : at::empty({0}),
                                     static_cast<int64_t>(bf16 ? at::kBFloat16 : at::kFloat), float_out);
  return y.view(out);
}

}  // namespace fastai::detail
