#pragma once
/// fastai.callback.tracker: callbacks that watch a loss or metric — stop on NaN, stop early,
/// save the best model, reduce the lr on a plateau.
///
/// Thread-safety: Callbacks: they run inside their learner's passes, one at a time (learner.h).
#include <cstdint>
#include <functional>
#include <string>

#include "fastai/callback/core.h"

namespace fastai {

/// Stops the fit when the training loss is NaN or infinite (order -9; a default callback).
/// By default it throws TrainingError naming the epoch, the batch and the value, so a program
/// cannot go on with a broken model; `raise_error = false` cancels the fit quietly as fastai does.
/// Example: `learn.add_cb(TerminateOnNaNCallback(false));`
class TerminateOnNaNCallback : public Callback {
 public:
  explicit TerminateOnNaNCallback(bool raise_error = true) : raise_(raise_error) {
    order = -9;
    run_valid = false;
  }
  std::string name() const override { return "TerminateOnNaNCallback"; }
  void after_batch() override;

 private:
  bool raise_;
};

/// Keyword arguments of the tracker callbacks (fastai's defaults: valid_loss, lower is better
/// for names containing "loss" or "error").
/// Example: `EarlyStoppingCallback({.monitor = "accuracy", .patience = 3})`
struct TrackerOptions {
  std::string monitor = "valid_loss";
  std::function<bool(double, double)> comp;  ///< comp(new, best): is new better? default by name
  double min_delta = 0;
  bool reset_on_fit = true;
  int64_t patience = 1;         ///< EarlyStopping, ReduceLROnPlateau
  double factor = 10;           ///< ReduceLROnPlateau: lr /= factor
  double min_lr = 0;            ///< ReduceLROnPlateau
  std::string fname = "model";  ///< SaveModelCallback
  int64_t every_epoch = 0;      ///< SaveModelCallback: save every n epochs instead of the best
  bool at_end = false;          ///< SaveModelCallback: save at the end instead of loading the best
  bool with_opt = false;        ///< SaveModelCallback
};

/// Tracks `monitor` across epochs: `best`, and `new_best` after each epoch (fastai's
/// TrackerCallback, order 60). Example: `auto t = std::make_shared<TrackerCallback>(TrackerOptions{.monitor =
/// "accuracy"});`
class TrackerCallback : public Callback {
 public:
  explicit TrackerCallback(TrackerOptions options = {});
  void before_fit() override;
  void after_epoch() override;
  void after_fit() override { run = true; }

  double best = 0;
  bool new_best = false;

 protected:
  TrackerOptions opt_;
  size_t idx_ = 0;
  bool lower_is_better_ = true;
  bool initialised_ = false;
};

/// Stops the fit when `monitor` has not improved for `patience` epochs (order 63).
/// Example: `learn.fit(20, 1e-3, {.cbs = {EarlyStoppingCallback({.patience = 2})}});`
class EarlyStoppingCallback : public TrackerCallback {
 public:
  explicit EarlyStoppingCallback(TrackerOptions options = {}) : TrackerCallback(std::move(options)) { order = 63; }
  std::string name() const override { return "EarlyStoppingCallback"; }
  void before_fit() override;
  void after_epoch() override;

 private:
  int64_t wait_ = 0;
};

/// Saves the model whenever `monitor` improves (or every `every_epoch` epochs) and loads the best
/// at the end of the fit (order 61). Example: `SaveModelCallback({.monitor =
/// "accuracy"})`
class SaveModelCallback : public TrackerCallback {
 public:
  explicit SaveModelCallback(TrackerOptions options = {}) : TrackerCallback(std::move(options)) { order = 61; }
  std::string name() const override { return "SaveModelCallback"; }
  void after_epoch() override;
  void after_fit() override;
  std::string last_saved_path;
};

/// Divides the lr by `factor` (down to `min_lr`) when `monitor` has not improved for `patience`
/// epochs (order 62). Example: `.cbs = {ReduceLROnPlateau({.patience = 2, .factor = 5})}`
class ReduceLROnPlateau : public TrackerCallback {
 public:
  explicit ReduceLROnPlateau(TrackerOptions options = {}) : TrackerCallback(std::move(options)) { order = 62; }
  std::string name() const override { return "ReduceLROnPlateau"; }
  void before_fit() override;
  void after_epoch() override;

 private:
  int64_t wait_ = 0;
};

}  // namespace fastai
