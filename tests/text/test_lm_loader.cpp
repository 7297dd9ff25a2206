// lm_dataloader against real fastai 2.7.18's LMDataLoader with shuffling off
// (tests/data/reference/lm_loader.json, tools/gen_lm_loader_reference.py), then what fastai's
// shuffling means (documents reordered, every token still there once), and its errors.
#include "fastai/text/lm_loader.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <algorithm>

#include "fastai/core/semantic.h"
#include "reference.h"

using namespace fastai;

namespace {
using Rows = std::vector<std::vector<int64_t>>;
Rows rows(const at::Tensor& t) {
  Rows out;
  for (int64_t r = 0; r < t.size(0); ++r) {
    const auto c = t[r].contiguous();
    out.emplace_back(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
  }
  return out;
}
std::vector<at::Tensor> tensors_of(const std::vector<std::vector<int64_t>>& docs) {
  std::vector<at::Tensor> out;
  for (const auto& d : docs) out.push_back(at::tensor(d, at::kLong));
  return out;
}
}  // namespace

TEST(LMDataLoader, BatchesAreFastais) {
  const auto ref = fastai::testing::load_reference("lm_loader.json");  // kept: a range-for over a temporary dangles
  for (const auto& c : ref["cases"]) {
    const auto docs = tensors_of(c["docs"].get<std::vector<std::vector<int64_t>>>());
    std::vector<int64_t> lens;
    for (const auto& d : docs) lens.push_back(d.numel());
    for (int workers : {0, 2, 10, 12}) {  // 10, 12: the in-memory overload, on 0 and 2 workers
      const LMDataLoaderOptions o{
          .bs = c["bs"].get<int64_t>(), .seq_len = c["seq_len"].get<int64_t>(), .num_workers = workers % 10};
      auto dl = workers < 10 ? lm_dataloader([&](int64_t i) { return docs[static_cast<size_t>(i)]; }, lens, o)
                             : lm_dataloader(docs, o);
      ASSERT_EQ(dl.size(), static_cast<int64_t>(c["batches"].size()))
          << "bs " << c["bs"] << " seq_len " << c["seq_len"];
      size_t b = 0;
      for (const Item& batch : dl) {
        const auto& tup = batch.get<Tuple>();
        ASSERT_TRUE(tup[0].is<LMTensorText>());
        ASSERT_TRUE(tup[1].is<TensorText>());
        EXPECT_EQ(rows(tup[0].get<LMTensorText>()), c["batches"][b]["x"].get<Rows>()) << "batch " << b;
        EXPECT_EQ(rows(tup[1].get<TensorText>()), c["batches"][b]["y"].get<Rows>()) << "batch " << b;
        ++b;
      }
      EXPECT_EQ(b, c["batches"].size());
    }
  }
}

// fastai shuffles the documents each epoch, not the windows: each epoch's streams are a
// concatenation of every document once, in a new order; the same seed gives the same epochs.
TEST(LMDataLoader, ShuffleReordersDocumentsEachEpoch) {
  std::vector<at::Tensor> docs;
  std::vector<int64_t> lens;
  for (int64_t d = 0; d < 20; ++d) {
    docs.push_back(at::full({10}, d, at::kLong));  // document d is ten d's
    lens.push_back(10);
  }
  auto make = [&] {
    return lm_dataloader([&](int64_t i) { return docs[static_cast<size_t>(i)]; }, lens,
                         {.bs = 1, .seq_len = 50, .shuffle = true, .seed = 7});
  };
  auto make_held = [&] { return lm_dataloader(docs, {.bs = 1, .seq_len = 50, .shuffle = true, .seed = 7}); };
  auto epoch = [](DataLoader& dl) {
    std::vector<int64_t> stream;
    for (const Item& b : dl) {
      const auto x = b.get<Tuple>()[0].get<LMTensorText>().contiguous();
      stream.insert(stream.end(), x.data_ptr<int64_t>(), x.data_ptr<int64_t>() + x.numel());
    }
    return stream;
  };
  auto dl = make();
  const auto e1 = epoch(dl), e2 = epoch(dl);
  ASSERT_EQ(e1.size(), 199u) << "200 tokens less the last target";
  EXPECT_NE(e1, e2) << "a new document order each epoch";
  for (const auto& e : {e1, e2})
    for (size_t k = 0; k + 1 < e.size(); k += 10)
      EXPECT_TRUE(std::all_of(e.begin() + k, e.begin() + std::min(k + 10, e.size()), [&](int64_t v) {
        return v == e[k];
      })) << "documents stay whole";
  auto again = make();
  EXPECT_EQ(epoch(again), e1) << "the seed decides the order";
  auto held = make_held();
  EXPECT_EQ(epoch(held), e1) << "the in-memory overload reads the same windows";
  EXPECT_EQ(epoch(held), e2);
}

TEST(LMDataLoader, ClearErrors) {
  std::vector<at::Tensor> docs{at::arange(5, at::kLong)};
  auto src = [&](int64_t i) { return docs[static_cast<size_t>(i)]; };
  try {
    (void)lm_dataloader(src, {5}, {.bs = 8});
    FAIL() << "a corpus shorter than one batch was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("5 tokens"), std::string::npos) << e.what();
  }
  auto dl = lm_dataloader(src, {7}, {.bs = 2, .seq_len = 2});
  try {
    (void)dl.one_batch();
    FAIL() << "a document shorter than its length was read";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("document 0"), std::string::npos) << e.what();
  }
}
