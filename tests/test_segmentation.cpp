// Segmentation end to end on a tiny folder made here: SegmentationDataLoaders::from_label_func,
// unet_learner (defaults, splitter, loss from the masks, export), and the errors bad masks get.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "fastai/data/transforms.h"
#include "fastai/export.h"
#include "fastai/interpret.h"
#include "fastai/metrics.h"
#include "fastai/vision/augment.h"
#include "fastai/vision/data.h"
#include "fastai/vision/show.h"
#include "fastai/vision/unet_learner.h"
#include "test_config.h"

#include <nlohmann/json.hpp>

using namespace fastai;
namespace fs = std::filesystem;

namespace {

// xresnet18 at a quarter of its widths, so the U-Net trains in a second (and exports: a named arch).
const XResNetOptions small_arch{.stem_szs = {8, 8, 64}, .widen = 0.25};

// 12 grey 32×32 images with a bright square whose mask is code 1 (or 2 right of centre).
fs::path make_set(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / name;
  fs::remove_all(dir);
  fs::create_directories(dir / "images");
  fs::create_directories(dir / "labels");
  torch::manual_seed(0);
  std::ofstream valid(dir / "valid.txt");
  for (int i = 0; i < 12; ++i) {
    auto x = torch::zeros({32, 32, 1}, torch::kUInt8), y = torch::zeros({32, 32, 1}, torch::kUInt8);
    const int64_t r = torch::randint(0, 20, {1}).item<int64_t>(), c = torch::randint(0, 20, {1}).item<int64_t>();
    using torch::indexing::Slice;
    x.index_put_({Slice(r, r + 12), Slice(c, c + 12)}, 200);
    y.index_put_({Slice(r, r + 12), Slice(c, c + 12)}, c < 10 ? 1 : 2);
    const std::string stem = "img" + std::to_string(i);
    save_image(dir / "images" / (stem + ".png"), x);
    save_image(dir / "labels" / (stem + "_P.png"), y);
    if (i >= 9) valid << stem << ".png\n";
  }
  std::ofstream(dir / "codes.txt") << "background\nleft\nright\n";
  return dir;
}

DataLoaders loaders(const fs::path& dir, int64_t bs = 4) {
  return SegmentationDataLoaders::from_label_func(
      dir, get_image_files(dir / "images"),
      [dir](const fs::path& f) { return dir / "labels" / (f.stem().string() + "_P.png"); },
      {.seed = 0,
       .codes = read_codes(dir / "codes.txt"),
       .img_cls = ImageCreate::Kind::ImageBW,
       .splitter = FileSplitter(dir / "valid.txt"),
       .bs = bs});
}

}  // namespace

TEST(Segmentation, FromLabelFuncGivesImagesAndMasks) {
  const auto dir = make_set("fastai_seg_loaders");
  auto dls = loaders(dir);
  EXPECT_EQ(dls.train().n(), 9);
  EXPECT_EQ(dls.valid().n(), 3);
  const auto b = batch_tensors(dls.train().one_batch());
  EXPECT_EQ(b.at(0).sizes(), (at::IntArrayRef{4, 1, 32, 32}));
  EXPECT_EQ(b.at(0).scalar_type(), torch::kFloat);
  EXPECT_EQ(b.at(1).sizes(), (at::IntArrayRef{4, 32, 32}));
  EXPECT_EQ(b.at(1).scalar_type(), torch::kLong);
  EXPECT_LE(b.at(1).max().item<int64_t>(), 2);
  EXPECT_EQ(read_codes(dir / "codes.txt"), (std::vector<std::string>{"background", "left", "right"}));
  fs::remove_all(dir);
}

TEST(Segmentation, UnetLearnerTrainsWithFastaisDefaultsAndExports) {
  const auto dir = make_set("fastai_seg_learner");
  auto dls = loaders(dir);
  torch::manual_seed(0);
  auto learn = unet_learner(dls, xresnet18, {.arch = small_arch, .metrics = {DiceMulti(), foreground_acc()}});
  ASSERT_TRUE(learn.model.as<DynamicUnetImpl>());
  EXPECT_EQ(learn.loss_func->describe(), CrossEntropyLossFlat({.axis = 1})->describe());
  EXPECT_EQ(learn.splitter(learn.model).size(), 3u);
  // The last layer has one output per code.
  learn.model->eval();
  {
    torch::NoGradGuard g;
    EXPECT_EQ(learn.model({torch::zeros({1, 1, 32, 32})}).sizes(), (at::IntArrayRef{1, 3, 32, 32}));
  }
  learn.fit_one_cycle(3, 1e-2);
  const auto& values = learn.recorder->values;
  ASSERT_EQ(values.size(), 3u);
  EXPECT_LT(values.back().at(1), values.front().at(1));  // the validation loss falls

  const auto file = dir / "unet.fai";
  export_learner(learn, file);
  auto back = load_learner(file);
  const auto x = batch_tensors(dls.valid().one_batch()).at(0);
  learn.model->eval();
  back.model->eval();
  torch::NoGradGuard g;
  EXPECT_TRUE(torch::allclose(learn.model({x}), back.model({x})));
  fs::remove_all(dir);
}

TEST(Segmentation, BadMasksAreNamed) {
  auto first_error = [](const fs::path& dir) -> std::string {
    auto dls = loaders(dir, 1);
    try {
      for (const auto& b : dls.train()) (void)b;
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  };
  const auto dir = make_set("fastai_seg_bad");
  // A mask of another size than its image.
  save_image(dir / "labels" / "img0_P.png", torch::zeros({16, 32, 1}, torch::kUInt8));
  const auto m0 = first_error(dir);
  EXPECT_NE(m0.find("img0.png"), std::string::npos) << m0;
  EXPECT_NE(m0.find("the mask is 16x32 (HxW) but its image is 32x32"), std::string::npos) << m0;
  // A code outside codes.txt.
  save_image(dir / "labels" / "img0_P.png", torch::zeros({32, 32, 1}, torch::kUInt8));
  save_image(dir / "labels" / "img1_P.png", torch::full({32, 32, 1}, 7, torch::kUInt8));
  const auto m1 = first_error(dir);
  EXPECT_NE(m1.find("img1_P.png"), std::string::npos) << m1;
  EXPECT_NE(m1.find("code 7"), std::string::npos) << m1;
  fs::remove_all(dir);
}

TEST(Segmentation, PaletteMasksDecodeToTheirCodes) {
  const fs::path dir = fs::path(FASTAI_TEST_DATA_DIR) / "masks";
  std::ifstream f(dir / "codes.json");
  const auto ref = nlohmann::json::parse(f);
  for (const auto& [name, want] : ref.items()) {
    if (name == "voc") continue;  // below
    const auto codes = want["codes"].get<std::vector<std::vector<int64_t>>>();
    const auto m = load_image(dir / name, ImageMode::Codes);
    ASSERT_EQ(m.sizes(), (at::IntArrayRef{static_cast<int64_t>(codes.size()), static_cast<int64_t>(codes[0].size()), 1}))
        << name;
    for (size_t r = 0; r < codes.size(); ++r)
      for (size_t c = 0; c < codes[r].size(); ++c)
        ASSERT_EQ(m[static_cast<int64_t>(r)][static_cast<int64_t>(c)][0].item<int64_t>(), codes[r][c])
            << name << " at " << r << "," << c;
    // The grey read (what fastai's PILMask gives, PIL's luminance of the palette colours) differs.
    EXPECT_FALSE(torch::equal(m, load_image(dir / name, ImageMode::Gray))) << name;
  }
  // ImageCreate(Mask) reads codes; an 8-bit grey PNG is read as is.
  auto mask = ImageCreate(ImageCreate::Kind::Mask)(Item(Path(dir / "voc_palette.png")));
  EXPECT_EQ(mask.get<Mask>().max().item<int64_t>(), 255);
}

TEST(Segmentation, ShowBatchAndResultsDrawMasksWithALegend) {
  const auto dir = make_set("fastai_seg_show");
  auto dls = loaders(dir);
  const auto batch_png = dir / "batch.png", results_png = dir / "results.png";
  dls.show_batch({}, {.max_n = 4, .path = batch_png});
  const auto pic = load_image(batch_png);
  // Code 1's colour (tab20's first, bluish) is blended into the image cells — counted above the
  // legend, whose own swatch is bluish too — and nowhere in a picture of the grey images alone.
  const auto c1 = code_colour(1);
  auto bluish = [](const at::Tensor& rgb) {
    const auto px = rgb.to(torch::kInt);
    return (px.select(2, 2) - px.select(2, 0)).gt(40).sum().item<int64_t>();
  };
  const int64_t cells_h = 160 + 2 * 6;  // the first row of cells (mask cells have no titles)
  EXPECT_GT(bluish(pic.slice(0, 0, cells_h)), 1000)
      << "no mask colour (" << int(c1[0]) << "," << int(c1[1]) << "," << int(c1[2]) << ") drawn";
  auto images_only = dls.train().one_batch();
  show_image_grid({{batch_tensors(images_only).at(0)[0], {}, {}}}, dir / "plain.png", {.print_path = false});
  EXPECT_EQ(bluish(load_image(dir / "plain.png")), 0);
  auto learn = unet_learner(dls, xresnet18, {.arch = small_arch});
  learn.show_results(1, {.max_n = 2, .path = results_png});
  const auto res = load_image(results_png);
  EXPECT_EQ(res.size(2), 3);
  EXPECT_EQ(res.size(1), 2 * (160 + 2 * 6));  // two cells per row: target, prediction
  fs::remove_all(dir);
}

TEST(Segmentation, InterpretationShowsTheWorstItems) {
  const auto dir = make_set("fastai_seg_interp");
  auto dls = loaders(dir);
  torch::manual_seed(0);
  auto learn = unet_learner(dls, xresnet18, {.arch = small_arch});
  auto interp = SegmentationInterpretation::from_learner(learn);
  ASSERT_EQ(interp.preds().losses.numel(), 3);  // one loss per validation item: the mean over its pixels
  const auto [losses, idx] = interp.top_losses(2);
  EXPECT_GE(losses[0].item<double>(), losses[1].item<double>());
  // Each item's loss is the mean of its pixels' cross-entropies (preds are the softmax, fastai's act).
  const auto i = idx[0].item<int64_t>();
  const auto log_probs = interp.preds().preds[i].unsqueeze(0).log();
  const auto want = torch::nn::functional::nll_loss(log_probs, interp.preds().targs[i].unsqueeze(0));
  EXPECT_NEAR(losses[0].item<double>(), want.item<double>(), 1e-4);
  const auto png = interp.plot_top_losses(2, dir / "worst.png");
  EXPECT_TRUE(fs::exists(png));
  fs::remove_all(dir);
}

// Real VOC photos with palette masks, from Debian's labelme-examples (scripts/setup.sh installs it).
TEST(Segmentation, VocPaletteMasksFromLabelmeExamples) {
  const fs::path voc = "/usr/share/doc/labelme-examples/examples/instance_segmentation/data_dataset_voc";
  ASSERT_TRUE(fs::exists(voc / "class_names.txt")) << voc << " is missing: install Debian's labelme-examples "
                                                       "(scripts/setup.sh does)";
  std::ifstream f(fs::path(FASTAI_TEST_DATA_DIR) / "masks/codes.json");
  const auto ref = nlohmann::json::parse(f)["voc"];
  for (const auto& [stem, want] : ref.items()) {
    const auto m = load_image(voc / "SegmentationClassPNG" / (stem + ".png"), ImageMode::Codes);
    const auto img = load_image(voc / "JPEGImages" / (stem + ".jpg"));
    EXPECT_EQ(m.size(0), img.size(0));
    EXPECT_EQ(m.size(1), img.size(1));
    EXPECT_EQ(m.size(0), want["shape"][0].get<int64_t>());
    const auto counts = torch::bincount(m.flatten().to(torch::kLong), {}, 256);
    for (const auto& [code, n] : want["counts"].items())
      EXPECT_EQ(counts[std::stoi(code)].item<int64_t>(), n.get<int64_t>()) << stem << " code " << code;
    EXPECT_EQ(counts.gt(0).sum().item<int64_t>(), static_cast<int64_t>(want["counts"].size())) << stem;
  }
  // VOC marks object borders with 255 ("void"), which the 21 class names do not cover: the loader
  // says so, naming the value and the mask file.
  auto dls = SegmentationDataLoaders::from_label_func(
      voc, get_image_files(voc / "JPEGImages"),
      [voc](const fs::path& p) { return voc / "SegmentationClassPNG" / (p.stem().string() + ".png"); },
      {.valid_pct = 0.0, .seed = 0, .codes = read_codes(voc / "class_names.txt"),
       .item_tfms = {std::make_shared<Resize>(64)}, .bs = 3});
  try {
    for (const auto& b : dls.train()) (void)b;
    FAIL() << "code 255 was accepted";
  } catch (const std::exception& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("code 255"), std::string::npos) << m;
    EXPECT_NE(m.find("SegmentationClassPNG"), std::string::npos) << m;
  }
}
