#pragma once
/// fastai.callback.schedule: hyper-parameter schedules (functions of the training progress
/// pos ∈ [0, 1]), the ParamScheduler callback that applies them every batch, the LRFinder, and
/// lr_find's suggestion functions. Learner::fit_one_cycle / fit_flat_cos / fit_sgdr /
/// fine_tune / lr_find are built from these.
///
/// Thread-safety: Schedules are pure functions (safe from any thread); ParamScheduler and LRFinder are
/// callbacks and run inside their learner's passes, one at a time (learner.h).
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fastai/callback/core.h"
#include "fastai/learner.h"

namespace fastai {

/// A schedule: progress pos ∈ [0, 1] → value. Example: `Schedule s = SchedCos(1e-3, 1e-5); s(0.5);`
using Schedule = std::function<double(double pos)>;

/// start + pos·(end − start). Example: `SchedLin(0, 10)(0.3) == 3`.
Schedule SchedLin(double start, double end);
/// start + (1 + cos(π(1 − pos)))·(end − start)/2. Example: `SchedCos(0, 2)(0.5) == 1`.
Schedule SchedCos(double start, double end);
/// start, always. Example: `SchedNo(3, 9)(0.7) == 3`.
Schedule SchedNo(double start, double end);
/// start·(end/start)^pos. Example: `SchedExp(1, 100)(0.5) == 10`.
Schedule SchedExp(double start, double end);
/// start + (end − start)·pos^power. Example: `SchedPoly(0, 1, 2)(0.5) == 0.25`.
Schedule SchedPoly(double start, double end, double power);

/// Runs `scheds[i]` over the i-th fraction `pcts[i]` of the progress (pcts sum to 1; each
/// schedule sees its own 0 → 1). Throws std::invalid_argument otherwise.
/// Example: `combine_scheds({0.3, 0.7}, {SchedLin(0, 1), SchedCos(1, 0)})`
Schedule combine_scheds(std::vector<double> pcts, std::vector<Schedule> scheds);
/// Cosine from start to middle over `pct`, then middle to end (the 1cycle shape).
/// Example: `combined_cos(0.25, 1e-4, 1e-3, 1e-8)`
Schedule combined_cos(double pct, double start, double middle, double end);

/// Schedules per hyper-parameter name, one per parameter group (or one for all groups).
/// Example: `ScheduleMap s{{"lr", {SchedLin(1e-3, 1e-5)}}};`
using ScheduleMap = std::map<std::string, std::vector<Schedule>>;

/// Sets each scheduled hyper-parameter from learn.pct_train before every training batch and
/// records the values in learn.recorder->hps (fastai's ParamScheduler; order 60, training only).
/// Example: `learn.fit(1, std::nullopt, {.cbs = {ParamScheduler(ScheduleMap{{"lr", {SchedCos(1e-3,
/// 0)}}})}});`
class ParamScheduler : public Callback {
 public:
  explicit ParamScheduler(ScheduleMap scheds);
  std::string name() const override { return "ParamScheduler"; }
  void before_fit() override;
  void before_batch() override;
  void after_batch() override;
  void after_fit() override;

  std::map<std::string, std::vector<double>> hps;  ///< last group's value per batch

 protected:
  void update(double pos);
  ScheduleMap scheds_;
};

/// Keyword arguments of LRFinder (fastai's defaults). Example: `LRFinder({.num_it = 50})`
struct LRFinderOptions {
  double start_lr = 1e-7;
  double end_lr = 10;
  int64_t num_it = 100;
  bool stop_div = true;  ///< stop when the smoothed loss exceeds 4× the best (or is not finite)
};

/// Trains with an exponentially growing lr and stops when the loss diverges; saves the weights
/// before and restores them after (fastai's LRFinder). Learner::lr_find uses it.
/// Example: `learn.fit(1, std::nullopt, {.cbs = {LRFinder()}});`
class LRFinder : public ParamScheduler {
 public:
  explicit LRFinder(LRFinderOptions options = {});
  std::string name() const override { return "LRFinder"; }
  void before_fit() override;
  void before_batch() override;
  void after_batch() override;
  void before_validate() override { throw CancelValidException(); }
  void after_fit() override;

 private:
  LRFinderOptions opt_;
  double best_loss_ = 0;
  std::filesystem::path tmp_;
};

/// fastai's suggestion functions for lr_find, given the recorded lrs and smoothed losses.
/// valley: the point 2/3 … into the longest descending run (fastai's default).
/// slide: interval slide rule. minimum: a tenth of the lr at the minimum loss. steep: the lr
/// where the loss falls fastest.
/// Example: `auto s = valley(lrs, losses, 100); double lr = s.lr;`
Suggestion valley(const std::vector<double>& lrs, const std::vector<double>& losses, int64_t num_it);
Suggestion slide(const std::vector<double>& lrs, const std::vector<double>& losses, int64_t num_it);
Suggestion minimum(const std::vector<double>& lrs, const std::vector<double>& losses, int64_t num_it);
Suggestion steep(const std::vector<double>& lrs, const std::vector<double>& losses, int64_t num_it);

}  // namespace fastai
