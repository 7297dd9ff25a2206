#include "pass_gate.h"

#include <stdexcept>

namespace fastai::detail {

namespace {
[[noreturn]] void refuse(const char* what, bool other_trains) {
  std::string msg = what;
  msg += other_trains ? ": fit is running on this Learner in another thread"
                      : ": inference (predict, get_preds, validate) is running on this Learner in another thread";
  msg +=
      "; training and inference on one Learner at once are refused. Wait for it to return, or serve from a "
      "separate learner (export_learner + load_learner).";
  throw std::logic_error(msg);
}
}  // namespace

PassGate::Scope PassGate::enter(Kind kind, const char* what) {
  std::unique_lock lock(m_);
  const auto me = std::this_thread::get_id();
  if (depth_ > 0 && owner_ == me) {  // nested on the owning thread
    ++depth_;
    return Scope(this);
  }
  if (kind == Kind::train) {
    if (depth_ > 0) refuse(what, kind_ == Kind::train);
  } else {
    while (depth_ > 0) {
      if (kind_ == Kind::train) refuse(what, true);
      cv_.wait(lock);
    }
  }
  owner_ = me;
  depth_ = 1;
  kind_ = kind;
  if (kind == Kind::train) cv_.notify_all();  // waiting inference re-checks, sees training, refuses
  return Scope(this);
}

void PassGate::leave() {
  std::lock_guard lock(m_);
  if (--depth_ == 0) {
    owner_ = {};
    cv_.notify_all();
  }
}

}  // namespace fastai::detail
