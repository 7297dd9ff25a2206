#include "fastai/callback/schedule.h"

#include "fastai/core/replacing.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <numbers>
#include <numeric>
#include <stdexcept>

#include "../pass_gate.h"
#include "fastai/callback/recorder.h"
#include "fastai/callback/tracker.h"

namespace fastai {

// ---------------------------------------------------------------- schedules

Schedule SchedLin(double start, double end) {
  return [=](double pos) { return start + pos * (end - start); };
}
Schedule SchedCos(double start, double end) {
  return [=](double pos) { return start + (1 + std::cos(std::numbers::pi * (1 - pos))) * (end - start) / 2; };
}
Schedule SchedNo(double start, double) {
  return [=](double) { return start; };
}
Schedule SchedExp(double start, double end) {
  return [=](double pos) { return start * std::pow(end / start, pos); };
}
Schedule SchedPoly(double start, double end, double power) {
  return [=](double pos) { return start + (end - start) * std::pow(pos, power); };
}

Schedule combine_scheds(std::vector<double> pcts, std::vector<Schedule> scheds) {
  if (pcts.size() != scheds.size() || pcts.empty())
    throw std::invalid_argument("combine_scheds: " + std::to_string(pcts.size()) + " fractions for " +
                                std::to_string(scheds.size()) + " schedules");
  const double total = std::accumulate(pcts.begin(), pcts.end(), 0.0);
  if (std::abs(total - 1.0) > 1e-6)
    throw std::invalid_argument("combine_scheds: fractions sum to " + std::to_string(total) + ", not 1");
  // fastai keeps the phase boundaries in a float32 tensor, so the phase test and the position
  // inside a phase are float32 arithmetic; doing the same keeps lr and mom equal to fastai's to
  // the last bit (in double they drift ~1e-6 relative near the end of a cosine: tests/trajectory.h).
  std::vector<float> cum{0.0f};
  for (double p : pcts) {
    if (p < 0) throw std::invalid_argument("combine_scheds: negative fraction " + std::to_string(p));
    cum.push_back(cum.back() + static_cast<float>(p));
  }
  return [cum, scheds = std::move(scheds)](double pos) {
    const auto posf = static_cast<float>(pos);
    // The last segment whose start is <= pos (fastai: min((pos >= pcts).nonzero().max(), len-2)).
    size_t idx = 0;
    for (size_t i = 0; i < cum.size(); ++i)
      if (posf >= cum[i]) idx = i;
    idx = std::min(idx, cum.size() - 2);
    const float width = cum[idx + 1] - cum[idx];
    const float actual = width > 0 ? (posf - cum[idx]) / width : 1.0f;
    return scheds[idx](static_cast<double>(actual));
  };
}

Schedule combined_cos(double pct, double start, double middle, double end) {
  return combine_scheds({pct, 1 - pct}, {SchedCos(start, middle), SchedCos(middle, end)});
}

// ---------------------------------------------------------------- ParamScheduler

ParamScheduler::ParamScheduler(ScheduleMap scheds) : scheds_(std::move(scheds)) {
  order = 60;
  run_valid = false;
}

void ParamScheduler::before_fit() {
  hps.clear();
  for (const auto& [k, _] : scheds_) hps[k];
}

void ParamScheduler::update(double pos) {
  auto& opt = *learn().opt;
  for (const auto& [k, fs] : scheds_) {
    if (fs.size() == 1) {
      opt.set_hyper(k, fs[0](pos));
    } else {
      if (fs.size() != opt.n_groups())
        throw std::invalid_argument("ParamScheduler: " + std::to_string(fs.size()) + " schedules for '" + k + "' but " +
                                    std::to_string(opt.n_groups()) + " parameter groups");
      std::vector<double> v;
      for (const auto& f : fs) v.push_back(f(pos));
      opt.set_hyper(k, v);
    }
  }
}

void ParamScheduler::before_batch() { update(learn().pct_train); }

void ParamScheduler::after_batch() {
  const auto& h = learn().opt->hypers().back();
  for (const auto& [k, _] : scheds_)
    if (auto it = h.find(k); it != h.end()) hps[k].push_back(it->second);
}

void ParamScheduler::after_fit() {
  if (auto* r = learn().recorder) r->hps = hps;
}

// ---------------------------------------------------------------- LRFinder

LRFinder::LRFinder(LRFinderOptions o) : ParamScheduler(ScheduleMap{{"lr", {SchedExp(o.start_lr, o.end_lr)}}}), opt_(o) {
  if (opt_.num_it < 6) opt_.num_it = 6;
}

void LRFinder::before_fit() {
  ParamScheduler::before_fit();
  tmp_ = learn().save("_tmp", true);
  best_loss_ = std::numeric_limits<double>::infinity();
}

void LRFinder::before_batch() { update(static_cast<double>(learn().train_iter) / static_cast<double>(opt_.num_it)); }

void LRFinder::after_batch() {
  ParamScheduler::after_batch();
  auto& l = learn();
  const double s = l.smooth_loss;
  if (s < best_loss_) best_loss_ = s;
  if (opt_.stop_div && (s > 4 * best_loss_ || !std::isfinite(s))) throw CancelFitException();
  if (l.train_iter >= opt_.num_it) throw CancelFitException();
}

void LRFinder::after_fit() {
  auto& l = learn();
  l.opt->zero_grad();
  if (!tmp_.empty() && std::filesystem::exists(tmp_)) {
    l.load("_tmp", true);
    std::filesystem::remove(tmp_);
  }
}

// ---------------------------------------------------------------- suggestions

namespace {
void check_curve(const std::vector<double>& lrs, const std::vector<double>& losses, const char* fn, size_t min_n) {
  if (lrs.size() != losses.size())
    throw std::invalid_argument(std::string(fn) + ": " + std::to_string(lrs.size()) + " lrs but " +
                                std::to_string(losses.size()) + " losses");
  if (lrs.size() < min_n)
    throw std::invalid_argument(std::string(fn) + ": needs at least " + std::to_string(min_n) + " points, got " +
                                std::to_string(lrs.size()));
}
}  // namespace

Suggestion valley(const std::vector<double>& lrs, const std::vector<double>& losses, int64_t) {
  check_curve(lrs, losses, "valley", 1);
  const size_t n = losses.size();
  size_t max_start = 0, max_end = 0;
  std::vector<size_t> lds(n, 1);
  for (size_t i = 1; i < n; ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (losses[i] < losses[j] && lds[i] < lds[j] + 1) lds[i] = lds[j] + 1;
      if (lds[max_end] < lds[i]) {
        max_end = i;
        max_start = max_end - lds[max_end];
      }
    }
  }
  const double sections = static_cast<double>(max_end - max_start) / 3.0;
  const size_t idx = max_start + static_cast<size_t>(sections) + static_cast<size_t>(sections / 2);
  return {lrs.at(idx), {lrs.at(idx), losses.at(idx)}};
}

Suggestion slide(const std::vector<double>& lrs, const std::vector<double>& losses, int64_t) {
  const int64_t lr_diff = 15;
  const double thresh = 0.005, adjust_value = 1.0;
  check_curve(lrs, losses, "slide", static_cast<size_t>(lr_diff) + 1);
  const auto n = static_cast<int64_t>(losses.size());
  std::vector<double> grad(static_cast<size_t>(n));  // numpy.gradient, unit spacing
  for (int64_t i = 0; i < n; ++i) {
    const auto u = static_cast<size_t>(i);
    if (i == 0)
      grad[u] = losses[1] - losses[0];
    else if (i == n - 1)
      grad[u] = losses[u] - losses[u - 1];
    else
      grad[u] = (losses[u + 1] - losses[u - 1]) / 2;
  }
  auto at = [&](const std::vector<double>& v, int64_t neg) { return v[static_cast<size_t>(n + neg)]; };
  int64_t r_idx = -1, l_idx = r_idx - lr_diff;
  double local_min_lr = at(lrs, l_idx);
  while (l_idx >= -n && std::abs(at(grad, r_idx) - at(grad, l_idx)) > thresh) {
    local_min_lr = at(lrs, l_idx);
    r_idx -= 1;
    l_idx -= 1;
  }
  const double suggestion = local_min_lr * adjust_value;
  // numpy.interp(log10(suggestion), log10(lrs), losses): lrs increase.
  const double x = std::log10(suggestion);
  double y = losses.front();
  if (x >= std::log10(lrs.back())) {
    y = losses.back();
  } else if (x > std::log10(lrs.front())) {
    for (size_t i = 1; i < lrs.size(); ++i) {
      const double x0 = std::log10(lrs[i - 1]), x1 = std::log10(lrs[i]);
      if (x <= x1) {
        y = x1 > x0 ? losses[i - 1] + (x - x0) * (losses[i] - losses[i - 1]) / (x1 - x0) : losses[i];
        break;
      }
    }
  }
  return {suggestion, {suggestion, y}};
}

Suggestion minimum(const std::vector<double>& lrs, const std::vector<double>& losses, int64_t) {
  check_curve(lrs, losses, "minimum", 1);
  const auto i = static_cast<size_t>(std::min_element(losses.begin(), losses.end()) - losses.begin());
  return {lrs[i] / 10, {lrs[i], losses[i]}};
}

Suggestion steep(const std::vector<double>& lrs, const std::vector<double>& losses, int64_t) {
  check_curve(lrs, losses, "steep", 2);
  size_t best = 0;
  double best_g = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i + 1 < lrs.size(); ++i) {
    const double g = (losses[i + 1] - losses[i]) / (std::log(lrs[i + 1]) - std::log(lrs[i]));
    if (g < best_g) best_g = g, best = i;
  }
  return {lrs[best], {lrs[best], losses[best]}};
}

// ---------------------------------------------------------------- Learner's fit_* and lr_find

namespace {
std::vector<double> group_values(const Optimizer& opt, const std::string& key) {
  std::vector<double> v;
  for (size_t g = 0; g < opt.n_groups(); ++g) v.push_back(opt.hyper(key, g));
  return v;
}
}  // namespace

void Learner::fit_one_cycle(int64_t n, std::optional<Lr> lr_max, OneCycleOptions o) {
  auto pass = gate_->enter(detail::PassGate::Kind::train, "Learner::fit_one_cycle");
  if (!opt) create_opt();
  (lr_max ? *lr_max : Lr(lr)).apply(*opt);
  std::vector<Schedule> lr_s;
  for (double m : group_values(*opt, "lr")) lr_s.push_back(combined_cos(o.pct_start, m / o.div, m, m / o.div_final));
  const auto ms = o.moms.value_or(moms);
  ScheduleMap scheds{{"lr", lr_s}, {"mom", {combined_cos(o.pct_start, ms[0], ms[1], ms[2])}}};
  fit(n, std::nullopt, fit_options(o, {std::make_shared<ParamScheduler>(scheds)}));
}

void Learner::fit_flat_cos(int64_t n, std::optional<Lr> lr_, FlatCosOptions o) {
  auto pass = gate_->enter(detail::PassGate::Kind::train, "Learner::fit_flat_cos");
  if (!opt) create_opt();
  (lr_ ? *lr_ : Lr(lr)).apply(*opt);
  std::vector<Schedule> lr_s;
  for (double m : group_values(*opt, "lr")) lr_s.push_back(combined_cos(o.pct_start, m, m, m / o.div_final));
  fit(n, std::nullopt, fit_options(o, {std::make_shared<ParamScheduler>(ScheduleMap{{"lr", lr_s}})}));
}

void Learner::fit_sgdr(int64_t n_cycles, int64_t cycle_len, std::optional<Lr> lr_max, SgdrOptions o) {
  auto pass = gate_->enter(detail::PassGate::Kind::train, "Learner::fit_sgdr");
  if (n_cycles < 1 || cycle_len < 1) throw std::invalid_argument("fit_sgdr: n_cycles and cycle_len must be >= 1");
  if (!opt) create_opt();
  (lr_max ? *lr_max : Lr(lr)).apply(*opt);
  int64_t n_epoch_total = 0, len = cycle_len;
  std::vector<int64_t> lens;
  for (int64_t i = 0; i < n_cycles; ++i, len *= o.cycle_mult) lens.push_back(len), n_epoch_total += len;
  std::vector<double> pcts;
  for (int64_t l : lens) pcts.push_back(static_cast<double>(l) / static_cast<double>(n_epoch_total));
  std::vector<Schedule> lr_s;
  for (double m : group_values(*opt, "lr")) {
    std::vector<Schedule> cyc(static_cast<size_t>(n_cycles), SchedCos(m, 0));
    lr_s.push_back(combine_scheds(pcts, cyc));
  }
  fit(n_epoch_total, std::nullopt, fit_options(o, {std::make_shared<ParamScheduler>(ScheduleMap{{"lr", lr_s}})}));
}

void Learner::fine_tune(int64_t epochs, FineTuneOptions o) {
  auto pass = gate_->enter(detail::PassGate::Kind::train, "Learner::fine_tune");
  freeze();
  fit_one_cycle(o.freeze_epochs, Slice{.stop = o.base_lr}, {.pct_start = 0.99, .wd = o.wd, .cbs = o.cbs});
  const double base = o.base_lr / 2;
  unfreeze();
  fit_one_cycle(epochs, Slice{base / o.lr_mult, base},
                {.div = o.div, .pct_start = o.pct_start, .wd = o.wd, .cbs = o.cbs});
}

SuggestedLRs Learner::lr_find(LrFindOptions o) {
  auto pass = gate_->enter(detail::PassGate::Kind::train, "Learner::lr_find");
  if (o.num_it < 6) o.num_it = 6;
  const int64_t n_epoch_lf = o.num_it / std::max<int64_t>(1, dls.train().size()) + 1;
  auto finder = std::make_shared<LRFinder>(LRFinderOptions{o.start_lr, o.end_lr, o.num_it, o.stop_div});
  Callbacks nan_cbs;  // a diverging loss is what lr_find looks for
  for (const auto& c : cbs())
    if (dynamic_cast<TerminateOnNaNCallback*>(c.get())) nan_cbs.push_back(c);
  {
    RemovedCbs removed(*this, nan_cbs);
    // No epoch table for this fit; ours is back afterwards (also when the fit throws).
    auto quiet = replacing(logger, nullptr);
    fit(n_epoch_lf, std::nullopt, {.cbs = {finder}});
  }
  if (!recorder) throw std::logic_error("lr_find needs the Recorder callback");
  SuggestedLRs res;
  auto funcs = o.suggest_funcs;
  if (funcs.empty()) funcs.push_back({"valley", valley});
  // fastai: drop the first tenth and the last five points, and everything from the first nan.
  const auto& L = recorder->lrs;
  const auto& Ls = recorder->losses;
  const size_t n = std::min(L.size(), Ls.size());
  const size_t from = static_cast<size_t>(o.num_it / 10);
  size_t to = n >= 5 ? n - 5 : 0;
  for (size_t i = from; i < to; ++i)
    if (std::isnan(Ls[i])) {
      to = i;
      break;
    }
  if (to <= from + 1)
    throw std::runtime_error("lr_find: only " + std::to_string(n) +
                             " iterations before the loss diverged, too few to suggest a learning rate; try a lower "
                             "start_lr or more data per epoch");
  std::vector<double> lrs(L.begin() + static_cast<std::ptrdiff_t>(from), L.begin() + static_cast<std::ptrdiff_t>(to));
  std::vector<double> losses(Ls.begin() + static_cast<std::ptrdiff_t>(from),
                             Ls.begin() + static_cast<std::ptrdiff_t>(to));
  std::vector<std::pair<std::string, std::pair<double, double>>> points;
  for (const auto& [name, f] : funcs) {
    const Suggestion s = f(lrs, losses, o.num_it);
    res.values.emplace_back(name, s.lr);
    points.emplace_back(name, s.point);
  }
  if (o.show_plot) res.plot = recorder->plot_lr_find(5, points, o.plot_path);
  return res;
}

}  // namespace fastai
