#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>

#include "fastai/metrics.h"
#include "reference.h"
#include "test_util.h"

using namespace fastai;
using nlohmann::json;

namespace {
const json& find(const std::string& name) {
  static const json j = fastai::testing::load_reference("metrics.json")["cases"];
  for (const auto& c : j)
    if (c["name"] == name) return c;
  throw std::runtime_error("no reference case " + name);
}

// Accumulates the case's outputs and targets in two batches (so accumulation is exercised).
double run(const MetricSpec& spec, const json& c) {
  auto out = torch::tensor(c["output"].get<std::vector<double>>())
                 .to(torch::kFloat)
                 .view(c["output_shape"].get<std::vector<int64_t>>());
  auto y = torch::tensor(c["target"].get<std::vector<double>>()).view(c["target_shape"].get<std::vector<int64_t>>());
  if (c["name"] != "spearman" && c["name"] != "regression") y = y.to(torch::kLong);
  auto m = spec.make();
  m->reset();
  const int64_t n = out.size(0), half = n / 2;
  for (auto [a, b] : {std::pair<int64_t, int64_t>{0, half}, {half, n}})
    m->accumulate({.pred = out.slice(0, a, b), .yb = {y.slice(0, a, b)}, .bs = b - a});
  return m->value().value();
}

void expect(const std::string& case_name, const std::map<std::string, MetricSpec>& specs) {
  const json& c = find(case_name);
  for (const auto& [key, spec] : specs) {
    ASSERT_TRUE(c["expected"].contains(key)) << key;
    EXPECT_NEAR(run(spec, c), c["expected"][key].get<double>(), 1e-6) << case_name << " / " << key;
  }
}

std::map<std::string, MetricSpec> label_specs(const std::vector<std::pair<std::string, Average>>& avgs) {
  std::map<std::string, MetricSpec> m{{"balanced_accuracy", BalancedAccuracy()},
                                      {"mcc", MatthewsCorrCoef()},
                                      {"kappa", CohenKappa()},
                                      {"kappa_linear", CohenKappa(-1, KappaWeights::linear)},
                                      {"kappa_quadratic", CohenKappa(-1, KappaWeights::quadratic)},
                                      {"hamming", HammingLoss()}};
  for (const auto& [name, avg] : avgs) {
    m.emplace("precision_" + name, Precision({.average = avg}));
    m.emplace("recall_" + name, Recall({.average = avg}));
    m.emplace("f1_" + name, F1Score({.average = avg}));
    m.emplace("fbeta2_" + name, FBeta(2, {.average = avg}));
    m.emplace("jaccard_" + name, Jaccard({.average = avg}));
  }
  return m;
}
}  // namespace

TEST(SklearnParity, BinaryLabelAndScoreMetricsWithTies) {
  auto specs = label_specs({{"binary", Average::binary},
                            {"macro", Average::macro},
                            {"micro", Average::micro},
                            {"weighted", Average::weighted}});
  specs.emplace("brier", BrierScore());
  specs.emplace("roc_auc_binary", RocAucBinary());
  specs.emplace("ap_binary", APScoreBinary());
  expect("binary", specs);
}

TEST(SklearnParity, MultiClassWithAClassNeverPredicted) {
  auto specs = label_specs({{"macro", Average::macro}, {"micro", Average::micro}, {"weighted", Average::weighted}});
  specs.emplace("roc_auc_macro", RocAuc());
  specs.emplace("roc_auc_weighted", RocAuc(-1, Average::weighted));
  expect("multiclass", specs);
  EXPECT_THROW_WITH(run(Precision(), find("multiclass")), std::invalid_argument, "binary", "macro");
}

TEST(SklearnParity, AllTargetsOneClass) {
  expect("one_class", {{"precision_binary", Precision()},
                       {"recall_binary", Recall()},
                       {"balanced_accuracy", BalancedAccuracy()},
                       {"mcc", MatthewsCorrCoef()}});
  EXPECT_THROW_WITH(run(RocAucBinary(), find("one_class")), std::invalid_argument, "Only one class");
}

TEST(SklearnParity, MultiLabelAveragePrecisionAndSpearmanWithTies) {
  expect("multilabel", {{"ap_multi", APScoreMulti()}});
  expect("spearman", {{"spearman", SpearmanCorrCoef()}});
}

TEST(SklearnParity, RegressionAccuracyAndSegmentationMetrics) {
  expect("regression", {{"mse", MetricSpec(mse)},
                        {"rmse", rmse()},
                        {"mae", MetricSpec(mae)},
                        {"msle", MetricSpec(msle)},
                        {"r2", R2Score()},
                        {"explained_variance", ExplainedVariance()},
                        {"pearson", PearsonCorrCoef()}});
  expect("accuracy", {{"accuracy", MetricSpec(accuracy)}, {"top_3", MetricSpec(top_k_accuracy(3))}});
  expect("segmentation", {{"dice", Dice()}, {"jaccard", JaccardCoeff()}});
}
