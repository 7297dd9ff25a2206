// TabularModel (fastai's layout, names and formula), the whole-batch loaders, tabular_learner,
// predict on one row and export → load_learner → the same predictions.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <set>
#include <sstream>

#include "fastai/callback/core.h"
#include "fastai/callback/recorder.h"
#include "fastai/core/random.h"
#include "fastai/export.h"
#include "fastai/metrics.h"
#include "fastai/tabular/learner.h"
#include "fastai/tabular/procs.h"
#include "test_util.h"

using namespace fastai;
using fastai::testing::TempDir;

namespace {

using EmbSzs = std::vector<std::pair<int64_t, int64_t>>;

// 600 rows: y = "pos" when x + (c == "a") > 0.8; a noise column; some missing x.
Table synthetic(int64_t n = 600, uint64_t seed = 0) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::string> c, y;
  std::vector<double> x, noise;
  for (int64_t i = 0; i < n; ++i) {
    const int k = static_cast<int>(g() % 3);
    c.push_back(std::string(1, static_cast<char>('a' + k)));
    x.push_back(u(g));
    noise.push_back(u(g) * 100);
    y.push_back(x.back() + (k == 0) > 0.8 ? "pos" : "neg");
    if (i % 17 == 5) x.back() = std::nan("");
  }
  Table t;
  t.add(Column::strings("c", c));
  t.add(Column::numbers("x", x));
  t.add(Column::numbers("noise", noise));
  t.add(Column::strings("y", y));
  return t;
}

TabularLoadersOptions loader_opts() {
  return {.procs = {Categorify(), FillMissing(), Normalize()},
          .cat_names = {"c"},
          .cont_names = {"x", "noise"},
          .y_names = {"y"},
          .seed = 42,
          .bs = 64};
}

Learner quiet(DataLoaders dls, const std::filesystem::path& path, TabularLearnerOptions o = {}) {
  o.cbs = {TrainEvalCallback(), Recorder()};
  o.metrics = {accuracy};
  o.path = path;
  o.default_cbs = false;
  auto learn = tabular_learner(std::move(dls), o);
  learn.logger = nullptr;
  return learn;
}

}  // namespace

TEST(TabularModel, EmbSzRuleAsFastai) {
  EXPECT_EQ(emb_sz_rule(2), 2);
  EXPECT_EQ(emb_sz_rule(3), 3);
  EXPECT_EQ(emb_sz_rule(10), 6);
  EXPECT_EQ(emb_sz_rule(52), 15);
  EXPECT_EQ(emb_sz_rule(1000), 77);
  EXPECT_EQ(emb_sz_rule(10000000), 600);
}

TEST(TabularModel, LayoutAndNamesMatchFastai) {
  TabularModel m(EmbSzs{{4, 3}, {5, 3}}, 2, 2, TabularModelOptions{.layers = {8, 4}});
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& p : m->named_parameters()) shapes[p.key()] = p.value().sizes().vec();
  const std::map<std::string, std::vector<int64_t>> want = {
      {"embeds.0.weight", {4, 3}}, {"embeds.1.weight", {5, 3}},   {"bn_cont.weight", {2}},
      {"bn_cont.bias", {2}},       {"layers.0.0.weight", {8, 8}}, {"layers.0.2.weight", {8}},
      {"layers.0.2.bias", {8}},    {"layers.1.0.weight", {4, 8}}, {"layers.1.2.weight", {4}},
      {"layers.1.2.bias", {4}},    {"layers.2.0.weight", {2, 4}}, {"layers.2.0.bias", {2}}};
  EXPECT_EQ(shapes, want);  // Linear before BatchNorm has no bias; the last Linear has one
  // Embedding init: fastai's trunc_normal_(std=0.01): within ±0.02.
  EXPECT_LE(m->embeds[0]->as<torch::nn::EmbeddingImpl>()->weight.abs().max().item<float>(), 0.02f);
}

TEST(TabularModel, ForwardEqualsTheFormula) {
  torch::manual_seed(0);
  TabularModel m(EmbSzs{{4, 3}, {5, 2}}, 2, 3, TabularModelOptions{.layers = {6}, .y_range = std::pair{-1.0, 4.0}});
  m->eval();
  for (auto& b : m->named_buffers())
    if (b.key().find("running_mean") != std::string::npos) b.value().uniform_(-1, 1);
  auto xc = torch::tensor({{1, 4}, {3, 0}}, torch::kLong);
  auto xf = torch::randn({2, 2});
  auto out = m->forward(xc, xf);
  auto e0 = m->embeds[0]->as<torch::nn::EmbeddingImpl>()->weight,
       e1 = m->embeds[1]->as<torch::nn::EmbeddingImpl>()->weight;
  auto bn = [](const at::Tensor& x, torch::nn::BatchNorm1d& b) {
    return (x - b->running_mean) / torch::sqrt(b->running_var + 1e-5) * b->weight + b->bias;
  };
  auto x =
      torch::cat({e0.index_select(0, xc.select(1, 0)), e1.index_select(0, xc.select(1, 1)), bn(xf, m->bn_cont)}, 1);
  auto l0 = m->layers[0]->as<SequentialBlockImpl>();
  auto lin0 = (*l0)[0]->as<torch::nn::LinearImpl>();
  auto bn0 = (*l0)[2]->as<torch::nn::BatchNorm1dImpl>();
  auto h = torch::relu(x.matmul(lin0->weight.t()));
  h = (h - bn0->running_mean) / torch::sqrt(bn0->running_var + 1e-5) * bn0->weight + bn0->bias;
  auto lin1 = (*m->layers[1]->as<SequentialBlockImpl>())[0]->as<torch::nn::LinearImpl>();
  auto want = torch::sigmoid(h.matmul(lin1->weight.t()) + lin1->bias) * 5.0 - 1.0;
  EXPECT_TRUE(torch::allclose(out, want, 1e-5, 1e-6));
  EXPECT_TRUE((out > -1).all().item<bool>() && (out < 4).all().item<bool>());
}

TEST(TabularLoaders, WholeBatchesShapesTypesAndDeterminism) {
  auto dls = TabularDataLoaders::from_df(synthetic(), loader_opts());
  EXPECT_EQ(dls.train().n(), 480);
  EXPECT_EQ(dls.valid().n(), 120);
  EXPECT_EQ(dls.train().size(), 7);  // drop_last on the training loader
  EXPECT_EQ(dls.valid().size(), 2);
  Item b = dls.one_batch();
  auto t = batch_tensors(b);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].sizes(), (std::vector<int64_t>{64, 2}));  // c, x_na
  EXPECT_EQ(t[1].sizes(), (std::vector<int64_t>{64, 2}));
  EXPECT_EQ(t[2].sizes(), (std::vector<int64_t>{64}));
  EXPECT_TRUE(b[2].is<TensorCategory>());
  EXPECT_EQ(dls.loss_func->name, "CrossEntropyLossFlat");
  // Same seed, same batches.
  auto again = TabularDataLoaders::from_df(synthetic(), loader_opts());
  std::vector<at::Tensor> a1, a2;
  for (const auto& x : dls.train()) a1.push_back(batch_tensors(x)[0]);
  for (const auto& x : again.train()) a2.push_back(batch_tensors(x)[0]);
  ASSERT_EQ(a1.size(), a2.size());
  for (size_t i = 0; i < a1.size(); ++i) EXPECT_TRUE(at::equal(a1[i], a2[i]));
  // show_batch prints decoded rows: category names and the target's labels.
  std::ostringstream out;
  dls.show_batch({}, {.max_n = 4, .out = &out});
  EXPECT_NE(out.str().find("x_na"), std::string::npos);
  EXPECT_TRUE(out.str().find("pos") != std::string::npos || out.str().find("neg") != std::string::npos);
}

TEST(TabularLearner, LearnsPredictsAndShowsResults) {
  TempDir dir;
  set_seed(0);
  auto df = synthetic();
  auto learn = quiet(TabularDataLoaders::from_df(df, loader_opts()), dir.path);
  learn.fit_one_cycle(4, 1e-2);
  const auto acc = learn.validate().at(1);
  EXPECT_GT(acc, 0.85) << "majority class is ~0.6";
  auto [row, idx, probs] = learn.predict(Tabular(df.take({3})));
  const Table& r = row.get<Tabular>();
  EXPECT_EQ(r.n_rows(), 1u);
  EXPECT_EQ(r["c"].str[0], df["c"].str[3]);
  EXPECT_EQ(r["y"].str[0], idx.item<int64_t>() ? "pos" : "neg");
  EXPECT_NEAR(probs.sum().item<float>(), 1.0f, 1e-5);
  // A row without the target column and with an unseen category still predicts.
  Table nd = df.take({3}).select({"c", "x", "noise"});
  nd["c"].str[0] = "never-seen";
  EXPECT_NO_THROW(learn.predict(Tabular(nd)));
  std::ostringstream out;
  learn.show_results(1, {.max_n = 3, .out = &out});
  EXPECT_NE(out.str().find("y_pred"), std::string::npos);
  // Even when every prediction is right (outputs = targets), the prediction column is shown.
  Item vb = learn.dls.valid().one_batch();
  std::ostringstream same;
  learn.dls.valid().show_results(vb, vb, {.max_n = 3, .out = &same});
  EXPECT_NE(same.str().find("y_pred"), std::string::npos) << same.str();
  // A table lacking a model column is refused with its name.
  EXPECT_THROW_WITH(learn.predict(Tabular(df.take({3}).select({"c", "x"}))), TableError, "'noise'");
}

TEST(TabularLearner, ExportLoadGivesTheSamePredictions) {
  TempDir dir;
  set_seed(0);
  auto df = synthetic();
  auto learn = quiet(TabularDataLoaders::from_df(df, loader_opts()), dir.path);
  learn.fit(1, 1e-2);
  export_learner(learn, dir / "tab.fai");
  auto again = load_learner(dir / "tab.fai");
  again.logger = nullptr;
  auto rows = df.take({0, 1, 2, 5, 22});  // row 5 has a missing x
  auto tdl1 = learn.dls.test_dl({Tabular(rows)});
  auto tdl2 = again.dls.test_dl({Tabular(rows)});
  auto a = learn.get_preds({.dl = &tdl1}), b = again.get_preds({.dl = &tdl2});
  EXPECT_TRUE(torch::allclose(a.preds, b.preds, 1e-6, 1e-6));
  auto [r1, i1, pr1] = learn.predict(Tabular(df.take({7})));
  auto [r2, i2, pr2] = again.predict(Tabular(df.take({7})));
  EXPECT_EQ(r1.get<Tabular>()["y"].str[0], r2.get<Tabular>()["y"].str[0]);
  EXPECT_TRUE(torch::allclose(pr1, pr2, 1e-6, 1e-6));
}

TEST(TabularLearner, RegressionWithYRange) {
  TempDir dir;
  set_seed(0);
  Table df = synthetic();
  std::vector<double> target;
  for (size_t i = 0; i < df.n_rows(); ++i) target.push_back(df["noise"].num[i] / 25.0);
  df.add(Column::numbers("t", target));
  auto o = loader_opts();
  o.cont_names = {"x"};
  o.y_names = {"t"};
  auto dls = TabularDataLoaders::from_df(df, o);
  EXPECT_EQ(dls.loss_func->name, "MSELossFlat");
  TabularLearnerOptions lo{.y_range = std::pair{0.0, 4.0}};
  lo.metrics = {};
  auto learn = tabular_learner(dls, lo);
  learn.logger = nullptr;
  auto p = learn.get_preds();
  EXPECT_EQ(p.preds.sizes(), (std::vector<int64_t>{120, 1}));
  EXPECT_TRUE((p.preds >= 0).all().item<bool>() && (p.preds <= 4).all().item<bool>());
}

TEST(TabularLoaders, FromCsvReadsAndNamesTheFileInErrors) {
  TempDir dir;
  write_csv(synthetic(100), dir / "s.csv");
  auto o = loader_opts();
  o.bs = 16;
  auto dls = TabularDataLoaders::from_csv(dir / "s.csv", o);
  EXPECT_EQ(dls.train().n() + dls.valid().n(), 100);
  o.cont_names = {"x", "nope"};
  EXPECT_THROW_WITH(TabularDataLoaders::from_csv(dir / "s.csv", o), TableError, "s.csv", "'nope'");
  auto v = loader_opts();
  v.valid_idx = {0, 1, 2};
  EXPECT_EQ(TabularDataLoaders::from_df(synthetic(50), v).valid().n(), 3);
}

// fastai 2.7's TabWeightedDL (our default too): an epoch draws n training rows with replacement
// (uniform, or by wgts), so some rows repeat; with resample off, a permutation.
TEST(TabularLoaders, ResampleDrawsWithReplacementByWeight) {
  TabularPandas to(synthetic(600), {.procs = {Categorify(), FillMissing(), Normalize()},
                                    .cat_names = {"c"},
                                    .cont_names = {"x", "noise"},
                                    .y_names = {"y"},
                                    .splits = RandomSplitter(0.2, 42)(range_of(600))});
  auto rows = [](TfmdDL& dl) {
    auto idxs = dl.get_idxs(dl);
    return std::pair{idxs.size(), std::set<int64_t>(idxs.begin(), idxs.end()).size()};
  };
  auto plain = tabular_dataloaders(to, {.bs = 64, .seed = 1, .resample = false});
  EXPECT_EQ(rows(plain.train()), (std::pair<size_t, size_t>{480, 480}));
  auto uniform = tabular_dataloaders(to, {.bs = 64, .seed = 1});  // fastai's default
  const auto [n, unique] = rows(uniform.train());
  EXPECT_EQ(n, 480u);
  EXPECT_LT(unique, 340u);  // 480 (1 - 1/e) ~ 303 expected
  EXPECT_GT(unique, 270u);
  std::vector<double> w(480, 0.0);
  w[7] = 1;
  auto one = tabular_dataloaders(to, {.bs = 64, .seed = 1, .wgts = w});
  EXPECT_EQ(rows(one.train()), (std::pair<size_t, size_t>{480, 1}));
  EXPECT_THROW_WITH(tabular_dataloaders(to, {.wgts = {1, 2}}), std::invalid_argument, "2 weights for 480");
}
