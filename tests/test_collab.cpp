// Collaborative filtering: id encoding round trip, EmbeddingDotBias's formula and y_range,
// bias/weight lookups by name, collab_learner training, predict (and its unknown-user error),
// export → load_learner, EmbeddingNN, pca.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <random>

#include "fastai/callback/core.h"
#include "fastai/callback/recorder.h"
#include "fastai/collab.h"
#include "fastai/core/random.h"
#include "fastai/export.h"
#include "test_util.h"

using namespace fastai;
using fastai::testing::TempDir;

namespace {

// 40 users × 30 items, ratings from hidden 2-factor tastes plus biases, 60 % observed.
Table ratings(uint64_t seed = 0) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> nd(0, 1);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::vector<double>> uf(40, std::vector<double>(2)), itf(30, std::vector<double>(2));
  for (auto& v : uf)
    for (auto& x : v) x = nd(g);
  for (auto& v : itf)
    for (auto& x : v) x = nd(g);
  std::vector<double> user, item, rating;
  for (int a = 0; a < 40; ++a)
    for (int b = 0; b < 30; ++b) {
      if (u(g) > 0.6) continue;
      user.push_back(100 + a);  // ids are not indices
      item.push_back(7 * b);
      const double r = 3.0 + 0.8 * (uf[a][0] * itf[b][0] + uf[a][1] * itf[b][1]) + 0.3 * (b % 3 - 1);
      rating.push_back(std::clamp(r, 0.5, 5.0));
    }
  Table t;
  t.add(Column::numbers("user", user));
  t.add(Column::numbers("item", item));
  t.add(Column::numbers("rating", rating));
  return t;
}

Learner quiet(DataLoaders dls, CollabLearnerOptions o = {}) {
  o.cbs = {TrainEvalCallback(), Recorder()};
  o.default_cbs = false;
  auto learn = collab_learner(std::move(dls), o);
  learn.logger = nullptr;
  return learn;
}

}  // namespace

TEST(Collab, LoadersEncodeIdsWithNaFirstAndRoundTrip) {
  auto df = ratings();
  auto dls = CollabDataLoaders::from_df(df, {.seed = 42, .bs = 32});  // user, item, rating: the first three columns
  const auto& cls = collab_classes(dls);
  EXPECT_EQ(cls.at("user").items().front(), "#na#");
  EXPECT_EQ(cls.at("user").items()[1], "100");  // numeric ids sorted numerically
  EXPECT_EQ(cls.at("item").items()[2], "7");
  Item b = dls.one_batch();
  auto t = batch_tensors(b);
  ASSERT_EQ(t.size(), 2u);  // (ids, rating): no continuous tensor
  EXPECT_EQ(t[0].sizes(), (std::vector<int64_t>{32, 2}));
  EXPECT_EQ(t[1].sizes(), (std::vector<int64_t>{32, 1}));
  EXPECT_EQ(dls.n_inp(), 1);
  EXPECT_EQ(dls.loss_func->name, "MSELossFlat");
  // Decoding the batch gives the original ids back.
  const Table rows = dls.train().decode(b).get<Tabular>();
  for (int64_t i = 0; i < 32; ++i) {
    const auto u = t[0][i][0].item<int64_t>(), it = t[0][i][1].item<int64_t>();
    EXPECT_EQ(rows["user"].str[static_cast<size_t>(i)], cls.at("user")[u]);
    EXPECT_EQ(rows["item"].str[static_cast<size_t>(i)], cls.at("item")[it]);
  }
}

TEST(Collab, EmbeddingDotBiasForwardIsTheFormula) {
  torch::manual_seed(0);
  EmbeddingDotBias m(4, 5, 6, std::pair{0.0, 5.5});
  {
    torch::NoGradGuard g;
    for (auto& p : m->parameters()) p.normal_();
  }
  auto x = torch::tensor({{0, 5}, {4, 1}, {2, 2}}, torch::kLong);
  auto out = m->forward(x);
  auto u = x.select(1, 0), i = x.select(1, 1);
  auto dot = (m->u_weight->weight.index_select(0, u) * m->i_weight->weight.index_select(0, i)).sum(1);
  auto raw = dot + m->u_bias->weight.index_select(0, u).view(-1) + m->i_bias->weight.index_select(0, i).view(-1);
  EXPECT_TRUE(torch::allclose(out, torch::sigmoid(raw) * 5.5));
  EXPECT_TRUE((out > 0).all().item<bool>() && (out < 5.5).all().item<bool>());
  EmbeddingDotBias plain(4, 5, 6);
  std::map<std::string, std::vector<int64_t>> names;
  for (const auto& p : plain->named_parameters()) names[p.key()] = p.value().sizes().vec();
  EXPECT_EQ(names, (std::map<std::string, std::vector<int64_t>>{{"u_weight.weight", {5, 4}},
                                                                {"i_weight.weight", {6, 4}},
                                                                {"u_bias.weight", {5, 1}},
                                                                {"i_bias.weight", {6, 1}}}));
  // fastai's Embedding init: trunc normal, std 0.01.
  EXPECT_LE(plain->u_weight->weight.abs().max().item<float>(), 0.02f);
}

TEST(Collab, LearnerTrainsPredictsAndLooksUpByName) {
  TempDir dir;
  set_seed(0);
  auto df = ratings();
  auto dls = CollabDataLoaders::from_df(df, {.seed = 42, .bs = 32});
  auto learn = quiet(dls, {.n_factors = 8, .y_range = std::pair{0.0, 5.5}});
  const double before = learn.validate().at(0);
  learn.fit_one_cycle(8, 5e-2, {.wd = 0.01});
  const double after = learn.validate().at(0);
  EXPECT_LT(after, before * 0.5) << "valid MSE " << before << " -> " << after;
  Table one;
  one.add(Column::numbers("user", {df["user"].num[0]}));
  one.add(Column::numbers("item", {df["item"].num[0]}));
  auto [row, idx, pred] = learn.predict(Tabular(one));
  EXPECT_EQ(row.get<Tabular>()["user"].str[0], "100");
  EXPECT_GT(pred.item<float>(), 0.0f);
  EXPECT_LT(pred.item<float>(), 5.5f);
  EXPECT_NEAR(row.get<Tabular>()["rating"].num[0], pred.item<double>(), 1e-5);
  // Unknown user: a clear error, not the '#na#' embedding.
  Table stranger = one;
  stranger["user"].num[0] = 99999;
  EXPECT_THROW_WITH(learn.predict(Tabular(stranger)), std::invalid_argument, "user '99999'",
                    "not in the training data");
  // bias / weight by name; items with a higher hidden bias (b % 3 == 2 → ids 14, 35, …) rank higher on average.
  auto model = learn.model.as<EmbeddingDotBiasImpl>();
  ASSERT_TRUE(model);
  auto hi = model->bias({"14", "35", "56", "77"}), lo = model->bias({"0", "21", "42", "63"});
  EXPECT_GT(hi.mean().item<float>(), lo.mean().item<float>());
  EXPECT_EQ(model->weight({"14", "35"}).sizes(), (std::vector<int64_t>{2, 8}));
  EXPECT_THROW_WITH(model->bias({"12345"}), std::invalid_argument, "item '12345'");
  EXPECT_EQ(pca(model->weight({"0", "7", "14", "21", "28"}), 3).sizes(), (std::vector<int64_t>{5, 3}));
}

TEST(Collab, ExportLoadPredictsTheSameAndKeepsNames) {
  TempDir dir;
  set_seed(0);
  auto df = ratings();
  auto learn = quiet(CollabDataLoaders::from_df(df, {.seed = 42}), {.n_factors = 4, .y_range = std::pair{0.0, 5.5}});
  learn.fit(1, 1e-2);
  export_learner(learn, dir / "collab.fai");
  auto again = load_learner(dir / "collab.fai");
  again.logger = nullptr;
  auto rows = df.take({0, 3, 9, 17});
  auto a = learn.dls.test_dl({Tabular(rows)}), b = again.dls.test_dl({Tabular(rows)});
  EXPECT_TRUE(torch::allclose(learn.get_preds({.dl = &a}).preds, again.get_preds({.dl = &b}).preds, 1e-6, 1e-6));
  auto m = again.model.as<EmbeddingDotBiasImpl>();
  ASSERT_TRUE(m);
  EXPECT_TRUE(torch::allclose(m->bias({"7"}), learn.model.as<EmbeddingDotBiasImpl>()->bias({"7"})));
  Table stranger = rows.take({0});
  stranger["item"].num[0] = -5;
  EXPECT_THROW_WITH(again.predict(Tabular(stranger)), std::invalid_argument, "item '-5'");
}

TEST(Collab, EmbeddingNNLearns) {
  set_seed(0);
  auto learn = quiet(CollabDataLoaders::from_df(ratings(), {.seed = 42, .bs = 32}),
                     {.use_nn = true, .layers = {32}, .y_range = std::pair{0.0, 5.5}});
  ASSERT_TRUE(learn.model.as<EmbeddingNNImpl>());
  const double before = learn.validate().at(0);
  learn.fit_one_cycle(5, 1e-2);
  EXPECT_LT(learn.validate().at(0), before);
  EXPECT_THROW_WITH(CollabDataLoaders::from_df(ratings(), {.user_name = "nobody"}), TableError, "'nobody'");
}
