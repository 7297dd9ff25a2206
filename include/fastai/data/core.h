#pragma once
/// fastai.data.core's TfmdLists and Datasets: raw items made lazy by pipelines, with splits.
/// Indexing applies the pipeline(s) on access; subsets share the items and the transforms and
/// carry their split index (0 train, 1 valid), which gates split-specific transforms.
///
/// Thread-safety: TfmdLists and Datasets: indexing is const and safe from many threads at once (the loader's
/// workers do it). TfmdDL: one iteration at a time per loader object — an iteration advances its
/// epoch state; copies (`new_tfmd`, `test_dl`) are independent, so iterate a copy per thread.
/// DataLoaders: `test_dl`, `train_ds`/`valid_ds` and reading are safe from many threads; adding
/// loaders, `to` and changing members are one thread's.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "fastai/core/pipeline.h"
#include "fastai/core/show.h"
#include "fastai/data/load.h"

namespace fastai {

/// Keyword arguments of TfmdLists and Datasets.
/// Example: `TfmdLists(items, tfms, {.splits = RandomSplitter()(items)})`
struct TfmdListsOptions {
  /// Index lists, one per subset (train first, then valid, …). Empty: no splits.
  std::vector<std::vector<int64_t>> splits;
  /// Split index of the whole list (subset i gets split index i).
  std::optional<int> split_idx;
  /// Set the transforms up on the items (on the training items when `train_setup`).
  bool do_setup = true;
  bool train_setup = true;
};

/// A list of raw items and one Pipeline applied lazily (fastai's TfmdLists).
///
/// Example:
///   fastai::TfmdLists tl(files, {std::make_shared<Categorize>()}, {.splits = {{0, 1, 2}, {3}}});
///   Item y = tl[0];          // the encoded label of files[0]
///   auto valid = tl.subset(1);
class TfmdLists {
 public:
  TfmdLists(std::vector<Item> items, std::vector<std::shared_ptr<Transform>> tfms, TfmdListsOptions options = {});
  /// Over items shared with other lists (Datasets shares one vector between its pipelines).
  TfmdLists(std::shared_ptr<const std::vector<Item>> items, std::vector<std::shared_ptr<Transform>> tfms,
            TfmdListsOptions options = {});
  /// Reuses an existing (already set-up) pipeline, sharing its transforms: no setup.
  static TfmdLists from_pipeline(std::vector<Item> items, Pipeline tfms, TfmdListsOptions options = {});

  size_t size() const noexcept;
  /// The i-th item passed through the pipeline. Errors name the index.
  Item operator[](int64_t i) const;
  /// The i-th raw item.
  const Item& raw(int64_t i) const;
  /// Starts loading the raw items at `idxs` into the cache (see Item::prefetch); indices out of
  /// range are ignored here and reported when the item is read.
  /// Example: `tl.prefetch(std::vector<int64_t>{3, 17, 42});`
  void prefetch(std::span<const int64_t> idxs) const noexcept;
  /// The raw items of this view, in order.
  std::vector<Item> items() const;
  /// Decodes an item through the pipeline, in reverse.
  Item decode(const Item& x, bool full = true) const;

  /// Subset i of the splits, with split index i.
  TfmdLists subset(size_t i) const;
  TfmdLists train() const { return subset(0); }
  TfmdLists valid() const { return subset(1); }
  size_t n_subsets() const noexcept { return splits_.size(); }
  const std::vector<std::vector<int64_t>>& splits() const noexcept { return splits_; }

  /// Sets the pipeline up again on these items (fastai's TfmdLists.setup).
  void setup(bool train_setup = true);
  /// The same items through a new pipeline sharing nothing with this one but the items.
  TfmdLists new_with(std::vector<std::shared_ptr<Transform>> tfms, TfmdListsOptions options = {}) const;

  const Pipeline& tfms() const noexcept { return tfms_; }
  Pipeline& tfms() noexcept { return tfms_; }
  std::optional<int> split_idx() const noexcept { return tfms_.split_idx; }
  /// These raw items as a LazyItems (training subset known from the splits).
  LazyItems lazy_items() const;

 private:
  TfmdLists() = default;
  int64_t map_index(int64_t i) const;

  std::shared_ptr<const std::vector<Item>> items_;
  std::shared_ptr<const std::vector<int64_t>> idxs_;  // view into items_; null = all
  std::vector<std::vector<int64_t>> splits_;
  Pipeline tfms_;
};

/// Keyword arguments of Datasets: TfmdLists's plus the number of inputs.
/// Example: `Datasets(items, {{get_x}, {get_y, cat}}, {.splits = splits, .n_inp = 1})`
struct DatasetsOptions {
  std::vector<std::vector<int64_t>> splits;
  std::optional<int> split_idx;
  bool do_setup = true;
  bool train_setup = true;
  /// How many leading elements of each tuple are inputs (default: all but the last, at least 1).
  std::optional<int> n_inp;
};

/// Several pipelines over the same items, each producing one element of a tuple (fastai's
/// Datasets): typically one for the input and one for the target.
///
/// Example:
///   fastai::Datasets dsets(files, {{load_image}, {parent_label, std::make_shared<Categorize>()}},
///                          {.splits = RandomSplitter()(files)});
///   Item xy = dsets.train()[0];   // Tuple(TensorImage, TensorCategory)
class Datasets {
 public:
  Datasets(std::vector<Item> items, std::vector<std::vector<std::shared_ptr<Transform>>> tfms,
           DatasetsOptions options = {});
  /// From already-built TfmdLists over the same items.
  explicit Datasets(std::vector<TfmdLists> tls, std::optional<int> n_inp = std::nullopt);

  size_t size() const noexcept;
  /// Tuple of each pipeline's output for item i.
  Item operator[](int64_t i) const;
  /// Starts loading the raw items at `idxs` into the cache (a loader does this per batch).
  /// Example: `dsets.prefetch(batch_indices);`
  void prefetch(std::span<const int64_t> idxs) const noexcept;
  /// Decodes a tuple element by element through the matching pipeline.
  Item decode(const Item& x, bool full = true) const;

  /// The raw items of this view, in order (fastai's dsets.items).
  /// Example: `for (const auto& f : dls.valid_ds().items()) std::cout << f.get<Path>() << "\n";`
  std::vector<Item> items() const { return tls_.empty() ? std::vector<Item>{} : tls_[0].items(); }

  Datasets subset(size_t i) const;
  Datasets train() const { return subset(0); }
  Datasets valid() const { return subset(1); }
  size_t n_subsets() const noexcept { return tls_.empty() ? 0 : tls_[0].n_subsets(); }
  const std::vector<std::vector<int64_t>>& splits() const { return tls_.at(0).splits(); }

  int n_inp() const noexcept { return n_inp_; }
  const std::vector<TfmdLists>& tls() const noexcept { return tls_; }
  std::optional<int> split_idx() const noexcept { return tls_.empty() ? std::nullopt : tls_[0].split_idx(); }
  /// A Datasets over `items` with this one's (set-up) pipelines, for inference on new data
  /// (fastai's test_set): split index 1 so validation behaviour applies; no labels needed when
  /// `with_labels` is false (only the input pipelines are used).
  Datasets test_set(std::vector<Item> items, bool with_labels = false) const;

 private:
  std::vector<TfmdLists> tls_;
  int n_inp_ = 1;
};

/// Keyword arguments of show_batch.
/// Example: `dls.show_batch({}, {.max_n = 4, .out = &std::cerr})`
struct ShowBatchOptions {
  int64_t max_n = 9;            ///< samples to show
  int ncols = 3;                ///< grid columns (pictures)
  std::filesystem::path path;   ///< where a picture goes (default chosen by the renderer)
  std::ostream* out = nullptr;  ///< where text goes (nullptr: std::cout)
  /// The names of the target's codes (a mask's legend); show_batch / show_results fill them from
  /// the data's target transforms (Transform::target_names) when empty.
  std::vector<std::string> class_names;
};

/// Renders decoded samples: `x`/`y` are the decoded batch's inputs and targets (their types
/// choose the renderer), `samples` the decoded samples. Returns what it produced (the text, or
/// the path of the picture it wrote).
using ShowBatchFn = std::function<std::string(const Item& x, const Item& y, const std::vector<Item>& samples,
                                              const ShowBatchOptions& options)>;

/// The built-in renderer: one line per sample with its titles (and image shape), written to
/// `options.out` (std::cout by default). Example: `register_show_batch(x, y, show_batch_as_text);`
std::string show_batch_as_text(const Item& x, const Item& y, const std::vector<Item>& samples,
                               const ShowBatchOptions& options);

/// Registers a show_batch renderer for (input type, target type), as fastai's typedispatched
/// show_batch. The built-in (Any, Any) renderer prints one line of titles per sample; the
/// vision module registers (TensorImage, Any) to draw a PNG grid.
///
/// Example: `register_show_batch(TensorImage::info(), Any::info(), draw_grid);`
void register_show_batch(const TypeInfo& x, const TypeInfo& y, ShowBatchFn fn);
/// The renderer show_batch would use for (x, y) (to wrap or restore it).
/// Example: `auto old = show_batch_renderer(TensorImage::info(), Any::info());`
ShowBatchFn show_batch_renderer(const TypeInfo& x, const TypeInfo& y);

/// Renders decoded samples with the model's decoded predictions beside them (show_results):
/// `samples` are (input, target) samples, `outs` the same samples with the prediction as target.
using ShowResultsFn = std::function<std::string(const Item& x, const Item& y, const std::vector<Item>& samples,
                                                const std::vector<Item>& outs, const ShowBatchOptions& options)>;
/// The built-in show_results renderer: one line per sample, its titles then "→ prediction".
/// Example: `register_show_results(x, y, show_results_as_text);`
std::string show_results_as_text(const Item& x, const Item& y, const std::vector<Item>& samples,
                                 const std::vector<Item>& outs, const ShowBatchOptions& options);
/// Registers a show_results renderer for (input type, target type), like register_show_batch.
/// Example: `register_show_results(TensorImage::info(), Any::info(), draw_results_grid);`
void register_show_results(const TypeInfo& x, const TypeInfo& y, ShowResultsFn fn);

/// Keyword arguments of TfmdDL (DataLoader's, plus its three pipelines).
/// Example: `TfmdDL dl(dsets.train(), {.bs = 64, .shuffle = true, .after_batch = {norm}})`
struct TfmdDLOptions {
  int64_t bs = 64;
  bool shuffle = false;
  bool drop_last = false;
  int num_workers = 0;
  int prefetch = 2;
  std::optional<uint64_t> seed;
  std::optional<c10::Device> device;
  std::vector<std::shared_ptr<Transform>> after_item;    ///< per item, on the workers
  std::vector<std::shared_ptr<Transform>> before_batch;  ///< whole tuple of items, before collation
  std::vector<std::shared_ptr<Transform>> after_batch;   ///< per batch, on the device
  bool do_setup = true;                                  ///< set after_item up on the items, after_batch on one batch
};

/// A DataLoader over Datasets with after_item / before_batch / after_batch pipelines that can
/// decode and show what it loads (fastai's TfmdDL).
///
/// Example:
///   fastai::TfmdDL dl(dsets.train(), {.bs = 64, .shuffle = true,
///                                     .after_batch = {std::make_shared<IntToFloatTensor>()}});
///   Item b = dl.one_batch();
///   auto samples = dl.decode_batch(b);   // decoded back to labels and images
class TfmdDL : public DataLoader {
 public:
  TfmdDL(Datasets dataset, TfmdDLOptions options = {});
  /// Wraps a plain loader (e.g. whole-batch tensor loading) with pipelines. `decode_with`: the
  /// Datasets whose pipelines decode its batches (a language model's loader reads its own
  /// windows of the texts but decodes them as texts); none: no Datasets decode.
  TfmdDL(DataLoader base, TfmdDLOptions options, int n_inp = 1, std::optional<Datasets> decode_with = std::nullopt);

  Pipeline& after_item_tfms() { return p_->after_item; }
  Pipeline& before_batch_tfms() { return p_->before_batch; }
  Pipeline& after_batch_tfms() { return p_->after_batch; }
  const Pipeline& after_item_tfms() const { return p_->after_item; }
  const Pipeline& before_batch_tfms() const { return p_->before_batch; }
  const Pipeline& after_batch_tfms() const { return p_->after_batch; }
  /// The Datasets this loader reads, when it has one.
  const std::optional<Datasets>& datasets() const { return p_->dsets; }
  int n_inp() const noexcept { return n_inp_; }

  /// Undoes after_batch on a batch and moves it to the CPU.
  Item decode(const Item& batch) const;
  /// Decodes a batch into at most `max_n` samples: after_batch, then per sample before_batch,
  /// after_item and the Datasets' pipelines (`full`: all the way; else until showable).
  std::vector<Item> decode_batch(const Item& batch, int64_t max_n = 9, bool full = true) const;
  /// Each of the first `max_n` samples of `batch` (default: one_batch()) shown into a context.
  std::vector<ShowContext> show_batch_contexts(Item batch = {}, int64_t max_n = 9);
  /// Decodes `batch` (default: one_batch()) and renders it with the renderer registered for
  /// its (input, target) types. Returns the renderer's output (text, or a picture's path).
  std::string show_batch(Item batch = {}, ShowBatchOptions options = {});
  /// Decodes `batch` and `outs` (the same batch with the decoded predictions as targets) and
  /// renders them with the renderer registered for their types (fastai's dl.show_results).
  std::string show_results(const Item& batch, const Item& outs, ShowBatchOptions options = {});
  /// A copy sharing the pipelines, with other loader options (fastai's `new`).
  TfmdDL new_tfmd(std::optional<DataLoaderOptions> options, std::optional<Datasets> dataset = std::nullopt) const;

 private:
  struct Pipes {
    std::optional<Datasets> dsets;
    Pipeline after_item, before_batch, after_batch;
  };
  void install(TfmdDLOptions& o);
  std::shared_ptr<Pipes> p_;
  int n_inp_ = 1;
};

/// Keyword arguments of DataLoaders::from_dsets.
/// Example: `DataLoaders::from_dsets(dsets, {.bs = 64, .val_bs = 128, .num_workers = 2})`
struct DataLoadersOptions {
  int64_t bs = 64;
  std::optional<int64_t> val_bs;  ///< default: bs
  bool shuffle = true;            ///< for the training loader (valid never shuffles)
  int num_workers = 0;
  std::optional<uint64_t> seed;
  std::optional<c10::Device> device;
  std::vector<std::shared_ptr<Transform>> after_item, before_batch, after_batch;
};

/// Keyword arguments of DataLoaders::from_tensors.
/// Example: `DataLoaders::from_tensors(x, y, xv, yv, {.bs = 128, .x_type = &TensorImage::info()})`
struct TensorLoadersOptions {
  int64_t bs = 64;
  std::optional<int64_t> val_bs;
  bool shuffle = true;  ///< training loader (also drops its last partial batch)
  std::optional<uint64_t> seed;
  std::optional<c10::Device> device;
  std::vector<std::shared_ptr<Transform>> after_batch;  ///< set up on one training batch
  const TypeInfo* x_type = nullptr;                     ///< semantic type of the inputs (default TensorBase)
  const TypeInfo* y_type = nullptr;                     ///< of the targets (default TensorBase)
};

/// The training and validation loaders (and any others) of a task (fastai's DataLoaders).
///
/// Example:
///   auto dls = fastai::DataLoaders::from_dsets(dsets, {.bs = 64});
///   for (const Item& b : dls.train()) { ... }
///   auto test = dls.test_dl(new_items);
class DataLoaders {
 public:
  explicit DataLoaders(std::vector<TfmdDL> loaders, std::optional<c10::Device> device = std::nullopt);
  /// Train loader (shuffle, drop_last) and valid loader over `dsets`' first two subsets, sharing
  /// the pipelines, which are set up on the training data.
  static DataLoaders from_dsets(const Datasets& dsets, DataLoadersOptions options = {});
  /// Whole-batch loaders over in-memory tensors (rows along dim 0): each batch is two
  /// index_selects, no per-item work — plain tensors train with the Learner this way.
  /// Example:
  ///   auto dls = DataLoaders::from_tensors(x, y, xv, yv, {.bs = 128, .x_type = &TensorImage::info(),
  ///       .after_batch = {std::make_shared<IntToFloatTensor>(), std::make_shared<Normalize>()}});
  static DataLoaders from_tensors(at::Tensor x_train, at::Tensor y_train, at::Tensor x_valid, at::Tensor y_valid,
                                  TensorLoadersOptions options = {});

  /// Train and valid loaders from two plain DataLoaders (custom stages, e.g. whole-batch
  /// loading) sharing one after_batch pipeline, set up on a training batch; split index 0 / 1.
  /// from_tensors and dataloaders_from_torch are built on it.
  /// Example: `auto dls = DataLoaders::from_loaders(train_dl, valid_dl, {std::make_shared<IntToFloatTensor>()});`
  static DataLoaders from_loaders(DataLoader train, DataLoader valid,
                                  std::vector<std::shared_ptr<Transform>> after_batch = {},
                                  std::optional<c10::Device> device = std::nullopt);

  TfmdDL& train() { return at(0); }
  TfmdDL& valid() { return at(1); }
  /// The Datasets behind the training / validation loader (fastai's dls.train_ds, dls.valid_ds),
  /// e.g. to read a split's raw items. Throws std::logic_error for loaders built without one
  /// (whole-batch tensor and tabular loaders), saying so.
  /// Example: `auto files = dls.valid_ds().items();`
  const Datasets& train_ds() { return datasets_of(0, "train_ds"); }
  const Datasets& valid_ds() { return datasets_of(1, "valid_ds"); }
  TfmdDL& operator[](size_t i) { return at(i); }
  TfmdDL& at(size_t i);
  size_t size() const noexcept { return loaders_.size(); }
  /// Adds another loader (e.g. a test set).
  void add(TfmdDL dl);
  std::optional<c10::Device> device() const noexcept { return device_; }
  /// Moves every loader's batches to `device`.
  void to(c10::Device device);
  int n_inp() const { return loaders_.empty() ? 1 : loaders_[0].n_inp(); }
  /// The training loader's first batch (fastai's dls.one_batch()). Example: `auto b = dls.one_batch();`
  Item one_batch() { return train().one_batch(); }
  /// show_batch on the training loader (fastai's dls.show_batch()).
  std::string show_batch(Item batch = {}, ShowBatchOptions options = {}) {
    return train().show_batch(std::move(batch), options);
  }
  /// The loss the targets call for (from the target pipeline's transforms: cross-entropy for a
  /// category, BCE-with-logits for multi-category, MSE for regression); nullptr when unknown.
  /// The Learner uses it when no loss_func is given. Example: `dls.loss_func = MSELossFlat();`
  std::shared_ptr<BaseLoss> loss_func;
  /// A loader over new items with the validation pipelines (fastai's test_dl). Uses
  /// `test_dl_factory` when set.
  TfmdDL test_dl(std::vector<Item> items, bool with_labels = false, std::optional<int64_t> bs = std::nullopt);
  /// Builds test_dl's loader for loaders that are not over Datasets (tabular data is processed
  /// as a whole table, not item by item): the application sets it. Arguments: the items, whether
  /// they carry labels, the batch size.
  /// Example: `dls.test_dl_factory = [to](const std::vector<Item>& items, bool, int64_t bs) { … };`
  std::function<TfmdDL(const std::vector<Item>& items, bool with_labels, int64_t bs)> test_dl_factory;
  /// For loaders not over Datasets: a JSON description from which a registered loaders builder
  /// rebuilds the inference loaders in another process ({"builder": name, …}); export_learner
  /// stores it and load_learner calls the builder (see register_loaders_builder in export.h).
  /// Example: `dls.inference_spec = nlohmann::json{{"builder", "tabular"}, {"to", to.describe()}}.dump();`
  std::string inference_spec;

 private:
  const Datasets& datasets_of(size_t i, const char* what);
  std::vector<TfmdDL> loaders_;
  std::optional<c10::Device> device_;
};

}  // namespace fastai
