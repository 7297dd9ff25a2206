// make_sorted + pad_input_chunk against real fastai 2.7.18's SortedDL and pad_input_chunk with
// shuffling off (tests/data/reference/sorted_dl.json, tools/gen_sorted_dl_reference.py); fastai's
// bucketed shuffle's promises (longest batch first, every item once); errors.
#include "fastai/text/sorted_loader.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <set>

#include "fastai/core/semantic.h"
#include "reference.h"

using namespace fastai;

namespace {
using Rows = std::vector<std::vector<int64_t>>;
std::vector<int64_t> values(const at::Tensor& t) {
  const auto c = t.contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}
Rows rows(const at::Tensor& t) {
  Rows out;
  for (int64_t r = 0; r < t.size(0); ++r) out.push_back(values(t[r]));
  return out;
}
}  // namespace

TEST(SortedDL, PadChunkIsFastais) {
  const auto ref = fastai::testing::load_reference("sorted_dl.json");
  for (const auto& c : ref["pad_chunk"]) {
    const auto x = at::tensor(c["x"].get<std::vector<int64_t>>(), at::kLong);
    const auto out = pad_chunk(x, c["pad_len"].get<int64_t>(),
                               {.pad_first = c["pad_first"].get<bool>(), .seq_len = c["seq_len"].get<int64_t>()});
    EXPECT_EQ(values(out), c["out"].get<std::vector<int64_t>>()) << c.dump();
  }
}

TEST(SortedDL, BatchesAreFastais) {
  const auto ref = fastai::testing::load_reference("sorted_dl.json");
  for (const auto& c : ref["cases"]) {
    std::vector<Item> samples;
    std::vector<int64_t> lens;
    for (const auto& s : c["samples"]) {
      const auto ids = s[0].get<std::vector<int64_t>>();
      samples.push_back(Tuple({TensorText(at::tensor(ids, at::kLong)), Int(s[1].get<int64_t>())}));
      lens.push_back(static_cast<int64_t>(ids.size()));
    }
    DataLoader dl([&](int64_t i) { return samples[static_cast<size_t>(i)]; }, static_cast<int64_t>(samples.size()),
                  {.bs = c["bs"].get<int64_t>()});
    make_sorted(dl, lens);
    dl.before_batch = pad_input_chunk_stage({.pad_idx = c["pad_idx"].get<int64_t>(),
                                             .pad_first = c["pad_first"].get<bool>(),
                                             .seq_len = c["seq_len"].get<int64_t>()});
    size_t b = 0;
    for (const Item& batch : dl) {
      ASSERT_LT(b, c["batches"].size());
      ASSERT_TRUE(batch[0].is<TensorText>()) << "the text keeps its type through padding and collation";
      EXPECT_EQ(rows(batch[0].get<TensorText>()), c["batches"][b]["x"].get<Rows>()) << "batch " << b;
      EXPECT_EQ(values(batch[1].payload<at::Tensor>()), c["batches"][b]["y"].get<std::vector<int64_t>>())
          << "batch " << b;
      ++b;
    }
    EXPECT_EQ(b, c["batches"].size());
  }
}

TEST(SortedDL, ShuffleKeepsFastaisPromises) {
  std::vector<int64_t> lens;
  for (int64_t i = 0; i < 530; ++i) lens.push_back((i * 37) % 101 + 1);
  lens[123] = 500;  // the longest
  DataLoader dl([](int64_t i) { return Item(Int(i)); }, static_cast<int64_t>(lens.size()),
                {.bs = 8, .shuffle = true, .seed = 3});
  make_sorted(dl, lens);
  std::vector<int64_t> first, second;
  for (auto* order : {&first, &second}) {
    for (const Item& b : dl) {
      const auto v = values(b.payload<at::Tensor>());
      order->insert(order->end(), v.begin(), v.end());
    }
    ASSERT_EQ(order->size(), lens.size());
    EXPECT_EQ(order->front(), 123) << "the longest text is in the first batch, first";
    EXPECT_EQ(std::set<int64_t>(order->begin(), order->end()).size(), lens.size()) << "every item once";
  }
  EXPECT_NE(first, second) << "a new order each epoch";
  // Within a batch lengths are close: sorted inside chunks of 50 batches.
  int64_t spread = 0;
  for (size_t s = 0; s + 8 <= first.size(); s += 8) {
    int64_t lo = 1 << 30, hi = 0;
    for (size_t k = s; k < s + 8; ++k) lo = std::min(lo, lens[first[k]]), hi = std::max(hi, lens[first[k]]);
    if (first[s] != 123) spread = std::max(spread, hi - lo);
  }
  EXPECT_LT(spread, 30) << "batches hold texts of similar length";
}

TEST(SortedDL, ClearErrors) {
  DataLoader dl([](int64_t i) { return Item(Int(i)); }, 4, {.bs = 2});
  EXPECT_THROW(make_sorted(dl, {1, 2, 3}), std::invalid_argument);
  try {
    (void)pad_input_chunk({Tuple({TensorText(at::ones({3}, at::kLong)), Int(0)}), Tuple({Int(1), Int(0)})});
    FAIL() << "a label in the text field was padded";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("sample 1"), std::string::npos) << e.what();
  }
}
