#pragma once
// One pass over a Learner's state at a time (internal to learner.cpp).
//
// The training loop and every inference pass (get_preds, validate, predict's model step) run
// through the Learner's shared state: xb/yb/pred, the callbacks list, the callbacks' own state.
// A PassGate lets one pass in at a time. Inference passes from other threads wait their turn;
// a fit while another thread is inside (training or inferring) is refused, and so is inference
// while another thread trains, with an error saying so: waiting for a whole fit would look like
// a hang. Passes nested on the owning thread (FetchPredsCallback's get_preds inside a fit,
// fine_tune's fits, lr_find) go straight in.
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace fastai::detail {

class PassGate {
 public:
  enum class Kind { train, infer };

  /// Leaves the gate when destroyed.
  class Scope {
   public:
    explicit Scope(PassGate* g) : g_(g) {}
    Scope(Scope&& o) noexcept : g_(o.g_) { o.g_ = nullptr; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    Scope& operator=(Scope&&) = delete;
    ~Scope() {
      if (g_) g_->leave();
    }

   private:
    PassGate* g_;
  };

  /// Enters for a pass of `kind`; `what` names the caller in errors ("Learner::predict").
  Scope enter(Kind kind, const char* what);

 private:
  void leave();
  std::mutex m_;
  std::condition_variable cv_;
  std::thread::id owner_;
  int depth_ = 0;
  Kind kind_ = Kind::infer;
};

}  // namespace fastai::detail
