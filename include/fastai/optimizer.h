#pragma once
/// fastai.optimizer: a generic optimizer made of small callbacks. *Stats* keep per-parameter
/// state (average_grad, average_sqr_grad, step_stat, larc_layer_lr); *steppers* update the
/// weights from that state and the hyper-parameters (sgd_step, weight_decay, l2_reg,
/// momentum_step, rms_prop_step, adam_step, radam_step, qhadam_step, larc_step, lamb_step).
/// SGD, RMSProp, Adam, RAdam, QHAdam, Larc, Lamb are a few lines each; Lookahead wraps any of
/// them; ranger = Lookahead(RAdam). Parameter groups carry their own hyper-parameters, which
/// the schedulers and discriminative learning rates set.
///
/// Thread-safety: An Optimizer belongs to the one thread training with it.
#include <ATen/core/Tensor.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace torch::serialize {
class OutputArchive;
class InputArchive;
}  // namespace torch::serialize
namespace torch::optim {
class Optimizer;
}  // namespace torch::optim

namespace fastai {

/// Hyper-parameters of one parameter group: lr, mom, sqr_mom, eps, wd, … by name.
/// Example: `Hypers h{{"lr", 1e-3}, {"mom", 0.9}};`
using Hypers = std::map<std::string, double>;

/// Per-parameter optimizer state: tensors (grad_avg, sqr_avg) and numbers (step, do_wd,
/// force_train, local_lr).
/// Example: `opt->state(bias).values["do_wd"] = 0;`
struct ParamState {
  std::map<std::string, at::Tensor> tensors;
  std::map<std::string, double> values;
  /// The number `key`, or `otherwise` when absent.
  double value(const std::string& key, double otherwise) const;
};

/// One optimizer callback: updates parameter `p` (whose .grad() is set) and/or its state from
/// the group's hyper-parameters. `defaults` are hyper-parameters it needs, merged into the
/// optimizer's defaults (fastai's `cb.defaults`).
struct OptCallback {
  std::string name;
  std::function<void(at::Tensor& p, ParamState& state, const Hypers& h)> fn;
  Hypers defaults;
};

/// fastai's `slice(start, stop)` for a hyper-parameter over parameter groups: with a start,
/// values grow geometrically from start to stop (even_mults); without, every group but the
/// last gets stop/10 and the last stop.
struct Slice {
  std::optional<double> start;
  double stop;
};

/// Values spread geometrically from `start` to `stop` over `n` (fastai's even_mults).
/// Example: `even_mults(1e-5, 1e-3, 3) == {1e-5, 1e-4, 1e-3}`.
std::vector<double> even_mults(double start, double stop, size_t n);

/// The optimizer. Parameters come in groups (from a Learner's splitter); each group has its
/// own Hypers.
///
/// Example:
///   auto opt = fastai::Adam(model->parameters(), {.lr = 1e-3});
///   loss.backward(); opt->step(); opt->zero_grad();
///   opt->set_hyper("lr", fastai::Slice{1e-5, 1e-3});     // discriminative lrs over groups
class Optimizer {
 public:
  Optimizer(std::vector<std::vector<at::Tensor>> param_groups, std::vector<OptCallback> cbs, Hypers defaults = {},
            bool train_bn = true);
  ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// before_step hooks, then every callback in order on every parameter that has a gradient,
  /// then after_step hooks.
  void step();
  /// Zeroes the gradients (keeping the tensors, as fastai does).
  void zero_grad();

  size_t n_groups() const noexcept { return groups_.size(); }
  const std::vector<std::vector<at::Tensor>>& param_groups() const noexcept { return groups_; }
  std::vector<Hypers>& hypers() noexcept { return hypers_; }
  const std::vector<Hypers>& hypers() const noexcept { return hypers_; }
  /// Hyper-parameter `key` of group `group`; throws naming the key when it is not set.
  double hyper(const std::string& key, size_t group = 0) const;
  /// Sets `key` to `v` in every group.
  void set_hyper(const std::string& key, double v);
  /// Sets `key` per group (one value per group; one value for all).
  void set_hyper(const std::string& key, const std::vector<double>& v);
  /// Sets `key` across the groups as fastai's slice does.
  void set_hyper(const std::string& key, Slice s);

  /// Freezes groups [0, n) (requires_grad false, except parameters whose state has
  /// force_train, e.g. batch-norm weights when train_bn) and unfreezes the rest. Negative n
  /// counts from the end.
  void freeze_to(int n);
  /// freeze_to(-1): only the last group trains. Throws if there is a single group.
  void freeze();
  void unfreeze() { freeze_to(0); }
  int frozen_idx() const noexcept { return frozen_idx_; }
  bool train_bn() const noexcept { return train_bn_; }

  /// The state of parameter `p` (created empty when missing); throws if `p` is not optimized here.
  ParamState& state(const at::Tensor& p);
  /// Drops every state but force_train and do_wd (fastai's clear_state).
  void clear_state();

  /// Writes hypers and per-parameter state (tensors and numbers) to an archive.
  void save(torch::serialize::OutputArchive& ar) const;
  /// Reads what save wrote; throws naming the mismatch when the groups differ.
  void load(torch::serialize::InputArchive& ar);

  const std::vector<OptCallback>& callbacks() const noexcept { return cbs_; }
  /// Run before / after every step (Lookahead uses both).
  std::vector<std::function<void(Optimizer&)>> before_step, after_step;
  /// Index of `p` as (group, position); throws std::invalid_argument when not optimized here.
  std::pair<size_t, size_t> locate(const at::Tensor& p) const;
  /// Every (parameter, state, hypers) with the state addressable: for custom loops.
  template <class F>
  void for_each_param(F&& f) {
    for (size_t g = 0; g < groups_.size(); ++g)
      for (size_t i = 0; i < groups_[g].size(); ++i) f(groups_[g][i], state_[g][i], hypers_[g]);
  }

 private:
  std::vector<std::vector<at::Tensor>> groups_;
  std::vector<Hypers> hypers_;
  std::vector<std::vector<ParamState>> state_;  // parallel to groups_
  std::vector<OptCallback> cbs_;
  bool train_bn_;
  int frozen_idx_ = 0;
};

// ---------------------------------------------------------------- callbacks
// Each returns an OptCallback to compose into an Optimizer, e.g. SGD with L2 and momentum:
//   Optimizer opt({params}, {l2_reg(), average_grad(), momentum_step()}, {{"lr", 0.1}});

/// p -= lr · grad
OptCallback sgd_step();
/// p *= 1 − lr·wd (decoupled weight decay), unless the parameter's state has do_wd = 0.
OptCallback weight_decay();
/// grad += wd · p (L2 regularisation), unless do_wd = 0.
OptCallback l2_reg();
/// grad_avg = mom·grad_avg + (1−mom if dampening else 1)·grad
OptCallback average_grad(bool dampening = false);
/// sqr_avg = sqr_mom·sqr_avg + (1−sqr_mom if dampening else 1)·grad²
OptCallback average_sqr_grad(bool dampening = true);
/// p -= lr · grad_avg
OptCallback momentum_step();
/// p -= lr · (grad_avg or grad) / (√sqr_avg + eps)
OptCallback rms_prop_step();
/// step += 1
OptCallback step_stat();
/// Adam's update with debiasing: p -= lr/debias1 · grad_avg / (√(sqr_avg/debias2) + eps)
OptCallback adam_step();
/// RAdam's rectified update (falls back to momentum SGD while the variance is untrustworthy).
OptCallback radam_step();
/// QHAdam's quasi-hyperbolic update with nu_1, nu_2.
OptCallback qhadam_step();
/// LARC's local learning rate: lr·trust_coeff·‖p‖/(‖g‖ + wd‖p‖ + eps), clipped to lr.
OptCallback larc_layer_lr(bool clip = true);
/// p -= local_lr · (grad_avg or grad)
OptCallback larc_step();
/// LAMB's layer-wise trust-ratio update.
OptCallback lamb_step();

/// fastai's debias: damp·(1 − mom^step)/(1 − mom). Example: `debias(0.9, 0.1, 1) == 0.1`.
double debias(double mom, double damp, double step);

// ---------------------------------------------------------------- optimizers

/// Keyword arguments shared by the optimizer factories (fastai's defaults per optimizer are
/// applied where a field is left unset).
/// Example: `Adam(groups, {.lr = 3e-3, .wd = 0.1, .decouple_wd = true})`
struct OptOptions {
  double lr = 1e-3;
  std::optional<double> mom;
  std::optional<double> sqr_mom;
  std::optional<double> eps;
  std::optional<double> wd;
  bool decouple_wd = true;        ///< weight_decay (AdamW-style) instead of l2_reg
  double beta = 0;                ///< RAdam's softplus beta (0: off)
  double nu_1 = 0.7, nu_2 = 1.0;  ///< QHAdam
  double trust_coeff = 0.02;      ///< Larc
  bool clip = true;               ///< Larc
  bool train_bn = true;
};

/// A factory of optimizers, as a Learner takes it (`opt_func`).
using OptFunc = std::function<std::unique_ptr<Optimizer>(std::vector<std::vector<at::Tensor>>, const OptOptions&)>;

/// SGD (mom default 0, wd 0). Example: `auto opt = SGD({params}, {.lr = 0.1, .mom = 0.9});`
std::unique_ptr<Optimizer> SGD(std::vector<std::vector<at::Tensor>> groups, const OptOptions& o = {});
/// RMSProp (sqr_mom 0.99, mom 0, eps 1e-8, wd 0).
/// Example: `RMSProp(groups, {.lr = 1e-2, .mom = 0.9})`
std::unique_ptr<Optimizer> RMSProp(std::vector<std::vector<at::Tensor>> groups, const OptOptions& o = {});
/// Adam (mom 0.9, sqr_mom 0.99, eps 1e-5, wd 0.01 decoupled: AdamW).
std::unique_ptr<Optimizer> Adam(std::vector<std::vector<at::Tensor>> groups, const OptOptions& o = {});
/// RAdam (mom 0.9, sqr_mom 0.99, eps 1e-5, wd 0, beta 0).
std::unique_ptr<Optimizer> RAdam(std::vector<std::vector<at::Tensor>> groups, const OptOptions& o = {});
/// QHAdam (mom 0.999, sqr_mom 0.999, nu_1 0.7, nu_2 1.0, eps 1e-8, wd 0).
std::unique_ptr<Optimizer> QHAdam(std::vector<std::vector<at::Tensor>> groups, const OptOptions& o = {});
/// LARC (mom 0.9, trust_coeff 0.02, eps 1e-8, wd 0, clip): LARS when clip is false.
std::unique_ptr<Optimizer> Larc(std::vector<std::vector<at::Tensor>> groups, const OptOptions& o = {});
/// LAMB (mom 0.9, sqr_mom 0.99, eps 1e-5, wd 0).
std::unique_ptr<Optimizer> Lamb(std::vector<std::vector<at::Tensor>> groups, const OptOptions& o = {});
/// ranger: Lookahead(RAdam(mom 0.95, wd 0.01, eps 1e-6)).
std::unique_ptr<Optimizer> ranger(std::vector<std::vector<at::Tensor>> groups, const OptOptions& o = {});

/// One parameter group holding `p`. (Not `std::vector{p}`: class template argument deduction
/// takes that for a copy of `p`.)
inline std::vector<std::vector<at::Tensor>> one_group(std::vector<at::Tensor> p) {
  std::vector<std::vector<at::Tensor>> g;
  g.push_back(std::move(p));
  return g;
}

/// Single-group conveniences: `auto opt = Adam(model->parameters(), {.lr = 1e-3});`
inline std::unique_ptr<Optimizer> SGD(std::vector<at::Tensor> p, const OptOptions& o = {}) {
  return SGD(one_group(std::move(p)), o);
}
inline std::unique_ptr<Optimizer> RMSProp(std::vector<at::Tensor> p, const OptOptions& o = {}) {
  return RMSProp(one_group(std::move(p)), o);
}
inline std::unique_ptr<Optimizer> Adam(std::vector<at::Tensor> p, const OptOptions& o = {}) {
  return Adam(one_group(std::move(p)), o);
}
inline std::unique_ptr<Optimizer> RAdam(std::vector<at::Tensor> p, const OptOptions& o = {}) {
  return RAdam(one_group(std::move(p)), o);
}
inline std::unique_ptr<Optimizer> QHAdam(std::vector<at::Tensor> p, const OptOptions& o = {}) {
  return QHAdam(one_group(std::move(p)), o);
}
inline std::unique_ptr<Optimizer> Larc(std::vector<at::Tensor> p, const OptOptions& o = {}) {
  return Larc(one_group(std::move(p)), o);
}
inline std::unique_ptr<Optimizer> Lamb(std::vector<at::Tensor> p, const OptOptions& o = {}) {
  return Lamb(one_group(std::move(p)), o);
}
inline std::unique_ptr<Optimizer> ranger(std::vector<at::Tensor> p, const OptOptions& o = {}) {
  return ranger(one_group(std::move(p)), o);
}

/// Wraps a libtorch optimizer (SGD, Adam, AdamW, RMSprop, …) so a Learner drives it like a
/// fastai one (fastai's OptimWrapper): its parameter groups become ours, and before each step
/// our hypers are written into its options with fastai's names (lr; mom → momentum or beta1;
/// sqr_mom → alpha or beta2; wd → weight_decay; eps).
///
/// Example:
///   auto opt = OptimWrapper(std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(0.1).momentum(0.9)));
///   opt->set_hyper("lr", 0.01);   // reaches torch's param group at the next step
std::unique_ptr<Optimizer> OptimWrapper(std::shared_ptr<torch::optim::Optimizer> opt);

/// Lookahead: every k steps, slow weights move alpha of the way to the fast weights and the
/// fast weights restart from them. Installs a before_step hook (copies the slow weights before
/// the first step) and an after_step hook on `opt` (its slow weights and
/// step count live in the parameters' state, so save/load and clear_state cover them).
///
/// Example: `auto opt = Lookahead(RAdam(groups), 6, 0.5);`
std::unique_ptr<Optimizer> Lookahead(std::unique_ptr<Optimizer> opt, int k = 6, double alpha = 0.5);

}  // namespace fastai
