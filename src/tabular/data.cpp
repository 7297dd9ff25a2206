#include "fastai/tabular/data.h"

#include <ATen/ATen.h>

#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <sstream>

#include "fastai/core/describe.h"
#include "fastai/core/random.h"
#include "fastai/export.h"
#include "fastai/losses.h"

namespace fastai {
using json = nlohmann::json;

ReadTabBatch::ReadTabBatch(const TabularPandas& to)
    : to_(std::make_shared<const TabularPandas>(TabularPandas::from_description(to.describe()))) {
  name = "ReadTabBatch";
  whole_tuple = true;
  decodes<Any>([this](const Item& b) -> Item {
    if (!b.is_tuple()) return b;
    // (cats, conts[, y]), or (cats[, y]) without continuous columns (collab).
    const size_t n_x = to_->with_cont() ? 2 : 1;
    if (b.size() < n_x) return b;
    const at::Tensor& cats = b[0].get<TensorBase>();
    const at::Tensor conts = n_x == 2 ? b[1].get<TensorBase>() : at::empty({cats.size(0), 0});
    const at::Tensor ys = b.size() > n_x ? b[n_x].get<TensorBase>() : at::Tensor();
    return Item(
        Tabular(TabularRows(to_->decode(cats, conts, ys), ys.defined() ? to_->y_names() : std::vector<std::string>{})));
  });
}

json ReadTabBatch::describe() const {
  json j = describe_base();
  j["to"] = to_->describe();
  return j;
}

std::shared_ptr<ReadTabBatch> ReadTabBatch::from_description(const json& j) {
  auto r = std::make_shared<ReadTabBatch>(TabularPandas::from_description(j.at("to")));
  r->apply_base(j);
  return r;
}

TfmdDL tab_dataloader(const TabularPandas& to, DataLoaderOptions o, std::shared_ptr<ReadTabBatch> read) {
  const at::Tensor cats = to.cats(), conts = to.conts(), ys = to.ys();
  const bool classification = to.is_classification(), with_cont = to.with_cont();
  DataLoader dl([](int64_t i) { return Item(Int(i)); }, static_cast<int64_t>(to.size()), o);
  dl.create_index_batch = [cats, conts, ys, classification, with_cont](const DataLoader&,
                                                                       const std::vector<int64_t>& idx) {
    const at::Tensor i = index_tensor(idx);
    std::vector<Item> b{TensorBase(cats.index_select(0, i))};
    if (with_cont) b.push_back(TensorBase(conts.index_select(0, i)));
    if (ys.defined()) {
      at::Tensor y = ys.index_select(0, i);
      b.push_back(classification ? Item(TensorCategory(y)) : Item(TensorBase(y)));
    }
    return Item(Tuple(std::move(b)));
  };
  if (!read) read = std::make_shared<ReadTabBatch>(to);
  return TfmdDL(std::move(dl), {.after_batch = {read}, .do_setup = false}, with_cont ? 2 : 1);
}

namespace {

// The pieces every tabular DataLoaders gets: loss, test_dl over new tables, export description.
void finish(DataLoaders& dls, const TabularPandas& to, std::shared_ptr<ReadTabBatch> read, int64_t bs) {
  if (to.y_names().size()) dls.loss_func = to.is_classification() ? CrossEntropyLossFlat() : MSELossFlat();
  const auto device = dls.device();
  dls.test_dl_factory = [read, device](const std::vector<Item>& items, bool, int64_t tbs) {
    Table t;
    for (const auto& it : items) {
      if (!it.is<Tabular>())
        throw std::invalid_argument("test_dl: tabular loaders take Tabular items (rows of a Table), got " +
                                    std::string(it.type().name()));
      t = t.concat(it.get<Tabular>());
    }
    TfmdDL dl = tab_dataloader(read->to().new_(t), {.bs = tbs, .shuffle = false}, read);
    dl.after_batch_tfms().split_idx = 1;
    if (device) dl.to(*device);
    return dl;
  };
  dls.inference_spec = json{{"builder", "tabular"}, {"to", to.describe()}, {"bs", bs}}.dump();
}

const bool registered = [] {
  register_transform("ReadTabBatch", [](const json& j) { return ReadTabBatch::from_description(j); });
  register_loaders_builder("tabular", [](const json& spec, std::optional<c10::Device> device) {
    const TabularPandas to = TabularPandas::from_description(spec.at("to"));
    auto read = std::make_shared<ReadTabBatch>(to);
    const int64_t bs = spec.value("bs", int64_t{64});
    TfmdDL dl = tab_dataloader(to, {.bs = bs}, read);
    dl.after_batch_tfms().split_idx = 1;
    DataLoaders dls({dl}, device);
    finish(dls, to, read, bs);
    return dls;
  });
  register_show_batch(Tabular::info(), any_type(),
                      [](const Item& x, const Item&, const std::vector<Item>&, const ShowBatchOptions& o) {
                        const std::string s = x.get<Tabular>().to_string(static_cast<size_t>(o.max_n));
                        (o.out ? *o.out : std::cout) << s << std::flush;
                        return s;
                      });
  register_show_results(Tabular::info(), any_type(),
                        [](const Item&, const Item&, const std::vector<Item>& samples, const std::vector<Item>& outs,
                           const ShowBatchOptions& o) {
                          if (samples.empty() || outs.empty()) return std::string();
                          Table t = samples[0].get<Tabular>();
                          const TabularRows& p = outs[0].get<Tabular>();
                          // fastai's "<y>_pred": each target's prediction beside it.
                          for (const auto& y : p.y_names)
                            if (p.has(y) && p.n_rows() == t.n_rows()) {
                              Column pc = p[y];
                              pc.name = y + "_pred";
                              t.add(std::move(pc));
                            }
                          const std::string s = t.to_string(static_cast<size_t>(o.max_n));
                          (o.out ? *o.out : std::cout) << s << std::flush;
                          return s;
                        });
  return true;
}();

}  // namespace

DataLoaders tabular_dataloaders(const TabularPandas& to, TabDataLoadersOptions o) {
  if (to.splits().size() < 2)
    throw std::invalid_argument(
        "tabular_dataloaders: the data has no validation split; give TabularPandas splits (e.g. "
        "RandomSplitter(0.2, 42)(range_of(df.n_rows())))");
  auto read = std::make_shared<ReadTabBatch>(to);
  const uint64_t seed = o.seed.value_or(rng()());
  TfmdDL train =
      tab_dataloader(to.train(), {.bs = o.bs, .shuffle = o.shuffle, .drop_last = o.shuffle, .seed = seed}, read);
  if (o.resample || !o.wgts.empty()) {
    const auto n = static_cast<size_t>(to.train().size());
    if (!o.wgts.empty() && o.wgts.size() != n)
      throw std::invalid_argument("tabular_dataloaders: " + std::to_string(o.wgts.size()) + " weights for " +
                                  std::to_string(n) + " training rows");
    for (size_t i = 0; i < o.wgts.size(); ++i)
      if (!(o.wgts[i] >= 0) || !std::isfinite(o.wgts[i]))
        throw std::invalid_argument("tabular_dataloaders: weight " + std::to_string(i) + " is " +
                                    std::to_string(o.wgts[i]) + "; weights must be finite and >= 0");
    auto wgts = o.wgts.empty() ? std::vector<double>(n, 1.0) : o.wgts;
    // fastai's TabWeightedDL.get_idxs: np.random.choice(n, n, p=wgts) when shuffling.
    train.get_idxs = [wgts](const DataLoader& dl) {
      std::vector<int64_t> idxs(wgts.size());
      if (!dl.options().shuffle) {
        std::iota(idxs.begin(), idxs.end(), 0);
        return idxs;
      }
      std::discrete_distribution<int64_t> pick(wgts.begin(), wgts.end());
      for (auto& i : idxs) i = pick(dl.epoch_rng());
      return idxs;
    };
  }
  TfmdDL valid = tab_dataloader(to.valid(), {.bs = o.val_bs.value_or(o.bs), .seed = seed + 1}, read);
  train.after_batch_tfms().split_idx = 0;
  valid.after_batch_tfms().split_idx = 1;
  DataLoaders dls({train, valid}, o.device);
  finish(dls, to, read, o.bs);
  return dls;
}

DataLoaders TabularDataLoaders::from_df(const Table& df, TabularLoadersOptions o) {
  Splits splits;
  if (o.valid_idx.empty()) {
    splits = RandomSplitter(o.valid_pct, o.seed)(range_of(df.n_rows()));
  } else {
    splits = IndexSplitter(o.valid_idx)(range_of(df.n_rows()));
  }
  TabularPandas to(df, {.procs = o.procs,
                        .cat_names = o.cat_names,
                        .cont_names = o.cont_names,
                        .y_names = o.y_names,
                        .y_block = o.y_block,
                        .splits = splits});
  return tabular_dataloaders(to, {.bs = o.bs,
                                  .val_bs = o.val_bs,
                                  .shuffle = o.shuffle,
                                  .seed = o.seed,
                                  .device = o.device,
                                  .resample = o.resample});
}

DataLoaders TabularDataLoaders::from_csv(const std::filesystem::path& csv, TabularLoadersOptions o) {
  Table df = read_csv(csv, o.csv);
  try {
    return from_df(df, std::move(o));
  } catch (const TableError& e) {
    throw TableError(csv.string() + ": " + e.what());
  }
}

}  // namespace fastai
