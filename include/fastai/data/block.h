#pragma once
/// fastai.data.block: the data block API. Blocks say what the inputs and targets are (each
/// brings its type transforms, item transforms and batch transforms); getters say where they
/// come from; a splitter says which items validate. `DataBlock::dataloaders(source)` builds the
/// whole data pipeline; `summary(source)` walks one sample through every step.
///
/// Thread-safety: a DataBlock is a recipe of factories, only read when used: building loaders from it
/// (`dataloaders`, `datasets`) on several threads at once is safe, each call making its own
/// transforms.
#include <concepts>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fastai/data/core.h"
#include "fastai/data/transforms.h"

namespace fastai {

/// A list of transforms.
/// Example: `TfmList tfms{std::make_shared<IntToFloatTensor>()};`
using TfmList = std::vector<std::shared_ptr<Transform>>;
/// Makes fresh transforms, so each DataBlock::datasets() call learns its own state (a vocab).
/// Example: `TfmFactory f = [] { return TfmList{std::make_shared<Categorize>()}; };`
using TfmFactory = std::function<TfmList()>;

/// Builds a Datasets' loaders in place of DataLoaders::from_dsets (fastai's dl_type, e.g.
/// TextBlock's language-model and length-sorted loaders). The options arrive with the blocks' and
/// the user's transforms already merged in.
/// Example: `DlType lm = [](const Datasets& ds, DataLoadersOptions o) { return DataLoaders::from_dsets(ds, o); };`
using DlType = std::function<DataLoaders(const Datasets& dsets, DataLoadersOptions options)>;

/// What one element of the (input, target) tuple is: its type transforms (after the getter),
/// item transforms (after_item) and batch transforms (after_batch), as factories.
///
/// Example: a block for grayscale tensors stored as Items:
///   TransformBlock block({.batch_tfms = [] { return TfmList{std::make_shared<IntToFloatTensor>()}; }});
struct TransformBlock {
  TfmFactory type_tfms;
  TfmFactory item_tfms;  ///< ToTensor is always added, as in fastai
  TfmFactory batch_tfms;
  TfmFactory before_batch;  ///< on the batch's samples before collation (fastai's dls_kwargs before_batch, e.g. bb_pad)
  DlType dl_type;           ///< the loaders' kind; the last block that sets one decides (fastai's)
};

/// Keyword arguments of CategoryBlock.
/// Example: `CategoryBlock({.vocab = std::vector<std::string>{"cat", "dog"}, .add_na = true})`
struct CategoryBlockOptions {
  std::optional<std::vector<std::string>> vocab;
  bool sort = true;
  bool add_na = false;
};
/// Single-label classification target: Categorize (loss: cross-entropy).
/// Example: `DataBlock({.blocks = {TransformBlock{}, CategoryBlock()}})`
TransformBlock CategoryBlock(CategoryBlockOptions options = {});

/// Keyword arguments of MultiCategoryBlock.
/// Example: `MultiCategoryBlock({.add_na = true})`
struct MultiCategoryBlockOptions {
  std::optional<std::vector<std::string>> vocab;
  bool add_na = false;
};
/// Multi-label target: MultiCategorize then OneHotEncode (loss: BCE with logits).
/// Example: `DataBlock({.blocks = {TransformBlock{}, MultiCategoryBlock()}})`
TransformBlock MultiCategoryBlock(MultiCategoryBlockOptions options = {});

/// Regression target: RegressionSetup (loss: MSE). `n_out`: number of values per target.
TransformBlock RegressionBlock(std::optional<int64_t> n_out = std::nullopt);

/// A getter: a function of the raw item, or a transform. Functions are applied to the whole
/// raw item (even when it is a tuple).
/// Example: `.get_y = {parent_label}` or `.get_x = {std::make_shared<ItemGetter>(0)}`
struct Getter {
  std::shared_ptr<Transform> tfm;
  Getter(std::shared_ptr<Transform> t) : tfm(std::move(t)) {}  // NOLINT: implicit by design
  /// A transform written as a value (`.get_y = {ColReader("label")}`), copied through its description.
  template <class T>
  requires std::derived_from<T, Transform> Getter(const T& t) : tfm(t) {}  // NOLINT: implicit by design
  template <class F>
  requires std::invocable<F, const Item&> &&
      (!std::convertible_to<F, std::shared_ptr<Transform>>)Getter(F f)  // NOLINT: implicit by design
      : tfm(std::make_shared<Transform>(ItemFn(std::move(f)), nullptr,
                                        TransformOptions{.name = "getter", .whole_tuple = true})) {}
};

/// Keyword arguments of DataBlock.
/// Example: `DataBlock({.blocks = {...}, .get_items = image_files_getter(), .splitter = RandomSplitter(0.2, 42)})`
struct DataBlockOptions {
  std::vector<TransformBlock> blocks;  ///< default: two plain TransformBlocks
  /// Collects the items from the source (a Path for folders and files). Default: the source
  /// must already be the items (use `datasets(std::vector<Item>)`).
  std::function<std::vector<Item>(const Item& source)> get_items;
  std::vector<Getter> get_x;    ///< one per input
  std::vector<Getter> get_y;    ///< one per target
  std::vector<Getter> getters;  ///< one per block (get_x/get_y override parts)
  Splitter splitter;            ///< default RandomSplitter(0.2)
  std::optional<int> n_inp;     ///< default: all blocks but the last
  TfmList item_tfms;            ///< added to the blocks' (same type_name replaces)
  TfmList batch_tfms;
};

/// fastai's DataBlock.
///
/// Example (labels from folder names; the vision issue adds ImageBlock for the inputs):
///   DataBlock dblock({.blocks = {TransformBlock{}, CategoryBlock()},
///                     .get_items = image_files_getter(), .get_y = {parent_label},
///                     .splitter = GrandparentSplitter("training", "testing")});
///   auto dls = dblock.dataloaders(path, {.bs = 64});
class DataBlock {
 public:
  explicit DataBlock(DataBlockOptions options = {});

  /// Items → splits → Datasets with fresh transforms.
  Datasets datasets(const std::vector<Item>& items) const;
  /// get_items(source) → datasets(items).
  Datasets datasets(const Item& source) const;
  Datasets datasets(const std::filesystem::path& source) const { return datasets(Item(Path(source))); }

  /// Datasets → DataLoaders with the blocks' and the user's item and batch transforms.
  DataLoaders dataloaders(const std::vector<Item>& items, DataLoadersOptions options = {}) const;
  DataLoaders dataloaders(const Item& source, DataLoadersOptions options = {}) const;
  DataLoaders dataloaders(const std::filesystem::path& source, DataLoadersOptions options = {}) const {
    return dataloaders(Item(Path(source)), std::move(options));
  }

  /// Walks the first training sample, then a batch of `bs`, through every step, printing what
  /// each step produced; when collation fails it says which item and which shapes differ.
  /// Returns the report, also written to `out` (nullptr: not written).
  std::string summary(const Item& source, int64_t bs = 4, std::ostream* out = &std::cout) const;
  std::string summary(const std::vector<Item>& items, int64_t bs = 4, std::ostream* out = &std::cout) const;

  int n_inp() const noexcept { return n_inp_; }
  /// The item / batch transforms the DataLoaders will use (fresh instances).
  TfmList item_tfms() const;
  TfmList batch_tfms() const;

 private:
  std::vector<TfmList> pipelines() const;
  std::vector<Item> collect(const Item& source) const;
  std::string summarize(const std::vector<Item>& items, int64_t bs, const std::string& header, std::ostream* out) const;

  DataBlockOptions o_;
  std::vector<std::shared_ptr<Transform>> getters_;
  int n_inp_ = 1;
};

/// A get_items function collecting image files under a Path source (fastai's get_image_files
/// used as get_items). Example: `DataBlock({.get_items = image_files_getter()})`
std::function<std::vector<Item>(const Item&)> image_files_getter(bool recurse = true,
                                                                 std::vector<std::string> folders = {});

}  // namespace fastai
