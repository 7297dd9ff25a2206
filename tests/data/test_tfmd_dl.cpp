#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sstream>
#include "fastai/data/core.h"
#include "fastai/data/transforms.h"

#include "test_util.h"

using namespace fastai;
using fastai::testing::TempDir;

namespace {
// 10 tiny uint8 "images" whose pixels all equal 10·i, labelled "even"/"odd", and a Datasets
// whose first pipeline reads the image out of the raw item and whose second categorizes.
struct Fixture {
  std::vector<Item> items;
  std::shared_ptr<Categorize> cat = std::make_shared<Categorize>();
  Fixture() {
    for (int i = 0; i < 10; ++i)
      items.push_back(Tuple({TensorImage(torch::full({1, 2, 2}, 10 * i, torch::kUInt8)), Str(i % 2 ? "odd" : "even")}));
  }
  Datasets dsets() {
    // Getters take the whole tuple (a plain transform would map over its elements).
    return Datasets(items, {{std::make_shared<ItemGetter>(0)}, {std::make_shared<ItemGetter>(1), cat}},
                    {.splits = {{0, 1, 2, 3, 4, 5, 6, 7}, {8, 9}}});
  }
};
}  // namespace

TEST(TfmdDL, PipelinesSetUpOnTrainingBatchesDecodeAndShow) {
  Fixture f;
  auto norm = std::make_shared<Normalize>();
  auto dls = DataLoaders::from_dsets(f.dsets(),
                                     {.bs = 4, .seed = 0, .after_batch = {norm, std::make_shared<IntToFloatTensor>()}});
  ASSERT_EQ(dls.size(), 2u);
  EXPECT_EQ(dls.train().size(), 2);  // 8 items, drop_last
  EXPECT_EQ(dls.valid().size(), 1);
  EXPECT_EQ(dls.train().after_batch_tfms().repr(), "Pipeline: IntToFloatTensor -> Normalize");
  // Normalize learned from one training batch *after* IntToFloatTensor: values in [0, 0.28].
  ASSERT_TRUE(norm->mean().defined());
  EXPECT_LT(norm->mean().item<float>(), 0.3f);
  EXPECT_GT(norm->mean().item<float>(), 0.0f);

  Item b = dls.valid().one_batch();
  auto t = batch_tensors(b);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].sizes(), (std::vector<int64_t>{2, 1, 2, 2}));
  EXPECT_EQ(t[0].scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::equal(t[1], torch::tensor({0, 1})));  // item 8 even, item 9 odd
  auto samples = dls.valid().decode_batch(b);
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_TRUE(torch::equal(samples[1][0].get<TensorImage>(), torch::full({1, 2, 2}, 90, torch::kLong)));
  EXPECT_EQ(samples[1][1].get<Category>(), "odd");
  auto ctxs = dls.valid().show_batch_contexts(b);
  ASSERT_EQ(ctxs.size(), 2u);
  EXPECT_EQ(ctxs[0].title(), "even");
  EXPECT_TRUE(ctxs[0].image.defined());

  // The (Any, Any) text renderer; image batches get the vision module's picture by default.
  const auto previous = show_batch_renderer(TensorImage::info(), TensorCategory::info());
  register_show_batch(TensorImage::info(), TensorCategory::info(), show_batch_as_text);
  std::ostringstream text;
  std::string shown = dls.valid().show_batch(b, {.out = &text});
  EXPECT_EQ(shown, text.str());
  EXPECT_EQ(shown, "0: even  [image [1, 2, 2]]\n1: odd  [image [1, 2, 2]]\n");
  // A renderer registered for (TensorImage, TensorCategory) is chosen over the default.
  register_show_batch(TensorImage::info(), TensorCategory::info(),
                      [](const Item& x, const Item& y, const std::vector<Item>& s, const ShowBatchOptions&) {
                        return std::string(x.type().name()) + "/" + std::string(y.type().name()) + " x" +
                               std::to_string(s.size());
                      });
  EXPECT_EQ(dls.valid().show_batch(b), "TensorImage/TensorCategory x2");
  register_show_batch(TensorImage::info(), TensorCategory::info(), previous);  // leave no trace
}

TEST(TfmdDL, TrainOnlyBatchTransformsSkipValidation) {
  Fixture f;
  auto mark = std::make_shared<Transform>(TransformOptions{.name = "TrainMark", .split_idx = 0});
  mark->encodes<TensorImage>([](const torch::Tensor& x) { return x.to(torch::kLong) + 1000; });
  auto dls = DataLoaders::from_dsets(f.dsets(), {.bs = 2, .after_batch = {mark}});
  EXPECT_GE(batch_tensors(dls.train().one_batch())[0].min().item<int64_t>(), 1000);
  EXPECT_LT(batch_tensors(dls.valid().one_batch())[0].max().item<int64_t>(), 1000);
}

TEST(DataLoaders, TestDlUsesValidationPipelinesWithoutLabels) {
  Fixture f;
  auto dls = DataLoaders::from_dsets(f.dsets(), {.bs = 4, .after_batch = {std::make_shared<IntToFloatTensor>()}});
  auto test = dls.test_dl({f.items[3], f.items[4], f.items[5]});
  EXPECT_EQ(test.size(), 1);
  Item b = test.one_batch();
  auto t = batch_tensors(b);
  ASSERT_EQ(t.size(), 1u);  // inputs only
  EXPECT_TRUE(torch::allclose(t[0].flatten(0, -1).slice(0, 0, 1), torch::tensor({30.f / 255})));
  TempDir dir;  // image batches are drawn as a picture (the vision module's renderer)
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(dls.show_batch({}, {.max_n = 2, .path = dir / "b.png"}), (dir / "b.png").string());
  ::testing::internal::GetCapturedStdout();
  EXPECT_TRUE(std::filesystem::exists(dir / "b.png"));
  EXPECT_EQ(batch_tensors(dls.one_batch())[0].size(0), 4);
  auto labelled = dls.test_dl({f.items[3]}, /*with_labels=*/true);
  EXPECT_EQ(batch_tensors(labelled.one_batch()).size(), 2u);
  EXPECT_THROW_WITH(dls[5], std::out_of_range, "2 loaders");
}

// fastai's dls.train_ds / dls.valid_ds (.items): a split's Datasets and its raw items.
TEST(DataLoaders, TrainDsAndValidDsGiveEachSplitsRawItems) {
  Fixture f;
  auto dls = DataLoaders::from_dsets(f.dsets(), {.bs = 4});
  ASSERT_EQ(dls.valid_ds().items().size(), 2u);
  EXPECT_EQ(dls.valid_ds().items()[1].get<Tuple>()[1].get<Str>(), "odd");  // item 9
  EXPECT_EQ(dls.train_ds().size(), 8u);
  auto x = torch::zeros({4, 1}), y = torch::zeros({4}, torch::kLong);
  auto tensors = DataLoaders::from_tensors(x, y, x, y, {.bs = 2});
  EXPECT_THROW_WITH(tensors.valid_ds(), std::logic_error, "valid_ds", "without a Datasets");
}

TEST(DataLoaders, UnseenValidationLabelNamesItemAndLabel) {
  std::vector<Item> items;
  for (const char* l : {"a", "b", "a", "zebra"}) items.push_back(Str(l));
  Datasets ds(items, {{}, {std::make_shared<Categorize>()}}, {.splits = {{0, 1, 2}, {3}}});
  auto dls = DataLoaders::from_dsets(ds, {.bs = 2});
  EXPECT_THROW_WITH(dls.valid().one_batch(), DataLoaderError, "item 0", "zebra", "not seen in training");
}

TEST(DataLoaders, FromTensorsIsWholeBatchWithSetUpBatchTransforms) {
  auto x = torch::arange(40, torch::kUInt8).reshape({10, 1, 2, 2});
  auto y = torch::arange(10);
  auto norm = std::make_shared<Normalize>();
  auto dls = DataLoaders::from_tensors(x, y, x.slice(0, 0, 3), y.slice(0, 0, 3),
                                       {.bs = 4,
                                        .seed = 1,
                                        .after_batch = {std::make_shared<IntToFloatTensor>(), norm},
                                        .x_type = &TensorImage::info(),
                                        .y_type = &TensorCategory::info()});
  EXPECT_EQ(dls.train().size(), 2);  // 10 items, bs 4, drop_last
  ASSERT_TRUE(norm->mean().defined());
  std::vector<int64_t> seen;
  for (const Item& b : dls.train()) {
    EXPECT_TRUE(b[0].is<TensorImage>());
    EXPECT_TRUE(b[1].is<TensorCategory>());
    auto t = batch_tensors(b);
    EXPECT_EQ(t[0].scalar_type(), torch::kFloat);
    // Every row still matches its label: x[i]'s first pixel is 4i before scaling and normalising.
    auto first_pixel = t[0].flatten(1).select(1, 0);
    auto expected = ((t[1] * 4).to(torch::kFloat) / 255 - norm->mean().flatten()) / norm->stdev().flatten();
    EXPECT_TRUE(torch::allclose(first_pixel, expected, 1e-5, 1e-5));
    for (int64_t i = 0; i < t[1].size(0); ++i) seen.push_back(t[1][i].item<int64_t>());
  }
  EXPECT_EQ(seen.size(), 8u);
  auto v = batch_tensors(dls.valid().one_batch());
  EXPECT_TRUE(torch::equal(v[1], torch::tensor({0, 1, 2})));  // not shuffled
  EXPECT_THROW_WITH(DataLoaders::from_tensors(x, y.slice(0, 0, 5), x, y), std::invalid_argument,
                    "10 inputs but 5 targets");
}
