#include "fastai/vision/augment.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

#include "fastai/core/describe.h"
#include "fastai/core/random.h"
#include "fastai/data/transforms.h"
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

TEST(ItemTransforms, CropPadAndRandomCrop) {
  auto c = run(CropPad(4, 4), coords(4, 8), 1);
  EXPECT_TRUE(torch::equal(c, coords(4, 8).slice(1, 2, 6).contiguous()));
  auto p = run(CropPad(4, 4), coords(2, 4), 1);
  EXPECT_EQ(p[0].sum().item<int>(), 0);
  EXPECT_TRUE(torch::equal(p.slice(0, 1, 3), coords(2, 4)));
  RandomCrop rc(4, 4);
  EXPECT_TRUE(torch::equal(run(rc, coords(8, 8), 1), coords(8, 8).slice(0, 2, 6).slice(1, 2, 6).contiguous()));
  set_seed(1);
  std::set<int> corners;
  for (int i = 0; i < 30; ++i) {
    Item out = rc(Item(Tuple({ImageBW(coords(8, 8)), Mask(coords(8, 8))})), 0);
    EXPECT_TRUE(torch::equal(out[0].get<ImageBW>(), out[1].get<Mask>()));
    corners.insert(out[0].get<ImageBW>()[0][0][0].item<int>());
  }
  EXPECT_GT(corners.size(), 5u);
}

TEST(ItemTransforms, RandomResizedCropSizesAndValidationCentreCrop) {
  RandomResizedCrop rrc(8, 8);
  set_seed(2);
  std::set<int> seen;
  for (int i = 0; i < 20; ++i) {
    auto out = run(rrc, coords(16, 24), 0);
    EXPECT_EQ(out.sizes(), (std::vector<int64_t>{8, 8, 1}));
    seen.insert(out.to(torch::kInt).sum().item<int>());
  }
  EXPECT_GT(seen.size(), 5u);
  // validation: resize the whole image to 8 + ceil(8·0.14/8)·8 = 16, then centre-crop 8×8
  auto v = run(rrc, coords(16, 16), 1);
  EXPECT_TRUE(torch::equal(v, coords(16, 16).slice(0, 4, 12).slice(1, 4, 12).contiguous()));
}

TEST(ItemTransforms, FlipAndDihedralAsFastai) {
  auto img = coords(2, 3);
  EXPECT_TRUE(torch::equal(run(FlipItem(1.0), img, 0), img.flip({1})));
  EXPECT_TRUE(torch::equal(run(FlipItem(1.0), img, 1), img));  // training only
  // fastai's TensorImage.dihedral on [C, H, W]: flip(-1) for k∈{1,3,4,7}, flip(-2) for
  // k∈{2,4,5,7}, transpose(-1,-2) for k∈{3,5,6,7}
  const auto chw = img.permute({2, 0, 1});
  for (int k = 0; k < 8; ++k) {
    auto x = chw;
    if (k == 1 || k == 3 || k == 4 || k == 7) x = x.flip({-1});
    if (k == 2 || k == 4 || k == 5 || k == 7) x = x.flip({-2});
    if (k == 3 || k == 5 || k == 6 || k == 7) x = x.transpose(-1, -2);
    EXPECT_TRUE(torch::equal(DihedralItem::dihedral(img, k), x.permute({1, 2, 0}))) << k;
  }
  DihedralItem d;
  set_seed(4);
  std::set<std::vector<int64_t>> shapes;
  for (int i = 0; i < 20; ++i) {
    Item out = d(Item(Tuple({ImageBW(img), Mask(img)})), 0);
    EXPECT_TRUE(torch::equal(out[0].get<ImageBW>(), out[1].get<Mask>()));
    shapes.insert(out[0].get<ImageBW>().sizes().vec());
  }
  EXPECT_EQ(shapes.size(), 2u);  // some k transpose 2×3 into 3×2
  for (const auto& t : {transform_from_description(FlipItem(0.3).describe()), transform_from_description(d.describe()),
                        transform_from_description(CropPad(3, 3).describe()),
                        transform_from_description(RandomResizedCrop(4, 6).describe())})
    EXPECT_TRUE(t);
}

TEST(Describe, FieldListTransformsRoundTripAndRefuseUnknownNames) {
  const std::vector<std::shared_ptr<Transform>> tfms = {
      std::make_shared<Resize>(5, 7, ResizeMethod::Pad, PadMode::Border),
      std::make_shared<CropPad>(3, 4, PadMode::Zeros),
      std::make_shared<RandomCrop>(2, 3),
      std::make_shared<RandomResizedCrop>(4, 6, RandomResizedCropOptions{.min_scale = 0.5}),
      std::make_shared<FlipItem>(0.25),
      std::make_shared<DihedralItem>(0.75)};
  for (const auto& t : tfms) {
    const auto d = t->describe();
    EXPECT_EQ(transform_from_description(d)->describe(), d) << d.dump();
  }
  const auto d = tfms[0]->describe();
  EXPECT_EQ(d["h"], 5);
  EXPECT_EQ(d["method"], "pad");
  EXPECT_EQ(d["pad_mode"], "border");
  EXPECT_DOUBLE_EQ(tfms[3]->describe()["min_scale"].get<double>(), 0.5);  // options are written flat
  auto bad = d;
  bad["pad_mode"] = "mirror";  // used to become reflection without a word
  try {
    transform_from_description(bad);
    ADD_FAILURE() << "expected an error";
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("PadMode: unknown value 'mirror'"), std::string::npos) << m;
    EXPECT_NE(m.find("zeros, border, reflection"), std::string::npos) << m;
  }
  auto missing = d;
  missing.erase("w");
  EXPECT_THROW(transform_from_description(missing), std::runtime_error);  // "malformed description of transform Resize"
}

TEST(Describe, TransformsWrittenAsValuesBecomeSharedCopies) {
  // `.item_tfms = {Resize(4), FlipItem(1.0)}` reads like fastai; each value is rebuilt from its description.
  std::vector<std::shared_ptr<Transform>> tfms = {Resize(4, 4, ResizeMethod::Squish), FlipItem(1.0)};
  ASSERT_EQ(tfms.size(), 2u);
  EXPECT_EQ(tfms[0]->type_name(), "Resize");
  EXPECT_EQ(tfms[0]->describe(), Resize(4, 4, ResizeMethod::Squish).describe());
  auto img = Item(ImageBW(coords(8, 8)));
  auto viaValue = (*tfms[1])((*tfms[0])(img, 0), 0).get<ImageBW>();
  auto direct = FlipItem(1.0)(Resize(4, 4, ResizeMethod::Squish)(img, 0), 0).get<ImageBW>();
  EXPECT_TRUE(torch::equal(viaValue, direct));
  auto lambda = [] { return std::shared_ptr<Transform>(Transform([](const Item& x) { return x; })); };
  EXPECT_THROW(lambda(), NotDescribableError);  // no description to copy: the message says to use make_shared
  // docs/data.md writes these as values too
  std::vector<std::shared_ptr<Transform>> data = {Categorize(), IntToFloatTensor(), Normalize(), ItemGetter(1)};
  EXPECT_EQ(data[0]->type_name(), "Categorize");
  EXPECT_EQ(data[3]->type_name(), "ItemGetter");
}
