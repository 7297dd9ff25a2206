// fastai's ActivationStats on top of HookCallback (callback/hook.h).
#include <ATen/ATen.h>

#include <stdexcept>

#include "fastai/callback/hook.h"
#include "fastai/core/plot.h"
#include "fastai/learner.h"

namespace fastai {

namespace {
constexpr int64_t kBins = 40;  // fastai: o.histc(40, 0, 10)
}

ActivationStats::ActivationStats(ActivationStatsOptions o) : HookCallback(std::move(o.hook)), with_hist_(o.with_hist) {
  order = -20;
}

at::Tensor ActivationStats::hook(torch::nn::Module&, const at::Tensor&, const at::Tensor& output) {
  // One small tensor per module and batch: mean, std (unbiased, as torch's), near-zero share,
  // then the histogram; read back in after_batch.
  const at::Tensor o = output.to(at::kFloat);
  at::Tensor r = at::stack({o.mean().to(at::kDouble), o.std().to(at::kDouble),
                            (o <= 0.05).sum().to(at::kDouble) / static_cast<double>(o.numel())});
  if (with_hist_) r = at::cat({r, o.histc(kBins, 0, 10).to(at::kDouble)});
  return r;
}

void ActivationStats::before_fit() {
  HookCallback::before_fit();
  stats_.clear();
}

void ActivationStats::after_batch() {
  if (learn().training && (o_.every == 0 || learn().train_iter % o_.every == 0) && hooks() != nullptr) {
    std::vector<LayerStats> row;
    for (const at::Tensor& s : hooks()->stored()) {
      LayerStats ls;
      if (s.defined()) {
        const at::Tensor c = s.to(at::kDouble).cpu();
        const double* d = c.data_ptr<double>();
        ls.mean = d[0];
        ls.std = d[1];
        ls.near_zero = d[2];
        if (with_hist_) ls.hist = s.slice(0, 3).to(at::kFloat).cpu();
      }
      row.push_back(std::move(ls));
    }
    stats_.push_back(std::move(row));
  }
  HookCallback::after_batch();
}

std::array<std::vector<double>, 3> ActivationStats::layer_stats(size_t idx) const {
  std::array<std::vector<double>, 3> r;
  for (const auto& b : stats_) {
    if (idx >= b.size())
      throw std::out_of_range("ActivationStats::layer_stats: module " + std::to_string(idx) + " of " +
                              std::to_string(b.size()) + " hooked");
    r[0].push_back(b[idx].mean);
    r[1].push_back(b[idx].std);
    r[2].push_back(b[idx].near_zero);
  }
  return r;
}

at::Tensor ActivationStats::hist(size_t idx) const {
  if (!with_hist_) throw std::logic_error("ActivationStats::hist: create it with {.with_hist = true}");
  if (stats_.empty()) throw std::logic_error("ActivationStats::hist: no training batch recorded yet");
  std::vector<at::Tensor> hs;
  for (const auto& b : stats_) {
    if (idx >= b.size())
      throw std::out_of_range("ActivationStats::hist: module " + std::to_string(idx) + " of " +
                              std::to_string(b.size()) + " hooked");
    hs.push_back(b[idx].hist);
  }
  return at::stack(hs).t().to(at::kFloat).log1p();
}

std::filesystem::path ActivationStats::color_dim(size_t idx, const std::filesystem::path& file) const {
  const at::Tensor h = hist(idx).to(at::kDouble).contiguous();
  std::vector<std::vector<double>> m(static_cast<size_t>(h.size(0)), std::vector<double>(static_cast<size_t>(h.size(1))));
  const double* d = h.data_ptr<double>();
  for (int64_t r = 0; r < h.size(0); ++r)
    for (int64_t c = 0; c < h.size(1); ++c) m[r][c] = d[r * h.size(1) + c];
  return plot_image(file, m, {.width = 1000, .height = 500});
}

std::filesystem::path ActivationStats::plot_layer_stats(size_t idx, const std::filesystem::path& file) const {
  const auto st = layer_stats(idx);
  std::vector<double> x(st[0].size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i);
  std::vector<std::vector<PlotSeries>> panels;
  std::vector<PlotOptions> opts;
  const char* titles[] = {"mean", "std", "% near zero"};
  for (size_t k = 0; k < 3; ++k) {
    panels.push_back({PlotSeries{.label = "", .x = x, .y = st[k]}});
    opts.push_back({.title = titles[k], .xlabel = "batch", .width = 400, .height = 300});
  }
  return plot_panels(file, panels, opts);
}

}  // namespace fastai
