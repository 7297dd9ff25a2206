#pragma once
// Step-by-step replay of a real fastai training run (tools/gen_trajectory_reference.py): load
// fastai's initial weights by name, draw the batches in fastai's order, record what every step
// saw and did, and compare with fastai's record.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fastai/callback/recorder.h"
#include "fastai/learner.h"
#include "reference.h"

namespace fastai::testing {

/// One thread for the whole test (fastai's reference ran with one): float sums in another order
/// would differ in the last bits and grow over 50 steps.
struct OneThread {
  int saved = at::get_num_threads();
  OneThread() { at::set_num_threads(1); }
  ~OneThread() { at::set_num_threads(saved); }
};

/// A tensor written by the generator: {"dtype", "shape", "values"}.
inline at::Tensor reference_tensor(const nlohmann::json& j) {
  const auto dtype = j.at("dtype").get<std::string>();
  const auto shape = j.at("shape").get<std::vector<int64_t>>();
  if (dtype == "int64") {
    auto v = j.at("values").get<std::vector<int64_t>>();
    return torch::tensor(v, torch::kLong).reshape(shape);
  }
  auto v = j.at("values").get<std::vector<double>>();
  return torch::tensor(v, torch::kDouble).reshape(shape).to(dtype == "float32" ? torch::kFloat : torch::kDouble);
}

/// Copies fastai's state_dict into `module` by name. Every name must exist on both sides with the
/// same shape: a difference in module layout is a parity failure, reported with both name lists.
inline void load_fastai_state(torch::nn::Module& module, const nlohmann::json& params) {
  std::set<std::string> ours, theirs;
  torch::NoGradGuard no_grad;
  auto copy = [&](const std::string& name, at::Tensor& t) {
    ours.insert(name);
    if (!params.contains(name)) return;
    auto src = reference_tensor(params.at(name));
    ASSERT_EQ(src.sizes(), t.sizes()) << name;
    t.copy_(src.to(t.scalar_type()));
  };
  for (auto& p : module.named_parameters()) copy(p.key(), p.value());
  for (auto& b : module.named_buffers()) copy(b.key(), b.value());
  for (const auto& [k, v] : params.items()) theirs.insert(k);
  std::string only_ours, only_theirs;
  for (const auto& n : ours)
    if (!theirs.count(n)) only_ours += " " + n;
  for (const auto& n : theirs)
    if (!ours.count(n)) only_theirs += " " + n;
  ASSERT_TRUE(only_ours.empty() && only_theirs.empty())
      << "state_dict names differ; only fastai.cpp:" << only_ours << "; only fastai:" << only_theirs;
}

/// Makes the training loader draw fastai's recorded rows, one epoch after another (replacing
/// get_idxs: fastai's tabular loaders draw with replacement, so an epoch is not a permutation).
inline void replay_order(TfmdDL& dl, const nlohmann::json& orders) {
  auto epochs = std::make_shared<std::vector<std::vector<int64_t>>>(orders.get<std::vector<std::vector<int64_t>>>());
  auto next = std::make_shared<size_t>(0);
  dl.get_idxs = [epochs, next](const DataLoader& d) {
    if (*next >= epochs->size()) throw std::logic_error("replay_order: more epochs than fastai recorded");
    auto order = (*epochs)[(*next)++];
    if (static_cast<int64_t>(order.size()) != d.n())
      throw std::logic_error("replay_order: fastai drew " + std::to_string(order.size()) + " rows, we have " +
                             std::to_string(d.n()));
    return order;
  };
}

/// Everything a replay does before fitting: quiet, fastai's initial weights, fastai's batch
/// order. Example: `ASSERT_NO_FATAL_FAILURE(start_replay(learn, ref));`
inline void start_replay(Learner& learn, const nlohmann::json& ref) {
  learn.logger = nullptr;
  load_fastai_state(*learn.model, ref.at("params"));
  replay_order(learn.dls.train(), ref.at("order"));
}

/// What each optimizer step saw (loss, lr, mom) and did (parameter norms after it), as the
/// generator's Trace callback records it.
struct StepTrace : Callback {
  struct Step {
    double loss, lr, mom;
    std::map<std::string, double> norms;
    std::vector<double> lrs;               ///< every parameter group's
    std::map<std::string, double> deltas;  ///< |p_after - p_before| per parameter
    std::map<std::string, double> grads;   ///< |grad| per parameter that has one, before the step
  };
  std::vector<Step> steps;
  std::vector<double> valid_loss;  ///< per epoch, across fits (fine_tune fits twice)
  std::string name() const override { return "StepTrace"; }
  StepTrace() { order = 100; }
  void before_step() override {
    auto& l = learn();
    const auto last = l.opt->n_groups() - 1;
    steps.push_back({l.loss_grad.item<double>(), l.opt->hyper("lr", last), l.opt->hyper("mom", last), {}, {}, {}, {}});
    for (const auto& p : l.model->named_parameters())
      if (p.value().grad().defined()) steps.back().grads[p.key()] = p.value().grad().norm().item<double>();
    before_.clear();
    for (const auto& p : l.model->named_parameters()) before_[p.key()] = p.value().detach().clone();
    for (size_t g = 0; g <= last; ++g) steps.back().lrs.push_back(l.opt->hyper("lr", g));
  }
  void after_epoch() override { valid_loss.push_back(learn().recorder->values.back().at(1)); }
  void after_step() override {
    for (const auto& p : learn().model->named_parameters()) {
      steps.back().norms[p.key()] = p.value().detach().norm().item<double>();
      steps.back().deltas[p.key()] = (p.value().detach() - before_.at(p.key())).norm().item<double>();
    }
  }
  std::map<std::string, at::Tensor> before_;
};

inline std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.10g", v);
  return b;
}

inline double rel_diff(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-8); }

/// Compares every step with fastai's: loss, lr and mom, every parameter norm, within `tol`
/// relative, and every parameter's gradient norm and step size within `step_tol`. Only the
/// steps fastai itself reproduces are compared: `reproducible_steps` in the reference (see the
/// generator: past it, fastai with 2 threads differs from fastai with 1), else all. Reports the first step that differs
/// (later ones follow from it) and records the largest loss difference as the test property "max_loss_rel_diff" (in
/// --gtest_output=xml).
inline void expect_same_steps(const std::vector<StepTrace::Step>& ours, const nlohmann::json& reference,
                              double tol = 1e-4, double step_tol = 1e-3) {
  const auto& ref = reference.at("steps");
  const auto reproducible_steps = reference.value("reproducible_steps", ref.size());
  ASSERT_EQ(ours.size(), ref.size()) << "number of optimizer steps";
  const size_t n = std::min(ours.size(), reproducible_steps);
  if (const char* dump = std::getenv("FASTAI_TRAJECTORY_DUMP")) {  // ours, in the generator's format
    nlohmann::json j = nlohmann::json::array();
    for (const auto& s : ours)
      j.push_back({{"loss", s.loss},
                   {"lr", s.lr},
                   {"mom", s.mom},
                   {"lrs", s.lrs},
                   {"norms", s.norms},
                   {"deltas", s.deltas},
                   {"grads", s.grads}});
    std::ofstream(dump) << j.dump();
  }
  double worst = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto& r = ref[i];
    const auto& s = ours[i];
    std::string what;
    // fastai's combine_scheds computes the position inside a phase in float32 (its pcts are a
    // tensor), so its lr and mom carry float32 rounding: ~1e-8 relative, nothing to training.
    if (rel_diff(s.lr, r.at("lr")) > 1e-6) what += " lr " + num(s.lr) + " vs " + r.at("lr").dump();
    if (rel_diff(s.mom, r.at("mom")) > 1e-6) what += " mom " + num(s.mom) + " vs " + r.at("mom").dump();
    if (r.contains("lrs")) {
      const auto lrs = r.at("lrs").get<std::vector<double>>();
      std::ostringstream m;  // not string concatenation: g++ 12's -Wstringop-overflow misfires on it
      if (lrs.size() != s.lrs.size())
        m << " " << s.lrs.size() << " parameter groups vs " << lrs.size();
      else
        for (size_t g = 0; g < lrs.size(); ++g)
          if (rel_diff(s.lrs[g], lrs[g]) > 1e-6)
            m << " lr of group " << g << " " << num(s.lrs[g]) << " vs " << num(lrs[g]);
      what += m.str();
    }
    if (rel_diff(s.loss, r.at("loss")) > tol) what += " loss " + num(s.loss) + " vs " + r.at("loss").dump();
    // Gradient norms and step sizes: relative, with a floor at 1e-4 of the step's largest (a
    // gradient 1e5 times smaller than the others carries their rounding, not its own).
    auto largest = [](const nlohmann::json& m) {
      double mx = 0;
      for (const auto& [k, v] : m.items()) mx = std::max(mx, std::abs(v.get<double>()));
      return mx;
    };
    if (r.contains("grads"))
      for (const double floor = 1e-4 * largest(r.at("grads")); const auto& [name, v] : r.at("grads").items()) {
        auto it = s.grads.find(name);
        if (it == s.grads.end())
          what += " no gradient for " + name;
        else if (std::abs(it->second - v.get<double>()) > step_tol * std::abs(v.get<double>()) + floor)
          what += " |grad| of " + name + " " + num(it->second) + " vs " + num(v.get<double>());
      }
    if (r.contains("deltas"))
      for (const double floor = 1e-4 * largest(r.at("deltas")); const auto& [name, v] : r.at("deltas").items()) {
        auto it = s.deltas.find(name);
        if (it != s.deltas.end() &&
            std::abs(it->second - v.get<double>()) > step_tol * std::abs(v.get<double>()) + floor)
          what += " step size of " + name + " " + num(it->second) + " vs " + num(v.get<double>());
      }
    for (const auto& [name, v] : r.at("norms").items()) {
      auto it = s.norms.find(name);
      if (it == s.norms.end())
        what += " no parameter " + name;
      else if (rel_diff(it->second, v.get<double>()) > tol)
        what += " |" + name + "| " + num(it->second) + " vs " + v.dump();
    }
    ASSERT_TRUE(what.empty()) << "step " << i << " differs from fastai (loss " << num(s.loss) << " vs "
                              << r.at("loss").dump() << "):" << what;
    worst = std::max(worst, rel_diff(s.loss, r.at("loss")));
  }
  ::testing::Test::RecordProperty("max_loss_rel_diff", num(worst));
  if (std::getenv("FASTAI_TRAJECTORY_VERBOSE")) {
    std::printf("max loss rel diff over %zu steps (of %zu): %s\n", n, ours.size(), num(worst).c_str());
  }
}

/// The whole comparison: every step (expect_same_steps) and each epoch's validation loss
/// within 1e-4 relative, for the epochs inside the reproducible steps.
/// Example: `learn.fit_one_cycle(3, 1e-2); expect_same_trajectory(*trace, ref);`
inline void expect_same_trajectory(const StepTrace& trace, const nlohmann::json& ref, double tol = 1e-4,
                                   double step_tol = 1e-3) {
  expect_same_steps(trace.steps, ref, tol, step_tol);
  const auto vl = ref.at("valid_loss").get<std::vector<double>>();
  ASSERT_EQ(trace.valid_loss.size(), vl.size()) << "epochs";
  const size_t epoch_steps = ref.at("steps").size() / vl.size();
  const size_t epochs = std::min(vl.size(), ref.value("reproducible_steps", ref.at("steps").size()) / epoch_steps);
  for (size_t e = 0; e < epochs; ++e)
    EXPECT_LT(rel_diff(trace.valid_loss[e], vl[e]), 1e-4) << "valid loss, epoch " << e;
}

}  // namespace fastai::testing
