// collab_learner (EmbeddingDotBias and EmbeddingNN) trained step by step beside real fastai
// 2.7.18: the same ratings CSV and split (RandomSplitter(0.2, 42)), fastai's initial weights
// loaded by name, fastai's batch order; every step must match (tools/gen_trajectory_reference.py).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "fastai/callback/core.h"
#include "fastai/callback/recorder.h"
#include "fastai/collab.h"
#include "test_config.h"
#include "trajectory.h"

using namespace fastai;
using namespace fastai::testing;

namespace {

void replay_collab(const std::string& name) {
  OneThread one;
  const auto ref = load_reference("trajectory/" + name + ".json");
  const auto seed = ref.at("seed").get<uint64_t>();
  const Table df = read_csv(std::string(FASTAI_TEST_DATA_DIR) + "/reference/trajectory/ratings.csv");

  // The split and the vocabularies fastai used (together they fix every cat code).
  const auto splits = RandomSplitter(0.2, seed)(range_of(df.n_rows()));
  EXPECT_EQ(splits.at(1), ref.at("data").at("valid_idx").get<std::vector<int64_t>>()) << "RandomSplitter(0.2, 42)";
  auto dls = CollabDataLoaders::from_df(df, {.seed = seed, .bs = ref.at("bs").get<int64_t>()});
  for (const auto& [col, voc] : collab_classes(dls))
    EXPECT_EQ(voc.items(), ref.at("data").at("classes").at(col).get<std::vector<std::string>>()) << col;

  auto trace = std::make_shared<StepTrace>();
  const bool use_nn = ref.at("use_nn").get<bool>();
  auto learn =
      collab_learner(dls, {.n_factors = ref.at("n_factors").get<int64_t>(),
                           .use_nn = use_nn,
                           .layers = use_nn ? ref.at("layers").get<std::vector<int64_t>>() : std::vector<int64_t>{},
                           .y_range = std::pair{ref["y_range"][0].get<double>(), ref["y_range"][1].get<double>()},
                           .cbs = {TrainEvalCallback(), Recorder(), trace},
                           .default_cbs = false});
  ASSERT_NO_FATAL_FAILURE(start_replay(learn, ref));
  const auto& fit = ref.at("fit");
  std::optional<double> wd;
  if (fit.contains("wd") && !fit.at("wd").is_null()) wd = fit.at("wd").get<double>();
  learn.fit_one_cycle(fit.at("n_epoch").get<int64_t>(), fit.at("lr_max").get<double>(), {.wd = wd});

  expect_same_trajectory(*trace, ref);
}

}  // namespace

TEST(CollabTrajectory, EmbeddingDotBiasMatchesFastaiStepByStep) { replay_collab("collab_dot"); }
TEST(CollabTrajectory, EmbeddingDotBiasWithWeightDecayMatchesFastaiStepByStep) { replay_collab("collab_dot_wd"); }
TEST(CollabTrajectory, EmbeddingNNMatchesFastaiStepByStep) { replay_collab("collab_nn"); }
