#include "fastai/tabular/learner.h"

namespace fastai {

Learner tabular_learner(DataLoaders dls, TabularLearnerOptions o) {
  std::shared_ptr<ReadTabBatch> read;
  for (const auto& t : dls.train().after_batch_tfms().transforms())
    if (auto r = std::dynamic_pointer_cast<ReadTabBatch>(t)) read = r;
  if (!read)
    throw std::invalid_argument(
        "tabular_learner: the loaders are not tabular (no ReadTabBatch in after_batch); build them with "
        "TabularDataLoaders::from_df / from_csv or tabular_dataloaders");
  const TabularPandas& to = read->to();
  const auto emb_szs = get_emb_sz(to, o.emb_szs);
  const int64_t n_out = o.n_out.value_or(to.c());
  if (n_out < 1) throw std::invalid_argument("tabular_learner: the data has no target; pass n_out");
  TabularModelOptions cfg = o.config;
  cfg.layers = o.layers;
  if (o.y_range) cfg.y_range = o.y_range;
  const auto n_cont = static_cast<int64_t>(to.cont_names().size());
  TabularModel model(emb_szs, n_cont, n_out, cfg);
  Learner learn(std::move(dls), model, learner_options(std::move(o)));
  learn.model_spec = tabular_model_spec(emb_szs, n_cont, n_out, cfg);
  return learn;
}

}  // namespace fastai
