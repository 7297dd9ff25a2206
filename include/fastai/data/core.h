#pragma once
/// fastai.data.core's TfmdLists and Datasets: raw items made lazy by pipelines, with splits.
/// Indexing applies the pipeline(s) on access; subsets share the items and the transforms and
/// carry their split index (0 train, 1 valid), which gates split-specific transforms.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "fastai/core/pipeline.h"

namespace fastai {

/// Keyword arguments of TfmdLists and Datasets.
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
  /// Decodes a tuple element by element through the matching pipeline.
  Item decode(const Item& x, bool full = true) const;

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

}  // namespace fastai
