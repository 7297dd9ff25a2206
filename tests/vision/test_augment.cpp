#include "fastai/vision/augment.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "fastai/core/describe.h"
#include "fastai/core/random.h"
#include "fastai/vision/core.h"

using namespace fastai;

namespace {
// h×w grey image whose pixel (y, x) = 10·y + x (so where a pixel came from can be read back).
at::Tensor coords(int64_t h, int64_t w) {
  auto ys = torch::arange(h).unsqueeze(1) * 10, xs = torch::arange(w).unsqueeze(0);
  return (ys + xs).to(torch::kUInt8).unsqueeze(-1).contiguous();
}
at::Tensor run(const Transform& t, const at::Tensor& img, int split) {
  return t(Item(ImageBW(img)), split).get<ImageBW>();
}
}  // namespace

TEST(Resize, SquishCropAndPadGeometry) {
  // Squish 4×8 → 2×4: every output pixel averages a 2×2 block.
  auto sq = run(Resize(2, 4, ResizeMethod::Squish), coords(4, 8), 1);
  EXPECT_EQ(sq.sizes(), (std::vector<int64_t>{2, 4, 1}));
  EXPECT_EQ(sq[0][0][0].item<int>(), 6);  // mean of 0, 1, 10, 11 = 5.5 → rounds to 6
  // Crop (validation: centred) a 4×8 image to 4×4: the middle columns 2..5, unscaled.
  auto cr = run(Resize(4, 4), coords(4, 8), 1);
  EXPECT_TRUE(torch::equal(cr, coords(4, 8).slice(1, 2, 6).contiguous()));
  // Pad a 2×4 image to 4×4 (zeros): one zero row above and below, the image unscaled between.
  auto pd = run(Resize(4, 4, ResizeMethod::Pad, PadMode::Zeros), coords(2, 4), 1);
  EXPECT_EQ(pd.sizes(), (std::vector<int64_t>{4, 4, 1}));
  EXPECT_EQ(pd[0].sum().item<int>(), 0);
  EXPECT_EQ(pd[3].sum().item<int>(), 0);
  EXPECT_TRUE(torch::equal(pd.slice(0, 1, 3), coords(2, 4)));
  // Reflection repeats the neighbouring rows instead.
  auto rf = run(Resize(4, 4, ResizeMethod::Pad, PadMode::Reflection), coords(2, 4), 1);
  EXPECT_TRUE(torch::equal(rf[0], coords(2, 4)[1]));
}

TEST(Resize, TrainingCropsAtRandomPositionsSharedByImageAndMask) {
  Resize r(4, 4);
  set_seed(3);
  std::set<int> lefts;
  for (int i = 0; i < 20; ++i) {
    auto img = coords(4, 12);
    Item out = r(Item(Tuple({ImageBW(img), Mask(img.clone())})), /*split=*/0);
    const auto a = out[0].get<ImageBW>(), m = out[1].get<Mask>();
    EXPECT_TRUE(torch::equal(a, m));  // one position for the whole tuple
    lefts.insert(a[0][0][0].item<int>());
  }
  EXPECT_GT(lefts.size(), 3u);  // random positions while training
  // Masks keep their codes: nearest-neighbour, never a blend.
  auto mask = torch::zeros({6, 6, 1}, torch::kUInt8);
  mask.slice(1, 3, 6).fill_(7);
  auto small = r(Item(Mask(mask)), 1).get<Mask>();
  EXPECT_TRUE(((small == 0) | (small == 7)).all().item<bool>());
}

TEST(Resize, Describable) {
  Resize r(5, 7, ResizeMethod::Pad, PadMode::Border);
  auto again = transform_from_description(r.describe());
  auto a = run(r, coords(3, 9), 1), b = run(*again, coords(3, 9), 1);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_EQ(a.sizes(), (std::vector<int64_t>{5, 7, 1}));
  EXPECT_THROW(Resize(0, 4), std::invalid_argument);
}
