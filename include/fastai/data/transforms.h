#pragma once
/// fastai.data.transforms: getting files, splitting, labelling, and the basic reversible
/// transforms (Categorize, MultiCategorize, OneHotEncode, RegressionSetup, ToTensor,
/// IntToFloatTensor, Normalize). Every transform here is describable (describe.h).
///
/// Thread-safety: The transforms follow core/transform.h (set up once, then safe from many threads); the
/// splitters, labellers and get_files are const functions, safe from any thread.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "fastai/core/describe.h"
#include "fastai/core/semantic.h"
#include "fastai/core/transform.h"

namespace fastai {

// ---------------------------------------------------------------- files

/// Options of get_files. `extensions` compare lower-cased, with the dot (".png").
struct GetFilesOptions {
  std::set<std::string> extensions;  ///< empty: every file
  bool recurse = true;
  std::vector<std::string> folders;  ///< only these top-level folders (empty: all)
};

/// The files under `path` (hidden files and folders skipped), sorted for reproducibility.
/// Throws std::runtime_error naming `path` when it does not exist.
/// Example: `auto files = get_files(path, {.extensions = {".csv"}});`
std::vector<std::filesystem::path> get_files(const std::filesystem::path& path, const GetFilesOptions& options = {});

/// The image extensions get_image_files looks for (".png", ".jpg", …).
/// Example: `get_files(p, {.extensions = image_extensions()})`
const std::set<std::string>& image_extensions();

/// Image files under `path`. Example: `auto files = get_image_files(path / "train");`
std::vector<std::filesystem::path> get_image_files(const std::filesystem::path& path, bool recurse = true,
                                                   std::vector<std::string> folders = {});

/// ".txt" files under `path`.
std::vector<std::filesystem::path> get_text_files(const std::filesystem::path& path, bool recurse = true,
                                                  std::vector<std::string> folders = {});

/// Paths as Path items. Example: `auto items = path_items(get_image_files(p));`
std::vector<Item> path_items(const std::vector<std::filesystem::path>& paths);

// ---------------------------------------------------------------- splitters

/// Index lists, train first, then valid.
/// Example: `Splits s = RandomSplitter(0.2, 42)(items);  // s[0] train, s[1] valid`
using Splits = std::vector<std::vector<int64_t>>;
/// A splitter maps the items to Splits.
/// Example: `Splitter sp = IndexSplitter({0, 5});`
using Splitter = std::function<Splits(const std::vector<Item>&)>;

/// Random split with `valid_pct` of the items in valid (fastai's RandomSplitter: with a seed,
/// the same permutation as `torch.manual_seed(seed); torch.randperm(n)`; valid is the first
/// int(valid_pct·n) of it). Without a seed, drawn from fastai::rng().
Splitter RandomSplitter(double valid_pct = 0.2, std::optional<uint64_t> seed = std::nullopt);
/// Random train_sz/valid_sz fractions of the items (fastai's RandomSubsetSplitter).
/// Example: `RandomSubsetSplitter(0.1, 0.02, 42)(items)`
Splitter RandomSubsetSplitter(double train_sz, double valid_sz, std::optional<uint64_t> seed = std::nullopt);
/// Items at `valid_idx` are valid, the others (in order) train.
Splitter IndexSplitter(std::vector<int64_t> valid_idx);
/// Path items whose grandparent folder is `train_name` / `valid_name`.
Splitter GrandparentSplitter(std::string train_name = "train", std::string valid_name = "valid");
/// Items for which `is_valid(item)` is true are valid.
Splitter FuncSplitter(std::function<bool(const Item&)> is_valid);
/// Items whose mask entry is true are valid.
/// Example: `MaskSplitter({false, true, false})(items)  // item 1 validates`
Splitter MaskSplitter(std::vector<bool> mask);
/// Path items whose file name is listed (one per line) in `fname` are valid.
Splitter FileSplitter(const std::filesystem::path& fname);
/// Shuffled (optionally stratified by `stratify`, one label per item) split with
/// ceil(test_size·n) items in valid, like scikit-learn's train_test_split. The permutation
/// comes from this library's generator, not numpy's: same proportions, different members.
Splitter TrainTestSplitter(double test_size = 0.2, std::optional<uint64_t> random_state = std::nullopt,
                           std::vector<std::string> stratify = {}, bool shuffle = true);

// ---------------------------------------------------------------- labellers

/// The parent folder's name of a Path item, as a Str (fastai's parent_label). Also registered
/// as the function "parent_label" for func_transform.
/// Example: `parent_label(Path("/data/train/cat/1.png")).get<Str>() == "cat"`
Item parent_label(const Item& path);

/// Labels a Path or Str item with group 1 of regex `pat` (search, or full `match`). Throws
/// std::runtime_error naming the pattern and the item when it does not match.
///
/// Example: `auto lbl = std::make_shared<RegexLabeller>(R"(^(.*)_\d+.jpg$)");`
class RegexLabeller : public Transform {
 public:
  explicit RegexLabeller(std::string pat, bool match = false);
  FASTAI_DESCRIBED(RegexLabeller, pat_, match_)

 private:
  std::string pat_;
  bool match_;
};

/// Element `i` of a tuple item (fastai's ItemGetter; a whole-tuple transform).
/// Example: `Datasets(rows, {{std::make_shared<ItemGetter>(0)}, {std::make_shared<ItemGetter>(1), cat}})`
class ItemGetter : public Transform {
 public:
  explicit ItemGetter(size_t i);
  FASTAI_DESCRIBED(ItemGetter, i_)

 private:
  size_t i_;
};

// ---------------------------------------------------------------- categories

/// A vocabulary: sorted unique values, with an optional "#na#" first entry that unknown values
/// map to (fastai's CategoryMap).
/// Example: `CategoryMap m({"b", "a", "b"}); m.index_of("b") == 1;`
class CategoryMap {
 public:
  CategoryMap() = default;
  /// From values; numbers (given as their decimal strings with `numeric`) sort numerically.
  CategoryMap(const std::vector<std::string>& values, bool sort = true, bool add_na = false, bool numeric = false);
  /// Exactly these entries, in this order (a saved vocab, "#na#" included when add_na).
  static CategoryMap from_items(std::vector<std::string> items, bool add_na);
  size_t size() const noexcept { return items_.size(); }
  const std::vector<std::string>& items() const noexcept { return items_; }
  const std::string& operator[](int64_t i) const;
  /// The index of `v`; "#na#"'s (0) for unknown values when add_na, else std::out_of_range
  /// naming the value and a few known ones.
  int64_t index_of(const std::string& v) const;
  bool contains(const std::string& v) const;
  bool add_na() const noexcept { return add_na_; }
  bool operator==(const CategoryMap& o) const { return items_ == o.items_ && add_na_ == o.add_na_; }

 private:
  std::vector<std::string> items_;
  std::unordered_map<std::string, int64_t> o2i_;
  bool add_na_ = false;
};

/// Reversible label ↔ index transform (fastai's Categorize, order 1). The vocab is learned in
/// setup from the training labels (Str, Category or Int items), sorted; encodes gives a
/// TensorCategory (int64 scalar), decodes a Category.
///
/// Example:
///   auto cat = std::make_shared<Categorize>();
///   TfmdLists tl(labels, {cat}, {.splits = splits});   // cat->vocab() learned from train
class Categorize : public Transform {
 public:
  explicit Categorize(std::optional<std::vector<std::string>> vocab = std::nullopt, bool sort = true,
                      bool add_na = false);
  void setup(const LazyItems& items, bool train_setup) override;
  const CategoryMap& vocab() const;
  /// Number of classes.
  int64_t c() const { return static_cast<int64_t>(vocab().size()); }
  std::optional<int64_t> target_c() const override { return c(); }
  std::string type_name() const override { return "Categorize"; }
  /// Cross-entropy (flattened).
  std::shared_ptr<BaseLoss> loss_func() const override;
  nlohmann::json describe() const override;
  static std::shared_ptr<Categorize> from_description(const nlohmann::json& j);

 private:
  std::optional<CategoryMap> vocab_;
  bool sort_, add_na_;
};

/// Multi-label version (fastai's MultiCategorize, order 1): MultiCategory (list of labels) →
/// TensorMultiCategory of indices, and back.
/// Example: `auto mc = std::make_shared<MultiCategorize>(); auto oh = std::make_shared<OneHotEncode>(mc);`
class MultiCategorize : public Transform {
 public:
  explicit MultiCategorize(std::optional<std::vector<std::string>> vocab = std::nullopt, bool add_na = false);
  void setup(const LazyItems& items, bool train_setup) override;
  const CategoryMap& vocab() const;
  int64_t c() const { return static_cast<int64_t>(vocab().size()); }
  std::optional<int64_t> target_c() const override { return c(); }
  std::string type_name() const override { return "MultiCategorize"; }
  /// BCE with logits (flattened).
  std::shared_ptr<BaseLoss> loss_func() const override;
  nlohmann::json describe() const override;
  static std::shared_ptr<MultiCategorize> from_description(const nlohmann::json& j);

 private:
  std::optional<CategoryMap> vocab_;
  bool add_na_;
};

/// Index list → float one-hot vector of `c` classes (fastai's OneHotEncode, order 2); `c` is
/// taken from the MultiCategorize before it in the pipeline when not given.
class OneHotEncode : public Transform {
 public:
  explicit OneHotEncode(std::optional<int64_t> c = std::nullopt);
  /// Takes the number of classes from `source`'s vocab at setup (MultiCategoryBlock wires this).
  explicit OneHotEncode(std::shared_ptr<const MultiCategorize> source);
  void setup(const LazyItems& items, bool train_setup) override;
  int64_t c() const;
  std::string type_name() const override { return "OneHotEncode"; }
  nlohmann::json describe() const override;
  static std::shared_ptr<OneHotEncode> from_description(const nlohmann::json& j);

 private:
  void register_fns();
  std::optional<int64_t> c_;
  std::weak_ptr<const MultiCategorize> source_;
};

/// Float/Int targets → float TensorBase; decodes to Float (fastai's RegressionSetup).
/// Example: `TfmdLists(values, {std::make_shared<RegressionSetup>()})`
class RegressionSetup : public Transform {
 public:
  explicit RegressionSetup(std::optional<int64_t> c = std::nullopt);
  void setup(const LazyItems& items, bool train_setup) override;
  int64_t c() const { return c_.value_or(1); }
  std::optional<int64_t> target_c() const override { return c(); }
  std::string type_name() const override { return "RegressionSetup"; }
  /// MSE (flattened).
  std::shared_ptr<BaseLoss> loss_func() const override;
  nlohmann::json describe() const override;
  static std::shared_ptr<RegressionSetup> from_description(const nlohmann::json& j);

 private:
  std::optional<int64_t> c_;
};

// ---------------------------------------------------------------- tensors

/// Converts items to tensors (order 5). Its encodes are a process-wide table that higher
/// layers extend (vision registers decoded images → TensorImage), as fastai patches ToTensor.
///
/// Example: `ToTensor::register_encodes(Image::info(), [](const Item& x) { ... });`
class ToTensor : public Transform {
 public:
  ToTensor();
  /// Adds (or replaces) how ToTensor converts items of type `t`.
  static void register_encodes(const TypeInfo& t, ItemFn fn);
  std::string type_name() const override { return "ToTensor"; }
  nlohmann::json describe() const override;
  static std::shared_ptr<ToTensor> from_description(const nlohmann::json& j);
};

/// uint8 images → float in [0, 1] (÷ div); masks → int64 (÷ div_mask). Order 10.
/// Example: `.after_batch = {std::make_shared<IntToFloatTensor>()}`
class IntToFloatTensor : public Transform {
 public:
  explicit IntToFloatTensor(double div = 255.0, int64_t div_mask = 1);
  FASTAI_DESCRIBED(IntToFloatTensor, div_, div_mask_)

 private:
  double div_;
  int64_t div_mask_;
};

/// Normalizes TensorImage batches: (x − mean) / std, decodes back (order 99). Statistics come
/// from `from_stats`, or from the first training batch in setup (mean/std over `axes`).
///
/// Example:
///   auto norm = Normalize::from_stats({0.2860}, {0.3530});      // Fashion-MNIST
///   auto norm2 = std::make_shared<Normalize>();                 // learned from one batch
class Normalize : public Transform {
 public:
  explicit Normalize(at::Tensor mean = {}, at::Tensor std = {}, std::vector<int64_t> axes = {0, 2, 3});
  /// From per-channel statistics, broadcast along `dim` of an `ndim`-dimensional batch.
  static std::shared_ptr<Normalize> from_stats(const std::vector<double>& mean, const std::vector<double>& std,
                                               int64_t dim = 1, int64_t ndim = 4);
  void setup(const LazyItems& items, bool train_setup) override;
  const at::Tensor& mean() const noexcept { return mean_; }
  const at::Tensor& stdev() const noexcept { return std_; }
  FASTAI_DESCRIBED(Normalize, mean_, std_, axes_)  // tensors: {"dtype", "shape", "values"}, null before setup

 private:
  at::Tensor mean_, std_;
  std::vector<int64_t> axes_;
};

/// ImageNet's per-channel statistics ({mean}, {std}), as fastai's imagenet_stats.
/// Example: `Normalize::from_stats(imagenet_stats.mean, imagenet_stats.std)`
struct Stats {
  std::vector<double> mean, std;
};
inline const Stats imagenet_stats{{0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}};
/// Fashion-MNIST's (one channel), measured over its 60k training images.
inline const Stats fashion_stats{{0.2860}, {0.3530}};

}  // namespace fastai
