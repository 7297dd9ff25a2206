#include "fastai/core/pipeline.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "fastai/core/describe.h"
#include "fastai/core/semantic.h"
#include "fastai/core/show.h"
#include "test_util.h"

using namespace fastai;
using nlohmann::json;

namespace {
// Subtracts the mean of the Float items it was set up on: state learned in setup, describable.
struct CenterFloats : Transform {
  double mean = 0;
  int setups = 0;
  explicit CenterFloats(int order = 0) : Transform({.name = "CenterFloats", .order = order}) {
    encodes<Float>([this](double v) { return v - mean; });
    decodes<Float>([this](double v) { return v + mean; });
  }
  void setup(const LazyItems& items, bool train_setup) override {
    auto src = train_setup ? items.train() : items;
    double s = 0;
    for (size_t i = 0; i < src.size(); ++i) s += src[i].get<Float>();
    mean = s / static_cast<double>(src.size());
    ++setups;
  }
  std::string type_name() const override { return "CenterFloats"; }
  json describe() const override {
    auto j = describe_base();
    j["mean"] = mean;
    return j;
  }
  static std::shared_ptr<CenterFloats> from_description(const json& j) {
    auto t = std::make_shared<CenterFloats>();
    t->apply_base(j);
    t->mean = j.at("mean").get<double>();
    return t;
  }
};

struct Scale : Transform {
  double k;
  Scale(double k, int order) : Transform({.name = "Scale", .order = order}), k(k) {
    encodes<Float>([this](double v) { return v * this->k; });
    decodes<Float>([this](double v) { return v / this->k; });
  }
  std::string type_name() const override { return "Scale"; }
  json describe() const override {
    auto j = describe_base();
    j["k"] = k;
    return j;
  }
  static std::shared_ptr<Scale> from_description(const json& j) {
    auto t = std::make_shared<Scale>(j.at("k").get<double>(), 0);
    t->apply_base(j);
    return t;
  }
};
}  // namespace

FASTAI_REGISTER_TRANSFORM(CenterFloats);
FASTAI_REGISTER_TRANSFORM(Scale);

TEST(Pipeline, SortsByOrderStably) {
  auto a = std::make_shared<Scale>(2, 5), b = std::make_shared<Scale>(3, 1), c = std::make_shared<Scale>(5, 5);
  a->name = "a";
  b->name = "b";
  c->name = "c";
  Pipeline p({a, b, c});
  EXPECT_EQ(p.repr(), "Pipeline: b -> a -> c");
  EXPECT_EQ(p.get<Scale>(), b);
  EXPECT_EQ(p.get<CenterFloats>(), nullptr);
}

TEST(Pipeline, EncodesInOrderDecodesInReverse) {
  auto center = std::make_shared<CenterFloats>(0);
  center->mean = 1;
  Pipeline p({std::make_shared<Scale>(10, 1), center});  // center (order 0) first
  EXPECT_DOUBLE_EQ(p(Float(3)).get<Float>(), 20);        // (3 - 1) * 10
  EXPECT_DOUBLE_EQ(p.decode(p(Float(3))).get<Float>(), 3);
}

TEST(Pipeline, SetupSeesDataTransformedByThePreviousTransforms) {
  auto scale = std::make_shared<Scale>(10, 0);
  auto center = std::make_shared<CenterFloats>(1);
  Pipeline p({center, scale});
  p.setup(LazyItems::of({Float(1), Float(2), Float(3)}));
  EXPECT_DOUBLE_EQ(center->mean, 20);  // the mean of 10, 20, 30: after Scale
  EXPECT_EQ(center->setups, 1);
  EXPECT_DOUBLE_EQ(p(Float(2)).get<Float>(), 0);
}

TEST(Pipeline, TrainSetupUsesOnlyTrainingItems) {
  auto center = std::make_shared<CenterFloats>();
  Pipeline p({center});
  auto items = LazyItems::of({Float(1), Float(3), Float(100)}).with_train({0, 1});
  p.setup(items, /*train_setup=*/true);
  EXPECT_DOUBLE_EQ(center->mean, 2);
}

TEST(Pipeline, SplitIdxReachesItsTransforms) {
  auto aug = std::make_shared<Scale>(2, 0);
  aug->split_idx = 0;  // training-only augmentation
  Pipeline train({aug}, 0), valid({aug}, 1);
  EXPECT_DOUBLE_EQ(train(Float(1)).get<Float>(), 2);
  EXPECT_DOUBLE_EQ(valid(Float(1)).get<Float>(), 1);
}

TEST(Pipeline, ErrorsNameTheTransformAndTheItem) {
  auto boom =
      make_transform([](const Item&) -> Item { throw std::runtime_error("bad value"); }, nullptr, {.name = "Boom"});
  Pipeline p({boom});
  EXPECT_THROW_WITH(p(Float(7)), TransformError, "\"Boom\"", "Float(7)", "bad value");
}

TEST(Pipeline, DecodeStopsWhereTheItemCanShowItself) {
  // TensorCategory can't show itself; a decoding step back to a Category can.
  auto cat = std::make_shared<Transform>(TransformOptions{.name = "Cat"});
  cat->encodes<Category>([](const std::string& s) -> Item { return TensorCategory(torch::tensor(int64_t(s.size()))); });
  cat->decodes<TensorCategory>(
      [](const torch::Tensor& t) -> Item { return Category(std::string(t.item<int64_t>(), 'x')); });
  auto upper = std::make_shared<Transform>(TransformOptions{.name = "Upper", .order = -1});
  upper->decodes<Str>([](const std::string& s) { return s + "!"; });
  Pipeline p({upper, cat});
  Item enc = p(Category("abc"));
  EXPECT_TRUE(enc.is<TensorCategory>());
  EXPECT_EQ(p.decode(enc, /*full=*/false).get<Category>(), "xxx");  // stops before Upper
  EXPECT_EQ(p.decode(enc).get<Category>(), "xxx!");
  ShowContext ctx;
  EXPECT_TRUE(p.show(Tuple({enc, Int(2)}), ctx));
  EXPECT_EQ(ctx.title(), "xxx / 2");
}

TEST(Describe, RebuildGivesIdenticalOutputs) {
  auto center = std::make_shared<CenterFloats>(0);
  auto scale = std::make_shared<Scale>(4, 2);
  scale->split_idx = 1;
  register_function("negate", [](const Item& x) { return x.is<Float>() ? Item(Float(-x.get<Float>())) : x; });
  Pipeline p({scale, center, func_transform("negate", "negate", {.order = 1})}, 1);
  p.setup(LazyItems::of({Float(1), Float(5)}));
  const json j = p.describe();
  // Round-trip through text, as an export file would.
  Pipeline q = Pipeline::from_description(json::parse(j.dump()));
  EXPECT_EQ(q.repr(), p.repr());
  EXPECT_EQ(q.describe(), j);
  for (double v : {-3.0, 0.0, 2.5, 11.0}) {
    EXPECT_DOUBLE_EQ(q(Float(v)).get<Float>(), p(Float(v)).get<Float>());
    EXPECT_DOUBLE_EQ(q.decode(q(Float(v))).get<Float>(), v);
  }
  EXPECT_EQ(q.get<Scale>()->split_idx, 1);
  EXPECT_DOUBLE_EQ(q.get<CenterFloats>()->mean, 3);
}

TEST(Describe, UndescribableAndUnknownAreClearErrors) {
  Pipeline p({make_transform([](const Item& x) { return x; }, nullptr, {.name = "my_lambda"})});
  EXPECT_THROW_WITH(p.describe(), NotDescribableError, "my_lambda", "register_function");
  EXPECT_THROW_WITH(transform_from_description(json{{"type", "NoSuchTfm"}}), std::runtime_error, "NoSuchTfm",
                    "FASTAI_REGISTER_TRANSFORM");
  EXPECT_THROW_WITH(transform_from_description(json{{"type", "Scale"}}), std::runtime_error, "malformed", "Scale");
  EXPECT_THROW_WITH(func_transform("never_registered"), std::runtime_error, "never_registered");
  auto names = registered_transforms();
  EXPECT_NE(std::find(names.begin(), names.end(), "FuncTransform"), names.end());
}

TEST(Show, TableCellKeepsTheFirstWordsOnOneRow) {
  // fastai's TitledStr.truncate splits on spaces only: "b|c\nd" is one word.
  EXPECT_EQ(table_cell("a b|c\nd e", 2), "a b c d");
  EXPECT_EQ(table_cell("a b|c d", 2), "a b c");
  EXPECT_EQ(table_cell("one two", 5), "one two");
  EXPECT_EQ(table_cell("line\nbreak"), "line break");
  EXPECT_EQ(table_cell("one two", 0), "");
}
