#pragma once
/// fastai.vision.data: ImageDataLoaders, the one-line constructors of image classification
/// loaders (from folders, from file names with a function or a regex, from lists).
///
/// Thread-safety: The constructors are safe from any thread; what they return follows data/core.h.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fastai/data/block.h"
#include "fastai/data/csv.h"
#include "fastai/data/df.h"
#include "fastai/vision/core.h"

namespace fastai {

/// Keyword arguments shared by the ImageDataLoaders constructors (fastai's defaults).
/// Example: `ImageDataLoaders::from_folder(path, {.valid = "test", .img_cls = ImageCreate::Kind::ImageBW, .bs = 128})`
struct ImageLoadersOptions {
  std::string train = "train";      ///< from_folder: training folder
  std::string valid = "valid";      ///< from_folder: validation folder
  std::optional<double> valid_pct;  ///< random split instead of folders (default 0.2 for the others)
  std::optional<uint64_t> seed;
  std::optional<std::vector<std::string>> vocab;
  TfmList item_tfms, batch_tfms;
  ImageCreate::Kind img_cls = ImageCreate::Kind::Image;
  int64_t bs = 64;
  std::optional<int64_t> val_bs;
  bool shuffle = true;
  int num_workers =
      -1;  ///< -1: none on the CPU (items are built on the intra-op threads), one per core (≤ 8) with a GPU
  std::optional<c10::Device> device;
};

/// Which columns from_df / from_csv read (fastai's keyword arguments, same defaults).
/// Example: `ImageDfOptions{.fn_col = "name", .folder = "train", .label_col = "label", .valid_col = "is_valid"}`
struct ImageDfOptions {
  Col fn_col = 0;      ///< file names, relative to path / folder
  std::string folder;  ///< sub-folder of `path` holding the files
  std::string suff;    ///< appended to each file name (an extension)
  Col label_col = 1;
  std::string label_delim;       ///< several labels per image: a MultiCategoryBlock target
  std::optional<Col> valid_col;  ///< ColSplitter on this column instead of a random split
};

/// fastai's ImageDataLoaders.
///
/// Example (the paper's first example, on Fashion-MNIST):
///   auto path = untar_data(URLs::FASHION_MNIST);
///   auto dls = ImageDataLoaders::from_folder(path, {.valid = "test", .img_cls = ImageCreate::Kind::ImageBW, .bs =
///   128});
class ImageDataLoaders {
 public:
  /// Labels from the parent folder; train/valid from the grandparent folder (or valid_pct).
  /// Example: `ImageDataLoaders::from_folder(path, {.valid = "test"})`
  static DataLoaders from_folder(const std::filesystem::path& path, ImageLoadersOptions options = {});
  /// Files and labels from the columns of a table (fastai's from_df): ColReader getters, a
  /// CategoryBlock target (MultiCategoryBlock with label_delim), ColSplitter with valid_col.
  /// Example: `ImageDataLoaders::from_df(df, path, {.folder = "train", .valid_col = "is_valid"})`
  static DataLoaders from_df(const Table& df, const std::filesystem::path& path = ".", ImageDfOptions cols = {},
                             ImageLoadersOptions options = {});
  /// read_csv(path / csv_fname) then from_df (fastai's from_csv). Errors name the file.
  /// Example: `ImageDataLoaders::from_csv(path, "labels.csv", {.folder = "train"})`
  static DataLoaders from_csv(const std::filesystem::path& path, const std::string& csv_fname = "labels.csv",
                              ImageDfOptions cols = {}, ImageLoadersOptions options = {});
  /// Labels from `label_func(path)` over `fnames`.
  /// Example: `ImageDataLoaders::from_path_func(path, files, [](const fs::path& p) { return
  /// p.parent_path().filename().string(); })`
  static DataLoaders from_path_func(const std::filesystem::path& path, std::vector<std::filesystem::path> fnames,
                                    std::function<std::string(const std::filesystem::path&)> label_func,
                                    ImageLoadersOptions options = {});
  /// Labels from `label_func(file name)`.
  /// Example: `ImageDataLoaders::from_name_func(path, files, [](const std::string& n) { return n.substr(0, 3); })`
  static DataLoaders from_name_func(const std::filesystem::path& path, std::vector<std::filesystem::path> fnames,
                                    std::function<std::string(const std::string&)> label_func,
                                    ImageLoadersOptions options = {});
  /// Labels from the first group of `pat` matched against the full path.
  /// Example: `ImageDataLoaders::from_path_re(path, files, R"(/(\w+)/\d+\.png$)")`
  static DataLoaders from_path_re(const std::filesystem::path& path, std::vector<std::filesystem::path> fnames,
                                  const std::string& pat, ImageLoadersOptions options = {});
  /// Labels from the first group of `pat` matched against the file name.
  /// Example: `ImageDataLoaders::from_name_re(path, files, R"(^([a-z]+)_\d+\.jpg$)")`
  static DataLoaders from_name_re(const std::filesystem::path& path, std::vector<std::filesystem::path> fnames,
                                  const std::string& pat, ImageLoadersOptions options = {});
  /// Files and their labels given as lists.
  /// Example: `ImageDataLoaders::from_lists(path, {"a.png", "b.png"}, {"cat", "dog"})`
  static DataLoaders from_lists(const std::filesystem::path& path, std::vector<std::filesystem::path> fnames,
                                std::vector<std::string> labels, ImageLoadersOptions options = {});
};

/// Keyword arguments of SegmentationDataLoaders::from_label_func (fastai's, plus `splitter`).
/// Example: `{.codes = codes, .splitter = FileSplitter(path / "valid.txt"), .bs = 64}`
struct SegmentationLoadersOptions {
  std::optional<double> valid_pct;  ///< random split (default 0.2)
  std::optional<uint64_t> seed;
  std::vector<std::string> codes;  ///< the class of each mask value (codes.txt's lines)
  TfmList item_tfms, batch_tfms;
  ImageCreate::Kind img_cls = ImageCreate::Kind::Image;
  /// Instead of the random split, e.g. FileSplitter(path / "valid.txt") for a set that ships its
  /// validation list (fastai's from_label_func has only valid_pct; its DataBlock takes one).
  Splitter splitter;
  int64_t bs = 64;
  std::optional<int64_t> val_bs;
  bool shuffle = true;
  int num_workers = -1;  ///< as ImageLoadersOptions
  std::optional<c10::Device> device;
};

/// fastai's SegmentationDataLoaders: images and their masks.
/// Example (the FMNIST_SEG set, laid out as CamVid):
///   auto path = untar_data(URLs::FMNIST_SEG);
///   auto dls = SegmentationDataLoaders::from_label_func(
///       path, get_image_files(path / "images"),
///       [&](const fs::path& f) { return path / "labels" / (f.stem().string() + "_P.png"); },
///       {.codes = read_codes(path / "codes.txt"), .img_cls = ImageCreate::Kind::ImageBW});
class SegmentationDataLoaders {
 public:
  /// Masks from `label_func(image path)`: a DataBlock of ImageBlock(img_cls) and MaskBlock(codes).
  static DataLoaders from_label_func(const std::filesystem::path& path, std::vector<std::filesystem::path> fnames,
                                     std::function<std::filesystem::path(const std::filesystem::path&)> label_func,
                                     SegmentationLoadersOptions options = {});
};

/// The lines of a codes file (CamVid's codes.txt: one class name per line, in mask-value
/// order), without empty trailing lines. Throws naming the file when it cannot be read or is empty.
/// Example: `auto codes = read_codes(path / "codes.txt");  // {"background", "T-shirt/top", …}`
std::vector<std::string> read_codes(const std::filesystem::path& file);

}  // namespace fastai
