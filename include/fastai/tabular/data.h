#pragma once
/// fastai.tabular.data: TabularDataLoaders and the whole-batch tabular loader. A batch is
/// (category codes int64 [bs, n_cat], continuous float [bs, n_cont], target) built by three
/// index_selects on the processed tensors — no per-row items, no per-row dispatch (fastai's
/// TabDataLoader reads a DataFrame slice per batch; issue #3949). ReadTabBatch, the after_batch
/// transform, decodes a batch back to a table of names and values for show_batch,
/// show_results and predict.
///
/// Example (the paper's tabular example):
///   auto dls = fastai::TabularDataLoaders::from_csv(path / "adult.csv", {
///       .procs = {Categorify(), FillMissing(), Normalize()},
///       .cat_names = {"workclass", "education", "marital-status"}, .cont_names = {"age", "fnlwgt"},
///       .y_names = {"salary"}, .bs = 64});
///   dls.show_batch();                    // prints decoded rows
///
/// Thread-safety: As data/core.h: loaders are iterated by one thread at a time (test_dl gives each caller its
/// own); the DataLoaders' test_dl is safe from many threads at once.
#include <filesystem>

#include "fastai/core/semantic.h"
#include "fastai/data/core.h"
#include "fastai/data/csv.h"
#include "fastai/tabular/core.h"

namespace fastai {

/// Rows of a table that know which of their columns are targets (the decoded side of fastai's
/// TabularPandas): a Table, plus `y_names`, so show_results can put "<y>_pred" beside each
/// target. Converts from any Table (no targets marked).
/// Example: `TabularRows r(df.take({0}));  r["age"]…`
struct TabularRows : Table {
  std::vector<std::string> y_names;
  TabularRows(Table t = {}, std::vector<std::string> y = {})
      : Table(std::move(t)), y_names(std::move(y)) {}  // NOLINT: implicit from Table
};

/// Rows of a table as one pipeline value (fastai's Tabular): what ReadTabBatch decodes a batch
/// into, and what predict takes for tabular learners.
/// Example: `auto [row, idx, probs] = learn.predict(Tabular(df.take({0})));`
FASTAI_SEMANTIC_TYPE(Tabular, TabularRows);

/// The after_batch transform of tabular loaders (fastai's ReadTabBatch): batches pass through
/// unchanged; decoding turns (cats, conts[, y]) back into a Tabular table of category names,
/// unnormalised values and target labels, using the processed data's procs.
/// Example: `auto rtb = std::make_shared<ReadTabBatch>(to);  Item rows = rtb->decode(batch);`
class ReadTabBatch : public Transform {
 public:
  explicit ReadTabBatch(const TabularPandas& to);
  std::string type_name() const override { return "ReadTabBatch"; }
  nlohmann::json describe() const override;
  static std::shared_ptr<ReadTabBatch> from_description(const nlohmann::json& j);
  const TabularPandas& to() const noexcept { return *to_; }

 private:
  std::shared_ptr<const TabularPandas> to_;
};

/// Keyword arguments of TabularPandas::dataloaders (fastai's to.dataloaders).
/// Example: `to.dataloaders({.bs = 128})`
struct TabDataLoadersOptions {
  int64_t bs = 64;
  std::optional<int64_t> val_bs;  ///< default: bs
  bool shuffle = true;            ///< training loader (which also drops its last partial batch)
  std::optional<uint64_t> seed;   ///< shuffling seed (default: from fastai::rng())
  std::optional<c10::Device> device;
  /// fastai 2.7's TabWeightedDL, which every fastai TabularPandas.dataloaders uses: each epoch
  /// the training loader draws n rows *with replacement*, by `wgts` (uniform when empty). On by
  /// default, as in fastai: with it fastai.cpp's accuracy distributions equal fastai's on every
  /// data set of bench_parity; false: a permutation per epoch (every row once; on MovieLens a
  /// lower valid mse than fastai's recipe gets, docs/ARCHITECTURE.md).
  bool resample = true;
  std::vector<double> wgts;  ///< one weight per training row (resample only)
};

/// Whole-batch train and valid loaders over processed data (fastai's TabularPandas.dataloaders),
/// with the loss the target calls for, test_dl for new tables and an export description.
/// Example: `auto dls = tabular_dataloaders(to, {.bs = 64});`
DataLoaders tabular_dataloaders(const TabularPandas& to, TabDataLoadersOptions options = {});

/// One whole-batch loader over `to`'s tensors (fastai's TabDataLoader), with ReadTabBatch.
/// Example: `TfmdDL dl = tab_dataloader(to.valid(), {.bs = 256, .shuffle = false});`
TfmdDL tab_dataloader(const TabularPandas& to, DataLoaderOptions options, std::shared_ptr<ReadTabBatch> read = nullptr);

/// Keyword arguments of TabularDataLoaders::from_df / from_csv (fastai's names and defaults).
/// Example: `{.procs = {Categorify(), FillMissing(), Normalize()}, .cat_names = {"a"}, .cont_names = {"x"}, .y_names =
/// {"y"}}`
struct TabularLoadersOptions {
  std::vector<Proc> procs;
  std::vector<std::string> cat_names;
  std::vector<std::string> cont_names;
  std::vector<std::string> y_names;
  std::optional<TransformBlock> y_block;
  std::vector<int64_t> valid_idx;  ///< validation rows; empty: RandomSplitter(valid_pct, seed)
  double valid_pct = 0.2;
  std::optional<uint64_t> seed;  ///< split (and shuffle) seed
  int64_t bs = 64;
  std::optional<int64_t> val_bs;
  bool shuffle = true;
  std::optional<c10::Device> device;
  bool resample = true;  ///< draw training rows with replacement, as fastai (TabDataLoadersOptions::resample)
  CsvOptions csv;        ///< from_csv only
};

/// fastai's TabularDataLoaders.
/// Example: `auto dls = TabularDataLoaders::from_df(df, {.cat_names = …, .y_names = {"Status"}});`
struct TabularDataLoaders {
  /// Processes `df` (TabularPandas) and builds the loaders.
  static DataLoaders from_df(const Table& df, TabularLoadersOptions options = {});
  /// Reads `csv` (read_csv with options.csv) then from_df. Errors name the file.
  static DataLoaders from_csv(const std::filesystem::path& csv, TabularLoadersOptions options = {});
};

}  // namespace fastai
