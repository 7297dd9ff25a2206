// CrossEntropyLossFlat's one-pass path (src/cross_entropy.cpp) against libtorch's own
// at::cross_entropy_loss: values, gradients, ignore_index, every reduction, bf16 logits under
// autocast, targets out of range.
#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "fastai/losses.h"
#include "test_util.h"

using namespace fastai;

namespace {
// Loss and gradient of `loss` on a copy of x, and libtorch's, for one reduction.
struct Pair {
  torch::Tensor loss, grad, want_loss, want_grad;
};
Pair both(const torch::Tensor& x0, const torch::Tensor& t, Reduction r, int64_t ignore_index = -100) {
  auto loss = CrossEntropyLossFlat({.ignore_index = ignore_index});
  loss->reduction = r;
  const int64_t at_r = r == Reduction::mean ? at::Reduction::Mean : r == Reduction::sum ? at::Reduction::Sum : at::Reduction::None;
  auto x = x0.clone().requires_grad_(true), xr = x0.clone().requires_grad_(true);
  auto l = (*loss)(x, t);
  auto lr = at::cross_entropy_loss(xr.to(torch::kFloat), t, {}, at_r, ignore_index, 0.0);
  // A fixed, uneven upstream gradient so the reductions' scaling is checked too.
  auto up = r == Reduction::none ? torch::linspace(0.5, 2.0, t.size(0)) : torch::tensor(1.5f);
  l.backward(up.to(l.scalar_type()));
  lr.backward(up);
  return {l.detach(), x.grad(), lr.detach(), xr.grad()};
}
}  // namespace

TEST(CrossEntropy, CrossEntropyLossFlatTakesTheOnePassPath) {
  // The comparisons below would also pass through at::cross_entropy_loss: check the path itself.
  auto x = torch::randn({8, 30}, torch::requires_grad());
  auto l = (*CrossEntropyLossFlat())(x, torch::randint(0, 30, {8}, torch::kLong));
  EXPECT_NE(l.grad_fn()->name().find("FusedCrossEntropy"), std::string::npos) << l.grad_fn()->name();
  // With class weights it is libtorch's.
  auto w = (*CrossEntropyLossFlat({.weight = torch::rand({30})}))(x, torch::randint(0, 30, {8}, torch::kLong));
  EXPECT_EQ(w.grad_fn()->name().find("FusedCrossEntropy"), std::string::npos) << w.grad_fn()->name();
}

TEST(CrossEntropy, OnePassMatchesLibtorchForEveryReduction) {
  torch::manual_seed(0);
  auto x = torch::randn({37, 1000}) * 4;
  auto t = torch::randint(0, 1000, {37}, torch::kLong);
  t[3] = -100, t[20] = -100;  // ignored rows: no loss, no gradient, not counted in the mean
  for (auto r : {Reduction::mean, Reduction::sum, Reduction::none}) {
    auto p = both(x, t, r);
    EXPECT_TRUE(torch::allclose(p.loss, p.want_loss, 1e-5, 1e-6)) << p.loss << " vs " << p.want_loss;
    EXPECT_TRUE(torch::allclose(p.grad, p.want_grad, 1e-5, 1e-7)) << (p.grad - p.want_grad).abs().max();
  }
  EXPECT_EQ(both(x, t, Reduction::none).loss[3].item<float>(), 0.f);
  EXPECT_EQ(both(x, t, Reduction::mean).grad[20].abs().sum().item<float>(), 0.f);
  // A custom ignore_index, and a batch of one row.
  auto p = both(x, torch::where(t < 0, torch::full_like(t, 7), t), Reduction::mean, 7);
  EXPECT_TRUE(torch::allclose(p.grad, p.want_grad, 1e-5, 1e-7));
  p = both(x.narrow(0, 0, 1), t.narrow(0, 0, 1), Reduction::mean);
  EXPECT_TRUE(torch::allclose(p.loss, p.want_loss, 1e-5, 1e-6));
}

TEST(CrossEntropy, Bf16LogitsGiveFloat32LossesAndBf16Gradients) {
  torch::manual_seed(1);
  // A language model's shape: many rows, a vocab-sized class count (several row blocks).
  auto x = (torch::randn({300, 5300}) * 3).to(torch::kBFloat16);
  auto t = torch::randint(0, 5300, {300}, torch::kLong);
  auto p = both(x, t, Reduction::mean);
  EXPECT_EQ(p.loss.scalar_type(), torch::kFloat);  // as autocast's cross-entropy: computed in float32
  EXPECT_EQ(p.grad.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(torch::allclose(p.loss, p.want_loss, 1e-5, 1e-6));
  EXPECT_EQ(p.want_grad.scalar_type(), torch::kBFloat16);  // libtorch rounds its float gradient too
  EXPECT_TRUE(torch::allclose(p.grad.to(torch::kFloat), p.want_grad.to(torch::kFloat), 1e-2, 1e-7));
  // Under autocast (as mixed-precision training calls it) the result is the same.
  {
    at::autocast::set_cpu_enabled(true);
    auto l = (*CrossEntropyLossFlat())(x, t);
    at::autocast::set_cpu_enabled(false);
    EXPECT_TRUE(torch::allclose(l, p.want_loss, 1e-5, 1e-6));
  }
}

TEST(CrossEntropy, OutOfRangeTargetsNameTheValue) {
  auto ce = CrossEntropyLossFlat();
  EXPECT_THROW_WITH((*ce)(torch::randn({4, 10}), torch::tensor({1, 12, 3, 4})), std::invalid_argument,
                    "CrossEntropyLossFlat", "Target 12 is out of bounds", "[4, 10]");
  EXPECT_THROW_WITH((*ce)(torch::randn({4, 10}), torch::tensor({1, -3, 3, 4})), std::invalid_argument,
                    "Target -3 is out of bounds");
  // Double logits still go to libtorch's implementation.
  auto x = torch::randn({4, 10});
  auto xd = x.to(torch::kDouble);
  auto td = torch::tensor({1, 2, 3, 4});
  EXPECT_TRUE(torch::allclose((*ce)(xd, td), at::cross_entropy_loss(xd, td)));
}

TEST(CrossEntropy, SecondDerivativesMatchLibtorch) {
  // A gradient penalty differentiates the gradient again (create_graph).
  torch::manual_seed(2);
  auto x0 = torch::randn({6, 11});
  auto t = torch::randint(0, 11, {6}, torch::kLong);
  auto penalty = [&](bool ours) {
    auto x = x0.clone().requires_grad_(true);
    auto l = ours ? (*CrossEntropyLossFlat())(x, t) : at::cross_entropy_loss(x, t);
    auto g = torch::autograd::grad({l}, {x}, {}, true, true)[0];
    auto gg = torch::autograd::grad({g.pow(2).sum()}, {x})[0];
    return std::pair{g.detach(), gg};
  };
  auto [g, gg] = penalty(true);
  auto [want_g, want_gg] = penalty(false);
  EXPECT_TRUE(torch::allclose(g, want_g, 1e-5, 1e-7));
  EXPECT_TRUE(torch::allclose(gg, want_gg, 1e-4, 1e-6)) << (gg - want_gg).abs().max();
}
