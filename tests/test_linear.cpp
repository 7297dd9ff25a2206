// detail::linear (the LM decoder's product) against at::linear: outputs and every gradient in
// float32, bf16 under CPU autocast, without a bias, on 3-d inputs, and twice differentiated.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <torch/autograd.h>

#include "linear.h"

namespace {

struct Inputs {
  at::Tensor x, w, b;
};

Inputs inputs(bool bias) {
  at::manual_seed(1);
  return {at::randn({3, 5, 8}).requires_grad_(), (at::randn({11, 8}) * 0.3).requires_grad_(),
          bias ? at::randn({11}).requires_grad_() : at::Tensor()};
}

std::vector<at::Tensor> grads_of(const at::Tensor& y, const Inputs& in, const at::Tensor& wy) {
  std::vector<at::Tensor> v{in.x, in.w};
  if (in.b.defined()) v.push_back(in.b);
  return torch::autograd::grad({(y.to(at::kFloat) * wy).sum()}, v);
}

}  // namespace

TEST(Linear, EqualsAtLinearInFloat32AndBf16) {
  for (bool bf16 : {false, true}) {
    for (bool bias : {false, true}) {
      const auto in = inputs(bias);
      const at::Tensor wy = at::randn({3, 5, 11});
      at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
      at::autocast::set_cpu_enabled(bf16);
      const at::Tensor y = fastai::detail::linear(in.x, in.w, in.b);
      const at::Tensor ry = at::linear(in.x, in.w, in.b);
      at::autocast::set_cpu_enabled(false);
      at::autocast::clear_cache();
      EXPECT_EQ(y.scalar_type(), ry.scalar_type());
      EXPECT_EQ(y.sizes(), ry.sizes());
      const double tol = bf16 ? 3e-2 : 1e-5;
      EXPECT_TRUE(at::allclose(y.to(at::kFloat), ry.to(at::kFloat), tol, tol)) << "bf16 " << bf16;
      const auto g = grads_of(y, in, wy), rg = grads_of(ry, in, wy);
      for (size_t i = 0; i < g.size(); ++i) {
        EXPECT_EQ(g[i].scalar_type(), at::kFloat);
        const double rel = ((g[i] - rg[i]).norm() / rg[i].norm()).item<double>();
        EXPECT_LT(rel, bf16 ? 1e-2 : 1e-6) << "input " << i << " bf16 " << bf16 << " bias " << bias;
      }
    }
  }
}

TEST(Linear, FloatOutputUnderBf16Autocast) {
  const auto in = inputs(true);
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  at::autocast::set_cpu_enabled(true);
  const at::Tensor y = fastai::detail::linear(in.x, in.w, in.b, /*float_out=*/true);
  const at::Tensor ry = at::linear(in.x, in.w, in.b);
  at::autocast::set_cpu_enabled(false);
  at::autocast::clear_cache();
  EXPECT_EQ(y.scalar_type(), at::kFloat);
  EXPECT_TRUE(at::allclose(y, ry.to(at::kFloat), 3e-2, 3e-2));
  // The bf16 products' float32 sums, not rounded to bf16: closer to the float32 result.
  const at::Tensor exact = at::linear(in.x, in.w, in.b);
  EXPECT_LT((y - exact).abs().max().item<float>(), (ry.to(at::kFloat) - exact).abs().max().item<float>() + 1e-6);
  const auto g = grads_of(y, in, at::ones({3, 5, 11}));
  EXPECT_EQ(g[0].scalar_type(), at::kFloat);
}

TEST(Linear, SecondDerivativesMatchAtLinear) {
  const auto in = inputs(true);
  auto penalty = [&](const at::Tensor& y) {
    const auto gx = torch::autograd::grad({y.pow(2).sum()}, {in.x}, {}, /*retain_graph=*/true,
                                          /*create_graph=*/true)[0];
    return torch::autograd::grad({gx.pow(2).sum()}, {in.w})[0];
  };
  EXPECT_TRUE(at::allclose(penalty(fastai::detail::linear(in.x, in.w, in.b)), penalty(at::linear(in.x, in.w, in.b)),
                           1e-5, 1e-5));
}
