#include "fastai/callback/schedule.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "learner_util.h"
#include "reference.h"
#include "test_util.h"

using namespace fastai;
using namespace fastai::testing;

namespace {
std::vector<double> vec(const nlohmann::json& j) { return j.get<std::vector<double>>(); }
void expect_values(const Schedule& s, const nlohmann::json& ref, const char* what) {
  const auto pos = vec(load_reference("schedules.json")["positions"]);
  const auto want = vec(ref);
  for (size_t i = 0; i < pos.size(); ++i)
    EXPECT_NEAR(s(pos[i]), want[i], 1e-12 + 1e-9 * std::abs(want[i])) << what << " at " << pos[i];
}
}  // namespace

TEST(Schedule, FunctionsEqualFastaisFormulas) {
  auto ref = load_reference("schedules.json");
  expect_values(SchedLin(1e-3, 1e-1), ref["lin"], "lin");
  expect_values(SchedCos(1e-3, 1e-1), ref["cos"], "cos");
  expect_values(SchedNo(1e-3, 1e-1), ref["no"], "no");
  expect_values(SchedExp(1e-3, 1e-1), ref["exp"], "exp");
  expect_values(SchedPoly(1e-3, 1e-1, 2), ref["poly"], "poly");
  expect_values(combine_scheds({0.3, 0.7}, {SchedLin(0.1, 1.0), SchedCos(1.0, 0.0)}), ref["combine_03_07"], "combine");
  expect_values(combined_cos(0.25, 1e-2 / 25, 1e-2, 1e-2 / 1e5), ref["combined_cos"], "combined_cos");
  EXPECT_THROW_WITH(combine_scheds({0.5, 0.4}, {SchedNo(1, 1), SchedNo(1, 1)}), std::invalid_argument, "sum to");
}

TEST(Schedule, OneCycleLrAndMomCurvesAsFastai) {
  auto ref = load_reference("schedules.json")["one_cycle"];
  const int64_t n = ref["n"];
  auto t = make_task(n * 8, 16);
  auto learn = make_learner(t, {}, {}, 8);
  learn.fit_one_cycle(1, ref["lr_max"].get<double>());
  const auto& hps = learn.recorder->hps;
  ASSERT_EQ(hps.at("lr").size(), static_cast<size_t>(n));
  const auto lr = vec(ref["lr"]), mom = vec(ref["mom"]);
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_NEAR(hps.at("lr")[i], lr[i], 1e-12) << i;
    EXPECT_NEAR(hps.at("mom")[i], mom[i], 1e-12) << i;
  }
  EXPECT_EQ(learn.recorder->lrs, hps.at("lr"));
  EXPECT_EQ(learn.recorder->moms, hps.at("mom"));
}

TEST(Schedule, DiscriminativeLrsSpreadOverGroups) {
  auto t = make_task(64, 16);
  auto split = [](const Model& m) {
    auto ps = m->parameters();  // weight, bias of one Linear: two groups for the test
    return std::vector<std::vector<at::Tensor>>{{ps[0]}, {ps[1]}};
  };
  auto learn = make_learner(t, {}, {.splitter = split}, 8);
  learn.fit_one_cycle(1, Slice{1e-5, 1e-3}, {.pct_start = 0.5});
  // At the peak (half way) the groups have 1e-5 and 1e-3 (even_mults over 2 groups).
  learn.create_opt();
  Lr(Slice{1e-5, 1e-3}).apply(*learn.opt);
  EXPECT_NEAR(learn.opt->hyper("lr", 0), 1e-5, 1e-18);
  EXPECT_NEAR(learn.opt->hyper("lr", 1), 1e-3, 1e-15);
  EXPECT_NEAR(learn.recorder->hps.at("lr")[4], 1e-3, 1e-12);  // the last group's lr peaks at lr_max
}

TEST(Schedule, FlatCosAndSgdrShapes) {
  auto t = make_task(80, 16);
  auto learn = make_learner(t, {}, {}, 8);  // 10 batches an epoch
  learn.fit_flat_cos(1, 1e-2, {.pct_start = 0.5});
  const auto lr = learn.recorder->hps.at("lr");
  for (int i = 0; i < 5; ++i) EXPECT_DOUBLE_EQ(lr[i], 1e-2);
  EXPECT_LT(lr[9], lr[6]);
  learn.fit_sgdr(2, 1, 1e-2);  // cycles of 1 and 2 epochs: 3 epochs, restarts after the first
  const auto s = learn.recorder->hps.at("lr");
  ASSERT_EQ(s.size(), 30u);
  EXPECT_DOUBLE_EQ(s[0], 1e-2);
  EXPECT_DOUBLE_EQ(s[10], 1e-2);
  EXPECT_LT(s[9], 1e-3);
  EXPECT_NEAR(s[20], SchedCos(1e-2, 0)(0.5), 1e-8);  // the phase position is float32, as fastai's
}

TEST(Schedule, SuggestionsEqualFastais) {
  auto ref = load_reference("schedules.json")["suggestions"];
  const auto lrs = vec(ref["lrs"]), losses = vec(ref["losses"]);
  std::map<std::string, SuggestFunc> fns{{"valley", valley}, {"slide", slide}, {"minimum", minimum}, {"steep", steep}};
  for (const auto& [name, f] : fns) {
    const auto s = f(lrs, losses, 100);
    const auto& e = ref["expected"][name];
    EXPECT_NEAR(s.lr, e["lr"].get<double>(), 1e-12) << name;
    EXPECT_NEAR(s.point.first, e["point"][0].get<double>(), 1e-12) << name;
    EXPECT_NEAR(s.point.second, e["point"][1].get<double>(), 1e-9) << name;
  }
}

TEST(Schedule, LrFindExploresAndRestoresTheWeights) {
  auto t = make_task(256, 16);
  TempDir dir;
  auto learn = make_learner(t, {}, {.path = dir.path}, 16);
  const auto w = snapshot(learn);
  auto s =
      learn.lr_find({.num_it = 40, .show_plot = false, .suggest_funcs = {{"valley", valley}, {"minimum", minimum}}});
  EXPECT_TRUE(same_weights(w, snapshot(learn)));  // weights back where they were
  EXPECT_FALSE(std::filesystem::exists(dir.path / "models" / "_tmp.pth"));
  const auto& lrs = learn.recorder->lrs;
  ASSERT_GE(lrs.size(), 10u);
  ASSERT_LE(lrs.size(), 40u);
  EXPECT_NEAR(lrs[0], 1e-7, 1e-20);
  EXPECT_NEAR(lrs[1] / lrs[0], std::pow(1e8, 1.0 / 40), 1e-9);  // exponential growth
  EXPECT_GT(s.valley(), 1e-7);
  EXPECT_LT(s.valley(), 10);
  EXPECT_GT(s["minimum"], 0);
  EXPECT_THROW_WITH(s["steep"], std::out_of_range, "valley", "minimum");
}

TEST(Schedule, FineTuneFreezesThenUnfreezesWithDiscriminativeLrs) {
  auto t = make_task(64, 16);
  auto split = [](const Model& m) {
    auto ps = m->parameters();
    return std::vector<std::vector<at::Tensor>>{{ps[0]}, {ps[1]}};
  };
  std::vector<bool> frozen_during_first;
  int fits = 0;
  auto spy = std::make_shared<FuncCallback>(
      "Spy",
      std::map<Event, FuncCallback::Fn>{{Event::before_fit, [&](Learner& l) {
                                           ++fits;
                                           frozen_during_first.push_back(!l.model->parameters()[0].requires_grad());
                                         }}});
  auto learn = make_learner(t, {spy}, {.splitter = split}, 8);
  learn.fine_tune(1, {.base_lr = 2e-3});
  EXPECT_EQ(fits, 2);
  EXPECT_EQ(frozen_during_first, (std::vector<bool>{true, false}));
  // second fit: slice(base_lr/2/100, base_lr/2), div 5 → the last group starts at 1e-3/5
  EXPECT_NEAR(learn.recorder->hps.at("lr")[0], 1e-3 / 5, 1e-12);
}

TEST(Schedule, EveryFitMethodResumesAtStartEpochOnItsOwnSchedule) {
  // Every fit* method takes FitOptions' fields (wd, cbs, reset_opt, start_epoch): resuming at
  // epoch 2 of 3 trains only the last epoch, on the learning rates the whole run had there.
  auto t = make_task(32, 16);
  auto lrs_of = [&](auto&& run) {
    auto learn = make_learner(t, {}, {}, 8);  // 4 batches per epoch
    run(learn);
    return learn.recorder->hps.at("lr");
  };
  const auto cos_all = lrs_of([](Learner& l) { l.fit_flat_cos(3, 1e-2); });
  const auto cos_end = lrs_of([](Learner& l) { l.fit_flat_cos(3, 1e-2, {.start_epoch = 2}); });
  const auto sgdr_all = lrs_of([](Learner& l) { l.fit_sgdr(2, 1, 1e-2); });  // 1 + 2 epochs
  const auto sgdr_end = lrs_of([](Learner& l) { l.fit_sgdr(2, 1, 1e-2, {.start_epoch = 2}); });
  ASSERT_EQ(cos_all.size(), 12u);
  ASSERT_EQ(cos_end.size(), 4u);
  ASSERT_EQ(sgdr_end.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_DOUBLE_EQ(cos_end[i], cos_all[8 + i]) << i;
    EXPECT_DOUBLE_EQ(sgdr_end[i], sgdr_all[8 + i]) << i;
  }
}
