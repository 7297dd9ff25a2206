#pragma once
/// fastai.tabular.model: TabularModel (embeddings for categorical columns, BatchNorm on the
/// continuous ones, then LinBnDrop blocks) and fastai's embedding-size rule.
///
/// Example:
///   auto m = fastai::TabularModel(fastai::get_emb_sz(to), to.cont_names().size(), 2, {.layers = {200, 100}});
///   at::Tensor out = m->forward(x_cat, x_cont);      // [bs, 2]
///
/// Thread-safety: A module: forward in eval mode without grad may run on many threads at once; training is
/// one thread's.
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/dropout.h>

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fastai/layers.h"
#include "fastai/tabular/core.h"

namespace fastai {

/// fastai's emb_sz_rule: min(600, round(1.6 · n_cat^0.56)).
/// Example: `emb_sz_rule(10) == 6`
int64_t emb_sz_rule(int64_t n_cat);

/// (vocab size, embedding width) per categorical column of `to` (fastai's get_emb_sz); `sz_dict`
/// overrides the width of named columns.
/// Example: `auto szs = get_emb_sz(to, {{"Home", 4}});`
std::vector<std::pair<int64_t, int64_t>> get_emb_sz(const TabularPandas& to,
                                                    const std::map<std::string, int64_t>& sz_dict = {});

/// Keyword arguments of TabularModel (fastai's tabular_config; its defaults).
/// Example: `{.layers = {200, 100}, .ps = {0.001, 0.01}, .embed_p = 0.04, .y_range = std::pair{0.0, 5.5}}`
struct TabularModelOptions {
  std::vector<int64_t> layers = {200, 100};
  std::vector<double> ps;  ///< dropout per layer (one value: all layers); default 0
  double embed_p = 0.0;    ///< dropout after the embeddings
  std::optional<std::pair<double, double>> y_range;
  bool use_bn = true;
  bool bn_final = false;
  bool bn_cont = true;
  bool lin_first = true;
};

/// fastai's TabularModel: forward(x_cat [bs, n_cat] int64, x_cont [bs, n_cont] float).
/// Embeddings start from a truncated normal with std 0.01, as fastai's Embedding.
/// Example: `TabularModel m(get_emb_sz(to), 6, 2, {});`
class TabularModelImpl : public torch::nn::Module {
 public:
  TabularModelImpl(std::vector<std::pair<int64_t, int64_t>> emb_szs, int64_t n_cont, int64_t out_sz,
                   TabularModelOptions options = {});
  at::Tensor forward(const at::Tensor& x_cat, const at::Tensor& x_cont);
  torch::nn::ModuleList embeds{nullptr};
  torch::nn::Dropout emb_drop{nullptr};
  torch::nn::BatchNorm1d bn_cont{nullptr};
  torch::nn::Sequential layers{nullptr};

 private:
  int64_t n_emb_ = 0, n_cont_ = 0;
};
TORCH_MODULE(TabularModel);

/// The description register_model_builder("tabular") rebuilds TabularModel from (export).
/// Example: `learn.model_spec = tabular_model_spec(szs, 6, 2, {});`
std::string tabular_model_spec(const std::vector<std::pair<int64_t, int64_t>>& emb_szs, int64_t n_cont, int64_t out_sz,
                               const TabularModelOptions& options);

}  // namespace fastai
