#include "fastai/vision/core.h"

#include "fastai/vision/augment.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "fastai/core/describe.h"
#include "fastai/data/external.h"
#include "fastai/data/load.h"
#include "fastai/data/transforms.h"
#include "fastai/losses.h"
#include "fastai/vision/data.h"
#include "fastai/vision/show.h"
#include "test_util.h"

using namespace fastai;
using namespace fastai::testing;

namespace {
at::Tensor rgb_image(int64_t h = 6, int64_t w = 5) {
  auto img = torch::zeros({h, w, 3}, torch::kUInt8);
  img.select(2, 0).fill_(200);  // red
  img[0][0][1] = 17;
  return img;
}
void write_bytes(const std::filesystem::path& f, const std::string& s) {
  std::filesystem::create_directories(f.parent_path());
  std::ofstream(f, std::ios::binary) << s;
}
}  // namespace

TEST(VisionCore, PngRoundTripKeepsPixelsAndChannelOrder) {
  TempDir dir;
  const auto img = rgb_image();
  save_image(dir / "a.png", img);
  const auto back = load_image(dir / "a.png");
  EXPECT_EQ(back.sizes(), img.sizes());
  EXPECT_TRUE(torch::equal(back, img));  // red stays in channel 0 (OpenCV's BGR is converted)
  const auto grey = load_image(dir / "a.png", ImageMode::Gray);
  EXPECT_EQ(grey.sizes(), (std::vector<int64_t>{6, 5, 1}));
  // a grey file read as RGB is converted (PIL's convert("RGB")), all channels equal
  save_image(dir / "g.png", torch::full({4, 4, 1}, 90, torch::kUInt8));
  const auto g3 = load_image(dir / "g.png");
  EXPECT_EQ(g3.sizes(), (std::vector<int64_t>{4, 4, 3}));
  EXPECT_EQ(g3.to(torch::kInt).sum().item<int>(), 90 * 48);
}

TEST(VisionCore, BadFilesGiveAnErrorNamingTheFile) {
  TempDir dir;
  EXPECT_THROW_WITH(load_image(dir / "missing.png"), ImageError, "missing.png", "no such file");
  write_bytes(dir / "empty.png", "");
  EXPECT_THROW_WITH(load_image(dir / "empty.png"), ImageError, "empty.png", "empty");
  write_bytes(dir / "notes.png", "these are not pixels");
  EXPECT_THROW_WITH(load_image(dir / "notes.png"), ImageError, "notes.png", "not a readable image");
  const auto png = encode_image(rgb_image(40, 40));
  write_bytes(dir / "cut.png", std::string(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(png.size() / 2)));
  EXPECT_THROW_WITH(load_image(dir / "cut.png"), ImageError, "cut.png", "truncated");
}

TEST(VisionData, ATruncatedPngReachesTheCallerAsImageErrorThroughTheLoader) {
  TempDir dir;
  std::filesystem::path cut;
  for (const char* split : {"train", "valid"})
    for (const char* cls : {"a", "b"})
      for (int i = 0; i < 4; ++i) {
        const auto f = dir.path / split / cls / (std::to_string(i) + ".png");
        std::filesystem::create_directories(f.parent_path());
        save_image(f, rgb_image(8, 8));
        if (std::string(split) == "train" && std::string(cls) == "b" && i == 2) cut = f;
      }
  const auto png = encode_image(rgb_image(8, 8));
  write_bytes(cut, std::string(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(png.size() - 9)));
  for (int workers : {0, 2}) {
    auto dls = ImageDataLoaders::from_folder(dir.path, {.bs = 8, .num_workers = workers});
    ::testing::internal::CaptureStderr();
    bool caught = false;
    try {
      for (const Item& b : dls.train()) (void)b;
    } catch (const ImageError& e) {
      caught = true;
      EXPECT_EQ(e.file(), cut);
      const std::string what = e.what();
      for (const std::string& part :
           {std::string("DataLoader: building batch 0"), cut.string(), std::string("truncated")})
        EXPECT_NE(what.find(part), std::string::npos) << what << " lacks " << part;
      // The layers' own errors stay reachable: the original ImageError is nested inside.
      bool nested = false;
      try {
        std::rethrow_if_nested(e);
      } catch (const ImageError& inner) {
        nested = inner.file() == cut;
      }
      EXPECT_TRUE(nested);
    }
    EXPECT_TRUE(caught) << workers << " workers";
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "") << "libpng's own warnings reached stderr";
  }
}

TEST(VisionCore, ImageCreateAndToTensorGiveCHWTensorImages) {
  TempDir dir;
  save_image(dir / "a.png", rgb_image());
  auto create = std::make_shared<ImageCreate>();
  Item img = (*create)(Item(Path(dir / "a.png")));
  ASSERT_TRUE(img.is<fastai::Image>());
  Item t = ToTensor()(img);
  ASSERT_TRUE(t.is<TensorImage>());
  EXPECT_EQ(t.get<TensorImage>().sizes(), (std::vector<int64_t>{3, 6, 5}));
  EXPECT_EQ(t.get<TensorImage>()[0][0][0].item<int>(), 200);
  auto bw = std::make_shared<ImageCreate>(ImageCreate::Kind::ImageBW);
  Item tb = ToTensor()((*bw)(Item(Path(dir / "a.png"))));
  ASSERT_TRUE(tb.is<TensorImageBW>());
  EXPECT_EQ(tb.get<TensorImageBW>().sizes(), (std::vector<int64_t>{1, 6, 5}));
  // describable: rebuilt from its description
  auto again = transform_from_description(bw->describe());
  EXPECT_TRUE(ToTensor()((*again)(Item(Path(dir / "a.png")))).is<TensorImageBW>());
}

TEST(VisionCore, ToTensorIsPermuteSharingStorageForAnyLayout) {
  // ToTensor builds its [C, H, W] view directly (no dispatcher); it must be exactly permute's view.
  const auto hwc = torch::arange(2 * 7 * 6 * 3).to(torch::kUInt8).reshape({2, 7, 6, 3});
  const std::vector<at::Tensor> cases = {hwc[1],                                      // storage offset
                                         hwc[0].slice(0, 1, 5).slice(1, 2, 6),        // a crop: strided
                                         hwc[1].select(2, 0).unsqueeze(2),            // one channel
                                         hwc[0].to(torch::kFloat).requires_grad_()};  // autograd: permute
  for (const auto& x : cases) {
    const auto t = ToTensor()(Item(fastai::Image(x))).get<TensorImage>();
    const auto ref = x.permute({2, 0, 1});
    EXPECT_EQ(t.sizes(), ref.sizes());
    EXPECT_EQ(t.strides(), ref.strides());
    EXPECT_TRUE(torch::equal(t, ref));
    EXPECT_EQ(t.data_ptr(), ref.data_ptr());  // a view, not a copy
    EXPECT_EQ(t.requires_grad(), x.requires_grad());
  }
  // Collated like any other sample.
  const auto b =
      tensor_of(collate({ToTensor()(Item(fastai::Image(cases[1]))), ToTensor()(Item(fastai::Image(cases[1])))}));
  EXPECT_TRUE(torch::equal(b[1], cases[1].permute({2, 0, 1})));
}

TEST(VisionData, FromFolderLabelsFromParentsSplitsFromGrandparents) {
  TempDir dir;
  int n = 0;
  for (const char* split : {"train", "valid"})
    for (const char* cls : {"cat", "dog"})
      for (int i = 0; i < (std::string(split) == "train" ? 4 : 2); ++i) {
        std::filesystem::create_directories(dir.path / split / cls);
        save_image(dir.path / split / cls / (std::to_string(n++) + ".png"),
                   torch::full({8, 8, 1}, std::string(cls) == "cat" ? 10 : 240, torch::kUInt8));
      }
  auto dls =
      ImageDataLoaders::from_folder(dir.path, {.img_cls = ImageCreate::Kind::ImageBW, .bs = 4, .num_workers = 2});
  EXPECT_EQ(dls.train().n(), 8);
  EXPECT_EQ(dls.valid().n(), 4);
  auto b = batch_tensors(dls.valid().one_batch());
  EXPECT_EQ(b[0].sizes(), (std::vector<int64_t>{4, 1, 8, 8}));
  EXPECT_EQ(b[0].scalar_type(), torch::kFloat);
  // label 0 = cat (dark), 1 = dog (bright): the pixels say which is which
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(b[1][i].item<int64_t>(), b[0][i].mean().item<double>() > 0.5 ? 1 : 0);
  ASSERT_TRUE(dls.loss_func);
  // item transforms run per item on the workers: Resize to 4×4
  auto small = ImageDataLoaders::from_folder(dir.path, {.item_tfms = {std::make_shared<Resize>(4, 4)},
                                                        .img_cls = ImageCreate::Kind::ImageBW,
                                                        .bs = 4,
                                                        .num_workers = 2});
  EXPECT_EQ(batch_tensors(small.train().one_batch())[0].sizes(), (std::vector<int64_t>{4, 1, 4, 4}));
  EXPECT_THROW_WITH(ImageDataLoaders::from_folder(dir.path, {.valid = "test"}), std::invalid_argument, "test",
                    "not a folder");
  TempDir empty;
  EXPECT_THROW_WITH(ImageDataLoaders::from_folder(empty.path, {.valid_pct = 0.2}), std::invalid_argument,
                    "no image files");
}

TEST(VisionData, UntarDataMakesOnceAndNeverLeavesHalfASet) {
  TempDir dir;
  int calls = 0;
  register_dataset("tiny_test_set", [&](const std::filesystem::path& d) {
    ++calls;
    write_bytes(d / "a.txt", "x");
  });
  auto p = untar_data("tiny_test_set", {.data_dir = dir.path});
  EXPECT_EQ(p, dir.path / "tiny_test_set");
  EXPECT_TRUE(std::filesystem::exists(p / "a.txt"));
  untar_data("tiny_test_set", {.data_dir = dir.path});
  EXPECT_EQ(calls, 1);
  register_dataset("broken_test_set", [](const std::filesystem::path& d) {
    write_bytes(d / "half.txt", "x");
    throw std::runtime_error("disk full");
  });
  EXPECT_THROW_WITH(untar_data("broken_test_set", {.data_dir = dir.path}), std::runtime_error, "disk full");
  EXPECT_FALSE(std::filesystem::exists(dir.path / "broken_test_set"));
  EXPECT_FALSE(std::filesystem::exists(dir.path / "broken_test_set.partial"));
  EXPECT_THROW_WITH(untar_data("nope"), std::invalid_argument, "nope", "fashion_mnist");
}

TEST(VisionShow, ShowBatchWritesANonBlankGridOfTheRightSize) {
  TempDir dir;
  int n = 0;
  for (const char* cls : {"cat", "dog"})
    for (int i = 0; i < 3; ++i) {
      std::filesystem::create_directories(dir.path / "train" / cls);
      std::filesystem::create_directories(dir.path / "valid" / cls);
      auto img = torch::zeros({10, 12, 3}, torch::kUInt8);
      img.select(2, std::string(cls) == "cat" ? 0 : 2).fill_(255);
      save_image(dir.path / "train" / cls / (std::to_string(n) + ".png"), img);
      save_image(dir.path / "valid" / cls / (std::to_string(n++) + ".png"), img);
    }
  auto dls = ImageDataLoaders::from_folder(dir.path, {.bs = 6, .num_workers = 0});
  ::testing::internal::CaptureStdout();
  const std::string out = dls.show_batch({}, {.max_n = 4, .ncols = 2, .path = dir.path / "grid.png"});
  const auto printed = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(out, (dir.path / "grid.png").string());
  EXPECT_NE(printed.find("grid.png"), std::string::npos);
  const auto grid = load_image(dir.path / "grid.png");
  // 2×2 cells of 160 px + padding, one text line each
  EXPECT_EQ(grid.size(1), 2 * (160 + 12));
  EXPECT_EQ(grid.size(0), 2 * (160 + 12 + 18));
  // Red (cat) and blue (dog) pixels are drawn: not blank.
  const auto f = grid.to(torch::kInt);
  const auto red = (f.select(2, 0) > 200) & (f.select(2, 1) < 50) & (f.select(2, 2) < 50);
  const auto blue = (f.select(2, 2) > 200) & (f.select(2, 0) < 50) & (f.select(2, 1) < 50);
  EXPECT_GT(red.sum().item<int64_t>() + blue.sum().item<int64_t>(), 4 * 100 * 100);
}

TEST(VisionData, FromCsvReadsFilesLabelsAndTheValidColumn) {
  TempDir dir;
  std::string csv = "name,label,is_valid,tags\n";
  for (int i = 0; i < 12; ++i) {
    const bool dark = i % 2 == 0;
    std::filesystem::create_directories(dir.path / "imgs");
    save_image(dir.path / "imgs" / (std::to_string(i) + ".png"),
               torch::full({8, 8, 1}, dark ? 10 : 240, torch::kUInt8));
    csv += std::to_string(i) + "," + (dark ? "dark" : "bright") + "," + (i >= 9 ? "True" : "False") + "," +
           (dark ? "dark even" : "bright") + "\n";
  }
  std::ofstream(dir.path / "labels.csv") << csv;
  auto dls =
      ImageDataLoaders::from_csv(dir.path, "labels.csv", {.folder = "imgs", .suff = ".png", .valid_col = "is_valid"},
                                 {.img_cls = ImageCreate::Kind::ImageBW, .bs = 3, .num_workers = 0});
  EXPECT_EQ(dls.train().n(), 9);
  EXPECT_EQ(dls.valid().n(), 3);
  auto b = batch_tensors(dls.valid().one_batch());
  // vocab sorted: bright 0, dark 1 — the pixels say which is which.
  for (int64_t i = 0; i < 3; ++i) EXPECT_EQ(b[1][i].item<int64_t>(), b[0][i].mean().item<double>() < 0.5 ? 1 : 0);
  // Inference on a file path: the ColReader getter passes it through.
  auto tdl = dls.test_dl({Item(Path(dir.path / "imgs" / "0.png"))});
  EXPECT_EQ(batch_tensors(tdl.one_batch())[0].sizes(), (std::vector<int64_t>{1, 1, 8, 8}));
  // Several labels per image: a multi-category target.
  auto multi = ImageDataLoaders::from_df(
      read_csv(dir.path / "labels.csv"), dir.path,
      {.folder = "imgs", .suff = ".png", .label_col = "tags", .label_delim = " "},
      {.valid_pct = 0.25, .seed = 1, .img_cls = ImageCreate::Kind::ImageBW, .bs = 3, .num_workers = 0});
  EXPECT_EQ(batch_tensors(multi.train().one_batch())[1].sizes(), (std::vector<int64_t>{3, 3}));  // bright, dark, even
  EXPECT_THROW_WITH(ImageDataLoaders::from_csv(dir.path, "labels.csv", {.label_col = "nope"}), TableError, "labels.csv",
                    "'nope'");
}

TEST(VisionData, MaskBlockGivesClassMapsWithTheirLoss) {
  TempDir dir;
  std::vector<Item> items;
  for (int i = 0; i < 6; ++i) {
    auto img = torch::full({8, 8, 1}, 20 * i, torch::kUInt8);
    auto mask = torch::zeros({8, 8, 1}, torch::kUInt8);
    mask.slice(0, 0, 4).fill_(i % 3);  // codes 0..2
    const auto f = dir.path / ("img" + std::to_string(i) + ".png"),
               m = dir.path / ("mask" + std::to_string(i) + ".png");
    save_image(f, img);
    save_image(m, mask);
    items.push_back(Tuple({Path(f), Path(m)}));
  }
  DataBlock dblock({.blocks = {ImageBlock(ImageCreate::Kind::ImageBW), MaskBlock({"background", "road", "car"})},
                    .get_x = {Getter([](const Item& r) { return r[0]; })},
                    .get_y = {Getter([](const Item& r) { return r[1]; })},
                    .splitter = RandomSplitter(0.34, 1),
                    .item_tfms = {std::make_shared<Resize>(6, 6)}});
  auto dls = dblock.dataloaders(items, {.bs = 2, .num_workers = 0});
  auto b = batch_tensors(dls.train().one_batch());
  EXPECT_EQ(b[1].sizes(), (std::vector<int64_t>{2, 6, 6}));
  EXPECT_EQ(b[1].scalar_type(), torch::kLong);
  EXPECT_LE(b[1].max().item<int64_t>(), 2);
  ASSERT_TRUE(dls.loss_func);
  EXPECT_EQ(dls.loss_func->name, "CrossEntropyLossFlat");
  EXPECT_EQ(dls.loss_func->options().axis, 1);
  // A mask with a code that has no name is refused, naming the code.
  DataBlock two({.blocks = {ImageBlock(ImageCreate::Kind::ImageBW), MaskBlock({"background", "road"})},
                 .get_x = {Getter([](const Item& r) { return r[0]; })},
                 .get_y = {Getter([](const Item& r) { return r[1]; })},
                 .splitter = RandomSplitter(0.34, 1)});
  auto ds = two.datasets(items);
  int refused = 0;
  for (const auto& sub : {ds.train(), ds.valid()})
    for (size_t i = 0; i < sub.size(); ++i) try {
        (void)sub[static_cast<int64_t>(i)];
      } catch (const std::exception& e) {
        ++refused;
        EXPECT_NE(std::string(e.what()).find("code 2"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("2 codes"), std::string::npos) << e.what();
      }
  EXPECT_EQ(refused, 2);  // items 2 and 5
  auto again = transform_from_description(AddMaskCodes({"a", "b"}).describe());
  EXPECT_EQ(std::dynamic_pointer_cast<AddMaskCodes>(again)->codes(), (std::vector<std::string>{"a", "b"}));
}
