#include "fastai/learner.h"

#include "fastai/core/replacing.h"

#include <torch/torch.h>

#include <algorithm>
#include <fstream>
#include <iostream>

#include "fastai/callback/progress.h"
#include "fastai/callback/recorder.h"
#include "fastai/callback/tracker.h"
#include "fastai/core/atomic_file.h"
#include "fastai/core/random.h"
#include "fastai/core/runtime.h"
#include "fastai/core/semantic.h"
#include "fastai/core/threads.h"
#include "pass_gate.h"

namespace fastai {

void Lr::apply(Optimizer& opt, const std::string& key) const {
  std::visit([&](const auto& x) { opt.set_hyper(key, x); }, v);
}

double SuggestedLRs::operator[](const std::string& name) const {
  std::string have;
  for (const auto& [n, v] : values) {
    if (n == name) return v;
    have += (have.empty() ? "" : ", ") + n;
  }
  throw std::out_of_range("lr_find has no suggestion '" + name + "' (it has: " + have + ")");
}

// ---------------------------------------------------------------- construction

Learner::Learner(DataLoaders dls_, Model model_, LearnerOptions o)
    : LearnerState(std::move(dls_), std::move(model_)), gate_(std::make_unique<detail::PassGate>()) {
  loss_func = o.loss_func ? o.loss_func : dls.loss_func;
  opt_func_name = o.opt_func ? "custom" : "Adam";
  opt_func = o.opt_func ? o.opt_func : OptFunc([](std::vector<std::vector<at::Tensor>> g, const OptOptions& oo) {
    return Adam(std::move(g), oo);
  });
  lr = o.lr;
  splitter = o.splitter ? o.splitter : ParamSplitter(trainable_params);
  path = o.path;
  model_dir = o.model_dir;
  wd = o.wd;
  wd_bn_bias = o.wd_bn_bias;
  train_bn = o.train_bn;
  moms = o.moms;
  model_spec = model.spec();  // set by builders that describe their model (simple_cnn)
  init_runtime();
  if (!model) throw std::invalid_argument("Learner: no model given");
  if (!loss_func)
    throw std::invalid_argument(
        "Learner: could not infer a loss function from the data (its targets name none); pass one, e.g. "
        "{.loss_func = CrossEntropyLossFlat()}");
  for (const auto& m : o.metrics) metrics.push_back(m.make());
  logger = [](const std::vector<LogValue>& row) {
    std::string line;
    for (const auto& v : row) {
      if (!line.empty()) line += ' ';  // not `"" or " " + value`: g++ 12 -Wstringop-overflow misfires on it
      line += format_log_value(v);
    }
    std::cout << line << std::endl;
  };
  if (auto dev = dls.device()) model->to(*dev);
  if (o.default_cbs) add_cbs({TrainEvalCallback(), Recorder(), ProgressCallback(), TerminateOnNaNCallback()});
  add_cbs(o.cbs);
  (*this)(Event::after_create);
}

Learner::Learner(Learner&& o) noexcept
    : LearnerState(std::move(o)), cbs_(std::move(o.cbs_)), model_device_(o.model_device_), gate_(std::move(o.gate_)) {
  for (auto& c : cbs_) c->learn_ = this;
  dl = nullptr;  // pointed into the moved-from learner's loaders (a learner is not moved mid-fit)
  o.recorder = nullptr;
}

Learner::~Learner() {
  for (auto& c : cbs_) c->learn_ = nullptr;
}

// ---------------------------------------------------------------- callbacks

void Learner::sort_cbs() { cbs_ = sort_by_run(std::move(cbs_)); }

std::shared_ptr<Callback> Learner::add_cb(CallbackPtr cb) {
  if (!cb) throw std::invalid_argument("Learner::add_cb: null callback");
  if (cb->learn_ && cb->learn_ != this)
    throw std::invalid_argument("Learner::add_cb: " + cb->name() + " is already attached to another Learner");
  cb->learn_ = this;
  if (auto* r = dynamic_cast<Recorder*>(cb.get()); r && !recorder) recorder = r;
  cbs_.push_back(cb);
  sort_cbs();
  return cb;
}

void Learner::add_cbs(const Callbacks& cbs) {
  for (const auto& c : cbs) add_cb(c);
}

void Learner::remove_cb(const std::shared_ptr<Callback>& cb) {
  auto it = std::find(cbs_.begin(), cbs_.end(), cb);
  if (it == cbs_.end()) return;
  if (recorder == dynamic_cast<Recorder*>(cb.get())) recorder = nullptr;
  (*it)->learn_ = nullptr;
  cbs_.erase(it);
}

void Learner::remove_cbs(const Callbacks& cbs) {
  for (const auto& c : cbs) remove_cb(c);
}

Learner::AddedCbs::AddedCbs(Learner& l, Callbacks cbs) : l_(l), cbs_(std::move(cbs)) { l_.add_cbs(cbs_); }
Learner::AddedCbs::~AddedCbs() { l_.remove_cbs(cbs_); }

Learner::RemovedCbs::RemovedCbs(Learner& l, Callbacks cbs) : l_(l) {
  for (auto& c : cbs)
    if (std::find(l_.cbs_.begin(), l_.cbs_.end(), c) != l_.cbs_.end()) cbs_.push_back(c);
  l_.remove_cbs(cbs_);
}
Learner::RemovedCbs::~RemovedCbs() {
  try {
    l_.add_cbs(cbs_);
  } catch (...) {  // re-adding what was attached before cannot fail; never throw from a destructor
  }
}

void Learner::operator()(Event e) {
  // A snapshot: callbacks may add or remove callbacks while handling an event.
  const auto cbs = cbs_;
  for (const auto& c : cbs) (*c)(e);
}

// ---------------------------------------------------------------- the loop

template <class Ex>
void Learner::with_events(const std::function<void()>& f, Event before, Event after_cancel, Event after,
                          const std::function<void()>& final) {
  try {
    (*this)(before);
    f();
  } catch (const Ex&) {
    (*this)(after_cancel);
  }
  (*this)(after);
  if (final) final();
}

namespace {
c10::Device model_device(const Model& m) {
  for (const auto& p : m->parameters()) return p.device();
  for (const auto& b : m->buffers()) return b.device();
  return c10::Device(c10::kCPU);
}
}  // namespace

void Learner::split_batch(const Item& b) {
  auto ts = batch_tensors(b);
  const auto n_inp = static_cast<size_t>(std::max(1, dl ? dl->n_inp() : dls.n_inp()));
  xb.assign(ts.begin(), ts.begin() + static_cast<std::ptrdiff_t>(std::min(n_inp, ts.size())));
  yb.assign(ts.begin() + static_cast<std::ptrdiff_t>(std::min(n_inp, ts.size())), ts.end());
  if (!dls.device()) {  // no device asked for: the batch follows the model
    for (auto* v : {&xb, &yb})
      for (auto& t : *v)
        if (t.device() != model_device_) t = t.to(model_device_);
  }
}

void Learner::do_one_batch() {
  pred = model(xb);
  (*this)(Event::after_pred);
  if (!yb.empty()) {
    loss_grad = (*loss_func)(pred, yb[0]);
    loss = loss_grad.detach().clone();
  }
  (*this)(Event::after_loss);
  if (!training || yb.empty()) return;
  with_events<CancelBackwardException>([&] { loss_grad.backward(); }, Event::before_backward,
                                       Event::after_cancel_backward, Event::after_backward);
  with_events<CancelStepException>([&] { opt->step(); }, Event::before_step, Event::after_cancel_step,
                                   Event::after_step);
  opt->zero_grad();
}

void Learner::one_batch(int64_t i, const Item& b) {
  adapt_threads();  // the thread policy follows the machine's load (core/threads.h); ~free between checks
  iter = i;
  split_batch(b);
  with_events<CancelBatchException>([&] { do_one_batch(); }, Event::before_batch, Event::after_cancel_batch,
                                    Event::after_batch);
}

void Learner::all_batches() {
  n_iter = dl->size();
  model_device_ = model_device(model);
  int64_t i = 0;
  for (const Item& b : *dl) one_batch(i++, b);
}

void Learner::do_epoch_validate(size_t ds_idx, TfmdDL* d) {
  dl = d ? d : &dls[ds_idx];
  torch::NoGradGuard no_grad;
  with_events<CancelValidException>([&] { all_batches(); }, Event::before_validate, Event::after_cancel_validate,
                                    Event::after_validate);
}

void Learner::do_epoch() {
  dl = &dls.train();
  with_events<CancelTrainException>([&] { all_batches(); }, Event::before_train, Event::after_cancel_train,
                                    Event::after_train);
  do_epoch_validate();
}

void Learner::do_fit() {
  for (int64_t e = 0; e < n_epoch; ++e) {
    epoch = e;
    with_events<CancelEpochException>([&] { do_epoch(); }, Event::before_epoch, Event::after_cancel_epoch,
                                      Event::after_epoch);
  }
}

void Learner::end_cleanup() {
  dl = nullptr;
  xb.clear();
  yb.clear();
  pred = loss = loss_grad = at::Tensor();
}

void Learner::fit(int64_t n_epoch_, std::optional<Lr> lr_, FitOptions o) {
  auto pass = gate_->enter(detail::PassGate::Kind::train, "Learner::fit");
  auto cbs = o.cbs;
  if (o.start_epoch != 0) cbs.push_back(std::make_shared<SkipToEpoch>(o.start_epoch));
  AddedCbs added(*this, cbs);
  if (o.reset_opt || !opt) create_opt();
  if (auto w = o.wd ? o.wd : wd) opt->set_hyper("wd", *w);
  (lr_ ? *lr_ : Lr(lr)).apply(*opt);
  n_epoch = n_epoch_;
  struct Cleanup {  // the loop's state goes (and loggers wrapped for this fit unwrap) even on errors
    Learner& l;
    std::function<void(const std::vector<LogValue>&)> logger;
    ~Cleanup() {
      l.end_cleanup();
      l.logger = std::move(logger);
    }
  } cleanup{*this, logger};
  with_events<CancelFitException>([&] { do_fit(); }, Event::before_fit, Event::after_cancel_fit, Event::after_fit);
}

// ---------------------------------------------------------------- optimizer

void Learner::create_opt() {
  OptOptions oo;
  oo.lr = lr;
  oo.train_bn = train_bn;
  opt = opt_func(splitter(model), oo);
  auto mark = [&](bool with_bias, const char* key, double v) {
    for (const auto& p : norm_bias_params(*model, with_bias)) {
      try {
        opt->state(p).values[key] = v;
      } catch (const std::invalid_argument&) {  // not optimized (the splitter left it out)
      }
    }
  };
  if (!wd_bn_bias) mark(true, "do_wd", 0);
  if (train_bn) mark(false, "force_train", 1);
}

void Learner::freeze_to(int n) {
  if (!opt) create_opt();
  opt->freeze_to(n);
  opt->clear_state();
}

// ---------------------------------------------------------------- validation context

namespace {
/// fastai's validation_context: no epoch-table logging, extra callbacks, and (unless inner)
/// before_fit/before_epoch … after_epoch/after_fit around the work.
struct ValidationContext {
  ValidationContext(Learner& l, Callbacks cbs, bool inner)
      : l_(l),
        quiet_(replacing(l.logger, nullptr)),  // no epoch table for a validation pass
        pass_(replacing(l.validation_pass, true)),
        added_(l, std::move(cbs)),
        inner_(inner) {
    if (!inner_) l_(Event::before_fit), l_(Event::before_epoch);
  }
  ~ValidationContext() {
    try {
      if (!inner_ && std::uncaught_exceptions() == 0) l_(Event::after_epoch), l_(Event::after_fit);
    } catch (...) {  // destructor: the pass already produced what the caller wanted
    }
  }
  Learner& l_;
  Saved<std::function<void(const std::vector<LogValue>&)>> quiet_;
  Saved<bool> pass_;
  Learner::AddedCbs added_;
  bool inner_;
};
}  // namespace

std::vector<double> Learner::validate(size_t ds_idx, TfmdDL* d) {
  auto pass = gate_->enter(detail::PassGate::Kind::infer, "Learner::validate");
  {
    ValidationContext ctx(*this, {}, false);
    do_epoch_validate(ds_idx, d);
  }
  end_cleanup();
  return final_record;
}

namespace {
// Puts rows read in `order` (row r is item order[r]) back in item order, when the order is not
// already the identity and covers every row.
void reorder_rows(Preds& p, const std::vector<int64_t>& order) {
  bool identity = true;
  for (size_t i = 0; i < order.size() && identity; ++i) identity = order[i] == static_cast<int64_t>(i);
  if (identity || !p.preds.defined() || p.preds.size(0) != static_cast<int64_t>(order.size())) return;
  const at::Tensor back = at::tensor(order, at::kLong).argsort().to(p.preds.device());
  auto put = [&](at::Tensor& t) {
    if (t.defined() && t.dim() > 0 && t.size(0) == back.size(0)) t = t.index_select(0, back.to(t.device()));
  };
  for (auto& t : p.inputs) put(t);
  put(p.preds), put(p.targs), put(p.decoded), put(p.losses);
}
}  // namespace

Preds Learner::get_preds(GetPredsOptions o) {
  std::optional<TfmdDL> local;
  TfmdDL* d = o.dl;
  if (!d) {
    TfmdDL& src = dls[o.ds_idx];
    DataLoaderOptions dopt = src.options();
    dopt.shuffle = false;
    dopt.drop_last = false;
    local = src.new_tfmd(dopt);
    d = &*local;
  }
  // The loader's order, to put rows back in the dataset's (fastai's get_preds(reorder=True)).
  std::vector<int64_t> order;
  if (o.reorder && !d->options().shuffle && d->get_idxs) order = d->get_idxs(*d);
  auto gather = std::make_shared<GatherPredsCallback>(o.with_input, o.with_loss);
  {
    auto pass = gate_->enter(detail::PassGate::Kind::infer, "Learner::get_preds");
    auto reduction = replacing(loss_func->reduction, o.with_loss ? Reduction::none : loss_func->reduction);
    // Keep the outer loop's state intact when called from inside a fit (FetchPredsCallback).
    auto outer = saving(dl, xb, yb, pred, loss, training, iter, n_iter);
    {
      ValidationContext ctx(*this, {gather}, o.inner);
      do_epoch_validate(o.ds_idx, d);
    }
    if (!o.inner) outer.dismiss(), end_cleanup();
  }

  Preds res;
  auto cat = [](const std::vector<at::Tensor>& v) { return v.empty() ? at::Tensor() : torch::cat(v); };
  auto raw = cat(gather->preds);
  if (raw.defined()) {
    const auto& act = o.activation;
    res.preds = act ? act(raw) : loss_func->activation(raw);
    if (o.with_decoded) res.decoded = loss_func->decodes(res.preds);
  }
  res.targs = cat(gather->targs);
  if (o.with_loss) res.losses = cat(gather->losses);
  if (o.with_input && !gather->inputs.empty()) {
    for (size_t k = 0; k < gather->inputs[0].size(); ++k) {
      std::vector<at::Tensor> parts;
      bool same = true;
      for (const auto& b : gather->inputs) {
        parts.push_back(b[k]);
        same = same && b[k].sizes().slice(1) == parts.front().sizes().slice(1);
      }
      if (!same) {  // fastai keeps such inputs as a list of items; here the dataset has them
        res.inputs.clear();
        break;
      }
      res.inputs.push_back(torch::cat(parts));
    }
  }
  reorder_rows(res, order);
  return res;
}

namespace {
// The semantic types of a real batch of `dl` (fastai's retain_types from one_batch), so decoded
// predictions dispatch to the target's decodes (Categorize …). Reads from a copy: one_batch
// saves and restores the loader's epoch state, which other threads' test_dl calls read.
std::vector<const TypeInfo*> batch_types_of(const TfmdDL& dl) {
  std::vector<const TypeInfo*> types;
  TfmdDL probe = dl.new_tfmd(std::nullopt);
  Item b = probe.one_batch();
  if (b.is_tuple())
    for (const auto& e : b.elements()) types.push_back(&e.type());
  else
    types.push_back(&b.type());
  return types;
}
Item typed(const at::Tensor& t, const TypeInfo* type) {
  if (type && type->is_a(TensorBase::info())) return Item(*type, t);
  return Item(TensorBase(t));
}
// A loader whose only batch is `b`, already built (no transforms run again).
TfmdDL single_batch_dl(const Item& b, int n_inp) {
  DataLoader single([b](int64_t) { return b; }, 1, {.bs = 1});
  single.do_item = [](const DataLoader&, int64_t i) { return Item(Int(i)); };
  single.create_batch = [b](const DataLoader&, const std::vector<Item>&) { return b; };
  return TfmdDL(std::move(single), {.do_setup = false}, n_inp);
}
}  // namespace

const std::vector<const TypeInfo*>& Learner::known_batch_types() {
  if (batch_types.empty()) batch_types = batch_types_of(dls.size() > 1 ? dls.valid() : dls.train());
  return batch_types;
}

Prediction Learner::predict(const Item& item) {
  TfmdDL& ref = dls.size() > 1 ? dls.valid() : dls.train();
  // The item's transforms and the decoding run outside the learner's turn-taking, so callers on
  // other threads prepare theirs meanwhile; only the model pass (get_preds) takes turns.
  ScopedThreads one(1);  // one item is too small to split (core/threads.h has the measurement)
  auto tdl = dls.test_dl({item}, false, 1);
  auto sdl = single_batch_dl(tdl.one_batch(), tdl.n_inp());
  Preds p;
  std::vector<const TypeInfo*> types;
  {
    auto pass = gate_->enter(detail::PassGate::Kind::infer, "Learner::predict");
    p = get_preds({.dl = &sdl, .with_input = true, .with_decoded = true});
    types = known_batch_types();
  }
  std::vector<Item> elems;
  const size_t n_inp = p.inputs.size();
  for (size_t k = 0; k < n_inp; ++k) elems.push_back(typed(p.inputs[k], k < types.size() ? types[k] : nullptr));
  elems.push_back(typed(p.decoded, n_inp < types.size() ? types[n_inp] : nullptr));
  auto samples = ref.decode_batch(Item(Tuple(elems)), 1);
  if (samples.empty()) throw std::runtime_error("predict: decoding the prediction gave no sample");
  const Item& s = samples[0];
  Item dec = s.is_tuple() && s.size() > n_inp ? s[n_inp] : s;
  return {dec, p.decoded[0], p.preds[0]};
}

std::string Learner::show_results(size_t ds_idx, ShowBatchOptions options, bool shuffle) {
  TfmdDL& d = dls[ds_idx];
  DataLoaderOptions dopt = d.options();
  dopt.shuffle = shuffle;
  dopt.seed = rng()();  // a different batch each call, reproducible under set_seed
  if (options.path.empty()) options.path = path / model_dir / "show_results.png";  // where a picture goes
  TfmdDL one = d.new_tfmd(dopt);
  Item b = one.one_batch();
  // Predictions of that batch only.
  auto sdl = single_batch_dl(b, d.n_inp());
  Preds p;
  std::vector<const TypeInfo*> types;
  {
    auto pass = gate_->enter(detail::PassGate::Kind::infer, "Learner::show_results");
    p = get_preds({.dl = &sdl, .with_decoded = true});
    types = known_batch_types();
  }
  const size_t n_inp = static_cast<size_t>(d.n_inp());
  std::vector<Item> elems;
  auto ts = batch_tensors(b);
  for (size_t k = 0; k < n_inp && k < ts.size(); ++k) elems.push_back(typed(ts[k], types[k]));
  elems.push_back(typed(p.decoded, n_inp < types.size() ? types[n_inp] : nullptr));
  return d.show_results(b, Item(Tuple(elems)), options);
}

// ---------------------------------------------------------------- save / load

void save_model_state(const Model& model, torch::serialize::OutputArchive& m) {
  for (const auto& p : model->named_parameters()) m.write(p.key(), p.value());
  for (const auto& b : model->named_buffers()) m.write(b.key(), b.value(), /*is_buffer=*/true);
}

void load_model_state(Model& model, torch::serialize::InputArchive& m, const std::string& where, bool strict) {
  // Check every name and shape first, then copy: a mismatch leaves the model untouched.
  std::vector<std::pair<at::Tensor, at::Tensor>> copies;
  std::vector<std::string> known;
  auto take = [&](const std::string& key, const at::Tensor& dst, bool is_buffer) {
    known.push_back(key);
    at::Tensor src;
    if (!m.try_read(key, src, is_buffer)) {
      if (strict) throw std::runtime_error("Learner::load: " + where + " has no tensor '" + key + "'");
      return;
    }
    if (src.sizes() != dst.sizes())
      throw std::runtime_error("Learner::load: " + where + ": '" + key + "' has shape " + c10::str(src.sizes()) +
                               " in the file but " + c10::str(dst.sizes()) + " in the model");
    copies.emplace_back(dst, src);
  };
  for (const auto& p : model->named_parameters()) take(p.key(), p.value(), false);
  for (const auto& b : model->named_buffers()) take(b.key(), b.value(), true);
  if (strict)
    for (const auto& k : m.keys())
      if (std::find(known.begin(), known.end(), k) == known.end())
        throw std::runtime_error("Learner::load: " + where + " has '" + k + "', which the model does not");
  torch::NoGradGuard g;
  for (auto& [dst, src] : copies) dst.copy_(src.to(dst.device()));
}

std::filesystem::path Learner::model_file(const std::string& name) const {
  std::filesystem::path f = name;
  if (!f.has_extension()) f += ".pth";
  return f.is_absolute() ? f : path / model_dir / f;
}

std::filesystem::path Learner::save(const std::string& name, bool with_opt) {
  const auto file = model_file(name);
  torch::serialize::OutputArchive ar;
  torch::serialize::OutputArchive m;
  save_model_state(model, m);
  ar.write("model", m);
  if (with_opt && opt) {
    torch::serialize::OutputArchive o;
    opt->save(o);
    ar.write("opt", o);
  }
  // Serialise in memory, then write with checked I/O: libtorch's file writer reports a failed
  // write (disk full) from a destructor, which terminates the process.
  std::string bytes;
  ar.save_to([&bytes](const void* data, size_t n) {
    bytes.append(static_cast<const char*>(data), n);
    return n;
  });
  write_atomically(file, [&](const std::filesystem::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) throw std::runtime_error("Learner::save: writing " + file.string() + " failed (disk full?)");
  });
  return file;
}

Learner& Learner::load(const std::string& name, bool with_opt, bool strict) {
  const auto file = model_file(name);
  if (!std::filesystem::exists(file))
    throw std::runtime_error("Learner::load: " + file.string() + " does not exist (Learner::save writes it)");
  if (!opt) create_opt();
  torch::serialize::InputArchive ar;
  try {
    ar.load_from(file.string());
  } catch (const std::exception& e) {
    throw std::runtime_error("Learner::load: " + file.string() +
                             " is not a saved model (truncated or corrupt?): " + e.what());
  }
  torch::serialize::InputArchive m;
  if (!ar.try_read("model", m)) throw std::runtime_error("Learner::load: " + file.string() + " holds no model state");
  load_model_state(model, m, file.string(), strict);
  if (with_opt) {
    torch::serialize::InputArchive o;
    if (ar.try_read("opt", o)) {
      opt->load(o);
    } else {
      std::cerr << "Learner::load: " << file.string() << " has no optimizer state; the optimizer starts fresh\n";
    }
  }
  return *this;
}

}  // namespace fastai
