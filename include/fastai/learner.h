#pragma once
/// fastai.learner: the Learner groups a model, DataLoaders, a loss, an optimizer and metrics,
/// and runs the training loop as a sequence of events that callbacks see and change.
///
///   fit → [before_fit] for each epoch: [before_epoch]
///            train: [before_train] for each batch: [before_batch] pred [after_pred] loss
///                   [after_loss] [before_backward] backward [after_backward] [before_step]
///                   step [after_step] zero_grad [after_batch] … [after_train]
///            validate (no grad): the same batches without backward/step … [after_validate]
///          [after_epoch] … [after_fit]
/// A Cancel<Part>Exception thrown in a part runs after_cancel_<part>, then after_<part>.
#include <ATen/core/Tensor.h>

#include <array>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "fastai/callback/core.h"
#include "fastai/callback/recorder.h"  // learn.recorder-> works with learner.h alone
#include "fastai/core/options.h"
#include "fastai/data/core.h"
#include "fastai/losses.h"
#include "fastai/metrics.h"
#include "fastai/model.h"
#include "fastai/optimizer.h"

namespace fastai {
namespace detail {
class PassGate;
}

/// Writes a model's parameters and buffers by name into an archive (what Learner::save stores).
/// Example: `torch::serialize::OutputArchive a; save_model_state(learn.model, a);`
void save_model_state(const Model& model, torch::serialize::OutputArchive& archive);
/// Reads what save_model_state wrote, checking every name and shape before copying anything;
/// errors name `where` (the file), the tensor and both shapes.
/// Example: `load_model_state(learn.model, archive, "stage1.pth", true);`
void load_model_state(Model& model, torch::serialize::InputArchive& archive, const std::string& where,
                      bool strict = true);

/// A learning rate: one value, one per parameter group, or a Slice over the groups.
/// Example: `learn.fit_one_cycle(3, Slice{1e-5, 1e-3});`
struct Lr {
  std::variant<double, Slice, std::vector<double>> v;
  Lr(double x) : v(x) {}                            // NOLINT: implicit by design
  Lr(Slice s) : v(s) {}                             // NOLINT
  Lr(std::vector<double> xs) : v(std::move(xs)) {}  // NOLINT
  /// Sets hyper-parameter `key` of `opt` from this value.
  /// Example: `Lr(Slice{1e-5, 1e-3}).apply(*learn.opt);`
  void apply(Optimizer& opt, const std::string& key = "lr") const;
};

/// Splits a model into parameter groups (for discriminative learning rates and freezing).
/// Example: `.splitter = [](const Model& m) { return std::vector<std::vector<at::Tensor>>{body, head}; }`
using ParamSplitter = std::function<std::vector<std::vector<at::Tensor>>(const Model&)>;

/// Momentums (beta1 of Adam, momentum of SGD): start, middle and end of a one-cycle schedule.
/// Example: `Moms m = {0.95, 0.85, 0.95};`
using Moms = std::array<double, 3>;
/// The Learner's default momentums. An options struct declares its own `default_moms` static
/// member to change them (TextLearnerOptions: fastai's TextLearner uses 0.8, 0.7, 0.8): the
/// FASTAI_LEARNER_OPTIONS default below finds the struct's name before this one.
/// Example: `struct MyOptions { static constexpr Moms default_moms{0.9, 0.8, 0.9}; FASTAI_LEARNER_OPTIONS(FASTAI_DECLARE_OPTION) };`
inline constexpr Moms default_moms{0.95, 0.85, 0.95};

/// The Learner's keyword arguments, declared once: X(type, name, default) in fastai's order.
/// LearnerOptions holds them, and so do the application learners' options (vision_learner,
/// tabular_learner, collab_learner) after their own, so `{.n_out = 3, .metrics = {accuracy}}`
/// reads as fastai's keyword arguments with no nested `.learner = {…}`.
///   loss_func    default: from the target block (dls.loss_func)
///   opt_func     default: Adam
///   splitter     default: trainable_params (one group)
///   cbs          added to the default callbacks
///   wd           default: the optimizer's (Adam: 0.01)
///   wd_bn_bias   weight decay on norm layers and biases
///   train_bn     norm layers stay trainable when frozen
///   default_cbs  TrainEvalCallback, Recorder, ProgressCallback, TerminateOnNaNCallback
/// Example: `struct MyLearnerOptions { int width = 8; FASTAI_LEARNER_OPTIONS(FASTAI_DECLARE_OPTION) };`
#define FASTAI_LEARNER_OPTIONS(X)               \
  X(std::shared_ptr<BaseLoss>, loss_func, {})   \
  X(OptFunc, opt_func, {})                      \
  X(double, lr, 1e-3)                           \
  X(ParamSplitter, splitter, {})                \
  X(Callbacks, cbs, {})                         \
  X(std::vector<MetricSpec>, metrics, {})       \
  X(std::filesystem::path, path, ".")           \
  X(std::filesystem::path, model_dir, "models") \
  X(std::optional<double>, wd, {})              \
  X(bool, wd_bn_bias, false)                    \
  X(bool, train_bn, true)                       \
  X(Moms, moms, default_moms)                   \
  X(bool, default_cbs, true)

/// Keyword arguments of Learner (fastai's defaults; see FASTAI_LEARNER_OPTIONS).
/// Example: `Learner learn(dls, model, {.loss_func = CrossEntropyLossFlat(), .metrics = {accuracy}});`
struct LearnerOptions {
  FASTAI_LEARNER_OPTIONS(FASTAI_DECLARE_OPTION)
};

/// The LearnerOptions part of an application learner's options (every FASTAI_LEARNER_OPTIONS
/// field). From an rvalue only those fields are moved: the application's own stay usable.
/// Example: `Learner learn(dls, model, learner_options(std::move(vision_options)));`
template <class O>
LearnerOptions learner_options(O&& o) {
  LearnerOptions r;
#define FASTAI_FORWARD_OPTION(type, name, def) r.name = std::forward<O>(o).name;
  FASTAI_LEARNER_OPTIONS(FASTAI_FORWARD_OPTION)
#undef FASTAI_FORWARD_OPTION
  return r;
}

/// The keyword arguments every fit method shares, declared once: X(type, name, default).
///   wd           weight decay for this fit (default: the learner's, then the optimizer's)
///   cbs          callbacks added for this fit only
///   reset_opt    a fresh optimizer (and its state) for this fit
///   start_epoch  skip the first epochs (resuming an interrupted schedule)
/// Example: `struct MyScheduleOptions { double peak = 1; FASTAI_FIT_OPTIONS(FASTAI_DECLARE_OPTION) };`
#define FASTAI_FIT_OPTIONS(X)      \
  X(std::optional<double>, wd, {}) \
  X(Callbacks, cbs, {})            \
  X(bool, reset_opt, false)        \
  X(int64_t, start_epoch, 0)

/// Keyword arguments of Learner::fit.
/// Example: `learn.fit(2, 1e-3, {.wd = 0.1, .cbs = {GradientClip()}});`
struct FitOptions {
  FASTAI_FIT_OPTIONS(FASTAI_DECLARE_OPTION)
};

/// The FitOptions part of a schedule's options, with `extra` callbacks first (the schedule's own).
/// Example: `fit(n, std::nullopt, fit_options(o, {scheduler}));`
template <class O>
FitOptions fit_options(const O& from, Callbacks extra = {}) {
  FitOptions to;
  FASTAI_FIT_OPTIONS(FASTAI_COPY_OPTION)
  extra.insert(extra.end(), to.cbs.begin(), to.cbs.end());
  to.cbs = std::move(extra);
  return to;
}

/// Keyword arguments of fit_one_cycle (fastai's defaults), then FitOptions' (wd, cbs, …).
/// Example: `learn.fit_one_cycle(1, 1e-2, {.pct_start = 0.3});`
struct OneCycleOptions {
  double div = 25.0;
  double div_final = 1e5;
  double pct_start = 0.25;
  std::optional<Moms> moms;  ///< default: the learner's
  FASTAI_FIT_OPTIONS(FASTAI_DECLARE_OPTION)
};

/// Keyword arguments of fit_flat_cos, then FitOptions'. Example: `learn.fit_flat_cos(2, 1e-3, {.pct_start = 0.5});`
struct FlatCosOptions {
  double div_final = 1e5;
  double pct_start = 0.75;
  FASTAI_FIT_OPTIONS(FASTAI_DECLARE_OPTION)
};

/// Keyword arguments of fit_sgdr, then FitOptions'. Example: `learn.fit_sgdr(3, 1, 1e-3, {.cycle_mult = 2});`
struct SgdrOptions {
  int64_t cycle_mult = 2;
  FASTAI_FIT_OPTIONS(FASTAI_DECLARE_OPTION)
};

/// Keyword arguments of fine_tune (fastai's defaults).
/// Example: `learn.fine_tune(2, {.base_lr = 1e-3});`
struct FineTuneOptions {
  double base_lr = 2e-3;
  int64_t freeze_epochs = 1;
  double lr_mult = 100;
  double pct_start = 0.3;
  double div = 5.0;
  std::optional<double> wd;
  Callbacks cbs;
};

/// A suggestion function of lr_find: (lrs, losses, num_it) → (suggested lr, the point to mark).
/// Example: `auto [lr, point] = valley(lrs, losses, 100);`
struct Suggestion {
  double lr;
  std::pair<double, double> point;  ///< (lr, loss) marked on the plot
};
using SuggestFunc =
    std::function<Suggestion(const std::vector<double>& lrs, const std::vector<double>& losses, int64_t num_it)>;

/// Keyword arguments of lr_find (fastai's defaults).
/// Example: `auto s = learn.lr_find({.num_it = 50, .suggest_funcs = {{"valley", valley}, {"steep", steep}}});`
struct LrFindOptions {
  double start_lr = 1e-7;
  double end_lr = 10;
  int64_t num_it = 100;
  bool stop_div = true;
  bool show_plot = true;                                           ///< write the curve to a PNG and print its path
  std::vector<std::pair<std::string, SuggestFunc>> suggest_funcs;  ///< default: valley
  std::filesystem::path plot_path;                                 ///< default: <path>/<model_dir>/lr_find.png
};
/// What lr_find found: each suggestion by name, and the PNG when one was written.
/// Example: `double lr = learn.lr_find().valley();`
struct SuggestedLRs {
  std::vector<std::pair<std::string, double>> values;
  std::filesystem::path plot;
  /// The suggestion called `name`; throws naming the ones there are.
  double operator[](const std::string& name) const;
  double valley() const { return (*this)["valley"]; }
};

/// Keyword arguments of get_preds.
/// Example: `auto p = learn.get_preds({.ds_idx = 1, .with_decoded = true});`
struct GetPredsOptions {
  size_t ds_idx = 1;
  TfmdDL* dl = nullptr;  ///< default: dls[ds_idx] without shuffling or dropping
  bool with_input = false;
  bool with_decoded = false;
  bool with_loss = false;
  /// Rows in the dataset's order even when the loader reads items in another (a SortedDL reads
  /// the longest texts first), as fastai's reorder=True. Unshuffled loaders only.
  bool reorder = true;
  /// Applied to the predictions (default: the loss's activation; pass identity for raw outputs).
  std::function<at::Tensor(const at::Tensor&)> activation;
  bool inner = false;  ///< called inside a fit (FetchPredsCallback): no before/after_fit
};
/// What get_preds returns (fields not asked for are undefined tensors). `inputs` stays empty when
/// batches' inputs differ beyond the batch dimension (texts padded per batch); read those items
/// from the dataset: with reorder, row i is item i.
/// Example: `auto [inputs, preds, targs, decoded, losses] = learn.get_preds({.with_decoded = true});`
struct Preds {
  std::vector<at::Tensor> inputs;
  at::Tensor preds;
  at::Tensor targs;
  at::Tensor decoded;
  at::Tensor losses;
};
/// What predict returns: the decoded prediction (e.g. the label), the decoded model output as a
/// tensor (class index) and the activations (probabilities).
/// Example: `auto [label, idx, probs] = learn.predict(item);`
struct Prediction {
  Item decoded;
  at::Tensor decoded_tensor;
  at::Tensor probs;
};

/// The state callbacks share (fastai's Learner attributes): what a callback reads and writes
/// through `learn()`. A base of Learner so the Learner's move moves every member, including
/// any added here later, without listing them.
/// Example: `learn.loss_grad = learn.loss_grad * 2;  // in a callback's after_loss`
struct LearnerState {
  LearnerState(DataLoaders dls_, Model model_) : dls(std::move(dls_)), model(std::move(model_)) {}

  DataLoaders dls;
  Model model;
  std::shared_ptr<BaseLoss> loss_func;
  OptFunc opt_func;
  std::string opt_func_name;  ///< "Adam" for the default opt_func, "custom" for one given (summary() shows it)
  double lr{};  // these four are set from LearnerOptions, which holds the defaults
  ParamSplitter splitter;
  std::vector<std::shared_ptr<Metric>> metrics;
  std::filesystem::path path, model_dir;
  std::optional<double> wd;
  bool wd_bn_bias{}, train_bn{};
  Moms moms{};
  std::unique_ptr<Optimizer> opt;

  std::vector<at::Tensor> xb, yb;  ///< inputs and targets of the current batch
  at::Tensor pred;                 ///< model output
  at::Tensor loss_grad;            ///< the loss backward() runs on
  at::Tensor loss;                 ///< detached copy, what the recorder logs
  int64_t epoch = 0, n_epoch = 1, iter = 0, n_iter = 0, train_iter = 0;
  double pct_train = 0;    ///< fraction of the whole fit's training done
  double smooth_loss = 0;  ///< set by the Recorder after each training batch
  bool training = false;
  /// True inside validate/get_preds/predict: callbacks marked only_train_loop sit it out.
  bool validation_pass = false;
  TfmdDL* dl = nullptr;          ///< the loader being iterated
  Recorder* recorder = nullptr;  ///< the Recorder callback, when there is one
  /// Receives each epoch's row (Recorder calls it; ProgressCallback and CSVLogger wrap it).
  std::function<void(const std::vector<LogValue>&)> logger;
  /// The values of the last epoch's row without the epoch number and time.
  std::vector<double> final_record;
  /// How the model was built, as JSON ({"builder": …}), when a registered builder made it
  /// (vision_learner, simple_cnn…): what export_learner writes so load_learner can rebuild it.
  std::string model_spec;
  /// Semantic types of a batch (inputs, then targets), which predict needs to decode outputs;
  /// learned from one batch on first use, or read from an export.
  std::vector<const TypeInfo*> batch_types;
};

/// Group of things to train a model (fastai's Learner). Callbacks hold a pointer to it, so it
/// moves (re-pointing them) but does not copy.
///
/// Example (the paper's loop, on tensors):
///   auto dls = DataLoaders::from_tensors(x, y, xv, yv, {.bs = 128});
///   Learner learn(dls, model, {.loss_func = CrossEntropyLossFlat(), .metrics = {accuracy}});
///   learn.fit_one_cycle(1, 1e-2);
///   auto [label, idx, probs] = learn.predict(item);
///
/// Thread-safety: `predict`, `get_preds`, `validate`, `show_results` and `dls.test_dl` may be called
/// from many threads at once on one learner (a loaded one included), and give what one thread
/// calling them in turn would. Passes over the learner's shared state (the loop's xb/yb/pred,
/// the callbacks) take turns: predict prepares its item and decodes its answer outside its turn;
/// the model step is serialised. That is safe, not fast: for throughput on several cores give
/// each thread its own learner (load_learner), 1.4–1.5× at 2 threads in bench_inference. A
/// fit (fit_*, fine_tune, lr_find) while another thread is inferring, or inference while another
/// thread trains, is refused with std::logic_error saying so. Everything else (add_cb, load,
/// freeze, to_bf16, changing members) is not synchronised: do it while no other thread uses the
/// learner. Callbacks called from inside a pass may call get_preds (FetchPredsCallback does).
class Learner : public LearnerState {
 public:
  Learner(DataLoaders dls, Model model, LearnerOptions options = {});
  Learner(Learner&& other) noexcept;
  Learner& operator=(Learner&&) = delete;
  Learner(const Learner&) = delete;
  Learner& operator=(const Learner&) = delete;
  ~Learner();

  // ---------------------------------------------------------------- training
  /// Trains for `n_epoch` epochs at `lr` (default: the learner's lr), no schedule.
  /// Example: `learn.fit(2, 1e-3);`
  void fit(int64_t n_epoch, std::optional<Lr> lr = std::nullopt, FitOptions options = {});
  /// The 1cycle policy: lr warms up from lr_max/div to lr_max (cosine) over pct_start of the
  /// iterations, then anneals to lr_max/div_final; momentum does the reverse.
  /// Example: `learn.fit_one_cycle(1, 1e-2);`
  void fit_one_cycle(int64_t n_epoch, std::optional<Lr> lr_max = std::nullopt, OneCycleOptions options = {});
  /// Flat lr for pct_start of the iterations, then cosine annealing to lr/div_final.
  /// Example: `learn.fit_flat_cos(2, 1e-3);`
  void fit_flat_cos(int64_t n_epoch, std::optional<Lr> lr = std::nullopt, FlatCosOptions options = {});
  /// SGDR: n_cycles cosine cycles from lr_max to 0, the first cycle_len epochs, each cycle_mult longer.
  /// Example: `learn.fit_sgdr(3, 1, 1e-3);  // 1 + 2 + 4 epochs`
  void fit_sgdr(int64_t n_cycles, int64_t cycle_len, std::optional<Lr> lr_max = std::nullopt, SgdrOptions options = {});
  /// Transfer learning: freeze, fit_one_cycle(freeze_epochs, base_lr, pct_start 0.99), unfreeze,
  /// fit_one_cycle(epochs, Slice{base_lr/2/lr_mult, base_lr/2}, pct_start, div).
  /// Example: `learn.fine_tune(2);`
  void fine_tune(int64_t epochs, FineTuneOptions options = {});
  /// A mock training with an exponentially growing lr; the weights are restored after.
  /// Example: `auto lrs = learn.lr_find(); learn.fit_one_cycle(1, lrs.valley());`
  SuggestedLRs lr_find(LrFindOptions options = {});

  // ---------------------------------------------------------------- evaluation
  /// Validation loss and metrics on dls[ds_idx] (or `dl`), as the epoch table shows them.
  /// Example: `auto v = learn.validate();  // {valid_loss, accuracy}`
  std::vector<double> validate(size_t ds_idx = 1, TfmdDL* dl = nullptr);
  /// Predictions (after the loss's activation) and targets over a whole loader, in item order.
  /// Example: `auto p = learn.get_preds({.with_decoded = true}); auto acc = (p.decoded ==
  /// p.targs).to(at::kFloat).mean();`
  Preds get_preds(GetPredsOptions options = {});
  /// fastai's Learner.summary(): each leaf layer's type, output shape (one sample of a training
  /// batch through the model in eval mode, shown with the batch size), parameter count and
  /// whether trainable, fastai's separators where the shape changes; then the totals, the
  /// optimizer, the loss, frozen/unfrozen and the callbacks. Implemented on hooks
  /// (callback/hook.h), so every leaf has to be hookable.
  /// Example: `std::cout << learn.summary();`
  std::string summary();
  /// Prediction for one item, decoded through the data pipeline (fastai's learn.predict).
  /// Example: `auto [label, idx, probs] = learn.predict(Path("img.png"));`
  Prediction predict(const Item& item);
  /// `batch_types`, learned from one batch of the validation (else training) loader when not known
  /// yet — what predict, show_results and export_learner decode with. Sets a member: call it
  /// inside an inference turn or while no other thread uses the learner.
  /// Example: `for (const TypeInfo* t : learn.known_batch_types()) std::cout << t->name();`
  const std::vector<const TypeInfo*>& known_batch_types();
  /// Decoded inputs, targets and predictions of one batch of dls[ds_idx] (shuffled, as fastai's
  /// show_results), shown as show_batch shows (text or a picture); returns what the renderer returned.
  /// Example: `learn.show_results(1, {.max_n = 4});`
  std::string show_results(size_t ds_idx = 1, ShowBatchOptions options = {}, bool shuffle = true);

  // ---------------------------------------------------------------- optimizer, freezing
  /// Creates the optimizer from opt_func over the splitter's groups, with fastai's per-parameter
  /// flags (no weight decay on norm layers and biases unless wd_bn_bias; norm layers trainable
  /// when frozen if train_bn).
  /// Example: `learn.create_opt(); learn.opt->set_hyper("wd", 0.1);`
  void create_opt();
  /// Example: `learn.freeze(); learn.fit_one_cycle(1); learn.unfreeze();`
  void freeze_to(int n);
  void freeze() { freeze_to(-1); }
  void unfreeze() { freeze_to(0); }

  // ---------------------------------------------------------------- save / load
  /// Writes model (and optimizer) state to <path>/<model_dir>/<name>.pt atomically; returns the file.
  /// Example: `auto file = learn.save("stage1");  // <path>/models/stage1.pth`
  std::filesystem::path save(const std::string& name, bool with_opt = true);
  /// Reads what save wrote (creating the optimizer when needed); errors name the file and what
  /// does not match.
  /// Example: `learn.load("stage1");`
  Learner& load(const std::string& name, bool with_opt = true, bool strict = true);
  /// Where save(name) writes.
  /// Example: `learn.model_file("stage1") == learn.path / "models" / "stage1.pth"`
  std::filesystem::path model_file(const std::string& name) const;

  // ---------------------------------------------------------------- precision and memory format
  /// Mixed precision, fastai's to_fp16 / to_bf16: adds MixedPrecision (fp16 with loss scaling is
  /// for CUDA; on the CPU use bf16). to_fp32 removes it. Each returns the learner.
  /// Example: `learn.to_bf16().fit_one_cycle(1);`
  Learner& to_fp16();
  Learner& to_bf16();
  Learner& to_fp32();
  /// Channels-last weights and inputs (fastai's to_channelslast), with mixed precision unless
  /// `use_amp` is false — bf16 on the CPU, fp16 on CUDA; to_contiguous undoes it (and the mixed
  /// precision too with `to_fp32`).
  /// Example: `learn.to_channelslast();  // ChannelsLast + MixedPrecision(bf16) on the CPU`
  Learner& to_channelslast(bool use_amp = true);
  Learner& to_contiguous(bool to_fp32 = false);

  // ---------------------------------------------------------------- callbacks
  /// Attaches a callback (it sees after_create at once) and returns it.
  /// Example: `auto cb = learn.add_cb(std::make_shared<CSVLogger>()); learn.remove_cb(cb);`
  std::shared_ptr<Callback> add_cb(CallbackPtr cb);
  void add_cbs(const Callbacks& cbs);
  void remove_cb(const std::shared_ptr<Callback>& cb);
  void remove_cbs(const Callbacks& cbs);
  /// The first callback of type T, or nullptr. Example: `auto* r = learn.cb<Recorder>();`
  template <class T>
  T* cb() const {
    for (const auto& c : cbs_)
      if (auto* p = dynamic_cast<T*>(c.get())) return p;
    return nullptr;
  }
  /// The callbacks in the order they run.
  /// Example: `for (auto& c : learn.cbs()) std::cout << c->name() << "\n";`
  const Callbacks& cbs() const noexcept { return cbs_; }
  /// Runs event `e` on every callback, in order.
  /// Example: `learn(Event::after_create);`
  void operator()(Event e);

  /// RAII: callbacks added until the guard dies (fastai's added_cbs).
  /// Example: `{ Learner::AddedCbs scope(learn, {cb}); learn.validate(); }  // cb attached only inside`
  class AddedCbs {
   public:
    AddedCbs(Learner& l, Callbacks cbs);
    ~AddedCbs();
    AddedCbs(const AddedCbs&) = delete;
    AddedCbs& operator=(const AddedCbs&) = delete;

   private:
    Learner& l_;
    Callbacks cbs_;
  };
  /// RAII: callbacks removed until the guard dies (fastai's removed_cbs).
  /// Example: `{ Learner::RemovedCbs scope(learn, {learn.cbs()[0]}); ... }`
  class RemovedCbs {
   public:
    RemovedCbs(Learner& l, Callbacks cbs);
    ~RemovedCbs();
    RemovedCbs(const RemovedCbs&) = delete;
    RemovedCbs& operator=(const RemovedCbs&) = delete;

   private:
    Learner& l_;
    Callbacks cbs_;
  };

  /// Runs one batch (split, events, forward, loss, backward, step). Public for custom loops.
  /// Example: `learn.one_batch(0, learn.dls.train().one_batch());`
  void one_batch(int64_t i, const Item& b);
  /// Iterates the current `dl`.
  /// Example: `learn.dl = &learn.dls.valid(); learn.all_batches();`
  void all_batches();
  /// Runs the validation phase on dls[ds_idx] or `dl`.
  /// Example: `learn.do_epoch_validate(1);`
  void do_epoch_validate(size_t ds_idx = 1, TfmdDL* dl = nullptr);

 private:
  template <class Ex>
  void with_events(const std::function<void()>& f, Event before, Event after_cancel, Event after,
                   const std::function<void()>& final = nullptr);
  void do_one_batch();
  void do_fit();
  void do_epoch();
  void end_cleanup();
  void split_batch(const Item& b);
  void sort_cbs();

  Callbacks cbs_;
  c10::Device model_device_{c10::kCPU};     // looked up once per pass, not per batch
  std::unique_ptr<detail::PassGate> gate_;  // one pass over the shared state at a time (src/pass_gate.h)
};

}  // namespace fastai
