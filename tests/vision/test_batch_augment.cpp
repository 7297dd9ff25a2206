#include "fastai/vision/batch_augment.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

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
  return torch::tensor({{std::cos(t), std::sin(t), 0.0}, {-std::sin(t), std::cos(t), 0.0}, {0.0, 0.0, 1.0}},
                       torch::kFloat)
      .unsqueeze(0);
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
  EXPECT_TRUE(torch::allclose(r, x.rot90(1, {2, 3}), 1e-4, 1e-5) ||
              torch::allclose(r, x.rot90(-1, {2, 3}), 1e-4, 1e-5));
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
  EXPECT_EQ(d["augs"][1]["magnitude"], 0.2);
  EXPECT_EQ(d["augs"][2]["max_deg"], 10.0);
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

TEST(BatchAugment, RandomResizedCropGPUValidationIsTheCentreCrop) {
  auto x = torch::arange(64, torch::kFloat).reshape({1, 1, 8, 8}).expand({2, 1, 8, 8}).contiguous();
  RandomResizedCropGPU crop(4, 4, {.valid_scale = 0.5});
  // the centre 4×4, resampled at the same size: the pixels themselves
  auto y = crop(Item(TensorImage(x)), 1).get<TensorImage>();
  EXPECT_TRUE(torch::allclose(y, x.slice(2, 2, 6).slice(3, 2, 6), 1e-5, 1e-5));
  // valid_scale 1 on a square image: the whole image, resized
  RandomResizedCropGPU whole(4, 4);
  auto z = whole(Item(TensorImage(x)), 1).get<TensorImage>();
  EXPECT_EQ(z.sizes(), (std::vector<int64_t>{2, 1, 4, 4}));
  EXPECT_NEAR(z[0][0][0][0].item<double>(), 0.0, 1e-5);  // corners stay corners (align_corners)
  EXPECT_NEAR(z[0][0][3][3].item<double>(), 63.0, 1e-4);
}

TEST(BatchAugment, RandomResizedCropGPUTrainsOnOneRandomBoxForImageMaskAndPoints) {
  set_seed(5);
  RandomResizedCropGPU crop(10, 10, {.min_scale = 0.3, .nearest = true});
  RandomResizedCropGPU bilinear(10, 10, {.min_scale = 0.5});
  std::set<int64_t> firsts;
  int checked = 0;
  for (int trial = 0; trial < 16; ++trial) {
    // image = mask codes as floats, so with nearest sampling both must come out identical
    // the same mask for the three images: one box for the batch keeps their crops identical
    auto m = torch::randint(0, 5, {1, 20, 20}, torch::kLong).expand({3, 20, 20}).contiguous();
    // a point on the centre of pixel (column 9, row 11) of every image
    auto pts = torch::tensor({{{(9 + 0.5) / 10 - 1, (11 + 0.5) / 10 - 1}}}).expand({3, 1, 2}).contiguous();
    auto img = torch::zeros({3, 1, 20, 20});
    img.select(1, 0).slice(1, 10, 13).slice(2, 8, 11).fill_(0.5);  // a 3×3 blob peaking on that pixel
    img.select(1, 0).select(1, 11).select(1, 9).fill_(1.0);
    Item out = crop(Tuple({TensorImage(m.unsqueeze(1).to(torch::kFloat)), TensorMask(m)}), 0);
    const auto& yi = out[0].get<TensorImage>();
    const auto& ym = out[1].get<TensorMask>();
    ASSERT_EQ(yi.sizes(), (std::vector<int64_t>{3, 1, 10, 10}));
    EXPECT_TRUE(torch::equal(yi.squeeze(1).to(torch::kLong), ym));          // same box for image and mask
    EXPECT_TRUE(torch::equal(ym[0], ym[1]) && torch::equal(ym[1], ym[2]));  // one box for the batch
    firsts.insert(ym[0][0][0].item<int64_t>() * 1000 + ym[0][9][9].item<int64_t>());
    // the point lands on its pixel when the box kept it
    Item p = bilinear(Tuple({TensorImage(img), TensorPoint(pts)}), 0);
    const auto q = p[1].get<TensorPoint>()[0][0];
    const double px = (q[0].item<double>() + 1) * 10 / 2, py = (q[1].item<double>() + 1) * 10 / 2;
    const auto& im = p[0].get<TensorImage>()[0][0];
    if (px >= 0 && px < 10 && py >= 0 && py < 10 && im.max().item<double>() > 0) {
      const auto i = im.argmax().item<int64_t>();
      EXPECT_NEAR(px, static_cast<double>(i % 10) + 0.5, 1.5) << "trial " << trial;
      EXPECT_NEAR(py, static_cast<double>(i / 10) + 0.5, 1.5) << "trial " << trial;
      ++checked;
    }
  }
  EXPECT_GT(firsts.size(), 1u);  // the box is random
  EXPECT_GE(checked, 4);
}

TEST(BatchAugment, RandomResizedCropGPUDescribesAndRefusesBadOptions) {
  RandomResizedCropGPU crop(6, 8, {.min_scale = 0.35, .valid_scale = 0.9});
  auto rebuilt = transform_from_description(crop.describe());
  EXPECT_EQ(rebuilt->describe(), crop.describe());
  auto x = torch::rand({2, 3, 12, 12});
  EXPECT_TRUE(torch::allclose((*rebuilt)(Item(TensorImage(x)), 1).get<TensorImage>(),
                              crop(Item(TensorImage(x)), 1).get<TensorImage>()));
  EXPECT_THROW(RandomResizedCropGPU(0, 4), std::invalid_argument);
  EXPECT_THROW(RandomResizedCropGPU(4, 4, {.min_scale = 0.9, .max_scale = 0.5}), std::invalid_argument);
  EXPECT_THROW(crop(Item(Str("not a batch")), 0), std::invalid_argument);
}

TEST(BatchAugment, ValidationIsOnlyResizedToSize) {
  set_seed(2);
  auto x = torch::rand({2, 1, 8, 8});
  // no size: the validation batch comes back untouched, the training one augmented
  AffineCoordTfm rotate({AffineAug::rotate(45, 1.0)});
  EXPECT_TRUE(torch::equal(rotate(Item(TensorImage(x)), 1).get<TensorImage>(), x));
  EXPECT_FALSE(torch::allclose(rotate(Item(TensorImage(x)), 0).get<TensorImage>(), x, 1e-3, 1e-3));
  // with a size (aug_transforms(size=…)): both sets come out at that size, the validation one
  // a plain resize (bilinear, corners aligned), so a model sees one resolution
  AffineCoordTfm sized({AffineAug::rotate(45, 1.0)}, {.size = std::pair<int64_t, int64_t>{16, 16}});
  const auto v = sized(Item(TensorImage(x)), 1).get<TensorImage>();
  const auto t = sized(Item(TensorImage(x)), 0).get<TensorImage>();
  EXPECT_EQ(v.sizes(), (std::vector<int64_t>{2, 1, 16, 16}));
  EXPECT_EQ(t.sizes(), (std::vector<int64_t>{2, 1, 16, 16}));
  const auto resized = torch::nn::functional::interpolate(x, torch::nn::functional::InterpolateFuncOptions()
                                                                 .size(std::vector<int64_t>{16, 16})
                                                                 .mode(torch::kBilinear)
                                                                 .align_corners(true));
  EXPECT_TRUE(torch::allclose(v, resized, 1e-4, 1e-5));
}

TEST(BatchAugment, FastaisNamedTransformsTakeFastaisArguments) {
  // Each named transform is the single augmentation with fastai's defaults: same draw, same pixels.
  torch::manual_seed(0);
  auto x = Item(TensorImage(torch::rand({4, 3, 8, 8})));
  auto same = [&](const std::shared_ptr<Transform>& named, const Transform& plain, const std::string& name) {
    EXPECT_EQ(named->name, name);
    set_seed(9);
    auto a = tensor_of((*named)(x, 0));
    set_seed(9);
    auto b = tensor_of(plain(x, 0));
    EXPECT_TRUE(torch::allclose(a, b)) << name;
    EXPECT_FALSE(torch::equal(a, tensor_of(x))) << name << " changed nothing";
    auto again = transform_from_description(named->describe());  // describable like any built-in
    set_seed(9);
    EXPECT_TRUE(torch::allclose(tensor_of((*again)(x, 0)), a)) << name;
  };
  same(Rotate({.max_deg = 30, .p = 1.0}), AffineCoordTfm({AffineAug::rotate(30, 1.0)}), "Rotate");
  same(Zoom({.max_zoom = 1.5, .p = 1.0}), AffineCoordTfm({AffineAug::zoom(1.0, 1.5, 1.0)}), "Zoom");
  same(Flip({.p = 1.0}), AffineCoordTfm({AffineAug::flip(1.0)}), "Flip");
  same(Dihedral({.p = 1.0}), AffineCoordTfm({AffineAug::dihedral(1.0)}), "Dihedral");
  same(Warp({.magnitude = 0.4, .p = 1.0}), AffineCoordTfm({AffineAug::warp(0.4, 1.0)}), "Warp");
  same(Brightness({.p = 1.0}), LightingTfm({LightingAug::brightness(0.2, 1.0)}), "Brightness");
  same(Contrast({.max_lighting = 0.5, .p = 1.0}), LightingTfm({LightingAug::contrast(0.5, 1.0)}), "Contrast");
  same(Hue({.max_hue = 0.3, .p = 1.0}), HueTfm(0.3, 1.0), "Hue");
  auto rgb = Item(TensorImage(torch::rand({2, 3, 8, 8})));
  set_seed(4);
  auto s1 = tensor_of((*Saturation({.p = 1.0}))(rgb, 0));
  set_seed(4);
  EXPECT_TRUE(torch::allclose(s1, tensor_of(LightingTfm({LightingAug::saturation(0.2, 1.0)})(rgb, 0))));
  // fastai's defaults and the resampling arguments
  const auto d = Rotate()->describe();
  EXPECT_EQ(d["augs"][0]["max_deg"], 10.0);
  EXPECT_EQ(d["augs"][0]["p"], 0.5);
  EXPECT_EQ(Zoom({.size = ImageSize{6, 6}, .pad_mode = PadMode::Zeros})->describe()["pad_mode"], "zeros");
  EXPECT_EQ(tensor_of((*Zoom({.size = ImageSize{6, 6}}))(x, 1)).size(-1), 6);
}
