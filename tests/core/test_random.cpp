#include "fastai/core/random.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "fastai/core/semantic.h"
#include "fastai/data/load.h"

using namespace fastai;

namespace {
// One "run": torch's global generator, fastai's generator, and a shuffled loader whose seed is
// not given (so it is drawn from fastai::rng()).
std::vector<double> a_run() {
  std::vector<double> out;
  out.push_back(torch::rand({1}).item<double>());
  out.push_back(static_cast<double>(rng()() % 1000003));
  DataLoader dl([](int64_t i) { return Item(Int(i)); }, 20, {.bs = 20, .shuffle = true});
  for (const Item& b : dl) {
    auto t = tensor_of(b);
    for (int64_t i = 0; i < t.numel(); ++i) out.push_back(static_cast<double>(t[i].item<int64_t>()));
  }
  return out;
}
}  // namespace

TEST(Random, SetSeedMakesAWholeRunReproducible) {
  set_seed(7);
  const auto first = a_run();
  set_seed(7);
  EXPECT_EQ(a_run(), first);
  set_seed(8);
  EXPECT_NE(a_run(), first);
}

TEST(Random, ScopesAreDeterministicAndNest) {
  auto draw = [] { return std::make_pair(rng()(), torch::rand({1}, torch_rng()).item<float>()); };
  std::pair<uint64_t, float> a, b, inner;
  {
    RngScope s(123);
    a = draw();
    {
      RngScope t(5);
      inner = draw();
    }
    b = draw();  // the outer scope continues where it was
  }
  RngScope again(123);
  EXPECT_EQ(draw(), a);
  EXPECT_EQ(draw(), b);
  EXPECT_NE(a, inner);
  EXPECT_NE(mix_seed(1, 2), mix_seed(2, 1));
}
