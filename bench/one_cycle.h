#pragma once
/// fastai's fit_one_cycle schedule for the benchmarks' hand-written loops (fastai defaults:
/// div 25, div_final 1e5, pct_start 0.25, moms 0.95 → 0.85 → 0.95), so each reference loop sets
/// the same lr and momentum as the Learner it is compared with.
///
/// Example:
///   bench::OneCycle sched(1e-2, n_batches * epochs);
///   for (int64_t it = 0; …; ++it) { sched.apply(*opt, it); loss.backward(); opt->step(); … }
#include <cstdint>

#include "fastai/callback/schedule.h"
#include "fastai/optimizer.h"

namespace fastai::bench {

class OneCycle {
 public:
  OneCycle(double lr_max, int64_t total_steps)
      : total_(total_steps),
        lr_(combined_cos(0.25, lr_max / 25, lr_max, lr_max / 1e5)),
        mom_(combined_cos(0.25, 0.95, 0.85, 0.95)) {}
  /// Sets the optimizer's lr and mom for step `it` of `total_steps`.
  void apply(Optimizer& opt, int64_t it) const {
    const double pos = static_cast<double>(it) / static_cast<double>(total_);
    opt.set_hyper("lr", lr_(pos));
    opt.set_hyper("mom", mom_(pos));
  }

 private:
  int64_t total_;
  Schedule lr_, mom_;
};

}  // namespace fastai::bench
