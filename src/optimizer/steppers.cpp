// fastai's optimizer callbacks (stats and steppers), each a direct translation of
// fastai/optimizer.py, and the optimizers assembled from them.
#include <ATen/ATen.h>

#include <cmath>

#include "fastai/optimizer.h"

namespace fastai {
namespace {

double h(const Hypers& hp, const char* key) {
  auto it = hp.find(key);
  if (it == hp.end()) throw std::out_of_range(std::string("optimizer hyper-parameter \"") + key + "\" is not set");
  return it->second;
}

at::Tensor& state_tensor(ParamState& s, const char* key, const at::Tensor& like) {
  auto it = s.tensors.find(key);
  if (it == s.tensors.end()) it = s.tensors.emplace(key, at::zeros_like(like)).first;
  return it->second;
}

const at::Tensor* find_tensor(const ParamState& s, const char* key) {
  auto it = s.tensors.find(key);
  return it == s.tensors.end() ? nullptr : &it->second;
}

bool do_wd(const ParamState& s) { return s.value("do_wd", 1) != 0; }

}  // namespace

double debias(double mom, double damp, double step) { return damp * (1 - std::pow(mom, step)) / (1 - mom); }

OptCallback sgd_step() {
  return {"sgd_step", [](at::Tensor& p, ParamState&, const Hypers& hp) { p.add_(p.grad(), -h(hp, "lr")); }, {}};
}

OptCallback weight_decay() {
  return {"weight_decay",
          [](at::Tensor& p, ParamState& s, const Hypers& hp) {
            const double wd = h(hp, "wd");
            if (do_wd(s) && wd != 0) p.mul_(1 - h(hp, "lr") * wd);
          },
          {{"wd", 0.0}}};
}

OptCallback l2_reg() {
  return {"l2_reg",
          [](at::Tensor& p, ParamState& s, const Hypers& hp) {
            const double wd = h(hp, "wd");
            if (do_wd(s) && wd != 0) p.mutable_grad().add_(p, wd);
          },
          {{"wd", 0.0}}};
}

OptCallback average_grad(bool dampening) {
  return {"average_grad",
          [dampening](at::Tensor& p, ParamState& s, const Hypers& hp) {
            const double mom = h(hp, "mom");
            at::Tensor& avg = state_tensor(s, "grad_avg", p.grad());
            avg.mul_(mom).add_(p.grad(), dampening ? 1 - mom : 1.0);
          },
          {{"mom", 0.9}}};
}

OptCallback average_sqr_grad(bool dampening) {
  return {"average_sqr_grad",
          [dampening](at::Tensor& p, ParamState& s, const Hypers& hp) {
            const double sqr_mom = h(hp, "sqr_mom");
            at::Tensor& avg = state_tensor(s, "sqr_avg", p.grad());
            avg.mul_(sqr_mom).addcmul_(p.grad(), p.grad(), dampening ? 1 - sqr_mom : 1.0);
          },
          {{"sqr_mom", 0.99}}};
}

OptCallback momentum_step() {
  return {"momentum_step",
          [](at::Tensor& p, ParamState& s, const Hypers& hp) { p.add_(s.tensors.at("grad_avg"), -h(hp, "lr")); },
          {}};
}

OptCallback rms_prop_step() {
  return {"rms_prop_step",
          [](at::Tensor& p, ParamState& s, const Hypers& hp) {
            auto denom = s.tensors.at("sqr_avg").sqrt().add_(h(hp, "eps"));
            const at::Tensor* avg = find_tensor(s, "grad_avg");
            p.addcdiv_(avg ? *avg : p.grad(), denom, -h(hp, "lr"));
          },
          {{"eps", 1e-8}}};
}

OptCallback step_stat() {
  return {
      "step_stat", [](at::Tensor&, ParamState& s, const Hypers&) { s.values["step"] = s.value("step", 0) + 1; }, {}};
}

OptCallback adam_step() {
  return {"adam_step",
          [](at::Tensor& p, ParamState& s, const Hypers& hp) {
            const double mom = h(hp, "mom"), sqr_mom = h(hp, "sqr_mom"), step = s.values.at("step");
            const double debias1 = debias(mom, 1 - mom, step), debias2 = debias(sqr_mom, 1 - sqr_mom, step);
            // √(sqr_avg/debias2) computed as √sqr_avg/√debias2 in one temporary, as torch.optim does.
            auto denom = s.tensors.at("sqr_avg").sqrt();
            denom.div_(std::sqrt(debias2)).add_(h(hp, "eps"));
            p.addcdiv_(s.tensors.at("grad_avg"), denom, -h(hp, "lr") / debias1);
          },
          {}};
}

OptCallback radam_step() {
  return {"radam_step",
          [](at::Tensor& p, ParamState& s, const Hypers& hp) {
            const double mom = h(hp, "mom"), sqr_mom = h(hp, "sqr_mom"), step = s.values.at("step");
            const double lr = h(hp, "lr"), eps = h(hp, "eps"), beta = h(hp, "beta");
            const double debias1 = debias(mom, 1 - mom, step), debias2 = debias(sqr_mom, 1 - sqr_mom, step);
            const double r_inf = 2 / (1 - sqr_mom) - 1;
            const double r = r_inf - 2 * step * std::pow(sqr_mom, step) / (1 - std::pow(sqr_mom, step));
            const at::Tensor& grad_avg = s.tensors.at("grad_avg");
            if (r > 5) {
              const double v = std::sqrt(((r - 4) * (r - 2) * r_inf) / ((r_inf - 4) * (r_inf - 2) * r));
              auto denom = (s.tensors.at("sqr_avg") / debias2).sqrt();
              if (eps != 0) denom = denom + eps;
              if (beta != 0) denom = at::softplus(denom, beta);
              p.addcdiv_(grad_avg, denom, -lr * v / debias1);
            } else {
              p.add_(grad_avg, -lr / debias1);
            }
          },
          {{"beta", 0.0}}};
}

OptCallback qhadam_step() {
  return {"qhadam_step",
          [](at::Tensor& p, ParamState& s, const Hypers& hp) {
            const double mom = h(hp, "mom"), sqr_mom = h(hp, "sqr_mom"), step = s.values.at("step");
            const double nu_1 = h(hp, "nu_1"), nu_2 = h(hp, "nu_2");
            const double debias1 = debias(mom, 1 - mom, step), debias2 = debias(sqr_mom, 1 - sqr_mom, step);
            const at::Tensor& g = p.grad();
            auto num = (1 - nu_1) * g + nu_1 * (s.tensors.at("grad_avg") / debias1);
            auto den = ((1 - nu_2) * g.pow(2) + nu_2 * (s.tensors.at("sqr_avg") / debias2)).sqrt() + h(hp, "eps");
            p.addcdiv_(num, den, -h(hp, "lr"));
          },
          {}};
}

OptCallback larc_layer_lr(bool clip) {
  return {"larc_layer_lr",
          [clip](at::Tensor& p, ParamState& s, const Hypers& hp) {
            const double lr = h(hp, "lr");
            const double p_norm = p.norm().item<double>(), g_norm = p.grad().norm().item<double>();
            const double local = lr * h(hp, "trust_coeff") * p_norm / (g_norm + p_norm * h(hp, "wd") + h(hp, "eps"));
            s.values["local_lr"] = clip ? std::min(lr, local) : local;
          },
          {{"trust_coeff", 0.02}, {"wd", 0.0}, {"eps", 1e-8}}};
}

OptCallback larc_step() {
  return {"larc_step",
          [](at::Tensor& p, ParamState& s, const Hypers&) {
            const at::Tensor* avg = find_tensor(s, "grad_avg");
            p.add_(avg ? *avg : p.grad(), -s.values.at("local_lr"));
          },
          {}};
}

OptCallback lamb_step() {
  return {"lamb_step",
          [](at::Tensor& p, ParamState& s, const Hypers& hp) {
            const double mom = h(hp, "mom"), sqr_mom = h(hp, "sqr_mom"), step_n = s.values.at("step");
            const double debias1 = debias(mom, 1 - mom, step_n), debias2 = debias(sqr_mom, 1 - sqr_mom, step_n);
            const double r1 = p.pow(2).mean().sqrt().item<double>();
            auto step =
                (s.tensors.at("grad_avg") / debias1) / ((s.tensors.at("sqr_avg") / debias2).sqrt() + h(hp, "eps"));
            const double r2 = step.pow(2).mean().sqrt().item<double>();
            const double q = (r1 == 0 || r2 == 0) ? 1.0 : std::min(r1 / r2, 10.0);
            p.add_(step, -h(hp, "lr") * q);
          },
          {}};
}

// ---------------------------------------------------------------- optimizers

namespace {
OptCallback decay(const OptOptions& o) { return o.decouple_wd ? weight_decay() : l2_reg(); }
}  // namespace

std::unique_ptr<Optimizer> SGD(std::vector<std::vector<at::Tensor>> groups, const OptOptions& o) {
  const double mom = o.mom.value_or(0.0);
  std::vector<OptCallback> cbs{decay(o)};
  if (mom != 0) cbs.push_back(average_grad());
  cbs.push_back(mom == 0 ? sgd_step() : momentum_step());
  return std::make_unique<Optimizer>(std::move(groups), std::move(cbs),
                                     Hypers{{"lr", o.lr}, {"mom", mom}, {"wd", o.wd.value_or(0.0)}}, o.train_bn);
}

std::unique_ptr<Optimizer> RMSProp(std::vector<std::vector<at::Tensor>> groups, const OptOptions& o) {
  const double mom = o.mom.value_or(0.0);
  std::vector<OptCallback> cbs{decay(o)};
  if (mom != 0) cbs.push_back(average_grad());
  cbs.push_back(average_sqr_grad());
  cbs.push_back(rms_prop_step());
  Hypers hp{{"lr", o.lr}, {"mom", mom}, {"sqr_mom", o.sqr_mom.value_or(0.99)}, {"wd", o.wd.value_or(0.0)}};
  if (o.eps) hp["eps"] = *o.eps;
  return std::make_unique<Optimizer>(std::move(groups), std::move(cbs), hp, o.train_bn);
}

std::unique_ptr<Optimizer> Adam(std::vector<std::vector<at::Tensor>> groups, const OptOptions& o) {
  std::vector<OptCallback> cbs{decay(o), average_grad(true), average_sqr_grad(), step_stat(), adam_step()};
  return std::make_unique<Optimizer>(std::move(groups), std::move(cbs),
                                     Hypers{{"lr", o.lr},
                                            {"mom", o.mom.value_or(0.9)},
                                            {"sqr_mom", o.sqr_mom.value_or(0.99)},
                                            {"eps", o.eps.value_or(1e-5)},
                                            {"wd", o.wd.value_or(0.01)}},
                                     o.train_bn);
}

std::unique_ptr<Optimizer> RAdam(std::vector<std::vector<at::Tensor>> groups, const OptOptions& o) {
  std::vector<OptCallback> cbs{decay(o), average_grad(true), average_sqr_grad(), step_stat(), radam_step()};
  return std::make_unique<Optimizer>(std::move(groups), std::move(cbs),
                                     Hypers{{"lr", o.lr},
                                            {"mom", o.mom.value_or(0.9)},
                                            {"sqr_mom", o.sqr_mom.value_or(0.99)},
                                            {"eps", o.eps.value_or(1e-5)},
                                            {"wd", o.wd.value_or(0.0)},
                                            {"beta", o.beta}},
                                     o.train_bn);
}

std::unique_ptr<Optimizer> QHAdam(std::vector<std::vector<at::Tensor>> groups, const OptOptions& o) {
  std::vector<OptCallback> cbs{decay(o), average_grad(true), average_sqr_grad(true), step_stat(), qhadam_step()};
  return std::make_unique<Optimizer>(std::move(groups), std::move(cbs),
                                     Hypers{{"lr", o.lr},
                                            {"nu_1", o.nu_1},
                                            {"nu_2", o.nu_2},
                                            {"mom", o.mom.value_or(0.999)},
                                            {"sqr_mom", o.sqr_mom.value_or(0.999)},
                                            {"eps", o.eps.value_or(1e-8)},
                                            {"wd", o.wd.value_or(0.0)}},
                                     o.train_bn);
}

std::unique_ptr<Optimizer> Larc(std::vector<std::vector<at::Tensor>> groups, const OptOptions& o) {
  const double mom = o.mom.value_or(0.9);
  std::vector<OptCallback> cbs{decay(o)};
  if (mom != 0) cbs.push_back(average_grad());
  cbs.push_back(larc_layer_lr(o.clip));
  cbs.push_back(larc_step());
  return std::make_unique<Optimizer>(std::move(groups), std::move(cbs),
                                     Hypers{{"lr", o.lr},
                                            {"mom", mom},
                                            {"trust_coeff", o.trust_coeff},
                                            {"eps", o.eps.value_or(1e-8)},
                                            {"wd", o.wd.value_or(0.0)}},
                                     o.train_bn);
}

std::unique_ptr<Optimizer> Lamb(std::vector<std::vector<at::Tensor>> groups, const OptOptions& o) {
  std::vector<OptCallback> cbs{decay(o), average_grad(true), average_sqr_grad(), step_stat(), lamb_step()};
  return std::make_unique<Optimizer>(std::move(groups), std::move(cbs),
                                     Hypers{{"lr", o.lr},
                                            {"mom", o.mom.value_or(0.9)},
                                            {"sqr_mom", o.sqr_mom.value_or(0.99)},
                                            {"eps", o.eps.value_or(1e-5)},
                                            {"wd", o.wd.value_or(0.0)}},
                                     o.train_bn);
}

std::unique_ptr<Optimizer> Lookahead(std::unique_ptr<Optimizer> opt, int k, double alpha) {
  if (k < 1) throw std::invalid_argument("Lookahead: k must be at least 1");
  // As fastai: the slow weights are copied just before the first step, the step count is per
  // optimizer (kept in every parameter's state so that save/load and clear_state cover it).
  opt->before_step.push_back([](Optimizer& o) {
    o.for_each_param([](at::Tensor& p, ParamState& s, const Hypers&) {
      if (!s.tensors.count("slow_weight")) s.tensors["slow_weight"] = p.detach().clone();
    });
  });
  opt->after_step.push_back([k, alpha](Optimizer& o) {
    o.for_each_param([&](at::Tensor& p, ParamState& s, const Hypers&) {
      const double count = s.value("lookahead_count", 0) + 1;
      s.values["lookahead_count"] = count;
      if (static_cast<int64_t>(count) % k != 0) return;
      at::Tensor& slow = s.tensors.at("slow_weight");
      slow.add_(p - slow, alpha);
      p.copy_(slow);
    });
  });
  return opt;
}

std::unique_ptr<Optimizer> ranger(std::vector<std::vector<at::Tensor>> groups, const OptOptions& o) {
  OptOptions r = o;
  if (!r.mom) r.mom = 0.95;
  if (!r.wd) r.wd = 0.01;
  if (!r.eps) r.eps = 1e-6;
  return Lookahead(RAdam(std::move(groups), r));
}

}  // namespace fastai
