#include "fastai/callback/tracker.h"

#include <cmath>
#include <iostream>
#include <limits>

#include "fastai/callback/recorder.h"
#include "fastai/learner.h"

namespace fastai {

void TerminateOnNaNCallback::after_batch() {
  auto& l = learn();
  if (!l.loss.defined()) return;
  const double v = l.loss.numel() == 1 ? l.loss.item<double>() : l.loss.detach().sum().item<double>();
  if (std::isfinite(v)) return;
  const std::string msg = "loss is " + std::string(std::isnan(v) ? "nan" : "inf") + " at epoch " +
                          std::to_string(l.epoch) + ", batch " + std::to_string(l.iter) + " (of " +
                          std::to_string(l.n_iter) +
                          "); the fit stopped. Try a lower learning rate (lr_find suggests one) "
                          "or GradientClip.";
  if (raise_) throw TrainingError(msg);
  std::cerr << "TerminateOnNaNCallback: " << msg << std::endl;
  throw CancelFitException();
}

TrackerCallback::TrackerCallback(TrackerOptions options) : opt_(std::move(options)) {
  order = 60;
  remove_on_fetch = true;
  only_train_loop = true;
}

void TrackerCallback::before_fit() {
  auto& l = learn();
  lower_is_better_ = opt_.monitor.find("loss") != std::string::npos || opt_.monitor.find("error") != std::string::npos;
  if (opt_.reset_on_fit || !initialised_)
    best = lower_is_better_ || opt_.comp ? (opt_.comp ? std::nan("") : std::numeric_limits<double>::infinity())
                                         : -std::numeric_limits<double>::infinity();
  initialised_ = true;
  if (!l.recorder) throw std::logic_error(name() + " needs the Recorder callback");
  const auto& names = l.recorder->metric_names;
  auto it = std::find(names.begin() + (names.empty() ? 0 : 1), names.end(), opt_.monitor);
  if (it == names.end()) {
    std::string have;
    for (size_t i = 1; i < names.size(); ++i) have += (have.empty() ? "" : ", ") + names[i];
    throw std::invalid_argument(name() + ": monitor '" + opt_.monitor + "' is not recorded (recorded: " + have + ")");
  }
  idx_ = static_cast<size_t>(it - names.begin()) - 1;
}

void TrackerCallback::after_epoch() {
  auto& l = learn();
  if (!l.recorder || l.recorder->values.empty()) return;
  const double val = l.recorder->values.back().at(idx_);
  bool better;
  if (opt_.comp) {
    better = std::isnan(best) || opt_.comp(val, best);
  } else if (lower_is_better_) {
    better = val + opt_.min_delta < best;  // fastai: np.less(val - (-min_delta), best)
  } else {
    better = val - opt_.min_delta > best;
  }
  if (better) best = val;
  new_best = better;
}

void EarlyStoppingCallback::before_fit() {
  wait_ = 0;
  TrackerCallback::before_fit();
}

void EarlyStoppingCallback::after_epoch() {
  TrackerCallback::after_epoch();
  if (new_best) {
    wait_ = 0;
    return;
  }
  if (++wait_ >= opt_.patience) {
    std::cout << "No improvement since epoch " << learn().epoch - wait_ << ": early stopping" << std::endl;
    throw CancelFitException();
  }
}

void SaveModelCallback::after_epoch() {
  auto& l = learn();
  if (opt_.every_epoch > 0) {
    if (l.epoch % opt_.every_epoch == 0)
      last_saved_path = l.save(opt_.fname + "_" + std::to_string(l.epoch), opt_.with_opt).string();
    return;
  }
  TrackerCallback::after_epoch();
  if (new_best) {
    std::cout << "Better model found at epoch " << l.epoch << " with " << opt_.monitor << " value: " << best << "."
              << std::endl;
    last_saved_path = l.save(opt_.fname, opt_.with_opt).string();
  }
}

void SaveModelCallback::after_fit() {
  auto& l = learn();
  if (opt_.at_end)
    last_saved_path = l.save(opt_.fname, opt_.with_opt).string();
  else if (opt_.every_epoch == 0 && !last_saved_path.empty())
    l.load(opt_.fname, opt_.with_opt);
  TrackerCallback::after_fit();
}

void ReduceLROnPlateau::before_fit() {
  wait_ = 0;
  TrackerCallback::before_fit();
}

void ReduceLROnPlateau::after_epoch() {
  TrackerCallback::after_epoch();
  if (new_best) {
    wait_ = 0;
    return;
  }
  if (++wait_ >= opt_.patience) {
    auto& opt = *learn().opt;
    const double old_lr = opt.hyper("lr", opt.n_groups() - 1);
    for (auto& h : opt.hypers()) h["lr"] = std::max(h["lr"] / opt_.factor, opt_.min_lr);
    wait_ = 0;
    const double new_lr = opt.hyper("lr", opt.n_groups() - 1);
    if (new_lr < old_lr) std::cout << "Epoch " << learn().epoch << ": reducing lr to " << new_lr << std::endl;
  }
}

}  // namespace fastai
