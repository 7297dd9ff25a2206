#pragma once
/// fastai.collab: collaborative filtering — CollabDataLoaders (user and item ids encoded like
/// Categorify, '#na#' first, whole-batch loading), EmbeddingDotBias, EmbeddingNN and
/// collab_learner, with the analysis helpers of fastai's collab tutorial (bias, weight, pca).
///
/// Example (the paper's collaborative-filtering example):
///   auto ratings = fastai::read_csv(fastai::untar_data(fastai::URLs::ML_LATEST_SMALL) / "ratings.csv");
///   auto dls = fastai::CollabDataLoaders::from_df(ratings, {.user_name = "userId", .item_name = "movieId",
///                                                           .rating_name = "rating", .seed = 42, .bs = 64});
///   auto learn = fastai::collab_learner(dls, {.n_factors = 50, .y_range = std::pair{0.0, 5.5}});
///   learn.fit_one_cycle(3, 5e-3, {.wd = 0.1});
///
/// Thread-safety: CollabDataLoaders are DataLoaders (data/core.h); EmbeddingDotBias/EmbeddingNN are modules
/// (forward in eval mode without grad may run on many threads; training is one thread's);
/// collab_learner returns a Learner (learner.h). bias/weight/pca read the model: call them when
/// no fit is running.
#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fastai/data/csv.h"
#include "fastai/learner.h"
#include "fastai/tabular/data.h"
#include "fastai/tabular/model.h"

namespace fastai {

/// Keyword arguments of CollabDataLoaders::from_df / from_csv (fastai's names; the user, item
/// and rating columns default to the table's first three).
/// Example: `{.user_name = "userId", .item_name = "movieId", .rating_name = "rating", .seed = 42}`
struct CollabLoadersOptions {
  double valid_pct = 0.2;
  std::string user_name, item_name, rating_name;
  std::optional<uint64_t> seed;  ///< split and shuffle seed
  int64_t bs = 64;
  std::optional<int64_t> val_bs;
  std::optional<c10::Device> device;
  bool resample = true;  ///< draw training rows with replacement, as fastai (TabDataLoadersOptions::resample)
  CsvOptions csv;        ///< from_csv only
};

/// fastai's TabularCollab: the ratings' user, item and rating columns processed by Categorify
/// alone (no continuous columns, the rating kept as a float target) over `splits`. What
/// CollabDataLoaders::from_df builds; use it directly to choose the split apart from the
/// loaders' shuffling seed.
/// Example: `auto to = TabularCollab(df, "userId", "movieId", "rating", RandomSplitter(0.2,
/// 42)(range_of(df.n_rows())));`
TabularPandas TabularCollab(const Table& ratings, const std::string& user, const std::string& item,
                            const std::string& rating, Splits splits);

/// fastai's CollabDataLoaders: batches of (ids int64 [bs, 2], rating float [bs, 1]).
/// Example: `auto dls = CollabDataLoaders::from_csv("ratings.csv", {.seed = 42});`
struct CollabDataLoaders {
  static DataLoaders from_df(const Table& ratings, CollabLoadersOptions options = {});
  static DataLoaders from_csv(const std::filesystem::path& csv, CollabLoadersOptions options = {});
};

/// The user and item vocabularies of collab loaders ("#na#" first), by column name.
/// Example: `const auto& users = collab_classes(dls).at("userId");`
const std::map<std::string, CategoryMap>& collab_classes(DataLoaders& dls);

/// Dot product of user and item factors plus biases, squashed into y_range (fastai's
/// EmbeddingDotBias). Parameter names as fastai's: u_weight, i_weight, u_bias, i_bias.
/// Example: `EmbeddingDotBias m(50, n_users, n_items, std::pair{0.0, 5.5});  auto r = m->forward(ids);`
class EmbeddingDotBiasImpl : public torch::nn::Module {
 public:
  EmbeddingDotBiasImpl(int64_t n_factors, int64_t n_users, int64_t n_items,
                       std::optional<std::pair<double, double>> y_range = std::nullopt);
  /// From the loaders' vocabularies (fastai's from_classes): enables bias() and weight() by name.
  static std::shared_ptr<EmbeddingDotBiasImpl> from_classes(
      int64_t n_factors, const std::map<std::string, CategoryMap>& classes, const std::string& user,
      const std::string& item, std::optional<std::pair<double, double>> y_range = std::nullopt);
  /// x: [bs, 2] (user index, item index) → predicted rating [bs].
  at::Tensor forward(const at::Tensor& x);
  /// Biases of the named items (or users), in order; throws naming one that training never saw.
  /// Example: `auto b = model->bias({"318", "356"});`
  at::Tensor bias(const std::vector<std::string>& names, bool is_item = true) const;
  /// Factors [n, n_factors] of the named items (or users).
  at::Tensor weight(const std::vector<std::string>& names, bool is_item = true) const;

  torch::nn::Embedding u_weight{nullptr}, i_weight{nullptr}, u_bias{nullptr}, i_bias{nullptr};

 private:
  at::Tensor index_of(const std::vector<std::string>& names, bool is_item) const;
  std::optional<std::pair<double, double>> y_range_;
  std::optional<CategoryMap> users_, items_;
};
TORCH_MODULE(EmbeddingDotBias);

/// A TabularModel over the user and item embeddings only (fastai's EmbeddingNN): n_cont 0,
/// one output. forward(x [bs, 2]) → [bs, 1].
/// Example: `EmbeddingNN m({{n_users, 74}, {n_items, 102}}, {.layers = {64}});`
class EmbeddingNNImpl : public TabularModelImpl {
 public:
  EmbeddingNNImpl(std::vector<std::pair<int64_t, int64_t>> emb_szs, TabularModelOptions options)
      : TabularModelImpl(std::move(emb_szs), 0, 1, std::move(options)) {}
  at::Tensor forward(const at::Tensor& x_cat) { return TabularModelImpl::forward(x_cat, at::Tensor()); }
};
TORCH_MODULE(EmbeddingNN);

/// Keyword arguments of collab_learner (fastai's).
/// Example: `{.n_factors = 50, .y_range = std::pair{0.0, 5.5}}` or `{.use_nn = true, .layers = {100}}`
struct CollabLearnerOptions {
  int64_t n_factors = 50;
  bool use_nn = false;
  std::map<std::string, int64_t> emb_szs;  ///< EmbeddingNN widths by column (default: emb_sz_rule)
  std::vector<int64_t> layers;             ///< EmbeddingNN hidden layers
  TabularModelOptions config;              ///< EmbeddingNN's other options
  std::optional<std::pair<double, double>> y_range;
  /// Then the Learner's own keyword arguments (loss_func — default here MSELossFlat —, metrics, cbs, …).
  FASTAI_LEARNER_OPTIONS(FASTAI_DECLARE_OPTION)
};

/// fastai's collab_learner: EmbeddingDotBias (or EmbeddingNN with use_nn) sized from the data.
/// Example: `auto learn = collab_learner(dls, {.n_factors = 50, .y_range = std::pair{0.0, 5.5}});`
Learner collab_learner(DataLoaders dls, CollabLearnerOptions options = {});

/// The first k principal components of the rows of x (fastai's Tensor.pca: centre, SVD, project).
/// Example: `auto p = pca(model->weight(movies), 3);  // [n, 3]`
at::Tensor pca(const at::Tensor& x, int64_t k = 2);

}  // namespace fastai
