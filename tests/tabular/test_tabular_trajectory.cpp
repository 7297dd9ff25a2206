// tabular_learner trained step by step beside real fastai 2.7.18: the same CSV (categorical and
// continuous columns, both with missing values), the same initial weights (fastai's state_dict,
// loaded by name), the same batch order; every step's loss, lr, mom and parameter norms must
// match fastai's (tests/data/reference/trajectory/, from tools/gen_trajectory_reference.py).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "fastai/callback/core.h"
#include "fastai/callback/recorder.h"
#include "fastai/core/replacing.h"
#include "fastai/metrics.h"
#include "fastai/tabular/learner.h"
#include "fastai/tabular/procs.h"
#include "test_config.h"
#include "trajectory.h"

using namespace fastai;
using namespace fastai::testing;

namespace {

void replay_tabular(const std::string& name, bool regression) {
  OneThread one;
  const auto ref = load_reference("trajectory/" + name + ".json");
  const auto y = ref.at("y").get<std::string>();
  // What TabularDataLoaders::from_csv does, with the TabularPandas kept to compare its data.
  const Table df = read_csv(std::string(FASTAI_TEST_DATA_DIR) + "/reference/trajectory/tabular.csv");
  TabularPandas to(df,
                   {.procs = {Categorify(), FillMissing(), Normalize()},
                    .cat_names = {"color", "size"},
                    .cont_names = {"x1", "x2", "count"},
                    .y_names = {y},
                    .y_block = regression ? RegressionBlock() : CategoryBlock(),
                    .splits = IndexSplitter(ref.at("valid_idx").get<std::vector<int64_t>>())(range_of(df.n_rows()))});
  auto dls = tabular_dataloaders(to, {.bs = ref.at("bs").get<int64_t>()});

  // The data fastai fed its model: cat codes (with the *_na column), filled and normalised conts, y.
  const auto& d = ref.at("data");
  const auto train = to.train();
  EXPECT_EQ(train.cat_names(), d.at("cat_names").get<std::vector<std::string>>());
  EXPECT_EQ(train.cont_names(), d.at("cont_names").get<std::vector<std::string>>());
  {
    std::vector<int64_t> flat;
    for (const auto& row : d.at("train_cats"))
      for (auto v : row) flat.push_back(v.get<int64_t>());
    auto ref_cats = torch::tensor(flat).reshape({-1, static_cast<int64_t>(train.cat_names().size())});
    std::vector<double> fc;
    for (const auto& row : d.at("train_conts"))
      for (auto v : row) fc.push_back(v.get<double>());
    auto ref_conts = torch::tensor(fc, torch::kDouble).reshape({-1, static_cast<int64_t>(train.cont_names().size())});
    EXPECT_TRUE(torch::equal(train.cats(), ref_cats)) << "cat codes differ from fastai's: rows\n"
                                                      << train.cats().slice(0, 0, 5) << "\nvs fastai's\n"
                                                      << ref_cats.slice(0, 0, 5);
    EXPECT_TRUE(torch::allclose(train.conts().to(torch::kDouble), ref_conts, 1e-5, 1e-5))
        << "normalised conts differ: max |diff| "
        << (train.conts().to(torch::kDouble) - ref_conts).abs().max().item<double>();
    auto ref_ys = torch::tensor(d.at("train_ys").get<std::vector<double>>(), torch::kDouble);
    EXPECT_TRUE(torch::allclose(train.ys().reshape({-1}).to(torch::kDouble), ref_ys, 1e-6, 1e-6)) << "ys differ";
  }

  std::optional<std::pair<double, double>> y_range;
  if (!ref.at("y_range").is_null())
    y_range = std::pair{ref["y_range"][0].get<double>(), ref["y_range"][1].get<double>()};
  auto trace = std::make_shared<StepTrace>();
  auto learn =
      tabular_learner(dls, {.layers = ref.at("layers").get<std::vector<int64_t>>(),
                            .y_range = y_range,
                            .cbs = {TrainEvalCallback(), Recorder(), trace},
                            .metrics = regression ? std::vector<MetricSpec>{} : std::vector<MetricSpec>{accuracy},
                            .default_cbs = false});
  ASSERT_NO_FATAL_FAILURE(start_replay(learn, ref));
  const auto& fit = ref.at("fit");
  learn.fit_one_cycle(fit.at("n_epoch").get<int64_t>(), fit.at("lr_max").get<double>());

  expect_same_trajectory(*trace, ref);
}

}  // namespace

TEST(TabularTrajectory, ClassificationMatchesFastaiStepByStep) { replay_tabular("tabular_cls", false); }
TEST(TabularTrajectory, RegressionWithYRangeMatchesFastaiStepByStep) { replay_tabular("tabular_reg", true); }
