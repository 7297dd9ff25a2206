#include "fastai/data/block.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sstream>

#include "test_util.h"

using namespace fastai;

namespace {
std::vector<Item> rows(bool ragged = false) {
  std::vector<Item> out;
  const char* labels[] = {"cat", "dog", "cat", "bird", "dog", "cat"};
  for (int i = 0; i < 6; ++i)
    out.push_back(
        Tuple({TensorImage(torch::full({1, ragged && i == 2 ? 3 : 2, 2}, 40 * i, torch::kUInt8)), Str(labels[i])}));
  return out;
}
DataBlockOptions options() {
  return {.blocks = {TransformBlock{.batch_tfms = [] { return TfmList{std::make_shared<IntToFloatTensor>()}; }},
                     CategoryBlock()},
          .get_x = {[](const Item& r) { return r[0]; }},
          .get_y = {[](const Item& r) { return r[1]; }},
          .splitter = IndexSplitter({4, 5})};
}
}  // namespace

TEST(DataBlock, BuildsDatasetsAndDataLoadersFromBlocks) {
  DataBlock dblock(options());
  EXPECT_EQ(dblock.n_inp(), 1);
  auto ds = dblock.datasets(rows());
  EXPECT_EQ(ds.train().size(), 4u);
  auto cat = ds.tls()[1].tfms().get<Categorize>();
  ASSERT_TRUE(cat);
  EXPECT_EQ(cat->vocab().items(), (std::vector<std::string>{"bird", "cat", "dog"}));
  // Each datasets() call makes fresh transforms: another source learns its own vocab.
  const auto r = rows();
  auto ds2 = dblock.datasets(std::vector<Item>{r[0], r[2], r[5], r[0], r[1], r[4]});  // training: cats only
  EXPECT_EQ(ds2.tls()[1].tfms().get<Categorize>()->vocab().items(), (std::vector<std::string>{"cat"}));

  auto dls = dblock.dataloaders(rows(), {.bs = 2, .shuffle = false});
  EXPECT_EQ(dls.train().after_item_tfms().repr(), "Pipeline: ToTensor");
  EXPECT_EQ(dls.train().after_batch_tfms().repr(), "Pipeline: IntToFloatTensor");
  auto t = batch_tensors(dls.train().one_batch());
  EXPECT_EQ(t[0].scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::equal(t[1], torch::tensor({1, 2})));  // cat, dog
  EXPECT_EQ(dls.valid().decode_batch(dls.valid().one_batch())[1][1].get<Category>(), "cat");
}

TEST(DataBlock, UserTransformsReplaceBlockTransformsOfTheSameClass) {
  auto o = options();
  auto mine = std::make_shared<IntToFloatTensor>(2.0);
  o.batch_tfms = {mine, Normalize::from_stats({0.5}, {0.5})};
  DataBlock dblock(o);
  auto tfms = dblock.batch_tfms();
  ASSERT_EQ(tfms.size(), 2u);
  EXPECT_EQ(tfms[0], mine);
  EXPECT_EQ(tfms[1]->name, "Normalize");
}

TEST(DataBlock, GetterCountsAreChecked) {
  auto o = options();
  o.get_y = {[](const Item& r) { return r[1]; }, [](const Item& r) { return r[1]; }};
  EXPECT_THROW_WITH(DataBlock{o}, std::invalid_argument, "get_y contains 2 functions", "must contain 1");
  EXPECT_THROW_WITH(DataBlock(DataBlockOptions{}).datasets(Item(Path("/tmp"))), std::invalid_argument, "no get_items");
}

TEST(DataBlock, SummaryWalksASampleAndExplainsCollateFailures) {
  DataBlock dblock(options());
  std::ostringstream shown;
  std::string ok = dblock.summary(rows(), 4, &shown);
  EXPECT_EQ(shown.str(), ok);
  for (const char* part : {"Found 6 items", "2 datasets of sizes 4,2", "applying Categorize gives",
                           "TensorCategory(Long [] 1)", "Collating items in a batch", "IntToFloatTensor gives"})
    EXPECT_NE(ok.find(part), std::string::npos) << part << "\n" << ok;
  std::string bad = dblock.summary(rows(/*ragged=*/true), 4, nullptr);
  for (const char* part : {"Error! It's not possible to collate your items in a batch", "item 0 has shape [1, 2, 2]",
                           "item 2 has shape [1, 3, 2]", "Resize"})
    EXPECT_NE(bad.find(part), std::string::npos) << part << "\n" << bad;
}

TEST(DataBlock, MultiCategoryAndRegressionBlocks) {
  std::vector<Item> items;
  for (int i = 0; i < 4; ++i)
    items.push_back(Tuple(
        {MultiCategory(i % 2 ? std::vector<std::string>{"a", "b"} : std::vector<std::string>{"c"}), Float(i * 0.5)}));
  DataBlock multi({.blocks = {RegressionBlock(), MultiCategoryBlock()},
                   .get_x = {[](const Item& r) { return r[1]; }},
                   .get_y = {[](const Item& r) { return r[0]; }},
                   .splitter = IndexSplitter({3})});
  auto dls = multi.dataloaders(items, {.bs = 3, .shuffle = false});
  auto t = batch_tensors(dls.train().one_batch());
  EXPECT_TRUE(torch::allclose(t[0], torch::tensor({0.f, 0.5f, 1.f})));
  EXPECT_TRUE(torch::equal(t[1], torch::tensor({{0.f, 0.f, 1.f}, {1.f, 1.f, 0.f}, {0.f, 0.f, 1.f}})));
  auto dec = dls.train().decode_batch(dls.train().one_batch());
  EXPECT_EQ(dec[1][1].get<MultiCategory>(), (std::vector<std::string>{"a", "b"}));
  EXPECT_DOUBLE_EQ(dec[1][0].get<Float>(), 0.5);
}
