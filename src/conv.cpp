#include "fastai/conv.h"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <mutex>

namespace fastai {
namespace {

std::mutex policy_mutex;
ConvGemmPolicy policy;  // guarded by policy_mutex

struct Geometry {
  int64_t n, c, h, w, ho, wo, kh, kw, sh, sw, ph, pw;
};

// Channels-last im2col as an autograd function: one copy per kernel tap into a
// [N, Ho, Wo, taps, C] buffer, and the backward accumulates those taps into ONE padded gradient
// buffer (slicing + cat would allocate a full-size zero gradient per tap).
struct Im2Col : torch::autograd::Function<Im2Col> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, Geometry g) {
    const auto xh = x.permute({0, 2, 3, 1});
    const auto xp = g.ph || g.pw ? at::constant_pad_nd(xh, {0, 0, g.pw, g.pw, g.ph, g.ph}) : xh;
    auto cols = at::empty({g.n, g.ho, g.wo, g.kh * g.kw, g.c}, x.options());
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j)
        cols.select(3, i * g.kw + j)
            .copy_(xp.slice(1, i, i + (g.ho - 1) * g.sh + 1, g.sh).slice(2, j, j + (g.wo - 1) * g.sw + 1, g.sw));
    ctx->saved_data["g"] = std::vector<int64_t>{g.n, g.c, g.h, g.w, g.ho, g.wo, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw};
    return cols.view({g.n * g.ho * g.wo, g.kh * g.kw * g.c});
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto v = ctx->saved_data["g"].toIntVector();
    const Geometry g{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]};
    const auto gc = grads[0].reshape({g.n, g.ho, g.wo, g.kh * g.kw, g.c});
    auto gxp = at::zeros({g.n, g.h + 2 * g.ph, g.w + 2 * g.pw, g.c}, gc.options());
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j)
        gxp.slice(1, i, i + (g.ho - 1) * g.sh + 1, g.sh)
            .slice(2, j, j + (g.wo - 1) * g.sw + 1, g.sw)
            .add_(gc.select(3, i * g.kw + j));
    const auto gx = gxp.slice(1, g.ph, g.ph + g.h).slice(2, g.pw, g.pw + g.w).permute({0, 3, 1, 2});
    return {gx, at::Tensor()};
  }
};

// A 1×1 input convolved into a 1×1 output: only the tap at (ph, pw) meets the input. Its own
// backward writes the weight gradient's centre into one zero buffer (two select_backward
// steps would allocate two).
struct CentreTap : torch::autograd::Function<CentreTap> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x2, const at::Tensor& weight,
                            int64_t ph, int64_t pw) {
    const auto centre = weight.select(2, ph).select(2, pw).to(x2.scalar_type());  // [O, C]
    ctx->save_for_backward({x2, weight});
    ctx->saved_data["ph"] = ph;
    ctx->saved_data["pw"] = pw;
    return at::mm(x2, centre.t());
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &x2 = saved[0], &weight = saved[1];
    const int64_t ph = ctx->saved_data["ph"].toInt(), pw = ctx->saved_data["pw"].toInt();
    const auto& g = grads[0];
    const auto centre = weight.select(2, ph).select(2, pw).to(g.scalar_type());
    auto gw = at::zeros_like(weight);
    gw.select(2, ph).select(2, pw).copy_(at::mm(g.t(), x2.to(g.scalar_type())));
    return {at::mm(g, centre).to(x2.scalar_type()), gw, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

ConvGemmPolicy conv_gemm_policy() {
  std::lock_guard<std::mutex> lock(policy_mutex);
  return policy;
}

void set_conv_gemm_policy(ConvGemmPolicy p) {
  std::lock_guard<std::mutex> lock(policy_mutex);
  policy = p;
}

at::Tensor conv2d_gemm(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                       std::array<int64_t, 2> stride, std::array<int64_t, 2> padding) {
  TORCH_CHECK(x.dim() == 4 && weight.dim() == 4 && x.size(1) == weight.size(1),
              "conv2d_gemm: expected input [N, C, H, W] and weight [O, C, kh, kw] with the same C, got ", x.sizes(),
              " and ", weight.sizes());
  const Geometry g{x.size(0),
                   x.size(1),
                   x.size(2),
                   x.size(3),
                   (x.size(2) + 2 * padding[0] - weight.size(2)) / stride[0] + 1,
                   (x.size(3) + 2 * padding[1] - weight.size(3)) / stride[1] + 1,
                   weight.size(2),
                   weight.size(3),
                   stride[0],
                   stride[1],
                   padding[0],
                   padding[1]};
  TORCH_CHECK(g.ho > 0 && g.wo > 0, "conv2d_gemm: kernel ", weight.sizes(), " larger than padded input ", x.sizes());
  const auto w = weight.to(x.scalar_type());
  const auto o = weight.size(0);
  at::Tensor cols;
  if (g.kh == 1 && g.kw == 1 && g.ph == 0 && g.pw == 0)  // a 1×1 kernel needs no im2col, only the strided pixels
    cols = x.permute({0, 2, 3, 1})
               .slice(1, 0, (g.ho - 1) * g.sh + 1, g.sh)
               .slice(2, 0, (g.wo - 1) * g.sw + 1, g.sw)
               .reshape({g.n * g.ho * g.wo, g.c});
  else
    cols = Im2Col::apply(x, g);
  const auto wm = w.permute({0, 2, 3, 1}).reshape({o, g.kh * g.kw * g.c});
  const auto out = bias.defined() ? at::addmm(bias.to(x.scalar_type()), cols, wm.t()) : at::mm(cols, wm.t());
  return out.view({g.n, g.ho, g.wo, o}).permute({0, 3, 1, 2});  // channels-last strides, no copy
}

at::Tensor Conv2dImpl::forward(const at::Tensor& input) {
  const auto& o = options;
  const bool autocast_bf16 = at::autocast::is_cpu_enabled() && at::autocast::get_autocast_cpu_dtype() == at::kBFloat16;
  const bool plain = input.dim() == 4 && input.device().is_cpu() && o.groups() == 1 &&
                     c10::holds_alternative<torch::ExpandingArray<2>>(o.padding()) &&
                     c10::holds_alternative<torch::enumtype::kZeros>(o.padding_mode()) && (*o.dilation())[0] == 1 &&
                     (*o.dilation())[1] == 1 && !o.transposed();
  const auto p = conv_gemm_policy();
  if (!plain || !p.enabled) return torch::nn::Conv2dImpl::forward(input);
  const auto& pad = c10::get<torch::ExpandingArray<2>>(o.padding());
  const std::array<int64_t, 2> stride{(*o.stride())[0], (*o.stride())[1]}, padding{(*pad)[0], (*pad)[1]};
  const int64_t kh = weight.size(2), kw = weight.size(3);
  const int64_t ho = (input.size(2) + 2 * padding[0] - kh) / stride[0] + 1;
  const int64_t wo = (input.size(3) + 2 * padding[1] - kw) / stride[1] + 1;
  // 1×1 in, 1×1 out: output (0, 0) reads input (0, 0) through tap (ph, pw) only.
  if (input.size(2) == 1 && input.size(3) == 1 && ho == 1 && wo == 1 && padding[0] < kh && padding[1] < kw) {
    auto x2 = input.reshape({input.size(0), input.size(1)});
    if (autocast_bf16) x2 = x2.to(at::kBFloat16);
    auto out = CentreTap::apply(x2, weight, padding[0], padding[1]);
    if (bias.defined()) out = out + bias.to(out.scalar_type());
    return out.view({input.size(0), weight.size(0), 1, 1});
  }
  const bool low_precision = autocast_bf16 || input.scalar_type() == at::kBFloat16;
  if (ho * wo > p.max_out_pixels || (p.low_precision_only && !low_precision))
    return torch::nn::Conv2dImpl::forward(input);
  const auto x = autocast_bf16 ? input.to(at::kBFloat16) : input;
  return conv2d_gemm(x, weight, bias, stride, padding);
}

}  // namespace fastai
