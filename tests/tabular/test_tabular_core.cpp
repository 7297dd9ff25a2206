// TabularPandas and its procs against fastai's documented behaviour: vocab order with '#na#'
// first, unseen/missing → 0, FillMissing's median from the training rows and its *_na columns,
// Normalize with training statistics (std ddof 0 + 1e-7), target encoding, and the errors.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "fastai/data/csv.h"
#include "fastai/tabular/core.h"
#include "fastai/tabular/procs.h"
#include "test_util.h"

using namespace fastai;

namespace {
const double NaN = std::nan("");

Table sample() {
  Table t;
  t.add(Column::strings("cat1", {"b", "a", "c", "", "a", "b"}, {0, 0, 0, 1, 0, 0}));
  t.add(Column::numbers("num_cat", {3, 1, 2, 1, 10, 3}));
  t.add(Column::numbers("x", {1, NaN, 3, 4, 5, 6}));
  t.add(Column::numbers("z", {10, 20, 30, 40, 50, 60}));
  t.add(Column::strings("y", {"no", "yes", "no", "yes", "no", "yes"}));
  return t;
}

TabularOptions opts() {
  return {.procs = {Categorify(), FillMissing(), Normalize()},
          .cat_names = {"cat1", "num_cat"},
          .cont_names = {"x", "z"},
          .y_names = {"y"},
          .splits = {{0, 1, 2, 3}, {4, 5}}};
}
}  // namespace

TEST(TabularPandas, CategorifyVocabSortedWithNaFirstFromTrainingRows) {
  TabularPandas to(sample(), opts());
  const auto& cls = to.classes();
  EXPECT_EQ(cls.at("cat1").items(), (std::vector<std::string>{"#na#", "a", "b", "c"}));
  EXPECT_EQ(cls.at("num_cat").items(), (std::vector<std::string>{"#na#", "1", "2", "3"}));  // numeric order, train only
  EXPECT_EQ(cls.at("x_na").items(), (std::vector<std::string>{"#na#", "False", "True"}));
  EXPECT_EQ(to.cat_names(), (std::vector<std::string>{"cat1", "num_cat", "x_na"}));
  auto c = to.cats();
  ASSERT_EQ(c.sizes(), (std::vector<int64_t>{6, 3}));
  // cat1: b a c NA a b → 2 1 3 0 1 2; num_cat: 3 1 2 1 10(unseen) 3 → 3 1 2 1 0 3; x_na: row 1.
  EXPECT_TRUE(at::equal(c.select(1, 0), at::tensor({2, 1, 3, 0, 1, 2}, at::kLong)));
  EXPECT_TRUE(at::equal(c.select(1, 1), at::tensor({3, 1, 2, 1, 0, 3}, at::kLong)));
  EXPECT_TRUE(at::equal(c.select(1, 2), at::tensor({1, 2, 1, 1, 1, 1}, at::kLong)));
}

TEST(TabularPandas, FillMissingMedianThenNormalizeWithTrainingStats) {
  TabularPandas to(sample(), opts());
  auto fm = std::dynamic_pointer_cast<FillMissing>(to.proc("FillMissing"));
  ASSERT_TRUE(fm);
  EXPECT_DOUBLE_EQ(fm->na_dict().at("x"), 3.0);  // median of 1, 3, 4 (training rows only)
  EXPECT_EQ(fm->na_dict().count("z"), 0u);
  auto norm = std::dynamic_pointer_cast<TabularNormalize>(to.proc("Normalize"));
  ASSERT_TRUE(norm);
  EXPECT_DOUBLE_EQ(norm->means().at("x"), 2.75);  // filled training values 1, 3, 3, 4
  EXPECT_NEAR(norm->stds().at("x"), 1.0897247358851685 + 1e-7, 1e-12);
  EXPECT_DOUBLE_EQ(norm->means().at("z"), 25.0);
  EXPECT_NEAR(norm->stds().at("z"), 11.180339887498949 + 1e-7, 1e-12);
  auto x = to.conts().select(1, 0);
  EXPECT_NEAR(x[1].item<float>(), (3 - 2.75) / 1.0897248, 1e-5);
  EXPECT_NEAR(to.conts()[5][1].item<float>(), (60 - 25) / 11.1803399, 1e-5);
  EXPECT_TRUE(at::equal(to.ys(), at::tensor({0, 1, 0, 1, 0, 1}, at::kLong)));
  EXPECT_EQ(to.y_vocab().items(), (std::vector<std::string>{"no", "yes"}));
  EXPECT_EQ(to.c(), 2);
}

TEST(TabularPandas, FillStrategiesModeAndConstant) {
  Table t;
  t.add(Column::numbers("v", {2, 2, 7, 7, NaN, 1}));
  t.add(Column::numbers("y", {0, 1, 0, 1, 0, 1}));
  TabularPandas mode(
      t, {.procs = {FillMissing({.fill_strategy = FillStrategy::Mode})}, .cont_names = {"v"}, .y_names = {"y"}});
  EXPECT_DOUBLE_EQ(std::dynamic_pointer_cast<FillMissing>(mode.proc("FillMissing"))->na_dict().at("v"),
                   2.0);  // tie: smallest
  TabularPandas cst(
      t, {.procs = {FillMissing({.fill_strategy = FillStrategy::Constant, .add_col = false, .fill_vals = {{"v", -1}}})},
          .cont_names = {"v"},
          .y_names = {"y"}});
  EXPECT_FLOAT_EQ(cst.conts()[4][0].item<float>(), -1.0f);
  EXPECT_TRUE(cst.cat_names().empty());  // add_col = false
  // A numeric target is regression: float [n, 1].
  EXPECT_FALSE(cst.is_classification());
  EXPECT_EQ(cst.ys().sizes(), (std::vector<int64_t>{6, 1}));
}

// fastai appends the *_na columns in cont_names order (found with credit_data: Income, Assets,
// Debt), and a model's embeddings follow cat_names, so fastai weights need the same order.
TEST(TabularPandas, FillMissingAddsNaColumnsInContNamesOrder) {
  Table t;
  t.add(Column::numbers("zeta", {1, NaN, 3, 4}));
  t.add(Column::numbers("alpha", {NaN, 2, 3, 4}));
  t.add(Column::numbers("y", {0, 1, 0, 1}));
  TabularPandas to(t, {.procs = {FillMissing()}, .cont_names = {"zeta", "alpha"}, .y_names = {"y"}});
  EXPECT_EQ(to.cat_names(), (std::vector<std::string>{"zeta_na", "alpha_na"}));
}

TEST(TabularPandas, SubsetsNewDataAndDecode) {
  TabularPandas to(sample(), opts());
  auto valid = to.valid();
  EXPECT_EQ(valid.size(), 2u);
  EXPECT_TRUE(at::equal(valid.cats(), to.cats().slice(0, 4, 6)));
  // new_: same vocabs/statistics; unseen category → #na#, missing x filled with the train median.
  Table nd;
  nd.add(Column::strings("cat1", {"zzz", "c"}));
  nd.add(Column::numbers("num_cat", {2, 2}));
  nd.add(Column::numbers("x", {NaN, 4}));
  nd.add(Column::numbers("z", {25, 25}));
  auto t = to.new_(nd);
  EXPECT_FALSE(t.has_y());
  EXPECT_EQ(t.cats()[0][0].item<int64_t>(), 0);
  EXPECT_EQ(t.cats()[1][0].item<int64_t>(), 3);
  EXPECT_EQ(t.cats()[0][2].item<int64_t>(), 2);  // x_na True
  EXPECT_NEAR(t.conts()[0][1].item<float>(), 0.0f, 1e-6);
  // decode gives back names and values.
  Table d = to.decode(to.cats(), to.conts(), to.ys());
  EXPECT_EQ(d.names(), (std::vector<std::string>{"cat1", "num_cat", "x_na", "x", "z", "y"}));
  EXPECT_EQ(d["cat1"].str, (std::vector<std::string>{"b", "a", "c", "#na#", "a", "b"}));
  EXPECT_EQ(d["num_cat"].str[4], "#na#");
  EXPECT_EQ(d["x_na"].str[1], "True");
  EXPECT_DOUBLE_EQ(d["x"].num[1], 3.0);
  EXPECT_DOUBLE_EQ(d["z"].num[5], 60.0);
  EXPECT_EQ(d["y"].str[1], "yes");
  EXPECT_NE(to.show(4).find("#na#"), std::string::npos);
}

TEST(TabularPandas, DescribeRebuildsTheSameProcessing) {
  TabularPandas to(sample(), opts());
  const auto j = to.describe();
  auto back = TabularPandas::from_description(nlohmann::json::parse(j.dump()));
  Table raw = sample();
  auto a = to.new_(raw), b = back.new_(raw);
  EXPECT_TRUE(at::equal(a.cats(), b.cats()));
  EXPECT_TRUE(at::allclose(a.conts(), b.conts()));
  EXPECT_TRUE(at::equal(a.ys(), b.ys()));
  EXPECT_TRUE(at::equal(a.cats(), to.cats()));
}

TEST(TabularPandas, BadInputNamesColumnAndRow) {
  auto o = opts();
  o.cont_names = {"x", "missing_col"};
  EXPECT_THROW_WITH(TabularPandas(sample(), o), TableError, "cont_names", "'missing_col'", "cat1, num_cat");
  // A category column with no value in training.
  Table t = sample();
  t.add(Column::strings("empty", std::vector<std::string>(6), std::vector<uint8_t>(6, 1)));
  o = opts();
  o.cat_names = {"cat1", "empty"};
  EXPECT_THROW_WITH(TabularPandas(t, o), TableError, "'empty'", "no value in the training rows");
  // Text in a continuous column.
  Table u = sample();
  u.add(Column::strings("z", {"1", "2", "abc", "4", "5", "6"}));
  EXPECT_THROW_WITH(TabularPandas(u, opts()), TableError, "continuous column 'z'", "'abc'", "row 2");
  // A class in valid that training never saw.
  Table v = sample();
  v["y"].str[5] = "maybe";
  EXPECT_THROW_WITH(TabularPandas(v, opts()), TableError, "target 'y'", "'maybe'", "row 5", "never seen");
  // Image statistics handed to the tabular Normalize would be ignored: refused.
  EXPECT_THROW_WITH(Proc(*Normalize::from_stats({0.5}, {0.2})), std::invalid_argument, "learns its statistics");
  // Missing values at inference in a column that had none in training.
  TabularPandas to(sample(), opts());
  Table w = sample();
  w["z"].num[2] = NaN;
  EXPECT_THROW_WITH(to.new_(w), TableError, "FillMissing", "'z'", "row 2");
}

TEST(Tabular, ContCatSplitLikeFastai) {
  Table t;
  std::vector<double> many, few, fl;
  for (int i = 0; i < 30; ++i) {
    many.push_back(i);
    few.push_back(i % 3);
    fl.push_back(i + 0.5);
  }
  t.add(Column::numbers("many", many));
  t.add(Column::numbers("few", few));
  t.add(Column::numbers("fl", fl));
  t.add(Column::strings("s", std::vector<std::string>(30, "a")));
  t.add(Column::numbers("target", many));
  auto [cont, cat] = cont_cat_split(t, 20, "target");
  EXPECT_EQ(cont, (std::vector<std::string>{"many", "fl"}));
  EXPECT_EQ(cat, (std::vector<std::string>{"few", "s"}));
}

TEST(Tabular, AddDatepartMatchesPandasParts) {
  Table t = read_csv_string("saledate,v\n2020-02-29,1\n2021-01-01,2\n2019-12-31 13:45:10,3\n,4\n",
                            {.parse_dates = {"saledate"}});
  add_datepart(t, "saledate", {.time = true});
  EXPECT_FALSE(t.has("saledate"));
  EXPECT_EQ(t["saleYear"].num[0], 2020);
  EXPECT_EQ(t["saleMonth"].num[0], 2);
  EXPECT_EQ(t["saleWeek"].num[0], 9);
  EXPECT_EQ(t["saleDay"].num[0], 29);
  EXPECT_EQ(t["saleDayofweek"].num[0], 5);  // Saturday, Monday = 0
  EXPECT_EQ(t["saleDayofyear"].num[0], 60);
  EXPECT_EQ(t["saleIs_month_end"].str[0], "True");
  EXPECT_EQ(t["saleIs_quarter_end"].str[0], "False");
  EXPECT_EQ(t["saleWeek"].num[1], 53);  // ISO week of 2021-01-01
  EXPECT_EQ(t["saleIs_year_start"].str[1], "True");
  EXPECT_EQ(t["saleIs_quarter_start"].str[1], "True");
  EXPECT_EQ(t["saleWeek"].num[2], 1);
  EXPECT_EQ(t["saleIs_year_end"].str[2], "True");
  EXPECT_EQ(t["saleHour"].num[2], 13);
  EXPECT_EQ(t["saleSecond"].num[2], 10);
  EXPECT_DOUBLE_EQ(t["saleElapsed"].num[0], 1582934400.0);
  EXPECT_TRUE(std::isnan(t["saleYear"].num[3]));  // a missing date gives missing parts
  EXPECT_TRUE(t["saleIs_month_end"].is_missing(3));
}
