// fastai::Conv2d's fast paths (im2col + GEMM, the 1×1 centre tap) against libtorch's conv2d:
// the same outputs and gradients, in fp32 to rounding and under bf16 autocast to bf16 precision.
#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "fastai/conv.h"

namespace {

using fastai::ConvGemmPolicy;

// Sets a policy for one scope and restores the previous one.
struct PolicyScope {
  ConvGemmPolicy saved = fastai::conv_gemm_policy();
  explicit PolicyScope(ConvGemmPolicy p) { fastai::set_conv_gemm_policy(p); }
  ~PolicyScope() { fastai::set_conv_gemm_policy(saved); }
};

struct Outputs {
  at::Tensor y, gx, gw, gb;
};

Outputs run(fastai::Conv2d& conv, const at::Tensor& x0, ConvGemmPolicy policy) {
  PolicyScope scope(policy);
  auto x = x0.detach().clone().requires_grad_();
  conv->zero_grad();
  auto y = conv(x);
  (y * torch::linspace(-1, 1, y.numel()).view(y.sizes())).sum().backward();  // a gradient that is not all ones
  return {y.detach(), x.grad(), conv->weight.grad().clone(),
          conv->bias.defined() ? conv->bias.grad().clone() : at::Tensor()};
}

void expect_close(const at::Tensor& a, const at::Tensor& b, double tol, const std::string& what) {
  ASSERT_EQ(a.sizes(), b.sizes()) << what;
  const double scale = b.abs().max().item<double>() + 1e-12;
  EXPECT_LT((a.to(torch::kFloat) - b.to(torch::kFloat)).abs().max().item<double>() / scale, tol) << what;
}

struct Case {
  int64_t ci, co, h, w, k, s, p;
  bool bias, channels_last;
};

class ConvGemm : public ::testing::TestWithParam<Case> {};

TEST_P(ConvGemm, MatchesLibtorchConvForwardAndBackward) {
  const auto c = GetParam();
  torch::manual_seed(0);
  fastai::Conv2d conv(torch::nn::Conv2dOptions(c.ci, c.co, c.k).stride(c.s).padding(c.p).bias(c.bias));
  auto x = torch::randn({3, c.ci, c.h, c.w});
  if (c.channels_last) x = x.contiguous(at::MemoryFormat::ChannelsLast);
  const auto ref = run(conv, x, {.enabled = false});
  const auto fast = run(conv, x, {.max_out_pixels = 1 << 20, .low_precision_only = false});
  expect_close(fast.y, ref.y, 1e-5, "output");
  expect_close(fast.gx, ref.gx, 1e-5, "input gradient");
  expect_close(fast.gw, ref.gw, 1e-5, "weight gradient");
  if (c.bias) expect_close(fast.gb, ref.gb, 1e-5, "bias gradient");
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConvGemm,
                         ::testing::Values(Case{4, 6, 5, 5, 3, 1, 1, false, false},    // same-size 3×3
                                           Case{4, 6, 7, 6, 3, 2, 1, true, false},     // strided, odd, not square
                                           Case{5, 3, 4, 4, 1, 2, 0, false, true},     // strided 1×1 (no im2col)
                                           Case{3, 4, 6, 6, 5, 1, 2, true, true},      // 5×5, channels-last input
                                           Case{6, 8, 1, 1, 3, 1, 1, true, false},     // 1×1 map: the centre tap
                                           Case{6, 8, 1, 1, 1, 1, 0, false, false},    // 1×1 map, 1×1 kernel
                                           Case{2, 3, 2, 2, 3, 2, 1, false, false}));  // 2×2 → 1×1 (not a centre tap)

TEST(ConvGemm, CentreTapIsOnByDefaultInFp32AndExact) {
  torch::manual_seed(1);
  fastai::Conv2d conv(torch::nn::Conv2dOptions(16, 8, 3).padding(1).bias(false));
  const auto x = torch::randn({4, 16, 1, 1});
  const auto ref = run(conv, x, {.enabled = false});
  const auto fast = run(conv, x, {});
  expect_close(fast.y, ref.y, 1e-6, "output");
  expect_close(fast.gw, ref.gw, 1e-6, "weight gradient");
  // only the centre tap has a gradient: the others multiply padding
  auto off_centre = fast.gw.clone();
  off_centre.select(2, 1).select(2, 1).zero_();
  EXPECT_EQ(off_centre.abs().max().item<float>(), 0.0F);
}

TEST(ConvGemm, Bf16AutocastGivesBf16ResultsCloseToOneDnn) {
  torch::manual_seed(2);
  fastai::Conv2d conv(torch::nn::Conv2dOptions(32, 64, 3).stride(2).padding(1).bias(false));
  const auto x = torch::randn({8, 32, 4, 4}).contiguous(at::MemoryFormat::ChannelsLast);
  auto under_autocast = [&](ConvGemmPolicy p) {
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    Outputs r;
    try {
      r = run(conv, x, p);
    } catch (...) {
      at::autocast::set_cpu_enabled(false);
      throw;
    }
    at::autocast::set_cpu_enabled(false);
    at::autocast::clear_cache();
    return r;
  };
  const auto ref = under_autocast({.enabled = false});
  const auto fast = under_autocast({});  // 2×2 output: the GEMM path
  EXPECT_EQ(fast.y.scalar_type(), at::kBFloat16);
  EXPECT_EQ(fast.gw.scalar_type(), at::kFloat);  // the parameter stays fp32
  expect_close(fast.y, ref.y, 2e-2, "bf16 output");
  expect_close(fast.gw, ref.gw, 2e-2, "bf16 weight gradient");
}

TEST(ConvGemm, UnsupportedOptionsFallBackToLibtorch) {
  torch::manual_seed(3);
  fastai::Conv2d conv(torch::nn::Conv2dOptions(4, 4, 3).padding(1).groups(2));
  const auto x = torch::randn({2, 4, 2, 2});
  const auto ref = run(conv, x, {.enabled = false});
  const auto fast = run(conv, x, {.max_out_pixels = 1 << 20, .low_precision_only = false});
  expect_close(fast.y, ref.y, 1e-6, "grouped conv output");
}

TEST(ConvGemm, IsATorchConv2dForStateDictsAndInit) {
  fastai::Conv2d conv(torch::nn::Conv2dOptions(3, 5, 3).bias(true));
  auto& as_module = *conv;
  EXPECT_NE(as_module.as<torch::nn::Conv2d>(), nullptr);
  const auto params = conv->named_parameters();
  EXPECT_TRUE(params.contains("weight"));
  EXPECT_TRUE(params.contains("bias"));
  EXPECT_EQ(params["weight"].sizes(), (std::vector<int64_t>{5, 3, 3, 3}));
}

}  // namespace
