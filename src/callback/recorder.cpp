#include "fastai/callback/recorder.h"

#include <torch/torch.h>

#include <chrono>

#include "fastai/core/plot.h"
#include "fastai/core/progress.h"
#include "fastai/learner.h"

namespace fastai {

namespace {
double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
MetricBatch metric_batch(const Learner& l) {
  MetricBatch b;
  b.pred = l.pred;
  b.yb = l.yb;
  b.loss = l.loss;
  b.bs = l.yb.empty() ? (l.xb.empty() ? 0 : l.xb[0].size(0)) : (l.yb[0].dim() ? l.yb[0].size(0) : 1);
  b.loss_func = l.loss_func.get();
  return b;
}
}  // namespace

Recorder::Recorder(RecorderOptions options)
    : opt_(options), loss_(AvgLoss()), smooth_loss_(AvgSmoothLoss(options.beta)) {
  order = 50;
  remove_on_fetch = true;
}

void Recorder::after_create() { learn().recorder = this; }

std::vector<Metric*> Recorder::train_mets() {
  std::vector<Metric*> v;
  if (cancel_train_) return v;
  v.push_back(smooth_loss_.get());
  if (opt_.train_metrics)
    for (auto& m : learn().metrics) v.push_back(m.get());
  return v;
}

std::vector<Metric*> Recorder::valid_mets() {
  std::vector<Metric*> v;
  if (cancel_valid_ || !opt_.valid_metrics) return v;
  v.push_back(loss_.get());
  for (auto& m : learn().metrics) v.push_back(m.get());
  return v;
}

void Recorder::before_fit() {
  auto& l = learn();
  l.recorder = this;
  std::vector<std::string> names;
  std::vector<std::string> mets;
  for (const auto& m : l.metrics) mets.push_back(m->name());
  if (opt_.train_metrics && opt_.valid_metrics) {
    std::vector<std::string> base{"loss"};
    base.insert(base.end(), mets.begin(), mets.end());
    for (const auto& n : base) names.push_back("train_" + n);
    for (const auto& n : base) names.push_back("valid_" + n);
  } else if (opt_.valid_metrics) {
    names = {"train_loss", "valid_loss"};
    names.insert(names.end(), mets.begin(), mets.end());
  } else {
    names = {"train_loss"};
    names.insert(names.end(), mets.begin(), mets.end());
  }
  if (opt_.add_time) names.push_back("time");
  metric_names = {"epoch"};
  metric_names.insert(metric_names.end(), names.begin(), names.end());
  // validate/get_preds only fill learn.final_record and keep the last fit's history (fastai's
  // validate wipes it).
  if (l.validation_pass) return;
  lrs.clear(), moms.clear(), losses.clear(), iters.clear(), values.clear(), times.clear();
  smooth_loss_->reset();
}

void Recorder::before_epoch() {
  cancel_train_ = cancel_valid_ = false;
  start_epoch_ = now_s();
  log_ = {LogValue(learn().epoch)};
}

void Recorder::before_train() {
  auto mets = train_mets();
  for (size_t i = 1; i < mets.size(); ++i) mets[i]->reset();  // the smoothed loss runs across epochs
}

void Recorder::before_validate() {
  for (auto* m : valid_mets()) m->reset();
}

void Recorder::after_batch() {
  auto& l = learn();
  if (l.yb.empty()) return;
  const MetricBatch b = metric_batch(l);
  for (auto* m : l.training ? train_mets() : valid_mets()) m->accumulate(b);
  if (!l.training) return;
  const auto& h = l.opt->hypers().back();
  lrs.push_back(h.count("lr") ? h.at("lr") : 0.0);
  if (auto it = h.find("mom"); it != h.end()) moms.push_back(it->second);
  const double s = smooth_loss_->value().value_or(0.0);
  losses.push_back(s);
  l.smooth_loss = s;
}

void Recorder::after_train() {
  for (auto* m : train_mets()) {
    auto v = m->value();
    log_.push_back(v ? LogValue(*v) : LogValue(std::string("None")));
  }
}

void Recorder::after_validate() {
  for (auto* m : valid_mets()) {
    auto v = m->value();
    log_.push_back(v ? LogValue(*v) : LogValue(std::string("None")));
  }
}

void Recorder::after_epoch() {
  auto& l = learn();
  if (log_.empty()) return;  // the epoch was cancelled before it started: nothing to record
  std::vector<double> rec;
  for (size_t i = 1; i < log_.size(); ++i)
    rec.push_back(std::holds_alternative<double>(log_[i]) ? std::get<double>(log_[i]) : std::nan(""));
  l.final_record = rec;
  if (l.validation_pass) {
    log_.clear();
    return;
  }
  values.push_back(rec);
  const double t = now_s() - start_epoch_;
  times.push_back(t);
  if (opt_.add_time) log_.push_back(ProgressBar::format_time(t));
  if (l.logger) l.logger(log_);
  iters.push_back(static_cast<int64_t>(losses.size()));
  log_.clear();
}

// ---------------------------------------------------------------- plots

std::filesystem::path Recorder::default_plot(const std::string& name) const {
  if (attached()) return learn().path / learn().model_dir / (name + ".png");
  return std::filesystem::path(name + ".png");
}

std::filesystem::path Recorder::plot_loss(int64_t skip_start, bool with_valid, std::filesystem::path file) const {
  if (file.empty()) file = default_plot("loss");
  if (losses.empty()) throw std::logic_error("Recorder::plot_loss: nothing recorded yet (fit first)");
  skip_start = std::clamp<int64_t>(skip_start, 0, static_cast<int64_t>(losses.size()) - 1);
  PlotSeries train{.label = "train"};
  for (size_t i = static_cast<size_t>(skip_start); i < losses.size(); ++i)
    train.x.push_back(static_cast<double>(i)), train.y.push_back(losses[i]);
  std::vector<PlotSeries> series{train};
  if (with_valid) {
    auto it = std::find(metric_names.begin(), metric_names.end(), "valid_loss");
    if (it != metric_names.end()) {
      const auto col = static_cast<size_t>(it - metric_names.begin()) - 1;
      PlotSeries valid{.label = "valid", .points = true};
      for (size_t e = 0; e < values.size() && e < iters.size(); ++e)
        if (iters[e] >= skip_start && col < values[e].size())
          valid.x.push_back(static_cast<double>(iters[e])), valid.y.push_back(values[e][col]);
      if (!valid.x.empty()) series.push_back(valid);
    }
  }
  return plot_lines(file, series, {.title = "Loss", .xlabel = "iteration", .ylabel = "loss"});
}

std::filesystem::path Recorder::plot_sched(std::filesystem::path file) const {
  if (file.empty()) file = default_plot("sched");
  if (hps.empty())
    throw std::logic_error("Recorder::plot_sched: no scheduled hyper-parameters (fit with a schedule first)");
  std::vector<std::vector<PlotSeries>> panels;
  std::vector<PlotOptions> opts;
  for (const auto& [name, vals] : hps) {
    PlotSeries s{.label = name};
    for (size_t i = 0; i < vals.size(); ++i) s.x.push_back(static_cast<double>(i)), s.y.push_back(vals[i]);
    panels.push_back({s});
    opts.push_back({.title = name, .xlabel = "iteration", .ylabel = name});
  }
  return plot_panels(file, panels, opts);
}

std::filesystem::path Recorder::plot_lr_find(
    int64_t skip_end, const std::vector<std::pair<std::string, std::pair<double, double>>>& suggestions,
    std::filesystem::path file) const {
  if (file.empty()) file = default_plot("lr_find");
  const auto n = static_cast<int64_t>(std::min(lrs.size(), losses.size()));
  const int64_t end = n - skip_end > 1 ? n - skip_end : n;
  if (end < 1) throw std::logic_error("Recorder::plot_lr_find: nothing recorded (run lr_find first)");
  PlotSeries curve{.label = "loss"};
  for (int64_t i = 0; i < end; ++i)
    curve.x.push_back(lrs[static_cast<size_t>(i)]), curve.y.push_back(losses[static_cast<size_t>(i)]);
  std::vector<PlotSeries> series{curve};
  for (const auto& [name, pt] : suggestions)
    series.push_back({.label = name, .x = {pt.first}, .y = {pt.second}, .points = true});
  return plot_lines(file, series,
                    {.title = "Learning rate finder", .xlabel = "Learning Rate", .ylabel = "Loss", .logx = true});
}

}  // namespace fastai
