#include "fastai/data/load.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <mutex>
#include <span>

#include "fastai/core/random.h"
#include "fastai/core/semantic.h"
#include "fastai/data/core.h"
#include "test_util.h"

using namespace fastai;

namespace {
DataLoader index_loader(int64_t n, DataLoaderOptions o) {
  return DataLoader([](int64_t i) { return Item(Int(i)); }, n, std::move(o));
}
// Sets the intra-op thread count for one test and restores it.
struct ThreadsScope {
  int saved = at::get_num_threads();
  explicit ThreadsScope(int n) { at::set_num_threads(n); }
  ~ThreadsScope() { at::set_num_threads(saved); }
};
std::vector<std::vector<int64_t>> all_batches(DataLoader& dl) {
  std::vector<std::vector<int64_t>> out;
  for (const Item& b : dl) {
    auto t = tensor_of(b);
    out.emplace_back(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
  }
  return out;
}
}  // namespace

TEST(DataLoader, BatchesInOrderWithLastPartialBatchOrDropLast) {
  auto dl = index_loader(10, {.bs = 4});
  EXPECT_EQ(dl.size(), 3);
  EXPECT_EQ(all_batches(dl), (std::vector<std::vector<int64_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}}));
  auto dd = index_loader(10, {.bs = 4, .drop_last = true});
  EXPECT_EQ(dd.size(), 2);
  EXPECT_EQ(all_batches(dd).size(), 2u);
  EXPECT_EQ(index_loader(8, {.bs = 4}).size(), 2);
  EXPECT_EQ(index_loader(0, {.bs = 4}).size(), 0);
  EXPECT_THROW_WITH(index_loader(0, {.bs = 4}).one_batch(), std::runtime_error, "does not contain any batches");
  EXPECT_THROW(index_loader(3, {.bs = 0}), std::invalid_argument);
}

TEST(DataLoader, ShuffleIsAPermutationNewEachEpochAndSeeded) {
  auto dl = index_loader(100, {.bs = 100, .shuffle = true, .seed = 7});
  auto e1 = all_batches(dl)[0], e2 = all_batches(dl)[0];
  auto sorted = e1;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> iota(100);
  std::iota(iota.begin(), iota.end(), 0);
  EXPECT_EQ(sorted, iota);
  EXPECT_NE(e1, iota);
  EXPECT_NE(e1, e2);
  auto again = index_loader(100, {.bs = 100, .shuffle = true, .seed = 7});
  EXPECT_EQ(all_batches(again)[0], e1);
  EXPECT_EQ(all_batches(again)[0], e2);
}

TEST(DataLoader, BatchesAreIdenticalWhateverTheNumberOfWorkers) {
  // Items carry randomness from fastai's per-batch generators, as random item transforms do.
  auto make = [](int workers, bool parallel_items = true) {
    DataLoader dl(
        [](int64_t i) {
          auto noise = torch::rand({3}, torch_rng());
          return Item(Tuple({TensorImage(noise + static_cast<double>(i)), Int(i)}));
        },
        37, {.bs = 5, .shuffle = true, .num_workers = workers, .parallel_items = parallel_items, .seed = 123});
    dl.after_item = [](const DataLoader&, const Item& x) {
      const bool flip = std::bernoulli_distribution(0.5)(rng());
      return flip ? Item(Tuple({TensorImage(-tensor_of(x[0])), x[1]})) : x;
    };
    std::vector<torch::Tensor> out;
    for (int epoch = 0; epoch < 2; ++epoch)
      for (const Item& b : dl) {
        auto t = batch_tensors(b);
        out.push_back(torch::cat({t[0].flatten(), t[1].to(torch::kFloat)}));
      }
    return out;
  };
  ThreadsScope two(2);         // the parallel item path needs two intra-op threads (the tests run on one)
  const auto ref = make(0);    // items built on the intra-op threads
  ASSERT_EQ(ref.size(), 16u);  // 8 batches × 2 epochs
  for (int w : {0, 1, 2, 3}) {
    const auto got = make(w, /*parallel_items=*/w != 0);  // 0: one item after another on this thread
    ASSERT_EQ(got.size(), ref.size()) << w << " workers";
    for (size_t i = 0; i < ref.size(); ++i) EXPECT_TRUE(torch::equal(got[i], ref[i])) << w << " workers, batch " << i;
  }
}

TEST(DataLoader, PrefetchHookSeesEachBatchIndexOnceAndChangesNothing) {
  // The hook is a cache hint: it sees every index of every batch (split between the threads that
  // build the items) and the batches are the ones built without it.
  for (bool parallel : {false, true}) {
    ThreadsScope threads(parallel ? 2 : 1);
    auto first = index_loader(23, {.bs = 6, .shuffle = true, .seed = 5});
    const auto plain = all_batches(first);  // a fresh loader with the same seed: same first epoch
    auto dl = index_loader(23, {.bs = 6, .shuffle = true, .seed = 5});
    std::mutex m;
    std::vector<int64_t> seen;
    dl.prefetch_items = [&](const DataLoader&, std::span<const int64_t> idxs) {
      std::lock_guard lock(m);
      seen.insert(seen.end(), idxs.begin(), idxs.end());
    };
    const auto hinted = all_batches(dl);
    EXPECT_EQ(hinted, plain) << (parallel ? "two threads" : "one thread");
    std::vector<int64_t> expected;
    for (const auto& b : plain) expected.insert(expected.end(), b.begin(), b.end());
    std::sort(seen.begin(), seen.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(seen, expected);
  }
  // Datasets' hint ignores indices it does not have (they fail later, when the item is read).
  Datasets ds(std::vector<Item>{Path("/a/b/1.png"), Str("x")}, {});
  const std::vector<int64_t> odd{0, 1, -1, 2, 1000};
  ds.prefetch(odd);
  Item().prefetch(true);
}

TEST(DataLoader, WholeBatchLoadingIsTwoStageOverrides) {
  auto x = torch::arange(20).reshape({10, 2});
  auto dl = index_loader(10, {.bs = 4, .shuffle = true, .seed = 1});
  dl.do_item = [](const DataLoader&, int64_t i) { return Item(Int(i)); };
  dl.create_batch = [x](const DataLoader&, const std::vector<Item>& idx) {
    std::vector<int64_t> v;
    for (const auto& i : idx) v.push_back(i.get<Int>());
    auto t = torch::tensor(v);
    return Item(Tuple({TensorBase(x.index_select(0, t)), TensorBase(t)}));
  };
  int64_t seen = 0;
  for (const Item& b : dl) {
    auto t = batch_tensors(b);
    EXPECT_TRUE(torch::equal(t[0], x.index_select(0, t[1])));
    seen += t[1].size(0);
  }
  EXPECT_EQ(seen, 10);
}

TEST(DataLoader, SkippedItemsAndStagesRunInFastaiOrder) {
  std::vector<std::string> trace;
  auto dl = index_loader(6, {.bs = 3});
  dl.before_iter = [&](DataLoader&) { trace.push_back("before_iter"); };
  dl.after_iter = [&](DataLoader&) { trace.push_back("after_iter"); };
  dl.do_item = [](const DataLoader&, int64_t i) { return i % 2 ? Item() : Item(Int(i)); };  // skip odd
  dl.before_batch = [&](const DataLoader&, std::vector<Item> v) {
    trace.push_back("before_batch " + std::to_string(v.size()));
    return v;
  };
  dl.after_batch = [&](const DataLoader&, const Item& b) {
    trace.push_back("after_batch");
    return b;
  };
  EXPECT_EQ(all_batches(dl), (std::vector<std::vector<int64_t>>{{0, 2}, {4}}));
  EXPECT_EQ(trace, (std::vector<std::string>{"before_iter", "before_batch 2", "after_batch", "before_batch 1",
                                             "after_batch", "after_iter"}));
}

TEST(DataLoader, ErrorsNameBatchItemAndCause) {
  ThreadsScope two(2);  // errors thrown on the intra-op threads too
  for (int workers : {0, 2}) {
    DataLoader dl(
        [](int64_t i) -> Item {
          if (i == 7) throw std::runtime_error("corrupt image file cat7.png");
          return Item(TensorImage(torch::zeros({3, i == 9 ? 5 : 4, 4})));
        },
        10, {.bs = 4, .num_workers = workers});
    EXPECT_THROW_WITH(for (const Item& b : dl)(void) b, DataLoaderError, "batch 1", "item 7", "cat7.png");
    dl.create_item = [](const DataLoader& d, int64_t i) {
      return i == 7 ? Item(TensorImage(torch::zeros({3, 4, 4}))) : d.dataset()(i);
    };
    EXPECT_THROW_WITH(for (const Item& b
                           : dl)(void) b,
                      DataLoaderError, "collating batch 2", "TensorImage", "[3, 4, 4]", "[3, 5, 4]", "Resize");
  }
}

TEST(DataLoader, EarlyBreakStopsWorkersCleanly) {
  auto dl = index_loader(1000, {.bs = 2, .num_workers = 2});
  int n = 0;
  for (const Item& b : dl) {
    (void)b;
    if (++n == 3) break;
  }
  EXPECT_EQ(n, 3);
  EXPECT_EQ(all_batches(dl).size(), 500u);  // the next epoch runs normally
}

TEST(DataLoader, OneBatchLeavesTheEpochSequenceAlone) {
  auto a = index_loader(50, {.bs = 10, .shuffle = true, .seed = 3});
  auto b = index_loader(50, {.bs = 10, .shuffle = true, .seed = 3});
  auto first = tensor_of(a.one_batch());
  EXPECT_EQ(first.size(0), 10);
  EXPECT_EQ(all_batches(a), all_batches(b));
}

TEST(DataLoader, NewKeepsStagesAndChangesOptions) {
  auto dl = index_loader(10, {.bs = 4});
  dl.after_item = [](const DataLoader&, const Item& x) { return Item(Int(x.get<Int>() * 10)); };
  auto dl2 = dl.new_(DataLoaderOptions{.bs = 5});
  EXPECT_EQ(dl2.size(), 2);
  EXPECT_EQ(all_batches(dl2)[1], (std::vector<int64_t>{50, 60, 70, 80, 90}));
}

TEST(Collate, StacksLikeTorchStackWhateverTheLayout) {
  // Contiguous samples are copied straight into the batch; views (a transposed image, a slice of a
  // bigger tensor) and mixed dtypes go through at::stack. Every case must equal torch::stack.
  auto big = torch::arange(4 * 3 * 5, torch::kFloat).reshape({4, 3, 5});
  std::vector<std::vector<at::Tensor>> cases = {
      {big[0], big[1], big[2]},                                                        // contiguous slices
      {big[0].t(), big[1].t()},                                                        // transposed views
      {torch::scalar_tensor(3, torch::kLong), torch::scalar_tensor(7, torch::kLong)},  // 0-d labels
      {big.select(2, 1), big.select(2, 4)},                                            // strided slices
      {torch::zeros({0, 2}), torch::zeros({0, 2})},                                    // empty samples
  };
  for (const auto& ts : cases) {
    std::vector<Item> items;
    for (const auto& t : ts) items.push_back(TensorImage(t));
    const auto got = tensor_of(collate(items));
    EXPECT_TRUE(torch::equal(got, torch::stack(ts))) << got.sizes();
    EXPECT_TRUE(got.is_contiguous());
  }
  // Mixed dtypes: at::stack's type promotion, not a byte copy of the wrong width.
  const auto mixed =
      tensor_of(collate({TensorImage(torch::tensor({1.5f})), TensorImage(torch::tensor({2.0}, torch::kDouble))}));
  EXPECT_EQ(mixed.scalar_type(), torch::kDouble);
  EXPECT_TRUE(torch::equal(mixed, torch::tensor({{1.5}, {2.0}}, torch::kDouble)));
}

TEST(Collate, KeepsTypesStacksTuplesAndConvertsNumbers) {
  Item b = collate({Tuple({TensorImage(torch::zeros({1, 2})), Int(3), Float(0.5)}),
                    Tuple({TensorImage(torch::ones({1, 2})), Int(4), Float(1.5)})});
  ASSERT_TRUE(b.is_tuple());
  EXPECT_TRUE(b[0].is<TensorImage>());
  EXPECT_EQ(tensor_of(b[0]).sizes(), (std::vector<int64_t>{2, 1, 2}));
  EXPECT_TRUE(torch::equal(tensor_of(b[1]), torch::tensor({3, 4})));
  EXPECT_EQ(tensor_of(b[2]).scalar_type(), torch::kFloat);
  EXPECT_THROW_WITH(collate({Str("a"), Str("b")}), std::runtime_error, "type Str", "Categorize");
  auto samples = batch_to_samples(b, 1);
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_TRUE(samples[0][0].is<TensorImage>());
  EXPECT_EQ(tensor_of(samples[0][1]).item<int64_t>(), 3);
}
