#include "fastai/callback/core.h"

#include <cxxabi.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <typeinfo>

#include "fastai/core/error.h"

#include "fastai/learner.h"

namespace fastai {

namespace {
constexpr std::array<std::string_view, n_events> kNames = {
#define FASTAI_EVENT_NAME(e, inner) #e,
    FASTAI_EVENTS(FASTAI_EVENT_NAME)
#undef FASTAI_EVENT_NAME
};
constexpr std::array<bool, n_events> kInner = {
#define FASTAI_EVENT_INNER(e, inner) inner,
    FASTAI_EVENTS(FASTAI_EVENT_INNER)
#undef FASTAI_EVENT_INNER
};
}  // namespace

std::string_view event_name(Event e) { return kNames.at(static_cast<size_t>(e)); }

bool is_inner_event(Event e) { return kInner.at(static_cast<size_t>(e)); }

std::string format_log_value(const LogValue& v) {
  if (const auto* d = std::get_if<double>(&v)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f", *d);
    return buf;
  }
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  return std::get<std::string>(v);
}

std::string Callback::name() const {
  int status = 0;
  const char* mangled = typeid(*this).name();
  char* dem = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string n = status == 0 && dem ? dem : mangled;
  std::free(dem);
  if (auto pos = n.rfind("::"); pos != std::string::npos) n = n.substr(pos + 2);
  return n;
}

Learner& Callback::learn() const {
  if (!learn_) throw std::logic_error("Callback " + name() + " is not attached to a Learner (use learn.add_cb)");
  return *learn_;
}

void Callback::dispatch(Event e) {
  switch (e) {
#define FASTAI_EVENT_CASE(ev, inner) \
  case Event::ev:                    \
    ev();                            \
    break;
    FASTAI_EVENTS(FASTAI_EVENT_CASE)
#undef FASTAI_EVENT_CASE
  }
}

void Callback::operator()(Event e) {
  const bool training = learn_ ? learn_->training : false;
  const bool gate = (!is_inner_event(e) || (run_train && training) || (run_valid && !training)) &&
                    !(only_train_loop && learn_ && learn_->validation_pass);
  if (run && gate) {
    try {
      dispatch(e);
    } catch (const CancelException&) {
      throw;
    } catch (const TrainingError&) {
      throw;
    } catch (const CallbackError&) {
      throw;
    } catch (const std::exception&) {
      rethrow_in_context<CallbackError>("in " + name() + "." + std::string(event_name(e)) + ": ");
    }
  }
  if (e == Event::after_fit) run = true;  // each fit starts with every callback running
}

FuncCallback::FuncCallback(std::string name, std::map<Event, Fn> fns, int order_)
    : name_(std::move(name)), fns_(std::move(fns)) {
  order = order_;
}

void FuncCallback::call(Event e) {
  if (auto it = fns_.find(e); it != fns_.end() && it->second) it->second(learn());
}

Callbacks sort_by_run(Callbacks cbs) {
  std::stable_sort(cbs.begin(), cbs.end(), [](const auto& a, const auto& b) { return a->order < b->order; });
  // Kahn-style: repeatedly take the first callback (in order) that no remaining one must precede.
  Callbacks res;
  auto must_precede = [](const Callback& a, const Callback& b) {  // a before b?
    const auto an = a.name(), bn = b.name();
    return std::find(a.run_before.begin(), a.run_before.end(), bn) != a.run_before.end() ||
           std::find(b.run_after.begin(), b.run_after.end(), an) != b.run_after.end();
  };
  while (!cbs.empty()) {
    bool taken = false;
    for (size_t i = 0; i < cbs.size(); ++i) {
      bool first = true;
      for (size_t j = 0; j < cbs.size() && first; ++j)
        if (j != i && must_precede(*cbs[j], *cbs[i])) first = false;
      if (first) {
        res.push_back(cbs[i]);
        cbs.erase(cbs.begin() + static_cast<std::ptrdiff_t>(i));
        taken = true;
        break;
      }
    }
    if (!taken) {
      std::string names;
      for (const auto& c : cbs) names += (names.empty() ? "" : ", ") + c->name();
      throw std::invalid_argument("sort_by_run: run_before/run_after constraints form a cycle among " + names);
    }
  }
  return res;
}

// ---------------------------------------------------------------- TrainEvalCallback

void TrainEvalCallback::after_create() { learn().n_epoch = 1; }

void TrainEvalCallback::before_fit() {
  auto& l = learn();
  l.epoch = 0;
  l.loss = at::zeros({});
  l.train_iter = 0;
  l.pct_train = 0;
  if (auto dev = l.dls.device()) l.model->to(*dev);
}

void TrainEvalCallback::after_batch() {
  auto& l = learn();
  l.pct_train += 1.0 / static_cast<double>(l.n_iter * l.n_epoch);
  l.train_iter += 1;
}

void TrainEvalCallback::before_train() {
  auto& l = learn();
  l.pct_train = static_cast<double>(l.epoch) / static_cast<double>(l.n_epoch);
  l.model->train(true);
  l.training = true;
}

void TrainEvalCallback::before_validate() {
  auto& l = learn();
  l.model->train(false);
  l.training = false;
}

}  // namespace fastai

namespace fastai {

void SkipToEpoch::before_epoch() {
  if (learn().epoch < skip_to_) throw CancelEpochException();
}

void GatherPredsCallback::before_validate() { inputs.clear(), preds.clear(), targs.clear(), losses.clear(); }

void GatherPredsCallback::after_batch() {
  auto& l = learn();
  if (!l.pred.defined()) return;
  if (with_input_) {
    std::vector<at::Tensor> in;
    for (const auto& x : l.xb) in.push_back(x.detach().cpu());
    inputs.push_back(std::move(in));
  }
  preds.push_back(l.pred.detach().cpu());
  if (!l.yb.empty()) targs.push_back(l.yb[0].detach().cpu());
  if (with_loss_ && l.loss.defined()) {
    const int64_t bs = l.pred.size(0);
    at::Tensor loss = l.loss.numel() == bs ? l.loss : l.loss.reshape({bs, -1}).mean(1);
    losses.push_back(loss.detach().cpu());
  }
}

}  // namespace fastai
