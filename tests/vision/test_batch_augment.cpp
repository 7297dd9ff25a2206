#include "fastai/vision/batch_augment.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "fastai/core/describe.h"
#include "fastai/core/random.h"
#include "fastai/core/semantic.h"

using namespace fastai;

namespace {
at::Tensor batch(int64_t n = 2, int64_t h = 5, int64_t w = 5) {
  return torch::arange(n * h * w, torch::kFloat).reshape({n, 1, h, w}) / (n * h * w);
}
at::Tensor rot(double deg) {
  const double t = deg * M_PI / 180;
  return torch::tensor({{std::cos(t), std::sin(t), 0.0}, {-std::sin(t), std::cos(t), 0.0}, {0.0, 0.0, 1.0}}, torch::kFloat).unsqueeze(0);
}
}  // namespace

TEST(BatchAugment, FlipMovesPixelsExactly) {
  AffineCoordTfm flip({AffineAug::flip(1.0)});
  auto x = batch();
  auto y = flip(Item(TensorImage(x)), 0).get<TensorImage>();
  EXPECT_TRUE(torch::allclose(y, x.flip({-1}), 1e-5, 1e-6));
  EXPECT_TRUE(torch::equal(flip(Item(TensorImage(x)), 1).get<TensorImage>(), x));  // validation untouched
  // 90° on a square image is a rot90 (exact at pixel centres with align_corners)
  auto r = AffineCoordTfm::apply(x, rot(90).expand({2, 3, 3}), {}, false);
  EXPECT_TRUE(torch::allclose(r, x.rot90(1, {2, 3}), 1e-4, 1e-5) || torch::allclose(r, x.rot90(-1, {2, 3}), 1e-4, 1e-5));
}

TEST(BatchAugment, ComposedTransformsResampleOnce) {
  auto x = torch::rand({1, 1, 16, 16});
  // R(30°)·R(-30°) is the identity: composed, the image comes back unchanged…
  auto once = AffineCoordTfm::apply(x, torch::bmm(rot(30), rot(-30)), {}, false);
  EXPECT_TRUE(torch::allclose(once, x, 1e-4, 1e-5));
  // …while resampling after each rotation blurs it (what composing avoids).
  auto twice = AffineCoordTfm::apply(AffineCoordTfm::apply(x, rot(30), {}, false), rot(-30), {}, false);
  EXPECT_GT((twice - x).abs().mean().item<double>(), 0.02);
  // Two flips in one AffineCoordTfm: one resampling with the identity matrix.
  AffineCoordTfm two({AffineAug::flip(1.0), AffineAug::flip(1.0)});
  EXPECT_TRUE(torch::allclose(two(Item(TensorImage(x)), 0).get<TensorImage>(), x, 1e-5, 1e-6));
}

TEST(BatchAugment, MasksUseNearestAndFollowTheImage) {
  set_seed(0);
  AffineCoordTfm aug({AffineAug::rotate(30, 1.0), AffineAug::zoom(1.0, 1.5, 1.0)});
  auto x = torch::zeros({2, 1, 12, 12});
  x.slice(3, 6, 12).fill_(1);
  auto m = torch::zeros({2, 12, 12}, torch::kLong);
  m.slice(2, 6, 12).fill_(3);
  Item out = aug(Item(Tuple({TensorImage(x), TensorMask(m)})), 0);
  const auto y = out[0].get<TensorImage>();
  const auto ym = out[1].get<TensorMask>();
  EXPECT_TRUE(((ym == 0) | (ym == 3)).all().item<bool>());  // codes, never blends
  // where the image is clearly bright the mask says 3, where clearly dark 0: same geometry
  EXPECT_TRUE((ym.masked_select(y.squeeze(1) > 0.9) == 3).all().item<bool>());
  EXPECT_TRUE((ym.masked_select(y.squeeze(1) < 0.1) == 0).all().item<bool>());
}

TEST(BatchAugment, LightingInLogitSpace) {
  set_seed(1);
  auto x = torch::full({3, 1, 4, 4}, 0.5);
  x[0][0][0][0] = 0.2;
  LightingTfm bright({LightingAug::brightness(0.2, 1.0)});
  auto y = bright(Item(TensorImage(x)), 0).get<TensorImage>();
  for (int64_t i = 0; i < 3; ++i) {
    const double c = y[i][0][1][1].item<double>();  // x = 0.5 → sigmoid(logit(c)) = c
    EXPECT_GE(c, 0.4 - 1e-6);
    EXPECT_LE(c, 0.6 + 1e-6);
    if (i == 0) {
      const double lg = std::log(0.2 / 0.8) + std::log(c / (1 - c));
      EXPECT_NEAR(y[0][0][0][0].item<double>(), 1 / (1 + std::exp(-lg)), 1e-5);
    }
  }
  LightingTfm none({LightingAug::brightness(0.2, 0.0), LightingAug::contrast(0.2, 0.0)});
  EXPECT_TRUE(torch::allclose(none(Item(TensorImage(x)), 0).get<TensorImage>(), x, 1e-5, 1e-6));
}

TEST(BatchAugment, AugTransformsDefaultsAndDescriptions) {
  auto tfms = aug_transforms();
  ASSERT_EQ(tfms.size(), 2u);
  EXPECT_EQ(tfms[0]->name, "AffineCoordTfm");
  EXPECT_EQ(tfms[1]->name, "LightingTfm");
  const auto d = tfms[0]->describe();
  EXPECT_EQ(d["augs"].size(), 4u);  // flip, warp, rotate, zoom (fastai's order)
  EXPECT_EQ(d["augs"][1]["kind"], "warp");
  EXPECT_EQ(d["augs"][1]["a"], 0.2);
  EXPECT_EQ(d["augs"][2]["a"], 10.0);
  EXPECT_EQ(d["augs"][2]["p"], 0.75);
  auto again = transform_from_description(d);
  set_seed(5);
  auto a = (*tfms[0])(Item(TensorImage(batch(4))), 0).get<TensorImage>();
  set_seed(5);
  auto b = (*again)(Item(TensorImage(batch(4))), 0).get<TensorImage>();
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_EQ(aug_transforms({.flip_vert = true})[0]->describe()["augs"][0]["kind"], "dihedral");
}

TEST(BatchAugment, RandomErasingAndSaturation) {
  set_seed(7);
  auto x = torch::zeros({3, 1, 20, 20});
  RandomErasing always(1.0, 0.1, 0.3);
  auto y = always(Item(TensorImage(x)), 0).get<TensorImage>();
  const auto changed = (y != 0);
  EXPECT_GT(changed.sum().item<int64_t>(), 0);
  EXPECT_TRUE(torch::equal(changed[0], changed[1]));  // one rectangle for the whole batch, as fastai
  // the changed pixels form a rectangle of at most 30 % of the image
  EXPECT_LE(changed[0].sum().item<int64_t>(), static_cast<int64_t>(0.3 * 400 * 1.5) + 20);
  EXPECT_TRUE(torch::equal(always(Item(TensorImage(x)), 1).get<TensorImage>(), x));  // training only
  EXPECT_TRUE(torch::equal(RandomErasing(0.0)(Item(TensorImage(x)), 0).get<TensorImage>(), x));
  EXPECT_THROW(RandomErasing(0.5, 0.4, 0.2), std::invalid_argument);
  // Saturation: grey images keep their values; colour ones move towards their grey by the drawn factor.
  LightingTfm sat({LightingAug::saturation(0.5, 1.0)});
  auto grey = torch::rand({2, 1, 4, 4}) * 0.8 + 0.1;
  EXPECT_TRUE(torch::allclose(sat(Item(TensorImage(grey)), 0).get<TensorImage>(), grey, 1e-5, 1e-6));
  auto rgb = torch::rand({2, 3, 4, 4}) * 0.8 + 0.1;
  auto out = sat(Item(TensorImage(rgb)), 0).get<TensorImage>();
  EXPECT_EQ(out.sizes(), rgb.sizes());
  EXPECT_FALSE(torch::allclose(out, rgb, 1e-3, 1e-3));
  EXPECT_EQ(transform_from_description(sat.describe())->describe()["augs"][0]["kind"], "saturation");
}

TEST(BatchAugment, HsvRoundTripAndHueShift) {
  auto x = torch::rand({2, 3, 5, 5});
  EXPECT_TRUE(torch::allclose(hsv2rgb(rgb2hsv(x)), x, 1e-5, 1e-5));
  // pure red: hue 0, saturation 1, value 1; a third of a turn makes it green
  auto red = torch::zeros({1, 3, 1, 1});
  red[0][0] = 1;
  auto hsv = rgb2hsv(red);
  EXPECT_NEAR(hsv[0][0][0][0].item<double>(), 0.0, 1e-6);
  EXPECT_NEAR(hsv[0][1][0][0].item<double>(), 1.0, 1e-6);
  hsv[0][0] += 1.0 / 3;
  auto green = hsv2rgb(hsv);
  EXPECT_TRUE(torch::allclose(green.flatten(), torch::tensor({0.f, 1.f, 0.f}), 1e-5, 1e-5));
  // HueTfm: p = 0 leaves images as they are (up to the round trip), grey images stay grey
  HueTfm none(0.1, 0.0);
  EXPECT_TRUE(torch::allclose(none(Item(TensorImage(x)), 0).get<TensorImage>(), x, 1e-5, 1e-5));
  set_seed(3);
  HueTfm hue(0.2, 1.0);
  auto y = hue(Item(TensorImage(x)), 0).get<TensorImage>();
  EXPECT_FALSE(torch::allclose(y, x, 1e-3, 1e-3));
  EXPECT_TRUE(torch::allclose(std::get<0>(y.max(1)), std::get<0>(x.max(1)), 1e-5, 1e-5));  // value (max channel) kept
  EXPECT_EQ(transform_from_description(hue.describe())->describe()["max_hue"], 0.2);
}

TEST(BatchAugment, WarpIsAPerspectiveOfTheGrid) {
  // find_coeffs/apply_perspective: the corners land exactly where asked
  auto orig = torch::tensor({-1.f, -1.f, -1.f, 1.f, 1.f, -1.f, 1.f, 1.f}).view({1, 4, 2});
  auto targ = torch::tensor({-0.9f, -1.1f, -1.05f, 0.95f, 1.1f, -0.9f, 0.92f, 1.03f}).view({1, 4, 2});
  auto c = find_coeffs(orig, targ);
  EXPECT_TRUE(torch::allclose(apply_perspective(targ, c), orig, 1e-4, 1e-5));
  // magnitude 0 (or p 0) leaves the image as it is; a real warp moves pixels but keeps the centre
  auto x = torch::rand({2, 1, 9, 9});
  AffineCoordTfm none({AffineAug::warp(0.0, 1.0)});
  EXPECT_TRUE(torch::allclose(none(Item(TensorImage(x)), 0).get<TensorImage>(), x, 1e-4, 1e-5));
  set_seed(2);
  AffineCoordTfm warp({AffineAug::warp(0.4, 1.0)});
  auto y = warp(Item(TensorImage(x)), 0).get<TensorImage>();
  EXPECT_FALSE(torch::allclose(y, x, 1e-3, 1e-3));
  EXPECT_EQ(y.sizes(), x.sizes());
}
