#include "fastai/core/transform.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "fastai/core/semantic.h"
#include "test_util.h"

using namespace fastai;

namespace {
// Doubles images (any TensorImageBase) and upper-cases strings; decodes both back.
struct Twice : Transform {
  Twice() : Transform({.name = "Twice"}) {
    encodes<TensorImageBase>([](const torch::Tensor& t) { return t * 2; });
    decodes<TensorImageBase>([](const torch::Tensor& t) { return t / 2; });
    encodes<Str>([](const std::string& s) { return s + s; });
  }
};
}  // namespace

TEST(Transform, UnregisteredTypesPassThroughUnchanged) {
  Twice t;
  auto c = torch::tensor(3);
  Item y = t(TensorCategory(c));
  EXPECT_TRUE(y.is<TensorCategory>());
  EXPECT_TRUE(y.get<TensorCategory>().is_same(c));
  EXPECT_EQ(t(Int(4)).get<Int>(), 4);
}

TEST(Transform, ParentTypeFunctionAppliesAndKeepsTheChildType) {
  Twice t;
  Item y = t(TensorImageBW(torch::ones({1, 2, 2})));
  EXPECT_TRUE(y.is<TensorImageBW>()) << y.repr();  // retain_type: not downgraded to TensorImageBase
  EXPECT_TRUE(torch::allclose(y.get<TensorImageBW>(), torch::full({1, 2, 2}, 2.0)));
  Item m = t(TensorMask(torch::ones({2, 2})));
  EXPECT_TRUE(m.is<TensorMask>());
  EXPECT_EQ(t(Category("a")).get<Category>(), "aa");  // Str function, Category kept
}

TEST(Transform, MostSpecificFunctionWins) {
  Transform t;
  t.encodes<TensorBase>([](const torch::Tensor& x) { return x + 1; });
  t.encodes<TensorImage>([](const torch::Tensor& x) { return x + 100; });
  EXPECT_EQ(t(TensorImageBW(torch::zeros({1}))).get<TensorBase>().item<float>(), 100);
  EXPECT_EQ(t(TensorMask(torch::zeros({1}))).get<TensorBase>().item<float>(), 1);
}

TEST(Transform, ReturningAnotherTypeChangesTheType) {
  Transform t;
  t.encodes<Str>([](const std::string& s) -> Item { return TensorText(torch::tensor(int64_t(s.size()))); });
  Item y = t(Str("abc"));
  EXPECT_TRUE(y.is<TensorText>());
  EXPECT_EQ(y.get<TensorText>().item<int64_t>(), 3);
  // A function returning an empty Item leaves the item unchanged (fastai: returns None).
  Transform noop;
  noop.encodes<Any>([](const Item&) { return Item(); });
  EXPECT_EQ(noop(Str("x")).get<Str>(), "x");
}

TEST(Transform, DecodeInvertsEncode) {
  Twice t;
  auto img = torch::rand({3, 4, 4});
  Item back = t.decode(t(TensorImage(img)));
  EXPECT_TRUE(back.is<TensorImage>());
  EXPECT_TRUE(torch::allclose(back.get<TensorImage>(), img));
}

TEST(Transform, AppliesElementWiseOverTuplesRecursively) {
  Twice t;
  Item xy = Tuple({TensorImage(torch::ones({1})), TensorCategory(torch::tensor(5)),
                   Tuple({Str("a"), TensorMask(torch::ones({1}))})});
  Item y = t(xy);
  EXPECT_EQ(y[0].get<TensorImage>().item<float>(), 2);
  EXPECT_EQ(y[1].get<TensorCategory>().item<int64_t>(), 5);
  EXPECT_EQ(y[2][0].get<Str>(), "aa");
  EXPECT_EQ(y[2][1].get<TensorMask>().item<float>(), 2);
}

TEST(Transform, WholeTupleTransformsSeeTheTuple) {
  Transform swap({.name = "Swap", .whole_tuple = true});
  swap.encodes<Tuple>([](const std::vector<Item>& v) { return Item(Tuple({v[1], v[0]})); });
  Item y = swap(Tuple({Str("x"), Int(1)}));
  EXPECT_TRUE(y[0].is<Int>());
  EXPECT_TRUE(y[1].is<Str>());
}

TEST(Transform, SplitIdxGatesLikeFastai) {
  Transform train_only({.name = "TrainOnly", .split_idx = 0});
  train_only.encodes<Int>([](int64_t v) { return v + 1; });
  EXPECT_EQ(train_only(Int(1), 0).get<Int>(), 2);
  EXPECT_EQ(train_only(Int(1), 1).get<Int>(), 1);
  EXPECT_EQ(train_only(Int(1)).get<Int>(), 1);  // no split given: a split-specific transform is skipped
  EXPECT_EQ(train_only.decode(Int(1), 1).get<Int>(), 1);
  Transform always;
  always.encodes<Int>([](int64_t v) { return v * 10; });
  EXPECT_EQ(always(Int(1), 1).get<Int>(), 10);
  EXPECT_EQ(always(Int(1)).get<Int>(), 10);
}

TEST(Transform, FromFunctionAppliesToEverything) {
  Transform t([](const Item& x) { return x.is<Int>() ? Item(Int(x.get<Int>() * 3)) : x; }, nullptr, {.name = "Triple"});
  EXPECT_EQ(t(Int(2)).get<Int>(), 6);
  EXPECT_EQ(t(Str("s")).get<Str>(), "s");
  EXPECT_NE(t.repr().find("Triple: encodes (Any)"), std::string::npos);
}

TEST(Transform, WrongPayloadFromAFunctionIsAClearError) {
  Transform bad({.name = "Bad"});
  bad.encodes<Str>([](const std::string&) { return 3.5; });  // a double is not a Str payload
  EXPECT_THROW_WITH(bad(Str("a")), TypeError, "Str", "payload");
}

TEST(TypeDispatch2, WalksFirstArgumentThenSecond) {
  TypeDispatch2<std::string> d;
  d.add(TensorImage::info(), Any::info(), "image-any");
  d.add(TensorImageBase::info(), TensorCategory::info(), "base-category");
  d.add(Any::info(), Any::info(), "any-any");
  EXPECT_EQ(*d.find(TensorImageBW::info(), TensorCategory::info()), "image-any");
  EXPECT_EQ(*d.find(TensorMask::info(), TensorMultiCategory::info()), "base-category");
  EXPECT_EQ(*d.find(Str::info(), Str::info()), "any-any");
  TypeDispatch2<int> empty;
  EXPECT_EQ(empty.find(Str::info(), Str::info()), nullptr);
}

TEST(LazyItems, MapSubsetAndTrain) {
  auto items = LazyItems::of({Int(0), Int(1), Int(2), Int(3)});
  auto doubled = items.map([](const Item& x) { return Item(Int(x.get<Int>() * 2)); });
  EXPECT_EQ(doubled[3].get<Int>(), 6);
  auto sub = doubled.subset({3, 1});
  EXPECT_EQ(sub.size(), 2u);
  EXPECT_EQ(sub[0].get<Int>(), 6);
  EXPECT_EQ(items.train().size(), 4u);
  auto with = items.with_train({0, 2}).map([](const Item& x) { return x; });
  EXPECT_EQ(with.train().size(), 2u);
  EXPECT_EQ(with.train()[1].get<Int>(), 2);
  EXPECT_THROW_WITH(items[4], std::out_of_range, "item index 4", "4 items");
}
