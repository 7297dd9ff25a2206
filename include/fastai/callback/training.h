#pragma once
/// fastai.callback.training: short epochs for quick checks, gradient accumulation, gradient
/// clipping, frozen batch-norm statistics.
///
/// Thread-safety: Callbacks: they run inside their learner's passes, one at a time (learner.h).
#include <cstdint>
#include <string>

#include "fastai/callback/core.h"

namespace fastai {

/// Stops each training (and, with short_valid, validation) pass after `pct` of its batches.
/// Example: `learn.fit(1, 1e-3, {.cbs = {ShortEpochCallback(0.1)}});`
class ShortEpochCallback : public Callback {
 public:
  explicit ShortEpochCallback(double pct = 0.01, bool short_valid = true) : pct_(pct), short_valid_(short_valid) {}
  std::string name() const override { return "ShortEpochCallback"; }
  void after_batch() override;

 private:
  double pct_;
  bool short_valid_;
};

/// Accumulates gradients over batches until `n_acc` items were seen, then steps: an effective
/// batch of n_acc with the memory of one batch (fastai's GradientAccumulation, order 6).
/// Example: `learn.fit(1, 1e-3, {.cbs = {GradientAccumulation(256)}});`
class GradientAccumulation : public Callback {
 public:
  explicit GradientAccumulation(int64_t n_acc = 32) : n_acc_(n_acc) {
    order = 6;
    run_valid = false;
  }
  std::string name() const override { return "GradientAccumulation"; }
  void before_fit() override { count_ = 0; }
  void after_loss() override;
  void before_step() override;

 private:
  int64_t n_acc_;
  int64_t count_ = 0;
};

/// Clips the gradients' global norm to `max_norm` before each step (fastai's GradientClip, order 11).
/// Example: `learn.fit(1, 1e-3, {.cbs = {GradientClip(1.0)}});`
class GradientClip : public Callback {
 public:
  explicit GradientClip(double max_norm = 1.0, double norm_type = 2.0) : max_norm_(max_norm), norm_type_(norm_type) {
    order = 11;
  }
  std::string name() const override { return "GradientClip"; }
  void before_step() override;

 private:
  double max_norm_, norm_type_;
};

/// Keeps the batch-norm layers whose parameters are frozen in eval mode while training, so their
/// running statistics stay those of the pretrained model (fastai's BnFreeze; runs after
/// TrainEvalCallback). Example: `learn.add_cb(BnFreeze());`
class BnFreeze : public Callback {
 public:
  BnFreeze() { run_after = {"TrainEvalCallback"}; }
  std::string name() const override { return "BnFreeze"; }
  void before_train() override;
};

}  // namespace fastai
