#include "fastai/tabular/model.h"

#include <torch/torch.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "fastai/export.h"

namespace fastai {
using json = nlohmann::json;

int64_t emb_sz_rule(int64_t n_cat) {
  return std::min<int64_t>(600, static_cast<int64_t>(std::llround(1.6 * std::pow(static_cast<double>(n_cat), 0.56))));
}

std::vector<std::pair<int64_t, int64_t>> get_emb_sz(const TabularPandas& to,
                                                    const std::map<std::string, int64_t>& sz_dict) {
  std::vector<std::pair<int64_t, int64_t>> out;
  const auto& classes = to.classes();
  for (const auto& n : to.cat_names()) {
    auto it = classes.find(n);
    if (it == classes.end())
      throw std::invalid_argument("get_emb_sz: categorical column '" + n + "' has no vocab (add Categorify to procs)");
    const auto n_cat = static_cast<int64_t>(it->second.size());
    auto s = sz_dict.find(n);
    out.emplace_back(n_cat, s == sz_dict.end() ? emb_sz_rule(n_cat) : s->second);
  }
  return out;
}

TabularModelImpl::TabularModelImpl(std::vector<std::pair<int64_t, int64_t>> emb_szs, int64_t n_cont, int64_t out_sz,
                                   TabularModelOptions o) {
  std::vector<double> ps = o.ps;
  if (ps.empty()) ps.assign(o.layers.size(), 0.0);
  if (ps.size() == 1) ps.assign(o.layers.size(), ps[0]);
  if (ps.size() != o.layers.size())
    throw std::invalid_argument("TabularModel: ps has " + std::to_string(ps.size()) + " values for " +
                                std::to_string(o.layers.size()) + " layers");
  embeds = register_module("embeds", torch::nn::ModuleList());
  for (const auto& [ni, nf] : emb_szs) {
    embeds->push_back(Embedding(ni, nf));
    n_emb_ += nf;
  }
  emb_drop = register_module("emb_drop", torch::nn::Dropout(o.embed_p));
  n_cont_ = n_cont;
  // Even with no continuous columns (EmbeddingNN): fastai's module then holds an empty
  // BatchNorm1d(0), so its state_dict names (bn_cont.*) are ours too and weights load both ways.
  if (o.bn_cont) bn_cont = register_module("bn_cont", torch::nn::BatchNorm1d(n_cont));
  std::vector<int64_t> sizes = {n_emb_ + n_cont};
  sizes.insert(sizes.end(), o.layers.begin(), o.layers.end());
  sizes.push_back(out_sz);
  layers = register_module("layers", torch::nn::Sequential());
  const size_t n = sizes.size() - 1;
  for (size_t i = 0; i < n; ++i) {
    const bool last = i + 1 == n;
    layers->push_back(LinBnDrop(
        sizes[i], sizes[i + 1],
        {.bn = o.use_bn && (!last || o.bn_final), .p = last ? 0.0 : ps[i], .act = !last, .lin_first = o.lin_first}));
  }
  if (o.y_range) layers->push_back(SigmoidRange(o.y_range->first, o.y_range->second));
}

at::Tensor TabularModelImpl::forward(const at::Tensor& x_cat, const at::Tensor& x_cont) {
  at::Tensor x;
  if (n_emb_ != 0) {
    std::vector<at::Tensor> es;
    es.reserve(embeds->size());
    for (size_t i = 0; i < embeds->size(); ++i)
      es.push_back(embeds[i]->as<torch::nn::EmbeddingImpl>()->forward(x_cat.select(1, static_cast<int64_t>(i))));
    x = emb_drop(torch::cat(es, 1));
  }
  if (n_cont_ != 0) {
    at::Tensor c = bn_cont ? bn_cont(x_cont) : x_cont;
    x = x.defined() ? torch::cat({x, c}, 1) : c;
  }
  return layers->forward(x);
}

std::string tabular_model_spec(const std::vector<std::pair<int64_t, int64_t>>& emb_szs, int64_t n_cont, int64_t out_sz,
                               const TabularModelOptions& o) {
  json j{{"builder", "tabular"},   {"emb_szs", emb_szs},   {"n_cont", n_cont},        {"out_sz", out_sz},
         {"layers", o.layers},     {"ps", o.ps},           {"embed_p", o.embed_p},    {"use_bn", o.use_bn},
         {"bn_final", o.bn_final}, {"bn_cont", o.bn_cont}, {"lin_first", o.lin_first}};
  j["y_range"] = o.y_range ? json::array({o.y_range->first, o.y_range->second}) : json(nullptr);
  return j.dump();
}

namespace {
const bool registered = [] {
  register_model_builder("tabular", [](const json& j) {
    TabularModelOptions o{.layers = j.at("layers").get<std::vector<int64_t>>(),
                          .ps = j.at("ps").get<std::vector<double>>(),
                          .embed_p = j.at("embed_p").get<double>(),
                          .y_range = std::nullopt,
                          .use_bn = j.at("use_bn").get<bool>(),
                          .bn_final = j.at("bn_final").get<bool>(),
                          .bn_cont = j.at("bn_cont").get<bool>(),
                          .lin_first = j.at("lin_first").get<bool>()};
    if (!j.at("y_range").is_null()) o.y_range = std::pair{j["y_range"][0].get<double>(), j["y_range"][1].get<double>()};
    return Model(TabularModel(j.at("emb_szs").get<std::vector<std::pair<int64_t, int64_t>>>(),
                              j.at("n_cont").get<int64_t>(), j.at("out_sz").get<int64_t>(), o));
  });
  return true;
}();
}  // namespace

}  // namespace fastai
