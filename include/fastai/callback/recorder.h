#pragma once
/// fastai.learner.Recorder: keeps what happened during training — per-batch losses (smoothed),
/// learning rates and momentums, per-epoch values and times — and writes the epoch log.
///
/// Thread-safety: A callback: runs inside its learner's passes, one at a time (learner.h). Read its history
/// (losses, values) when no fit is running on another thread.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fastai/callback/core.h"
#include "fastai/metrics.h"

namespace fastai {

/// Keyword arguments of Recorder. Example: `Recorder({.train_metrics = true})`
struct RecorderOptions {
  bool add_time = true;
  bool train_metrics = false;
  bool valid_metrics = true;
  double beta = 0.98;  ///< smoothing of the training loss
};

/// Records losses, hyper-parameters and metrics (fastai's Recorder; order 50; a default callback,
/// reachable as `learn.recorder`).
///
/// Example:
///   learn.fit_one_cycle(1, 1e-2);
///   auto png = learn.recorder->plot_loss();        // train (smoothed) and valid loss curves
///   double last_valid_loss = learn.recorder->values.back()[1];
class Recorder : public Callback {
 public:
  explicit Recorder(RecorderOptions options = {});
  std::string name() const override { return "Recorder"; }

  void after_create() override;
  void before_fit() override;
  void before_epoch() override;
  void before_train() override;
  void before_validate() override;
  void after_batch() override;
  void after_train() override;
  void after_validate() override;
  void after_cancel_train() override { cancel_train_ = true; }
  void after_cancel_validate() override { cancel_valid_ = true; }
  void after_epoch() override;

  std::vector<double> lrs;                  ///< last group's lr at each training batch
  std::vector<double> moms;                 ///< last group's mom at each training batch, when the optimizer has one
  std::vector<double> losses;               ///< smoothed training loss at each training batch
  std::vector<int64_t> iters;               ///< number of training batches seen at the end of each epoch
  std::vector<std::vector<double>> values;  ///< each epoch's row without epoch and time
  std::vector<double> times;                ///< seconds per epoch
  /// "epoch", "train_loss", "valid_loss", metric names…, "time".
  std::vector<std::string> metric_names;
  /// Hyper-parameters recorded by ParamScheduler at each batch (lr, mom, …).
  std::map<std::string, std::vector<double>> hps;

  /// Training (smoothed) and validation loss over iterations, written as a PNG; returns its path
  /// (default <path>/<model_dir>/loss.png) after printing it.
  std::filesystem::path plot_loss(int64_t skip_start = 5, bool with_valid = true,
                                  std::filesystem::path file = {}) const;
  /// Each scheduled hyper-parameter over iterations (PNG). Default file <…>/sched.png.
  /// Example: `learn.fit_one_cycle(1); learn.recorder->plot_sched("sched.png");`
  std::filesystem::path plot_sched(std::filesystem::path file = {}) const;
  /// lr_find's curve (log-scale lr vs loss) without the last `skip_end` points, with the
  /// suggestions marked. Default file <…>/lr_find.png.
  /// Example: `learn.recorder->plot_lr_find(5, {{"valley", {1e-3, 0.4}}});`
  std::filesystem::path plot_lr_find(
      int64_t skip_end = 5, const std::vector<std::pair<std::string, std::pair<double, double>>>& suggestions = {},
      std::filesystem::path file = {}) const;

  const RecorderOptions& options() const noexcept { return opt_; }

 private:
  std::vector<Metric*> train_mets();
  std::vector<Metric*> valid_mets();
  std::filesystem::path default_plot(const std::string& name) const;

  RecorderOptions opt_;
  std::shared_ptr<Metric> loss_, smooth_loss_;
  std::vector<LogValue> log_;
  double start_epoch_ = 0;
  bool cancel_train_ = false, cancel_valid_ = false;
};

}  // namespace fastai
