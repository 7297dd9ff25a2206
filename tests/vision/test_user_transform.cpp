// The recipe docs/data.md gives for a user's random transform: before_call returns what it
// draws, encodes take it as their second argument. No thread_local, no member state.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <random>
#include <set>

#include "fastai/core/describe.h"
#include "fastai/core/json.h"
#include "fastai/core/random.h"
#include "fastai/data/core.h"
#include "fastai/vision/core.h"

using namespace fastai;

namespace {

// Rolls an image and its mask by the same random offset (training only).
struct Shift {
  int64_t dy = 0, dx = 0;
};
class RandomShift : public Transform {
 public:
  explicit RandomShift(int64_t max) : Transform({.name = "RandomShift", .split_idx = 0}), max_(max) {
    encodes<Image>([](const at::Tensor& x, const Shift& s) { return x.roll({s.dy, s.dx}, {0, 1}).contiguous(); });
    encodes<Mask>([](const at::Tensor& m, const Shift& s) { return Mask(m.roll({s.dy, s.dx}, {0, 1}).contiguous()); });
  }
  CallState before_call(const Item&, std::optional<int>) const override {
    std::uniform_int_distribution<int64_t> d(-max_, max_);
    return Shift{d(rng()), d(rng())};
  }

 private:
  int64_t max_;
};

// Image i: an 8×8 RGB ramp plus i; its mask: the first channel's pixels modulo 5, so a mask that
// moved with its image still equals (image channel 0) % 5.
Item make_image(const Item& i) {
  auto ramp = (torch::arange(64).view({8, 8, 1}) * 3 + i.get<Int>()).remainder(250).to(torch::kUInt8);
  return Item(Image(torch::cat({ramp, ramp + 1, ramp + 2}, 2).contiguous()));
}
Item make_mask(const Item& i) {
  return Item(Mask(make_image(i).get<Image>().select(2, 0).remainder(5).unsqueeze(-1).contiguous()));
}

std::vector<std::pair<at::Tensor, at::Tensor>> epoch(int workers) {
  std::vector<Item> items;
  for (int64_t i = 0; i < 40; ++i) items.push_back(Item(Int(i)));
  Datasets dsets(items, {{make_transform(make_image)}, {make_transform(make_mask)}},
                 {.splits = {{}, {}}, .split_idx = 0});
  TfmdDL dl(dsets, {.bs = 8,
                    .shuffle = true,
                    .num_workers = workers,
                    .seed = 11,
                    .after_item = {std::make_shared<RandomShift>(3), std::make_shared<ToTensor>()}});
  std::vector<std::pair<at::Tensor, at::Tensor>> out;
  for (const Item& b : dl) out.emplace_back(tensor_of(b[0]).clone(), tensor_of(b[1]).clone());
  return out;
}

// docs/ARCHITECTURE.md's recipe for a new transform, verbatim.
struct Shift1 {
  double by;
};
class RandomBrightness : public Transform {
 public:
  explicit RandomBrightness(double max = 0.1) : Transform({.name = "RandomBrightness", .split_idx = 0}), max_(max) {
    encodes<TensorImage>([](const at::Tensor& x, const Shift1& s) { return (x + s.by).clamp(0, 1); });
  }
  CallState before_call(const Item&, std::optional<int>) const override {
    return Shift1{std::uniform_real_distribution<double>(-max_, max_)(rng())};
  }
  FASTAI_DESCRIBED(RandomBrightness, max_)
 private:
  double max_;
};

}  // namespace

FASTAI_REGISTER_DESCRIBED(RandomBrightness);

TEST(UserTransform, TheArchitectureRecipeDescribesRebuildsAndDraws) {
  RandomBrightness t(0.2);
  const auto d = t.describe();
  EXPECT_EQ(d["type"], "RandomBrightness");
  EXPECT_DOUBLE_EQ(d["max"].get<double>(), 0.2);
  auto again = transform_from_description(d);
  EXPECT_EQ(again->describe(), d);
  const auto x = Item(TensorImage(torch::full({2, 1, 2, 2}, 0.5)));
  set_seed(5);
  const auto a = tensor_of((*again)(x, 0));
  set_seed(5);
  const auto b = tensor_of(t(x, 0));
  EXPECT_TRUE(torch::equal(a, b));  // same seed, same draw
  EXPECT_LE((a - 0.5).abs().max().item<double>(), 0.2);
  EXPECT_GT((a - 0.5).abs().max().item<double>(), 0.0);         // it did move
  EXPECT_TRUE(torch::equal(tensor_of(t(x, 1)), tensor_of(x)));  // training only
}

TEST(UserTransform, RandomDrawIsSharedByImageAndMaskAndIndependentOfWorkers) {
  const int saved = at::get_num_threads();
  at::set_num_threads(2);  // 0 workers: the items are built on the two intra-op threads
  const auto ref = epoch(0);
  ASSERT_EQ(ref.size(), 5u);
  for (const auto& [img, mask] : ref)  // one draw per sample: the mask moved exactly as its image did
    EXPECT_TRUE(torch::equal(img.select(1, 0).remainder(5), mask.to(img.scalar_type())));
  std::set<int64_t> firsts;
  for (const auto& [img, mask] : ref)
    for (int64_t k = 0; k < img.size(0); ++k) firsts.insert(img[k][0][0][0].item<int64_t>());
  EXPECT_GT(firsts.size(), 10u);  // offsets vary (40 different items, 49 possible shifts)
  const auto two = epoch(2);
  at::set_num_threads(saved);
  ASSERT_EQ(two.size(), ref.size());
  for (size_t b = 0; b < ref.size(); ++b) {
    EXPECT_TRUE(torch::equal(two[b].first, ref[b].first)) << "batch " << b;
    EXPECT_TRUE(torch::equal(two[b].second, ref[b].second)) << "batch " << b;
  }
}

TEST(UserTransform, EncodesExpectingAStateSayWhenBeforeCallGivesNone) {
  struct Forgetful : Transform {
    Forgetful() : Transform({.name = "Forgetful"}) {
      encodes<Image>([](const at::Tensor& x, const Shift& s) { return x.roll({s.dy}, {0}); });
    }
  } t;
  try {
    t(Item(Image(torch::zeros({2, 2, 3}, torch::kUInt8))), 0);
    ADD_FAILURE() << "expected std::logic_error";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("before_call returned nothing"), std::string::npos) << e.what();
  }
}
