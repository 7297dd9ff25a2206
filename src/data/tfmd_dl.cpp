#include <ATen/ATen.h>

#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "fastai/core/error.h"
#include "fastai/core/semantic.h"
#include "fastai/data/core.h"

namespace fastai {

namespace {
DataLoaderOptions loader_options(const TfmdDLOptions& o) {
  return {.bs = o.bs,
          .shuffle = o.shuffle,
          .drop_last = o.drop_last,
          .num_workers = o.num_workers,
          .prefetch = o.prefetch,
          .seed = o.seed,
          .device = o.device};
}
}  // namespace

TfmdDL::TfmdDL(Datasets dataset, TfmdDLOptions o)
    : DataLoader([dataset](int64_t i) { return dataset[i]; }, static_cast<int64_t>(dataset.size()), loader_options(o)),
      n_inp_(dataset.n_inp()) {
  prefetch_items = [dataset](const DataLoader&, std::span<const int64_t> idxs) { dataset.prefetch(idxs); };
  p_ = std::make_shared<Pipes>();
  p_->dsets = std::move(dataset);
  install(o);
}

TfmdDL::TfmdDL(DataLoader base, TfmdDLOptions o, int n_inp, std::optional<Datasets> decode_with)
    : DataLoader(std::move(base)), n_inp_(n_inp) {
  p_ = std::make_shared<Pipes>();
  p_->dsets = std::move(decode_with);
  install(o);
}

void TfmdDL::install(TfmdDLOptions& o) {
  const auto split = p_->dsets ? p_->dsets->split_idx() : std::nullopt;
  p_->after_item = Pipeline(std::move(o.after_item), split);
  p_->before_batch = Pipeline(std::move(o.before_batch), split);
  p_->after_batch = Pipeline(std::move(o.after_batch), split);
  auto p = p_;
  after_item = [p](const DataLoader&, const Item& x) { return p->after_item.empty() ? x : p->after_item(x); };
  // before_batch transforms see the samples as one Tuple (whole_tuple transforms see the list).
  before_batch = [p](const DataLoader&, std::vector<Item> items) {
    if (p->before_batch.empty()) return items;
    Item out = p->before_batch(Tuple(std::move(items)));
    return out.elements();
  };
  after_batch = [p](const DataLoader&, const Item& b) { return p->after_batch.empty() ? b : p->after_batch(b); };
  // An item transform's error names the file the item came from (its raw item, when a path).
  do_item = [p](const DataLoader& dl, int64_t i) {
    Item x = dl.create_item(dl, i);
    try {
      return dl.after_item(dl, x);
    } catch (const std::exception&) {
      std::string from;
      if (p->dsets && !p->dsets->tls().empty())
        if (const Item& raw = p->dsets->tls()[0].raw(i); raw.is<Path>()) from = raw.get<Path>().string() + ": ";
      rethrow_in_context<TransformError>(from);
    }
  };

  if (!o.do_setup) return;
  if (p_->dsets && !p_->after_item.empty()) {
    auto ds = *p_->dsets;
    p_->after_item.setup(LazyItems(ds.size(), [ds](size_t i) { return ds[static_cast<int64_t>(i)]; }));
  }
  if (!p_->after_batch.empty()) {
    // Each batch transform is set up on one batch that went through the ones before it.
    DataLoader raw = *this;
    raw.after_batch = [](const DataLoader&, const Item& b) { return b; };
    auto tfms = p_->after_batch.transforms();
    p_->after_batch = Pipeline({}, split);
    for (auto& t : tfms) p_->after_batch.add(t, LazyItems(1, [raw](size_t) mutable { return raw.one_batch(); }));
  }
}

Item TfmdDL::decode(const Item& batch) const {
  return to_device(p_->after_batch.decode(batch), c10::Device(c10::kCPU));
}

std::vector<Item> TfmdDL::decode_batch(const Item& batch, int64_t max_n, bool full) const {
  std::vector<Item> out;
  for (Item s : batch_to_samples(decode(batch), max_n)) {
    if (!p_->before_batch.empty()) s = p_->before_batch.decode(s);
    s = p_->after_item.decode(s);
    if (p_->dsets) s = p_->dsets->decode(s, full);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<ShowContext> TfmdDL::show_batch_contexts(Item batch, int64_t max_n) {
  if (batch.empty()) batch = one_batch();
  std::vector<ShowContext> out;
  for (const Item& s : decode_batch(batch, max_n, /*full=*/false)) {
    ShowContext c;
    show(s, c);
    out.push_back(std::move(c));
  }
  return out;
}

namespace {
struct ShowBatchRegistry {
  std::mutex mutex;
  TypeDispatch2<ShowBatchFn> fns;
};
ShowBatchRegistry& show_batch_registry() {
  static ShowBatchRegistry r;
  return r;
}

}  // namespace

std::string show_batch_as_text(const Item&, const Item&, const std::vector<Item>& samples, const ShowBatchOptions& o) {
  std::ostringstream s;
  for (size_t i = 0; i < samples.size(); ++i) {
    ShowContext c;
    show(samples[i], c);
    s << i << ": " << (c.titles.empty() ? samples[i].repr() : c.title());
    if (c.image.defined()) s << "  [image " << c.image.sizes() << "]";
    s << "\n";
  }
  (o.out ? *o.out : std::cout) << s.str() << std::flush;
  return s.str();
}

namespace {
const bool default_renderer = [] {
  register_show_batch(any_type(), any_type(), show_batch_as_text);
  return true;
}();

// Inputs and targets of a batch as single items (a tuple only when there are several).
Item part(const Item& b, size_t from, size_t to) {
  if (!b.is_tuple()) return from == 0 ? b : Item();
  std::vector<Item> v;
  for (size_t i = from; i < std::min(to, b.size()); ++i) v.push_back(b[i]);
  if (v.empty()) return Item();
  return v.size() == 1 ? v[0] : Item(Tuple(std::move(v)));
}
}  // namespace

void register_show_batch(const TypeInfo& x, const TypeInfo& y, ShowBatchFn fn) {
  auto& r = show_batch_registry();
  std::lock_guard lock(r.mutex);
  r.fns.add(x, y, std::move(fn));
}

ShowBatchFn show_batch_renderer(const TypeInfo& x, const TypeInfo& y) {
  auto& r = show_batch_registry();
  std::lock_guard lock(r.mutex);
  const ShowBatchFn* f = r.fns.find(x, y);
  return f ? *f : ShowBatchFn(show_batch_as_text);
}

namespace {
// The first target transform that names its codes (Transform::target_names).
std::vector<std::string> target_names_of(const std::optional<Datasets>& ds, int n_inp) {
  if (!ds) return {};
  for (size_t t = static_cast<size_t>(n_inp); t < ds->tls().size(); ++t)
    for (const auto& tfm : ds->tls()[t].tfms().transforms())
      if (auto names = tfm->target_names(); !names.empty()) return names;
  return {};
}
}  // namespace

std::string TfmdDL::show_batch(Item batch, ShowBatchOptions options) {
  if (options.class_names.empty()) options.class_names = target_names_of(p_->dsets, n_inp_);
  if (batch.empty()) batch = one_batch();
  const Item decoded = decode(batch);
  const auto samples = decode_batch(batch, options.max_n, /*full=*/false);
  const Item x = part(decoded, 0, static_cast<size_t>(n_inp_));
  const Item y = part(decoded, static_cast<size_t>(n_inp_), SIZE_MAX);
  ShowBatchFn fn;
  {
    auto& r = show_batch_registry();
    std::lock_guard lock(r.mutex);
    const TypeInfo& ty = y.empty() ? any_type() : y.type();
    if (const ShowBatchFn* f = r.fns.find(x.type(), ty)) fn = *f;
  }
  return fn(x, y, samples, options);
}

namespace {
struct ShowResultsRegistry {
  std::mutex mutex;
  TypeDispatch2<ShowResultsFn> fns;
};
ShowResultsRegistry& show_results_registry() {
  static ShowResultsRegistry r;
  return r;
}
std::string titles_of(const Item& x) {
  ShowContext c;
  show(x, c);
  return c.titles.empty() ? x.repr() : c.title();
}
}  // namespace

std::string show_results_as_text(const Item&, const Item&, const std::vector<Item>& samples,
                                 const std::vector<Item>& outs, const ShowBatchOptions& o) {
  std::ostringstream s;
  for (size_t i = 0; i < samples.size(); ++i) {
    s << i << ": " << titles_of(samples[i]);
    if (i < outs.size()) {
      const Item& out = outs[i];
      s << "  \u2192 " << titles_of(out.is_tuple() && out.size() > 0 ? out[out.size() - 1] : out);
    }
    s << "\n";
  }
  (o.out ? *o.out : std::cout) << s.str() << std::flush;
  return s.str();
}

void register_show_results(const TypeInfo& x, const TypeInfo& y, ShowResultsFn fn) {
  auto& r = show_results_registry();
  std::lock_guard lock(r.mutex);
  r.fns.add(x, y, std::move(fn));
}

namespace {
const bool default_results_renderer = [] {
  register_show_results(any_type(), any_type(), show_results_as_text);
  return true;
}();
}  // namespace

std::string TfmdDL::show_results(const Item& batch, const Item& outs, ShowBatchOptions options) {
  if (options.class_names.empty()) options.class_names = target_names_of(p_->dsets, n_inp_);
  const Item decoded = decode(batch);
  const auto samples = decode_batch(batch, options.max_n, /*full=*/false);
  const auto out_samples = decode_batch(outs, options.max_n, /*full=*/false);
  const Item x = part(decoded, 0, static_cast<size_t>(n_inp_));
  const Item y = part(decoded, static_cast<size_t>(n_inp_), SIZE_MAX);
  ShowResultsFn fn;
  {
    auto& r = show_results_registry();
    std::lock_guard lock(r.mutex);
    const TypeInfo& ty = y.empty() ? any_type() : y.type();
    if (const ShowResultsFn* f = r.fns.find(x.type(), ty)) fn = *f;
  }
  return fn(x, y, samples, out_samples, options);
}

TfmdDL TfmdDL::new_tfmd(std::optional<DataLoaderOptions> options, std::optional<Datasets> dataset) const {
  DataLoader::Source src;
  std::optional<int64_t> n;
  if (dataset) {
    auto ds = *dataset;
    src = [ds](int64_t i) { return ds[i]; };
    n = static_cast<int64_t>(ds.size());
  }
  TfmdDL out(*this);
  static_cast<DataLoader&>(out) = DataLoader::new_(options, src, n);
  // Own copies of the pipelines (sharing the transforms) carrying the new split index.
  out.p_ = std::make_shared<Pipes>(*p_);
  if (dataset) out.p_->dsets = std::move(dataset);
  const auto split = out.p_->dsets ? out.p_->dsets->split_idx() : std::nullopt;
  out.p_->after_item.split_idx = out.p_->before_batch.split_idx = out.p_->after_batch.split_idx = split;
  TfmdDLOptions keep{.do_setup = false};
  keep.after_item = out.p_->after_item.transforms();
  keep.before_batch = out.p_->before_batch.transforms();
  keep.after_batch = out.p_->after_batch.transforms();
  // install() re-sorts by order, which the set-up pipelines already satisfy.
  out.install(keep);
  return out;
}

// ---- DataLoaders ----

DataLoaders::DataLoaders(std::vector<TfmdDL> loaders, std::optional<c10::Device> device)
    : loaders_(std::move(loaders)), device_(device) {
  if (device_)
    for (auto& l : loaders_) l.to(*device_);
}

DataLoaders DataLoaders::from_dsets(const Datasets& dsets, DataLoadersOptions o) {
  if (dsets.n_subsets() < 2)
    throw std::invalid_argument("DataLoaders::from_dsets needs Datasets with train and valid splits (got " +
                                std::to_string(dsets.n_subsets()) + " subsets)");
  TfmdDL train(dsets.train(), {.bs = o.bs,
                               .shuffle = o.shuffle,
                               .drop_last = o.shuffle,
                               .num_workers = o.num_workers,
                               .seed = o.seed,
                               .device = o.device,
                               .after_item = o.after_item,
                               .before_batch = o.before_batch,
                               .after_batch = o.after_batch});
  std::vector<TfmdDL> loaders{train};
  for (size_t i = 1; i < dsets.n_subsets(); ++i)
    loaders.push_back(
        train.new_tfmd(DataLoaderOptions{.bs = o.val_bs.value_or(o.bs),
                                         .shuffle = false,
                                         .drop_last = false,
                                         .num_workers = o.num_workers,
                                         .seed = o.seed ? std::optional<uint64_t>(*o.seed + i) : std::nullopt,
                                         .device = o.device},
                       dsets.subset(i)));
  DataLoaders dls(std::move(loaders), o.device);
  // fastai's dls.loss_func: the last target pipeline's transform that names a loss.
  for (size_t t = dsets.tls().size(); t-- > static_cast<size_t>(dsets.n_inp()) && !dls.loss_func;) {
    const auto& tfms = dsets.tls()[t].tfms().transforms();
    for (auto it = tfms.rbegin(); it != tfms.rend() && !dls.loss_func; ++it) dls.loss_func = (*it)->loss_func();
  }
  return dls;
}

namespace {
DataLoader tensor_loader(const at::Tensor& x, const at::Tensor& y, const TypeInfo& xt, const TypeInfo& yt,
                         DataLoaderOptions o) {
  if (x.size(0) != y.size(0))
    throw std::invalid_argument("DataLoaders::from_tensors: " + std::to_string(x.size(0)) + " inputs but " +
                                std::to_string(y.size(0)) + " targets");
  DataLoader dl(nullptr, x.size(0), o);
  dl.create_index_batch = [x, y, &xt, &yt](const DataLoader&, const std::vector<int64_t>& idx) {
    const auto t = index_tensor(idx);
    return Item(Tuple({Item(xt, x.index_select(0, t)), Item(yt, y.index_select(0, t))}));
  };
  return dl;
}
}  // namespace

DataLoaders DataLoaders::from_tensors(at::Tensor x_train, at::Tensor y_train, at::Tensor x_valid, at::Tensor y_valid,
                                      TensorLoadersOptions o) {
  const TypeInfo& xt = o.x_type ? *o.x_type : TensorBase::info();
  const TypeInfo& yt = o.y_type ? *o.y_type : TensorBase::info();
  for (const TypeInfo* t : {&xt, &yt})
    if (!t->is_a(TensorBase::info()))
      throw std::invalid_argument("DataLoaders::from_tensors: " + std::string(t->name()) + " is not a tensor type");
  DataLoader train =
      tensor_loader(x_train, y_train, xt, yt,
                    {.bs = o.bs, .shuffle = o.shuffle, .drop_last = o.shuffle, .seed = o.seed, .device = o.device});
  DataLoader valid = tensor_loader(x_valid, y_valid, xt, yt,
                                   {.bs = o.val_bs.value_or(o.bs),
                                    .seed = o.seed ? std::optional<uint64_t>(*o.seed + 1) : std::nullopt,
                                    .device = o.device});
  return from_loaders(std::move(train), std::move(valid), o.after_batch, o.device);
}

DataLoaders DataLoaders::from_loaders(DataLoader train, DataLoader valid,
                                      std::vector<std::shared_ptr<Transform>> after_batch,
                                      std::optional<c10::Device> device) {
  TfmdDL train_dl(std::move(train),
                  {.after_batch = std::move(after_batch)});  // sets after_batch up on a training batch
  // The validation loader shares the (set-up) transforms, with split index 1.
  Pipeline ab = train_dl.after_batch_tfms();
  TfmdDL valid_dl(std::move(valid), {.after_batch = ab.transforms(), .do_setup = false});
  valid_dl.after_batch_tfms().split_idx = 1;
  train_dl.after_batch_tfms().split_idx = 0;
  return DataLoaders({train_dl, valid_dl}, device);
}

TfmdDL& DataLoaders::at(size_t i) {
  if (i >= loaders_.size())
    throw std::out_of_range("DataLoaders has " + std::to_string(loaders_.size()) + " loaders, asked for " +
                            std::to_string(i));
  return loaders_[i];
}

const Datasets& DataLoaders::datasets_of(size_t i, const char* what) {
  const auto& d = at(i).datasets();
  if (!d)
    throw std::logic_error(std::string("DataLoaders::") + what +
                           ": this loader was built without a Datasets (whole-batch tensor or tabular loading); "
                           "its data is where you built it from (e.g. the TabularPandas or the tensors)");
  return *d;
}

void DataLoaders::add(TfmdDL dl) {
  if (device_) dl.to(*device_);
  loaders_.push_back(std::move(dl));
}

void DataLoaders::to(c10::Device device) {
  device_ = device;
  for (auto& l : loaders_) l.to(device);
}

TfmdDL DataLoaders::test_dl(std::vector<Item> items, bool with_labels, std::optional<int64_t> bs) {
  TfmdDL& ref = size() > 1 ? valid() : train();
  if (test_dl_factory) return test_dl_factory(items, with_labels, bs.value_or(ref.bs()));
  if (!ref.datasets()) throw std::logic_error("test_dl needs loaders built from Datasets (or a test_dl_factory)");
  auto ds = ref.datasets()->test_set(std::move(items), with_labels);
  DataLoaderOptions o = ref.options();
  o.bs = bs.value_or(o.bs);
  o.shuffle = o.drop_last = false;
  o.n.reset();
  return ref.new_tfmd(o, std::move(ds));
}

}  // namespace fastai
