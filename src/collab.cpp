#include "fastai/collab.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "fastai/export.h"
#include "fastai/tabular/procs.h"

namespace fastai {
using json = nlohmann::json;

namespace {

using YRange = std::optional<std::pair<double, double>>;

std::shared_ptr<ReadTabBatch> read_tab_batch(DataLoaders& dls) {
  for (const auto& t : dls.at(0).after_batch_tfms().transforms())
    if (auto r = std::dynamic_pointer_cast<ReadTabBatch>(t)) return r;
  throw std::invalid_argument(
      "collab: the loaders are not collab/tabular loaders (no ReadTabBatch); build them with "
      "CollabDataLoaders::from_df or from_csv");
}

// Predicting for a user or item without factors is an error, not a silent '#na#' (fastai's
// _get_idx message for bias/weight, applied to predict too).
void refuse_unknown_ids(DataLoaders& dls) {
  auto read = read_tab_batch(dls);
  auto inner = dls.test_dl_factory;
  dls.test_dl_factory = [read, inner](const std::vector<Item>& items, bool labels, int64_t bs) {
    const auto& to = read->to();
    const auto& classes = to.classes();
    for (const auto& it : items) {
      if (!it.is<Tabular>()) continue;
      const Table& t = it.get<Tabular>();
      for (size_t k = 0; k < to.cat_names().size(); ++k) {
        const auto& name = to.cat_names()[k];
        if (!t.has(name)) continue;  // new_ names the missing column
        const Column& c = t[name];
        const CategoryMap& voc = classes.at(name);
        for (size_t r = 0; r < c.size(); ++r) {
          const std::string key = c.is_missing(r) ? std::string("(missing)") : Categorify::key(c, r);
          if (c.is_missing(r) || !voc.contains(key) || key == "#na#")
            throw std::invalid_argument(
                std::string(k == 0 ? "user" : "item") + " '" + key + "' (column '" + name + "', row " +
                std::to_string(r) +
                ") is not in the training data, so the model has no factors for it; "
                "if it was in your original data, the split may have put all its ratings in the validation set");
        }
      }
    }
    return inner(items, labels, bs);
  };
}

}  // namespace

const std::map<std::string, CategoryMap>& collab_classes(DataLoaders& dls) {
  return read_tab_batch(dls)->to().classes();
}

TabularPandas TabularCollab(const Table& ratings, const std::string& user, const std::string& item,
                            const std::string& rating, Splits splits) {
  return TabularPandas(ratings.select({user, item, rating}), {.procs = {Categorify()},
                                                              .cat_names = {user, item},
                                                              .y_names = {rating},
                                                              .y_block = TransformBlock{},
                                                              .splits = std::move(splits),
                                                              .with_cont = false});
}

DataLoaders CollabDataLoaders::from_df(const Table& ratings, CollabLoadersOptions o) {
  const auto names = ratings.names();
  if (names.size() < 3 && (o.user_name.empty() || o.item_name.empty() || o.rating_name.empty()))
    throw TableError("CollabDataLoaders: the ratings table needs user, item and rating columns (it has " +
                     std::to_string(names.size()) + ")");
  const std::string user = o.user_name.empty() ? names[0] : o.user_name;
  const std::string item = o.item_name.empty() ? names[1] : o.item_name;
  const std::string rating = o.rating_name.empty() ? names[2] : o.rating_name;
  const TabularPandas to =
      TabularCollab(ratings, user, item, rating, RandomSplitter(o.valid_pct, o.seed)(range_of(ratings.n_rows())));
  DataLoaders dls = tabular_dataloaders(
      to, {.bs = o.bs, .val_bs = o.val_bs, .seed = o.seed, .device = o.device, .resample = o.resample});
  auto spec = json::parse(dls.inference_spec);
  spec["builder"] = "collab";
  dls.inference_spec = spec.dump();
  refuse_unknown_ids(dls);
  return dls;
}

DataLoaders CollabDataLoaders::from_csv(const std::filesystem::path& csv, CollabLoadersOptions o) {
  Table df = read_csv(csv, o.csv);
  try {
    return from_df(df, std::move(o));
  } catch (const TableError& e) {
    throw TableError(csv.string() + ": " + e.what());
  }
}

// ---------------------------------------------------------------- EmbeddingDotBias

EmbeddingDotBiasImpl::EmbeddingDotBiasImpl(int64_t n_factors, int64_t n_users, int64_t n_items, YRange y_range)
    : y_range_(y_range) {
  u_weight = register_module("u_weight", Embedding(n_users, n_factors));
  i_weight = register_module("i_weight", Embedding(n_items, n_factors));
  u_bias = register_module("u_bias", Embedding(n_users, 1));
  i_bias = register_module("i_bias", Embedding(n_items, 1));
}

std::shared_ptr<EmbeddingDotBiasImpl> EmbeddingDotBiasImpl::from_classes(
    int64_t n_factors, const std::map<std::string, CategoryMap>& classes, const std::string& user,
    const std::string& item, YRange y_range) {
  auto find = [&](const std::string& n) -> const CategoryMap& {
    auto it = classes.find(n);
    if (it == classes.end())
      throw std::invalid_argument("EmbeddingDotBias::from_classes: no classes for column '" + n + "'");
    return it->second;
  };
  const CategoryMap &u = find(user), &i = find(item);
  auto m = std::make_shared<EmbeddingDotBiasImpl>(n_factors, static_cast<int64_t>(u.size()),
                                                  static_cast<int64_t>(i.size()), y_range);
  m->users_ = u;
  m->items_ = i;
  return m;
}

at::Tensor EmbeddingDotBiasImpl::forward(const at::Tensor& x) {
  const auto users = x.select(1, 0), items = x.select(1, 1);
  auto res = (u_weight(users) * i_weight(items)).sum(1) + u_bias(users).squeeze(-1) + i_bias(items).squeeze(-1);
  if (!y_range_) return res;
  return torch::sigmoid(res) * (y_range_->second - y_range_->first) + y_range_->first;
}

at::Tensor EmbeddingDotBiasImpl::index_of(const std::vector<std::string>& names, bool is_item) const {
  const auto& voc = is_item ? items_ : users_;
  if (!voc)
    throw std::logic_error(
        "EmbeddingDotBias: build the model with from_classes (collab_learner does) to look items up by name");
  std::vector<int64_t> idx;
  idx.reserve(names.size());
  for (const auto& n : names) {
    if (!voc->contains(n) || n == "#na#")
      throw std::invalid_argument(
          std::string("EmbeddingDotBias: ") + (is_item ? "item" : "user") + " '" + n +
          "' is not in the training data; if it was in your original data, it may have been split such "
          "that it's only present in the validation set");
    idx.push_back(voc->index_of(n));
  }
  return torch::tensor(idx, torch::kLong);
}

at::Tensor EmbeddingDotBiasImpl::bias(const std::vector<std::string>& names, bool is_item) const {
  torch::NoGradGuard g;
  const auto& layer = is_item ? i_bias : u_bias;
  return layer->weight.detach().cpu().index_select(0, index_of(names, is_item)).squeeze(-1);
}

at::Tensor EmbeddingDotBiasImpl::weight(const std::vector<std::string>& names, bool is_item) const {
  torch::NoGradGuard g;
  const auto& layer = is_item ? i_weight : u_weight;
  return layer->weight.detach().cpu().index_select(0, index_of(names, is_item));
}

// ---------------------------------------------------------------- collab_learner

namespace {
json y_range_json(const YRange& r) { return r ? json::array({r->first, r->second}) : json(nullptr); }
YRange y_range_from(const json& j) {
  if (j.is_null()) return std::nullopt;
  return std::pair{j[0].get<double>(), j[1].get<double>()};
}

const bool registered = [] {
  register_model_builder("collab_dot", [](const json& j) {
    std::map<std::string, CategoryMap> classes;
    const std::string user = j.at("user"), item = j.at("item");
    classes[user] = CategoryMap::from_items(j.at("users").get<std::vector<std::string>>(), true);
    classes[item] = CategoryMap::from_items(j.at("items").get<std::vector<std::string>>(), true);
    return Model(EmbeddingDotBiasImpl::from_classes(j.at("n_factors").get<int64_t>(), classes, user, item,
                                                    y_range_from(j.at("y_range"))));
  });
  register_model_builder("collab_nn", [](const json& j) {
    TabularModelOptions o{.layers = j.at("layers").get<std::vector<int64_t>>(),
                          .ps = j.at("ps").get<std::vector<double>>(),
                          .embed_p = j.at("embed_p").get<double>(),
                          .y_range = y_range_from(j.at("y_range")),
                          .use_bn = j.at("use_bn").get<bool>(),
                          .bn_final = j.at("bn_final").get<bool>(),
                          .bn_cont = j.at("bn_cont").get<bool>(),
                          .lin_first = j.at("lin_first").get<bool>()};
    return Model(EmbeddingNN(j.at("emb_szs").get<std::vector<std::pair<int64_t, int64_t>>>(), o));
  });
  register_loaders_builder("collab", [](const json& spec, std::optional<c10::Device> device) {
    auto s = spec;
    s["builder"] = "tabular";  // the tabular builder makes the loaders; collab adds the unknown-id check
    DataLoaders dls = build_loaders(s, device);
    dls.inference_spec = spec.dump();
    refuse_unknown_ids(dls);
    return dls;
  });
  return true;
}();
}  // namespace

Learner collab_learner(DataLoaders dls, CollabLearnerOptions o) {
  auto read = read_tab_batch(dls);
  const TabularPandas& to = read->to();
  if (to.cat_names().size() < 2)
    throw std::invalid_argument("collab_learner: the loaders need a user and an item column");
  const auto& classes = to.classes();
  const std::string user = to.cat_names()[0], item = to.cat_names()[1];
  Model model;
  std::string spec;
  if (o.use_nn) {
    const auto emb_szs = get_emb_sz(to, o.emb_szs);
    TabularModelOptions cfg = o.config;
    cfg.layers = o.layers;
    if (o.y_range) cfg.y_range = o.y_range;
    model = EmbeddingNN(emb_szs, cfg);
    auto j = json::parse(tabular_model_spec(emb_szs, 0, 1, cfg));
    j["builder"] = "collab_nn";
    spec = j.dump();
  } else {
    model = EmbeddingDotBiasImpl::from_classes(o.n_factors, classes, user, item, o.y_range);
    spec = json{{"builder", "collab_dot"},
                {"n_factors", o.n_factors},
                {"user", user},
                {"item", item},
                {"users", classes.at(user).items()},
                {"items", classes.at(item).items()},
                {"y_range", y_range_json(o.y_range)}}
               .dump();
  }
  if (!o.loss_func) o.loss_func = MSELossFlat();
  Learner learn(std::move(dls), model, learner_options(std::move(o)));
  learn.model_spec = spec;
  return learn;
}

at::Tensor pca(const at::Tensor& x, int64_t k) {
  const auto c = x - x.mean(0);
  auto [u, s, vh] = at::linalg_svd(c.t(), false);
  return c.mm(u.slice(1, 0, k));
}

}  // namespace fastai
