// detail::keep_mask / detail::dropout (the AWD-LSTM's dropout masks): the right values and keep
// rate, reproducible under at::manual_seed, fresh on every call, no correlation between
// neighbours, and gradients equal to grad · mask.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <torch/autograd.h>

#include "random_mask.h"

using fastai::detail::dropout;
using fastai::detail::keep_mask;

TEST(RandomMask, ValuesRateAndReproducibility) {
  for (double keep : {0.05, 0.5, 0.7, 0.99}) {
    at::manual_seed(7);
    const at::Tensor m = keep_mask({1000, 1000}, keep);
    const float s = static_cast<float>(1.0 / keep);
    EXPECT_TRUE(((m == 0) | (m == s)).all().item<bool>()) << keep;
    const double rate = (m > 0).to(at::kDouble).mean().item<double>();
    // 1e6 draws: the rate's standard deviation is at most 5e-4.
    EXPECT_NEAR(rate, keep, 3e-3) << keep;
    at::manual_seed(7);
    EXPECT_TRUE(at::equal(keep_mask({1000, 1000}, keep), m)) << "the same seed gives the same mask";
    EXPECT_FALSE(at::equal(keep_mask({1000, 1000}, keep), m)) << "each call draws a new mask";
  }
  // Neighbours (and rows) are not correlated.
  const at::Tensor b = (keep_mask({2000000}, 0.5) > 0).to(at::kDouble);
  const at::Tensor c = b - b.mean();
  const double corr = (c.narrow(0, 0, 1999999) * c.narrow(0, 1, 1999999)).mean().item<double>() / c.pow(2).mean().item<double>();
  EXPECT_LT(std::abs(corr), 3e-3);
  EXPECT_TRUE(at::equal(keep_mask({3, 4}, 1.0), at::ones({3, 4})));
  EXPECT_THROW(keep_mask({3}, 0.0), std::invalid_argument);
  EXPECT_THROW(keep_mask({3}, 1.5), std::invalid_argument);
}

TEST(RandomMask, DropoutGradientIsTheMask) {
  const at::Tensor x = at::randn({50, 40}).requires_grad_();
  const at::Tensor y = dropout(x, 0.3);
  const at::Tensor g = torch::autograd::grad({y.sum()}, {x})[0];
  // y = x · mask, so the gradient of Σy is the mask itself.
  EXPECT_TRUE(at::allclose(y, x.detach() * g));
  EXPECT_TRUE(((g == 0) | (g - 1.0 / 0.7).abs().lt(1e-6)).all().item<bool>());
  EXPECT_TRUE(dropout(x, 0.0).is_same(x));
  EXPECT_EQ(dropout(x, 1.0).abs().sum().item<float>(), 0.0f);
  EXPECT_THROW(dropout(x, -0.1), std::invalid_argument);
}
