#include "fastai/optimizer.h"

#include <ATen/ATen.h>
#include <torch/serialize/archive.h>

#include <cmath>
#include <iostream>
#include <stdexcept>

namespace fastai {

double ParamState::value(const std::string& key, double otherwise) const {
  auto it = values.find(key);
  return it == values.end() ? otherwise : it->second;
}

std::vector<double> even_mults(double start, double stop, size_t n) {
  if (n == 0) return {};
  if (n == 1) return {stop};
  const double step = std::pow(stop / start, 1.0 / static_cast<double>(n - 1));
  std::vector<double> out;
  for (size_t i = 0; i < n; ++i) out.push_back(start * std::pow(step, static_cast<double>(i)));
  return out;
}

Optimizer::Optimizer(std::vector<std::vector<at::Tensor>> param_groups, std::vector<OptCallback> cbs, Hypers defaults,
                     bool train_bn)
    : groups_(std::move(param_groups)), cbs_(std::move(cbs)), train_bn_(train_bn) {
  if (groups_.empty()) throw std::invalid_argument("Optimizer: no parameter groups");
  Hypers merged;
  for (const auto& cb : cbs_)
    for (const auto& [k, v] : cb.defaults) merged[k] = v;
  for (const auto& [k, v] : defaults) merged[k] = v;  // explicit values win over callbacks' defaults
  hypers_.assign(groups_.size(), merged);
  for (const auto& g : groups_) state_.emplace_back(g.size());
}

void Optimizer::step() {
  at::NoGradGuard no_grad;
  for (auto& hook : before_step) hook(*this);
  for (size_t g = 0; g < groups_.size(); ++g)
    for (size_t i = 0; i < groups_[g].size(); ++i) {
      at::Tensor& p = groups_[g][i];
      if (!p.grad().defined()) continue;
      for (const auto& cb : cbs_) cb.fn(p, state_[g][i], hypers_[g]);
    }
  for (auto& hook : after_step) hook(*this);
}

void Optimizer::zero_grad() {
  for (auto& g : groups_)
    for (auto& p : g)
      if (p.grad().defined()) {
        p.mutable_grad().detach_();
        p.mutable_grad().zero_();
      }
}

double Optimizer::hyper(const std::string& key, size_t group) const {
  if (group >= hypers_.size())
    throw std::out_of_range("optimizer has " + std::to_string(hypers_.size()) + " parameter groups, asked for group " +
                            std::to_string(group));
  auto it = hypers_[group].find(key);
  if (it == hypers_[group].end()) throw std::out_of_range("optimizer hyper-parameter \"" + key + "\" is not set");
  return it->second;
}

void Optimizer::set_hyper(const std::string& key, double v) {
  for (auto& h : hypers_) h[key] = v;
}

void Optimizer::set_hyper(const std::string& key, const std::vector<double>& v) {
  if (v.size() == 1) return set_hyper(key, v[0]);
  if (v.size() != hypers_.size())
    throw std::invalid_argument("Trying to set " + std::to_string(v.size()) + " values for " + key + " but there are " +
                                std::to_string(hypers_.size()) + " parameter groups.");
  for (size_t i = 0; i < v.size(); ++i) hypers_[i][key] = v[i];
}

void Optimizer::set_hyper(const std::string& key, Slice s) {
  const size_t n = hypers_.size();
  std::vector<double> v;
  if (s.start)
    v = even_mults(*s.start, s.stop, n);
  else {
    v.assign(n, s.stop / 10);
    v.back() = s.stop;
  }
  set_hyper(key, v);
}

void Optimizer::freeze_to(int n) {
  const int ng = static_cast<int>(groups_.size());
  frozen_idx_ = n >= 0 ? n : ng + n;
  if (frozen_idx_ >= ng)
    std::cerr << "Freezing " << frozen_idx_ << " groups; model has " << ng << "; whole model is frozen.\n";
  for (int g = 0; g < ng; ++g)
    for (size_t i = 0; i < groups_[static_cast<size_t>(g)].size(); ++i) {
      const bool train = g >= frozen_idx_ || state_[static_cast<size_t>(g)][i].value("force_train", 0) != 0;
      groups_[static_cast<size_t>(g)][i].requires_grad_(train);
    }
}

void Optimizer::freeze() {
  if (groups_.size() < 2)
    throw std::logic_error("freeze needs at least two parameter groups (a body and a head); this optimizer has " +
                           std::to_string(groups_.size()));
  freeze_to(-1);
}

std::pair<size_t, size_t> Optimizer::locate(const at::Tensor& p) const {
  for (size_t g = 0; g < groups_.size(); ++g)
    for (size_t i = 0; i < groups_[g].size(); ++i)
      if (groups_[g][i].unsafeGetTensorImpl() == p.unsafeGetTensorImpl()) return {g, i};
  throw std::invalid_argument("this tensor is not among the optimizer's parameters");
}

ParamState& Optimizer::state(const at::Tensor& p) {
  auto [g, i] = locate(p);
  return state_[g][i];
}

void Optimizer::clear_state() {
  for (auto& g : state_)
    for (auto& s : g) {
      ParamState kept;
      for (const char* k : {"force_train", "do_wd"})
        if (auto it = s.values.find(k); it != s.values.end()) kept.values.insert(*it);
      s = std::move(kept);
    }
}

void Optimizer::save(torch::serialize::OutputArchive& ar) const {
  ar.write("n_groups", at::scalar_tensor(static_cast<int64_t>(groups_.size())));
  for (size_t g = 0; g < groups_.size(); ++g) {
    const std::string gp = "group" + std::to_string(g);
    ar.write(gp + ".n_params", at::scalar_tensor(static_cast<int64_t>(groups_[g].size())));
    for (const auto& [k, v] : hypers_[g]) ar.write(gp + ".hyper." + k, at::scalar_tensor(v, at::kDouble));
    for (size_t i = 0; i < state_[g].size(); ++i) {
      const std::string pp = gp + ".p" + std::to_string(i);
      for (const auto& [k, t] : state_[g][i].tensors) ar.write(pp + ".tensor." + k, t, /*is_buffer=*/true);
      for (const auto& [k, v] : state_[g][i].values) ar.write(pp + ".value." + k, at::scalar_tensor(v, at::kDouble));
    }
  }
}

namespace {
// InputArchive::read writes *into* a defined tensor (keeping its dtype): always read fresh.
at::Tensor read(torch::serialize::InputArchive& ar, const std::string& key, bool is_buffer = false) {
  at::Tensor t;
  ar.read(key, t, is_buffer);
  return t;
}
}  // namespace

void Optimizer::load(torch::serialize::InputArchive& ar) {
  at::Tensor t = read(ar, "n_groups");
  if (t.item<int64_t>() != static_cast<int64_t>(groups_.size()))
    throw std::runtime_error("optimizer state has " + std::to_string(t.item<int64_t>()) +
                             " parameter groups, this optimizer " + std::to_string(groups_.size()));
  std::vector<Hypers> hypers(groups_.size());
  std::vector<std::vector<ParamState>> state(groups_.size());
  for (size_t g = 0; g < groups_.size(); ++g) {
    const std::string gp = "group" + std::to_string(g);
    t = read(ar, gp + ".n_params");
    if (t.item<int64_t>() != static_cast<int64_t>(groups_[g].size()))
      throw std::runtime_error("optimizer state's group " + std::to_string(g) + " has " +
                               std::to_string(t.item<int64_t>()) + " parameters, this optimizer's " +
                               std::to_string(groups_[g].size()));
    state[g].resize(groups_[g].size());
  }
  for (const auto& key : ar.keys()) {
    // group<g>.hyper.<k> | group<g>.p<i>.tensor.<k> | group<g>.p<i>.value.<k>
    if (key.rfind("group", 0) != 0) continue;
    const auto dot = key.find('.');
    const size_t g = std::stoul(key.substr(5, dot - 5));
    const std::string rest = key.substr(dot + 1);
    if (g >= groups_.size()) continue;
    if (rest.rfind("hyper.", 0) == 0) {
      hypers[g][rest.substr(6)] = read(ar, key).item<double>();
    } else if (rest.rfind("p", 0) == 0 && rest != "n_params") {
      const auto d2 = rest.find('.');
      const size_t i = std::stoul(rest.substr(1, d2 - 1));
      const std::string what = rest.substr(d2 + 1);
      if (i >= state[g].size()) continue;
      if (what.rfind("tensor.", 0) == 0)
        state[g][i].tensors[what.substr(7)] = read(ar, key, /*is_buffer=*/true).to(groups_[g][i].device());
      else if (what.rfind("value.", 0) == 0)
        state[g][i].values[what.substr(6)] = read(ar, key).item<double>();
    }
  }
  hypers_ = std::move(hypers);
  state_ = std::move(state);
}

}  // namespace fastai
