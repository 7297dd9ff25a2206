// Points travel with their pixels: PointScaler's relative coordinates, item crops/resizes/flips/
// dihedral, and the batch's affine matrix and warp put each point where its pixel lands.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "fastai/core/random.h"
#include "fastai/data/block.h"
#include "fastai/losses.h"
#include "fastai/vision/augment.h"
#include "fastai/vision/batch_augment.h"
#include "fastai/vision/core.h"
#include "fastai/vision/points.h"
#include "test_util.h"

using namespace fastai;

namespace {
// A uint8 [H, W, 1] image, dark but for a small blob peaking at pixel (row r, column c), so
// resizing keeps a clear peak.
at::Tensor dot_image(int h, int w, int r, int c) {
  auto img = torch::zeros({h, w, 1}, torch::kUInt8);
  img.slice(0, std::max(0, r - 1), r + 2).slice(1, std::max(0, c - 1), c + 2).fill_(160);
  img[r][c][0] = 255;
  return img;
}
// (column, row) of the brightest pixel of an [H, W, C] or [C, H, W] tensor.
std::pair<int64_t, int64_t> brightest(const at::Tensor& t, bool chw) {
  auto g = (chw ? t.select(0, 0) : t.select(2, 0)).to(torch::kFloat);
  const auto i = g.argmax().item<int64_t>();
  return {i % g.size(1), i / g.size(1)};
}
// A point at the centre of pixel (column c, row r).
Item centre_point(double c, double r) { return TensorPoint(torch::tensor({{c + 0.5, r + 0.5}})); }
}  // namespace

TEST(Points, ScalerToRelativeAndBack) {
  PointScaler s;
  Item x = Tuple({fastai::Image(dot_image(10, 20, 0, 0)), TensorPoint(torch::tensor({{5.f, 2.f}, {20.f, 10.f}}))});
  Item y = s(x);
  EXPECT_TRUE(torch::allclose(y[1].get<TensorPoint>(), torch::tensor({{-0.5f, -0.6f}, {1.f, 1.f}})));
  EXPECT_TRUE(torch::allclose(s.decode(y)[1].get<TensorPoint>(), x[1].get<TensorPoint>()));
  PointScaler yx(true);  // (y, x) points
  EXPECT_TRUE(torch::allclose(yx(Tuple({x[0], TensorPoint(torch::tensor({{2.f, 5.f}}))}))[1].get<TensorPoint>(),
                              torch::tensor({{-0.5f, -0.6f}})));
  EXPECT_THROW_WITH(s(Tuple({TensorPoint(torch::zeros({1, 2})), Str("no image")})), std::invalid_argument, "no image");
  EXPECT_THROW_WITH(PointCreate()(Item(TensorBase(torch::zeros({2, 3})))), std::invalid_argument, "[2, 3]");
}

TEST(Points, ItemTransformsMoveThemWithThePixels) {
  set_seed(3);
  std::vector<std::pair<std::string, std::shared_ptr<Transform>>> tfms = {
      {"Resize crop", std::make_shared<Resize>(12, 12)},
      {"Resize pad", std::make_shared<Resize>(16, 10, ResizeMethod::Pad, PadMode::Zeros)},
      {"CropPad", std::make_shared<CropPad>(9, 14)},
      {"RandomCrop", std::make_shared<RandomCrop>(8, 11)},
      {"FlipItem", std::make_shared<FlipItem>(1.0)},
      {"DihedralItem", std::make_shared<DihedralItem>(1.0)},
  };
  PointScaler scaler;
  int checked = 0;
  for (const auto& [name, tfm] : tfms)
    for (int trial = 0; trial < 8; ++trial) {
      // A dot away from the borders (so crops keep it), at a different place each time.
      const int r = 4 + trial % 3, c = 5 + trial;
      Item x = scaler(Tuple({fastai::Image(dot_image(13, 17, r, c)), centre_point(c, r)}));
      // Training split (random crops and flips); Resize on the validation split (centred).
      Item y = (*tfm)(x, name.rfind("Resize", 0) == 0 ? 1 : 0);
      const auto& img = y[0].get<fastai::Image>();
      const auto [bc, br] = brightest(img, false);
      // Skip when the crop cut the blob's peak off (resizing blurs it, so there only the whole blob).
      if (img.select(2, 0).max().item<int>() < (name.rfind("Resize", 0) == 0 ? 100 : 200)) continue;
      const auto p = scaler.decode(y)[1].get<TensorPoint>()[0];
      const double sx = name == "Resize pad" ? 0.6 : 0.5;  // resized pixels: allow the scale's rounding
      EXPECT_NEAR(p[0].item<double>() - 0.5, static_cast<double>(bc), sx + 0.5) << name << " trial " << trial;
      EXPECT_NEAR(p[1].item<double>() - 0.5, static_cast<double>(br), sx + 0.5) << name << " trial " << trial;
      ++checked;
    }
  EXPECT_GT(checked, 40);  // of 48: few crops cut the dot off
}

TEST(Points, FlipAndDihedralAreExact) {
  set_seed(5);
  PointScaler scaler;
  DihedralItem d(1.0);
  for (int trial = 0; trial < 16; ++trial) {
    Item x = scaler(Tuple({fastai::Image(dot_image(9, 9, 2, 6)), centre_point(6, 2)}));
    Item y = scaler.decode(d(x, 0));
    const auto [bc, br] = brightest(y[0].get<fastai::Image>(), false);
    const auto p = y[1].get<TensorPoint>()[0];
    EXPECT_DOUBLE_EQ(p[0].item<double>(), bc + 0.5);
    EXPECT_DOUBLE_EQ(p[1].item<double>(), br + 0.5);
  }
}

TEST(Points, LandWhereTheBatchMatrixAndWarpSay) {
  set_seed(11);
  const int64_t n = 6, h = 48, w = 48;
  // A batch of blobs (3×3, so bilinear resampling keeps a clear peak) and their centres.
  auto imgs = torch::zeros({n, 1, h, w});
  auto pts = torch::zeros({n, 1, 2});
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = 14 + 3 * i, c = 30 - 2 * i;
    imgs[i][0].slice(0, r - 1, r + 2).slice(1, c - 1, c + 2).fill_(0.5);
    imgs[i][0][r][c] = 1.0;
    pts[i][0][0] = (c + 0.5) * 2.0 / w - 1;
    pts[i][0][1] = (r + 0.5) * 2.0 / h - 1;
  }
  for (bool warp : {false, true}) {
    std::vector<AffineAug> augs = {AffineAug::rotate(30, 1.0), AffineAug::zoom(1.0, 1.2, 1.0), AffineAug::flip(0.5)};
    if (warp) augs.push_back(AffineAug::warp(0.1, 1.0));
    AffineCoordTfm tfm(augs, {.pad_mode = PadMode::Zeros});
    Item out = tfm(Tuple({TensorImage(imgs), TensorPoint(pts)}), 0);
    const auto& im = out[0].get<TensorImage>();
    const auto& q = out[1].get<TensorPoint>();
    for (int64_t i = 0; i < n; ++i) {
      const auto [bc, br] = brightest(im[i], true);
      const double px = (q[i][0][0].item<double>() + 1) * w / 2 - 0.5,
                   py = (q[i][0][1].item<double>() + 1) * h / 2 - 0.5;
      EXPECT_NEAR(px, static_cast<double>(bc), 1.5) << "image " << i << (warp ? " (warp)" : "");
      EXPECT_NEAR(py, static_cast<double>(br), 1.5) << "image " << i << (warp ? " (warp)" : "");
    }
  }
}

TEST(Points, PointBlockThroughADataBlock) {
  std::vector<Item> items;
  for (int i = 0; i < 8; ++i) items.push_back(Int(i));
  DataBlock dblock({.blocks = {TransformBlock{.type_tfms = [] { return TfmList{}; }}, PointBlock()},
                    .get_x = {[](const Item& i) {
                      return Item(fastai::Image(dot_image(20, 30, 5 + static_cast<int>(i.get<Int>()), 7)));
                    }},
                    .get_y = {[](const Item& i) {
                      return Item(TensorBase(torch::tensor({{7.5, 5.5 + static_cast<double>(i.get<Int>())}})));
                    }},
                    .splitter = RandomSplitter(0.25, 1),
                    .item_tfms = {std::make_shared<Resize>(20, 20)}});
  auto dls = dblock.dataloaders(items, {.bs = 2});
  auto b = dls.valid().one_batch();
  EXPECT_EQ(b[1].get<TensorPoint>().sizes(), (std::vector<int64_t>{2, 1, 2}));
  EXPECT_EQ(dls.loss_func->name, "MSELossFlat");
  // Decoded back to pixels of the 20×20 image: the dot's column moved by the centre crop (5).
  auto samples = dls.valid().decode_batch(b, 2);
  for (const auto& s : samples) {
    const auto [bc, br] =
        s[0].is<TensorImage>() ? brightest(s[0].get<TensorImage>(), true) : brightest(s[0].get<fastai::Image>(), false);
    const auto p = s[1].get<TensorPoint>()[0];
    EXPECT_NEAR(p[0].item<double>() - 0.5, static_cast<double>(bc), 1e-4);
    EXPECT_NEAR(p[1].item<double>() - 0.5, static_cast<double>(br), 1e-4);
  }
}

TEST(Boxes, CornersClipAndEmptyBoxesBecomePadding) {
  // A flip keeps x1 < x2; a crop that leaves a box empty zeroes it; a partial one is clipped.
  auto b = torch::tensor({{-0.5f, -0.5f, 0.f, 0.5f}});
  auto flipped = map_boxes(b, [](const at::Tensor& q) { return q * torch::tensor({-1.f, 1.f}); });
  EXPECT_TRUE(torch::allclose(flipped, torch::tensor({{0.f, -0.5f, 0.5f, 0.5f}})));
  auto shifted =
      map_boxes(torch::tensor({{0.5f, 0.f, 0.9f, 0.4f}, {-0.2f, -0.2f, 0.2f, 0.2f}}), [](const at::Tensor& q) {
        return q + torch::tensor({1.f, 0.f});
      });
  EXPECT_TRUE(torch::allclose(shifted[0], torch::zeros({4})));                        // fully outside
  EXPECT_TRUE(torch::allclose(shifted[1], torch::tensor({0.8f, -0.2f, 1.f, 0.2f})));  // clipped at the edge
}

TEST(Boxes, BlockPadsDecodesAndFollowsTheImage) {
  // Image i has i % 2 + 1 boxes around dots; labels "a" / "b".
  std::vector<Item> items;
  for (int i = 0; i < 6; ++i) items.push_back(Int(i));
  auto boxes_of = [](int64_t i) {
    return i % 2 ? torch::tensor({{2., 3., 6., 7.}, {10., 4., 14., 9.}}) : torch::tensor({{2., 3., 6., 7.}});
  };
  DataBlock dblock({.blocks = {TransformBlock{}, BBoxBlock(), BBoxLblBlock()},
                    .get_x = {[](const Item&) { return Item(fastai::Image(dot_image(12, 16, 5, 4))); }},
                    .get_y = {[boxes_of](const Item& i) { return Item(TensorBase(boxes_of(i.get<Int>()))); },
                              [](const Item& i) {
                                return Item(MultiCategory(i.get<Int>() % 2 ? std::vector<std::string>{"a", "b"}
                                                                           : std::vector<std::string>{"b"}));
                              }},
                    .splitter = IndexSplitter({5}),  // train: items 0–4, so one and two boxes mix
                    .n_inp = 1,
                    .item_tfms = {std::make_shared<FlipItem>(1.0)}});
  auto dls = dblock.dataloaders(items, {.bs = 4, .shuffle = false});
  Item b = dls.train().one_batch();
  const auto& boxes = b[1].get<TensorBBox>();
  const auto& labels = b[2].get<TensorMultiCategory>();
  EXPECT_EQ(boxes.size(1), labels.size(1));
  EXPECT_EQ(boxes.size(2), 4);
  bool padded = false;
  for (int64_t s = 0; s < boxes.size(0); ++s)
    for (int64_t k = 0; k < boxes.size(1); ++k) {
      if (labels[s][k].item<int64_t>() == 0) {
        padded = true;
        EXPECT_TRUE(boxes[s][k].eq(0).all().item<bool>());  // padding: zero box, '#na#' label
      } else {
        EXPECT_LT(boxes[s][k][0].item<float>(), boxes[s][k][2].item<float>());  // still x1 < x2 after the flip
      }
    }
  EXPECT_EQ(boxes.size(1), 2);  // items 0–3 in order: 1, 2, 1, 2 boxes
  EXPECT_TRUE(padded);
  // Decoded: padding gone; the box around the dot at column 4 is mirrored to columns 10..14.
  for (const auto& s : dls.train().decode_batch(b, 4)) {
    const auto& bx = s[1].get<TensorBBox>();
    const auto& lb = s[2].get<MultiCategory>();
    EXPECT_EQ(bx.size(0), static_cast<int64_t>(lb.size()));
    EXPECT_TRUE(torch::allclose(bx[0], torch::tensor({10.f, 3.f, 14.f, 7.f}), 1e-4, 1e-4)) << bx;
  }
}

TEST(Boxes, BatchAffineKeepsTheBlobInsideItsBox) {
  set_seed(4);
  auto img = torch::zeros({4, 1, 40, 40});
  img.select(1, 0).slice(1, 18, 23).slice(2, 10, 15).fill_(1.0);  // rows 18..22, columns 10..14
  const float x1 = 10.f * 2 / 40 - 1, x2 = 15.f * 2 / 40 - 1, y1 = 18.f * 2 / 40 - 1, y2 = 23.f * 2 / 40 - 1;
  auto box = torch::tensor({x1, y1, x2, y2}).view({1, 1, 4}).expand({4, 1, 4}).contiguous();
  AffineCoordTfm tfm({AffineAug::rotate(40, 1.0), AffineAug::zoom(1.0, 1.3, 1.0)}, {.pad_mode = PadMode::Zeros});
  Item out = tfm(Tuple({TensorImage(img), TensorBBox(box)}), 0);
  const auto& im = out[0].get<TensorImage>();
  const auto& bb = out[1].get<TensorBBox>();
  for (int64_t i = 0; i < 4; ++i) {
    const auto [c, r] = brightest(im[i], true);
    const double px = (c + 0.5) * 2 / 40 - 1, py = (r + 0.5) * 2 / 40 - 1;
    EXPECT_GE(px, bb[i][0][0].item<double>() - 0.05);
    EXPECT_LE(px, bb[i][0][2].item<double>() + 0.05);
    EXPECT_GE(py, bb[i][0][1].item<double>() - 0.05);
    EXPECT_LE(py, bb[i][0][3].item<double>() + 0.05);
  }
}

namespace {
// Pixels of a written RGB picture that are clearly red / clearly green (the marks' colours; the
// data images are grey).
int64_t count_colour(const std::filesystem::path& png, bool red) {
  const auto img = load_image(png).to(torch::kInt);  // [H, W, 3]
  const auto r = img.select(2, 0), g = img.select(2, 1), b = img.select(2, 2);
  return (red ? (r > 150) & (g < 90) & (b < 90) : (g > 100) & (r < 60) & (b < 60)).sum().item<int64_t>();
}
}  // namespace

TEST(Points, ShowBatchAndShowResultsDrawThePointsAndBoxes) {
  fastai::testing::TempDir tmp;
  std::vector<Item> items;
  for (int i = 0; i < 4; ++i) items.push_back(Int(i));
  DataBlock points({.blocks = {TransformBlock{.type_tfms = [] { return TfmList{}; }}, PointBlock()},
                    .get_x = {[](const Item&) { return Item(fastai::Image(dot_image(20, 30, 6, 7))); }},
                    .get_y = {[](const Item&) {
                      return Item(TensorBase(torch::tensor({{7.5, 6.5}})));
                    }},
                    .splitter = IndexSplitter({3})});
  auto dls = points.dataloaders(items, {.bs = 2});
  const auto drawn = dls.train().show_batch({}, {.max_n = 2, .ncols = 2, .path = tmp.path / "points.png"});
  EXPECT_GT(count_colour(drawn, true), 10);  // a red dot per image
  // show_results: the target in green, a prediction (elsewhere) in red
  Item b = dls.train().one_batch();
  Item outs(Tuple({b[0], TensorPoint(torch::full({2, 1, 2}, 0.5))}));
  const auto results = dls.train().show_results(b, outs, {.max_n = 2, .ncols = 2, .path = tmp.path / "results.png"});
  EXPECT_GT(count_colour(results, false), 10);
  EXPECT_GT(count_colour(results, true), 10);

  DataBlock boxes({.blocks = {TransformBlock{}, BBoxBlock(), BBoxLblBlock()},
                   .get_x = {[](const Item&) { return Item(fastai::Image(dot_image(12, 16, 5, 4))); }},
                   .get_y = {[](const Item&) {
                               return Item(TensorBase(torch::tensor({{2., 3., 9., 8.}})));
                             },
                             [](const Item&) { return Item(MultiCategory(std::vector<std::string>{"dot"})); }},
                   .splitter = IndexSplitter({3}),
                   .n_inp = 1});
  auto bdls = boxes.dataloaders(items, {.bs = 2});
  const auto boxed = bdls.train().show_batch({}, {.max_n = 2, .ncols = 2, .path = tmp.path / "boxes.png"});
  EXPECT_GT(count_colour(boxed, true), 40);  // rectangles
}
