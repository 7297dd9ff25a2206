#include "fastai/metrics.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "reference.h"
#include "test_util.h"

using namespace fastai;

namespace {
double run(const std::shared_ptr<Metric>& m, const std::vector<MetricBatch>& batches) {
  m->reset();
  for (const auto& b : batches) m->accumulate(b);
  return m->value().value();
}
MetricBatch batch(torch::Tensor pred, torch::Tensor y) {
  const int64_t bs = y.size(0);
  return {.pred = pred, .yb = {y}, .bs = bs};
}
}  // namespace

TEST(Metrics, AccuracyErrorRateAndBatchSizeWeighting) {
  auto p = torch::tensor({{0.1, 0.9}, {0.8, 0.2}, {0.3, 0.7}});
  auto y = torch::tensor({1, 1, 1});
  EXPECT_NEAR(accuracy(p, y).item<double>(), 2.0 / 3, 1e-6);
  EXPECT_NEAR(error_rate(p, y).item<double>(), 1.0 / 3, 1e-6);
  // (2 right of 3) + (0 right of 1): 2/4, not the mean of the batch accuracies (1/3).
  auto m = MetricSpec(accuracy).make();
  EXPECT_FALSE(m->value().has_value());
  EXPECT_NEAR(run(m, {batch(p, y), batch(torch::tensor({{0.9, 0.1}}), torch::tensor({1}))}), 0.5,
              1e-6);  // float32 accuracy per batch
  EXPECT_EQ(m->name(), "accuracy");
}

TEST(Metrics, TopKAndMultiLabelAccuracy) {
  auto p = torch::tensor({{0.1, 0.5, 0.4}, {0.6, 0.3, 0.1}});
  EXPECT_NEAR(top_k_accuracy(2)(p, torch::tensor({2, 2})).item<double>(), 0.5, 1e-6);
  EXPECT_NEAR(top_k_accuracy(1)(p, torch::tensor({1, 0})).item<double>(), 1.0, 1e-6);
  auto logits = torch::tensor({{2.0, -2.0}, {-1.0, 3.0}});
  auto targ = torch::tensor({{1.0, 0.0}, {1.0, 1.0}});
  EXPECT_NEAR(accuracy_multi()(logits, targ).item<double>(), 0.75, 1e-6);
  EXPECT_NEAR(accuracy_multi(0.9)(logits, targ).item<double>(), 0.5, 1e-6);
}

TEST(Metrics, RegressionMetricsOnTheWholePass) {
  auto p = torch::tensor({1.0, 2.0, 3.0}), t = torch::tensor({1.0, 2.0, 4.0});
  EXPECT_NEAR(mse(p, t).item<double>(), 1.0 / 3, 1e-6);
  EXPECT_NEAR(mae(p, t).item<double>(), 1.0 / 3, 1e-6);
  EXPECT_NEAR(msle(p, t).item<double>(), std::pow(std::log(4.0) - std::log(5.0), 2) / 3, 1e-6);
  // rmse accumulates: errors 1,1 then 4 → √((1+1+16)/3) = √6, not the mean of batch rmses (2.5).
  auto b1 = batch(torch::tensor({1.0, 1.0}), torch::tensor({0.0, 0.0}));
  auto b2 = batch(torch::tensor({4.0}), torch::tensor({0.0}));
  EXPECT_NEAR(run(rmse().make(), {b1, b2}), std::sqrt(6.0), 1e-6);
  auto whole = batch(p, t);
  EXPECT_NEAR(run(R2Score().make(), {whole}), 1 - 9.0 / 42, 1e-9);
  EXPECT_NEAR(run(ExplainedVariance().make(), {whole}), 1 - 1.0 / 7, 1e-9);
  EXPECT_NEAR(run(PearsonCorrCoef().make(), {whole}), 9 / std::sqrt(84.0), 1e-9);
  EXPECT_NEAR(run(exp_rmspe().make(), {batch(torch::zeros({2}), torch::zeros({2}))}), 0.0, 1e-9);
}

TEST(Metrics, LossBasedMetrics) {
  MetricBatch a{.loss = torch::tensor(1.0), .bs = 2}, b{.loss = torch::tensor(2.0), .bs = 2};
  EXPECT_NEAR(run(AvgLoss(), {a, b}), 1.5, 1e-9);
  EXPECT_NEAR(run(Perplexity(), {a, b}), std::exp(1.5), 1e-9);
  // torch.lerp-based smoothing, debiased: 1.0 after the first batch, 0.0596/0.0396 after two.
  auto s = AvgSmoothLoss();
  s->reset();
  s->accumulate(a);
  EXPECT_NEAR(*s->value(), 1.0, 1e-9);
  s->accumulate(b);
  EXPECT_NEAR(*s->value(), 0.0596 / 0.0396, 1e-9);
}

TEST(Metrics, SegmentationDiceAndJaccard) {
  // 1 image, 2 classes, 4 pixels: predicted classes [1,1,0,0], targets [1,0,0,0].
  auto logits = torch::tensor({{{{0.0, 0.0, 1.0, 1.0}}, {{1.0, 1.0, 0.0, 0.0}}}});  // [1, 2, 1, 4]
  auto targ = torch::tensor({{{1, 0, 0, 0}}});                                      // [1, 1, 4]
  auto b = batch(logits, targ);
  EXPECT_NEAR(run(Dice().make(), {b}), 2.0 * 1 / 3, 1e-9);      // inter 1, |P|+|T| = 3
  EXPECT_NEAR(run(JaccardCoeff().make(), {b}), 1.0 / 2, 1e-9);  // inter 1, union 2
  // Class 0: P={2,3}, T={1,2,3}: 2·2/5; class 1: P={0,1}, T={0}: 2·1/3.
  EXPECT_NEAR(run(DiceMulti().make(), {b}), (0.8 + 2.0 / 3) / 2, 1e-9);
}

TEST(Metrics, SegmentationMetricsEqualFastais) {
  // tools/gen_seg_metrics_reference.py: three batches of 11-class 8x8 masks through fastai 2.7.18.
  const auto ref = fastai::testing::load_reference("seg_metrics.json");
  std::vector<MetricBatch> bs;
  for (const auto& b : ref["batches"]) {
    auto pred = torch::tensor(b["pred"].get<std::vector<float>>()).view(b["pred_shape"].get<std::vector<int64_t>>());
    auto targ = torch::tensor(b["targ"].get<std::vector<int64_t>>()).view(b["targ_shape"].get<std::vector<int64_t>>());
    bs.push_back(batch(pred, targ));
  }
  const auto fg = MetricSpec(foreground_acc()).make();
  EXPECT_NEAR(run(fg, bs), ref["foreground_acc"].get<double>(), 1e-7);
  EXPECT_EQ(fg->name(), ref["foreground_acc_name"].get<std::string>());
  const auto dice = DiceMulti().make(), jac = JaccardCoeffMulti().make();
  EXPECT_NEAR(run(dice, bs), ref["dice_multi"].get<double>(), 1e-12);
  EXPECT_NEAR(run(jac, bs), ref["jaccard_coeff_multi"].get<double>(), 1e-12);
  EXPECT_EQ(dice->name(), ref["dice_multi_name"].get<std::string>());
  EXPECT_EQ(jac->name(), ref["jaccard_coeff_multi_name"].get<std::string>());
  // A [N, 1, H, W] target is squeezed as fastai's; a mask of another size is refused.
  auto p0 = torch::randn({2, 3, 4, 4});
  auto t0 = torch::randint(0, 3, {2, 4, 4});
  EXPECT_TRUE(torch::equal(foreground_acc()(p0, t0.unsqueeze(1)), foreground_acc()(p0, t0)));
  EXPECT_THROW_WITH(foreground_acc()(p0, torch::zeros({2, 5, 5}, torch::kLong)), std::invalid_argument,
                    "foreground_acc", "[2, 5, 5]");
}

TEST(Metrics, IncompatibleShapesNameTheMetric) {
  EXPECT_THROW_WITH(mse(torch::zeros({4}), torch::zeros({3})), std::invalid_argument, "mse", "[4]", "[3]");
  EXPECT_THROW_WITH(accuracy(torch::zeros({4, 3}), torch::zeros({5})), std::invalid_argument, "accuracy", "[5]");
  auto m = rmse().make();
  EXPECT_THROW_WITH(m->accumulate(batch(torch::zeros({2, 2}), torch::zeros({3}))), std::invalid_argument, "rmse");
}

TEST(Metrics, LossMetricReportsALossPart) {
  // A loss with two parts: MSE plus a penalty it records as parts["penalty"].
  struct PenalisedMSE : BaseLoss {
    PenalisedMSE()
        : BaseLoss("PenalisedMSE",
                   [](const at::Tensor& i, const at::Tensor& t, Reduction) { return at::mse_loss(i, t); },
                   {.floatify = true, .is_2d = false}) {}
    at::Tensor operator()(const at::Tensor& inp, const at::Tensor& targ) const override {
      parts["penalty"] = inp.abs().mean();
      return BaseLoss::operator()(inp, targ) + parts["penalty"];
    }
  } loss;
  auto m = LossMetric("penalty").make();
  m->reset();
  for (double v : {1.0, 3.0}) {
    auto pred = torch::full({2}, v);
    auto l = loss(pred, torch::zeros({2}));
    m->accumulate({.pred = pred, .yb = {torch::zeros({2})}, .loss = l, .bs = 2, .loss_func = &loss});
  }
  EXPECT_NEAR(*m->value(), 2.0, 1e-9);
  EXPECT_EQ(m->name(), "penalty");
  auto missing = LossMetric("kl").make();
  EXPECT_THROW_WITH(
      missing->accumulate({.pred = torch::zeros({1}), .yb = {torch::zeros({1})}, .bs = 1, .loss_func = &loss}),
      std::invalid_argument, "PenalisedMSE", "\"kl\"");
}
