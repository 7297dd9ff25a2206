#pragma once
/// fastai.callback.core: two-way callbacks. A Callback sees every event of the training loop
/// and can read and change every piece of the Learner's state (xb, yb, pred, loss, opt, …)
/// through `learn()`; the Cancel*Exception family lets it skip parts of the loop.
///
/// Thread-safety: Callbacks run inside a Learner's passes, which take turns (learner.h), so a callback's
/// events never run concurrently on one learner; a callback object belongs to one learner.
#include <ATen/core/Tensor.h>

#include <array>
#include <concepts>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace fastai {

class Learner;

/// One row of the epoch log (epoch number, losses and metrics, time).
/// Example: `LogValue v = 0.25;`
using LogValue = std::variant<int64_t, double, std::string>;
/// Formats a log value as fastai's table does (floats with 6 decimals).
/// Example: `format_log_value(0.5) == "0.500000"`.
std::string format_log_value(const LogValue& v);

/// Every event of the training loop, in fastai's order, declared once: X(name, inner) where
/// `inner` marks the per-batch events that honour run_train / run_valid. The enum, the names,
/// the Callback virtuals and their dispatch are all generated from this list.
/// Example: `#define NAME(e, inner) #e, ... FASTAI_EVENTS(NAME)`
#define FASTAI_EVENTS(X)          \
  X(after_create, false)          \
  X(before_fit, false)            \
  X(before_epoch, false)          \
  X(before_train, false)          \
  X(before_batch, true)           \
  X(after_pred, true)             \
  X(after_loss, true)             \
  X(before_backward, true)        \
  X(after_cancel_backward, true)  \
  X(after_backward, true)         \
  X(before_step, true)            \
  X(after_cancel_step, true)      \
  X(after_step, true)             \
  X(after_cancel_batch, true)     \
  X(after_batch, true)            \
  X(after_cancel_train, false)    \
  X(after_train, false)           \
  X(before_validate, false)       \
  X(after_cancel_validate, false) \
  X(after_validate, false)        \
  X(after_cancel_epoch, false)    \
  X(after_epoch, false)           \
  X(after_cancel_fit, false)      \
  X(after_fit, false)

/// Every event of the training loop, in fastai's names and order.
/// Example: `if (e == Event::after_loss) ...`
enum class Event {
#define FASTAI_EVENT_ENUM(e, inner) e,
  FASTAI_EVENTS(FASTAI_EVENT_ENUM)
#undef FASTAI_EVENT_ENUM
};
/// How many events there are. Example: `std::array<int, n_events> counts{};`
inline constexpr int n_events = 0
#define FASTAI_EVENT_COUNT(e, inner) +1
    FASTAI_EVENTS(FASTAI_EVENT_COUNT)
#undef FASTAI_EVENT_COUNT
    ;

/// Every event in order. Example: `for (Event e : all_events) std::cout << event_name(e);`
inline constexpr std::array<Event, n_events> all_events = {
#define FASTAI_EVENT_VALUE(e, inner) Event::e,
    FASTAI_EVENTS(FASTAI_EVENT_VALUE)
#undef FASTAI_EVENT_VALUE
};

/// The event's fastai name, e.g. "before_batch". Example: `event_name(Event::after_fit) == "after_fit"`.
std::string_view event_name(Event e);
/// Events of the inner (per-batch) loop, which honour run_train / run_valid.
/// Example: `is_inner_event(Event::after_loss) == true`.
bool is_inner_event(Event e);

/// Base of the control-flow exceptions: a callback throws one to skip the rest of a part of the
/// loop; the loop catches it, runs after_cancel_<part> and then after_<part>, as fastai does.
/// Example: `throw CancelBatchException();`
struct CancelException {
  virtual ~CancelException() = default;
  virtual const char* what() const noexcept = 0;
};
#define FASTAI_CANCEL_EXCEPTION(Name, part)                                            \
  /** Skips the rest of the part of the loop it is thrown in (see CancelException). */ \
  struct Name : CancelException {                                                      \
    const char* what() const noexcept override { return #Name ": " part; }             \
  };
FASTAI_CANCEL_EXCEPTION(CancelBackwardException, "skip the backward pass")
FASTAI_CANCEL_EXCEPTION(CancelStepException, "skip the optimizer step")
FASTAI_CANCEL_EXCEPTION(CancelBatchException, "skip the rest of this batch")
FASTAI_CANCEL_EXCEPTION(CancelTrainException, "skip the rest of the training phase")
FASTAI_CANCEL_EXCEPTION(CancelValidException, "skip the rest of the validation phase")
FASTAI_CANCEL_EXCEPTION(CancelEpochException, "skip the rest of this epoch")
FASTAI_CANCEL_EXCEPTION(CancelFitException, "stop the fit")
#undef FASTAI_CANCEL_EXCEPTION

/// An error that already says where it happened (epoch, batch, value): the loop lets it through
/// unwrapped. Example: `throw TrainingError("loss is nan at epoch 2, batch 17");`
class TrainingError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Any other exception escaping a callback, re-thrown with the callback's and event's names
/// (the original is nested: std::rethrow_if_nested reaches it).
/// Example: `catch (const CallbackError& e) { std::cerr << e.what(); }  // "in Recorder.after_batch: …"`
class CallbackError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A two-way callback (fastai's Callback). Override the events you need; read and write the
/// learner's state through `learn()`.
///
///   order            callbacks run sorted by order (then run_after / run_before constraints)
///   run_train/valid  inner-loop events run only while training / validating when false
///   run              set false to skip every event until the end of this fit
///
/// Example:
///   struct ClipLoss : fastai::Callback {
///     void after_loss() override { learn().loss_grad = learn().loss_grad.clamp_max(10); }
///   };
///   learn.add_cb(std::make_shared<ClipLoss>());
class Callback {
 public:
  virtual ~Callback() = default;
  /// The name fastai would show: the class name (override for lambdas and wrappers).
  /// Example: `cb->name() == "Recorder"`
  virtual std::string name() const;

  /// Called for every event this callback does not override by name: one method sees them all
  /// (fastai's test tracer). Example: `void on_event(Event e) override { log.push_back(e); }`
  virtual void on_event(Event) {}

  // One virtual per event (before_fit(), after_loss(), …), each defaulting to on_event(e).
#define FASTAI_EVENT_VIRTUAL(e, inner) \
  virtual void e() { on_event(Event::e); }
  FASTAI_EVENTS(FASTAI_EVENT_VIRTUAL)
#undef FASTAI_EVENT_VIRTUAL

  /// Runs event `e` if this callback should (run flag, run_train/run_valid); exceptions other
  /// than Cancel*/TrainingError come out as CallbackError naming the callback and event.
  /// Example: `(*cb)(Event::before_fit);`
  void operator()(Event e);

  /// The learner this callback is attached to; throws when it is not attached.
  /// Example: `learn().loss_grad = learn().loss_grad * 2;`
  Learner& learn() const;
  bool attached() const noexcept { return learn_ != nullptr; }

  int order = 0;
  bool run_train = true;
  bool run_valid = true;
  bool run = true;
  /// get_preds removes callbacks with this flag (Recorder, trackers) while it gathers.
  bool remove_on_fetch = false;
  /// Skip validate/get_preds passes (trackers, loggers: they watch fits only).
  bool only_train_loop = false;
  /// Names of callbacks this one must run before / after, whatever the orders say.
  std::vector<std::string> run_before, run_after;

 private:
  friend class Learner;
  void dispatch(Event e);
  Learner* learn_ = nullptr;
};

/// One callback held by shared ownership, made from a shared_ptr or from a temporary callback
/// value (moved into a new shared object), so option lists read like fastai's `cbs=[...]`.
/// Only temporaries convert by value: a named callback would be silently copied and the copy
/// trained, so pass a named one as a shared_ptr to read its state afterwards.
/// Example: `learn.fit(1, 1e-3, {.cbs = {SaveModelCallback(), std::make_shared<Recorder>()}});`
class CallbackPtr : public std::shared_ptr<Callback> {
 public:
  CallbackPtr() = default;
  template <class C>
  requires std::derived_from<C, Callback> CallbackPtr(std::shared_ptr<C> p)
      : std::shared_ptr<Callback>(std::move(p)) {}  // NOLINT: implicit on purpose
  template <class C>
  requires(std::derived_from<C, Callback>&& std::same_as<C, std::remove_cvref_t<C>>) CallbackPtr(C&& cb)
      : std::shared_ptr<Callback>(std::make_shared<C>(std::move(cb))) {}  // NOLINT
};

/// A list of callbacks: `{SaveModelCallback(), std::make_shared<GradientClip>()}` both work.
/// Example: `Callbacks cbs{TrainEvalCallback(), Recorder()};`
using Callbacks = std::vector<CallbackPtr>;

/// A callback made of functions per event, for quick experiments and tests.
///
/// Example:
///   auto cb = std::make_shared<FuncCallback>("Scale", std::map<Event, FuncCallback::Fn>{
///       {Event::after_loss, [](Learner& l) { l.loss_grad = l.loss_grad * 2; }}});
class FuncCallback : public Callback {
 public:
  using Fn = std::function<void(Learner&)>;
  FuncCallback(std::string name, std::map<Event, Fn> fns, int order = 0);
  std::string name() const override { return name_; }
  /// Calls the function registered for `e`, if any.
  /// Example: `cb->call(Event::after_loss);`
  void call(Event e);

  void on_event(Event e) override { call(e); }

 private:
  std::string name_;
  std::map<Event, Fn> fns_;
};

/// Callbacks sorted by order, then moved as little as needed to honour run_before / run_after
/// (fastai's sort_by_run). Throws std::invalid_argument when the constraints form a cycle.
/// Example: `auto sorted = sort_by_run(cbs);`
Callbacks sort_by_run(Callbacks cbs);

/// Puts the model in train mode at the start of training and eval mode for validation, keeps
/// the counters (train_iter, pct_train) and moves the model to the loaders' device (fastai's
/// TrainEvalCallback; order -10; a default callback).
/// Example: `learn.add_cb(TrainEvalCallback());  // already there by default`
class TrainEvalCallback : public Callback {
 public:
  TrainEvalCallback() {
    order = -10;
    run_valid = false;
  }
  void after_create() override;
  void before_fit() override;
  void after_batch() override;
  void before_train() override;
  void before_validate() override;
};

/// Skips epochs before `start_epoch` (fit's start_epoch, for resuming; fastai's SkipToEpoch).
/// Example: `learn.fit(5, 1e-3, {.start_epoch = 3});`
class SkipToEpoch : public Callback {
 public:
  explicit SkipToEpoch(int64_t start_epoch) : skip_to_(start_epoch) { order = -9; }
  void before_epoch() override;

 private:
  int64_t skip_to_;
};

/// Collects inputs, predictions, targets and per-item losses of the batches it sees (what
/// get_preds uses; fastai's GatherPredsCallback).
/// Example: `auto g = std::make_shared<GatherPredsCallback>(true); learn.add_cb(g); …; g->preds`
class GatherPredsCallback : public Callback {
 public:
  explicit GatherPredsCallback(bool with_input = false, bool with_loss = false)
      : with_input_(with_input), with_loss_(with_loss) {
    order = 5;
  }
  void before_validate() override;
  void after_batch() override;

  std::vector<std::vector<at::Tensor>> inputs;   ///< per batch, the inputs
  std::vector<at::Tensor> preds, targs, losses;  ///< per batch

 private:
  bool with_input_, with_loss_;
};

}  // namespace fastai
