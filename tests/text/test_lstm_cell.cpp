// fused_lstm's internal pieces: the vectorised sigmoid and tanh against ATen's, and the packed
// oneDNN product against at::mm (bf16 and float32, with and without a bias).
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cmath>
#include <limits>

#include "text/models/lstm_cell.h"
#include "packed_matmul.h"

using namespace fastai::detail;

TEST(LstmCell, SigmoidAndTanhMatchATenEverywhere) {
  // Dense over the range that matters, plus the saturated tails and the special values.
  at::Tensor x = at::cat({at::linspace(-30, 30, 200001), at::linspace(-200, 200, 4001),
                          at::tensor({0.0f, -0.0f, 1e-30f, -1e-30f, 1e-7f, 1e3f, -1e3f,
                                      std::numeric_limits<float>::infinity(),
                                      -std::numeric_limits<float>::infinity()})});
  at::Tensor s = at::empty_like(x), t = at::empty_like(x);
  lstm_sigmoid(x.data_ptr<float>(), s.data_ptr<float>(), x.numel());
  lstm_tanh(x.data_ptr<float>(), t.data_ptr<float>(), x.numel());
  const at::Tensor rs = at::sigmoid(x.to(at::kDouble)), rt = at::tanh(x.to(at::kDouble));
  EXPECT_LT((s.to(at::kDouble) - rs).abs().max().item<double>(), 3e-7);
  EXPECT_LT((t.to(at::kDouble) - rt).abs().max().item<double>(), 3e-7);
  // Relative error where the values are not tiny, and exact saturation.
  const at::Tensor big = rs > 1e-3;
  EXPECT_LT(((s.to(at::kDouble) - rs).abs() / rs).masked_select(big).max().item<double>(), 1e-6);
  EXPECT_EQ(t[-2].item<float>(), 1.0f);
  EXPECT_EQ(t[-1].item<float>(), -1.0f);
  EXPECT_EQ(s[-2].item<float>(), 1.0f);
  EXPECT_EQ(s[-1].item<float>(), 0.0f);
  // NaN stays NaN.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  float out = 0;
  lstm_sigmoid(&nan, &out, 1);
  EXPECT_TRUE(std::isnan(out));
  lstm_tanh(&nan, &out, 1);
  EXPECT_TRUE(std::isnan(out));
}

TEST(LstmCell, PackedMatmulEqualsAtMm) {
  at::manual_seed(0);
  for (auto dt : {at::kFloat, at::kBFloat16}) {
    for (bool with_bias : {false, true}) {
      const int64_t m = 7, k = 13, n = 24;
      const at::Tensor a = at::randn({m, k}).to(dt), w = at::randn({n, k}).to(dt), bias = at::randn({n});
      // The weight as fused_lstm passes it: a transposed view.
      PackedMatmul mm(w.t(), m, with_bias ? bias : at::Tensor());
      at::Tensor c = at::full({m, n}, 99.0f);
      mm(a.data_ptr(), c.data_ptr<float>());
      at::Tensor ref = at::mm(a.to(at::kDouble), w.to(at::kDouble).t());
      if (with_bias) ref = ref + bias.to(at::kDouble);
      EXPECT_TRUE(at::allclose(c.to(at::kDouble), ref, 1e-4, 1e-4))
          << c10::toString(dt) << " bias " << with_bias << " max diff " << (c - ref).abs().max().item<double>();
    }
  }
  EXPECT_THROW(PackedMatmul(at::randn({3, 4}).to(at::kDouble), 2), std::invalid_argument);
}
