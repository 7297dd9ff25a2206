#pragma once
// A small synthetic task for the Learner tests: 4 features, 2 classes (sign of the sum).
#include <torch/torch.h>

#include <sstream>
#include <string>
#include <vector>

#include "fastai/callback/progress.h"
#include "fastai/callback/recorder.h"
#include "fastai/learner.h"

namespace fastai::testing {

/// A plain libtorch dataset of (x[i], y[i]), as a user of the C++ frontend already has one.
struct SumSign : torch::data::datasets::Dataset<SumSign> {
  at::Tensor x, y;
  SumSign(at::Tensor x_, at::Tensor y_) : x(std::move(x_)), y(std::move(y_)) {}
  torch::data::Example<> get(size_t i) override { return {x[static_cast<int64_t>(i)], y[static_cast<int64_t>(i)]}; }
  c10::optional<size_t> size() const override { return static_cast<size_t>(x.size(0)); }
};

struct Task {
  at::Tensor x, y, xv, yv;
};

inline Task make_task(int64_t n_train = 64, int64_t n_valid = 32, uint64_t seed = 0) {
  torch::manual_seed(seed);
  Task t;
  t.x = torch::randn({n_train, 4});
  t.y = (t.x.sum(1) > 0).to(torch::kLong);
  t.xv = torch::randn({n_valid, 4});
  t.yv = (t.xv.sum(1) > 0).to(torch::kLong);
  return t;
}

inline OptFunc sgd_func() {
  return [](std::vector<std::vector<at::Tensor>> g, const OptOptions& o) { return SGD(std::move(g), o); };
}

/// A learner over the task with quiet defaults: TrainEvalCallback + Recorder (+ `cbs`), no
/// table or bars unless `progress` is given.
inline Learner make_learner(const Task& t, Callbacks cbs = {}, LearnerOptions o = {},
                            int64_t bs = 16, std::ostream* progress = nullptr) {
  auto dls = DataLoaders::from_tensors(t.x, t.y, t.xv, t.yv, {.bs = bs, .seed = 1});
  torch::manual_seed(1);
  auto model = torch::nn::Sequential(torch::nn::Linear(4, 2));
  if (!o.loss_func) o.loss_func = CrossEntropyLossFlat();
  o.default_cbs = false;
  Callbacks all{TrainEvalCallback(), Recorder()};
  if (progress)
    all.push_back(ProgressCallback(ProgressOptions{.table = progress, .show_bars = false}));
  all.insert(all.end(), cbs.begin(), cbs.end());
  o.cbs = all;
  Learner l(std::move(dls), model, std::move(o));
  if (!progress) l.logger = nullptr;  // quiet
  return l;
}

inline std::vector<at::Tensor> snapshot(const Learner& l) {
  std::vector<at::Tensor> v;
  for (const auto& p : l.model->parameters()) v.push_back(p.detach().clone());
  return v;
}

inline bool same_weights(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!torch::equal(a[i], b[i])) return false;
  return true;
}

}  // namespace fastai::testing
