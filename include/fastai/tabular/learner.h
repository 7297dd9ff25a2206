#pragma once
/// fastai.tabular.learner: tabular_learner — a TabularModel sized from the data (embedding sizes
/// from the vocabs, outputs from the target) in a Learner, exportable with export_learner.
///
/// Example (the paper's tabular example):
///   auto learn = fastai::tabular_learner(dls, {.layers = {200, 100}, .metrics = {fastai::accuracy}});
///   learn.fit_one_cycle(3, 1e-2);
///   auto [row, idx, probs] = learn.predict(fastai::Tabular(df.take({0})));
///
/// Thread-safety: tabular_learner returns a Learner (learner.h); building several at once is safe.
#include <map>

#include "fastai/learner.h"
#include "fastai/tabular/data.h"
#include "fastai/tabular/model.h"

namespace fastai {

/// Keyword arguments of tabular_learner (fastai's; `config` is tabular_config).
/// Example: `{.layers = {200, 100}, .config = {.ps = {0.1}}, .metrics = {accuracy}}`
struct TabularLearnerOptions {
  std::vector<int64_t> layers = {200, 100};
  std::map<std::string, int64_t> emb_szs;  ///< width overrides by column
  TabularModelOptions config;              ///< its `layers` is replaced by `layers`
  std::optional<int64_t> n_out;            ///< default: classes (or y columns) of the data
  std::optional<std::pair<double, double>> y_range;
  /// Then the Learner's own keyword arguments (loss_func, opt_func, lr, splitter, cbs, metrics, path, …).
  FASTAI_LEARNER_OPTIONS(FASTAI_DECLARE_OPTION)
};

/// Builds the model from `to` (the DataLoaders' processed data, which tabular_dataloaders keeps
/// in the loaders' ReadTabBatch) and a Learner around it.
/// Example: `auto learn = tabular_learner(dls, {.metrics = {accuracy}});`
Learner tabular_learner(DataLoaders dls, TabularLearnerOptions options = {});

}  // namespace fastai
