#include "fastai/data/transforms.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "fastai/core/describe.h"
#include "fastai/core/pipeline.h"
#include "test_util.h"

using namespace fastai;
using nlohmann::json;

namespace {
// describe → JSON text → rebuild, as an export file does.
std::shared_ptr<Transform> roundtrip(const Transform& t) {
  return transform_from_description(json::parse(t.describe().dump()));
}
}  // namespace

TEST(Categorize, SortedVocabEncodeDecodeAndNa) {
  Categorize cat;
  cat.setup(LazyItems::of({Str("b"), Str("a"), Str("c"), Str("a")}), false);
  EXPECT_EQ(cat.vocab().items(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(cat.c(), 3);
  Item t = cat(Category("c"));
  EXPECT_TRUE(t.is<TensorCategory>());
  EXPECT_EQ(t.get<TensorCategory>().item<int64_t>(), 2);
  EXPECT_EQ(cat.decode(t).get<Category>(), "c");
  EXPECT_THROW_WITH(cat(Str("z")), std::out_of_range, "\"z\"", "not seen in training", "a, b, c");
  Categorize na(std::nullopt, true, /*add_na=*/true);
  na.setup(LazyItems::of({Str("x")}), false);
  EXPECT_EQ(na.vocab().items(), (std::vector<std::string>{"#na#", "x"}));
  EXPECT_EQ(na(Str("never")).get<TensorCategory>().item<int64_t>(), 0);
  // Integer labels sort numerically, as in fastai.
  Categorize num;
  num.setup(LazyItems::of({Int(10), Int(9), Int(100)}), false);
  EXPECT_EQ(num.vocab().items(), (std::vector<std::string>{"9", "10", "100"}));
  EXPECT_EQ(num(Int(100)).get<TensorCategory>().item<int64_t>(), 2);
  auto again = roundtrip(cat);
  EXPECT_EQ((*again)(Str("b")).get<TensorCategory>().item<int64_t>(), 1);
  EXPECT_EQ(std::dynamic_pointer_cast<Categorize>(again)->vocab(), cat.vocab());
}

TEST(MultiCategorize, OneHotAndBack) {
  auto mc = std::make_shared<MultiCategorize>();
  auto oh = std::make_shared<OneHotEncode>(mc);
  Pipeline p({oh, mc});
  p.setup(LazyItems::of({MultiCategory({"cat", "dog"}), MultiCategory({"bird"}), MultiCategory({})}));
  EXPECT_EQ(mc->vocab().items(), (std::vector<std::string>{"bird", "cat", "dog"}));
  EXPECT_EQ(oh->c(), 3);
  Item y = p(MultiCategory({"dog", "bird"}));
  EXPECT_TRUE(y.is<TensorMultiCategory>());
  EXPECT_TRUE(torch::equal(y.get<TensorMultiCategory>(), torch::tensor({1.f, 0.f, 1.f})));
  EXPECT_EQ(p.decode(y).get<MultiCategory>(), (std::vector<std::string>{"bird", "dog"}));
  EXPECT_TRUE(torch::equal(p(MultiCategory({})).get<TensorMultiCategory>(), torch::zeros({3})));
  Pipeline q = Pipeline::from_description(json::parse(p.describe().dump()));
  EXPECT_TRUE(torch::equal(q(MultiCategory({"cat"})).get<TensorMultiCategory>(), torch::tensor({0.f, 1.f, 0.f})));
  OneHotEncode lonely;
  EXPECT_THROW_WITH(lonely.setup(LazyItems::of({}), false), std::logic_error, "number of classes");
}

TEST(RegressionSetup, FloatsToTensorsAndBack) {
  RegressionSetup r;
  r.setup(LazyItems::of({Float(1.5)}), false);
  EXPECT_EQ(r.c(), 1);
  Item t = r(Float(2.5));
  EXPECT_EQ(t.get<TensorBase>().scalar_type(), torch::kFloat);
  EXPECT_FLOAT_EQ(t.get<TensorBase>().item<float>(), 2.5f);
  EXPECT_DOUBLE_EQ(r.decode(t).get<Float>(), 2.5);
  EXPECT_FLOAT_EQ(r(Int(3)).get<TensorBase>().item<float>(), 3.0f);
}

TEST(IntToFloatTensor, ImagesScaleMasksStayIntegers) {
  IntToFloatTensor t;
  auto img = torch::tensor({0, 51, 255}, torch::kUInt8);
  Item f = t(TensorImage(img));
  EXPECT_TRUE(torch::allclose(f.get<TensorImage>(), torch::tensor({0.f, 0.2f, 1.f})));
  EXPECT_TRUE(torch::equal(t.decode(f).get<TensorImage>(), img.to(torch::kLong)));
  Item m = t(TensorMask(torch::tensor({0, 1, 2}, torch::kUInt8)));
  EXPECT_EQ(m.get<TensorMask>().scalar_type(), torch::kLong);
  EXPECT_EQ(t(TensorCategory(torch::tensor(3))).get<TensorCategory>().item<int64_t>(), 3);  // untouched
  EXPECT_EQ(t.order, 10);
}

TEST(Normalize, FromStatsSetupFromBatchDecodeAndDescribe) {
  auto n = Normalize::from_stats({0.5, 0.25}, {2.0, 4.0});
  EXPECT_EQ(n->mean().sizes(), (std::vector<int64_t>{1, 2, 1, 1}));
  auto x = torch::rand({4, 2, 3, 3});
  Item y = (*n)(TensorImage(x));
  auto expect = (x - torch::tensor({0.5f, 0.25f}).view({1, 2, 1, 1})) / torch::tensor({2.f, 4.f}).view({1, 2, 1, 1});
  EXPECT_TRUE(torch::allclose(y.get<TensorImage>(), expect));
  EXPECT_TRUE(torch::allclose(n->decode(y).get<TensorImage>(), x, 1e-5, 1e-6));
  EXPECT_TRUE(torch::equal((*n)(TensorMask(x)).get<TensorMask>(), x));  // masks are not images
  // Without stats: mean/std over (0, 2, 3) of the first batch (+1e-7), as fastai.
  Normalize learned;
  learned.setup(LazyItems::of({Tuple({TensorImage(x), TensorCategory(torch::tensor({1}))})}), false);
  EXPECT_TRUE(torch::allclose(learned.mean(), x.mean({0, 2, 3}, true)));
  EXPECT_TRUE(torch::allclose(learned.stdev(), x.std({0, 2, 3}, true, true) + 1e-7));
  auto again = roundtrip(*n);
  EXPECT_TRUE(torch::allclose((*again)(TensorImage(x)).get<TensorImage>(), y.get<TensorImage>()));
  EXPECT_EQ(again->order, 99);
  EXPECT_THROW_WITH(Normalize()(TensorImage(x)), std::logic_error, "no statistics");
}

TEST(ToTensor, HigherLayersRegisterConversions) {
  FASTAI_SEMANTIC_TYPE(Pixels, std::vector<uint8_t>);
  ToTensor::register_encodes(Pixels::info(), [](const Item& x) -> Item {
    const auto& v = x.get<Pixels>();
    return TensorImage(torch::tensor(std::vector<int64_t>(v.begin(), v.end())).to(torch::kUInt8));
  });
  ToTensor t;
  Item y = t(Tuple({Pixels({1, 2}), Str("label")}));
  EXPECT_TRUE(y[0].is<TensorImage>());
  EXPECT_EQ(y[1].get<Str>(), "label");
  EXPECT_EQ(t.order, 5);
}

TEST(Describe, EveryBuiltInTransformIsRegistered) {
  auto names = registered_transforms();
  for (const char* n : {"Categorize", "MultiCategorize", "OneHotEncode", "RegressionSetup", "ToTensor",
                        "IntToFloatTensor", "Normalize", "RegexLabeller", "FuncTransform"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  auto lbl = roundtrip(RegexLabeller(R"(_(\d+)$)", false));
  EXPECT_EQ((*lbl)(Str("img_42")).get<Str>(), "42");
  auto pl = roundtrip(*func_transform("parent_label"));
  EXPECT_EQ((*pl)(Path("/a/b/c.png")).get<Str>(), "b");
}
