#include <torch/optim.h>

#include "fastai/optimizer.h"

namespace fastai {
namespace {

// Reads our names from torch's options (pytorch_hp_map in fastai).
Hypers hypers_of(const torch::optim::OptimizerOptions& o) {
  Hypers h{{"lr", o.get_lr()}};
  if (auto* s = dynamic_cast<const torch::optim::SGDOptions*>(&o)) {
    h["mom"] = s->momentum();
    h["wd"] = s->weight_decay();
  } else if (auto* a = dynamic_cast<const torch::optim::AdamOptions*>(&o)) {
    h["mom"] = std::get<0>(a->betas());
    h["sqr_mom"] = std::get<1>(a->betas());
    h["wd"] = a->weight_decay();
    h["eps"] = a->eps();
  } else if (auto* w = dynamic_cast<const torch::optim::AdamWOptions*>(&o)) {
    h["mom"] = std::get<0>(w->betas());
    h["sqr_mom"] = std::get<1>(w->betas());
    h["wd"] = w->weight_decay();
    h["eps"] = w->eps();
  } else if (auto* r = dynamic_cast<const torch::optim::RMSpropOptions*>(&o)) {
    h["mom"] = r->momentum();
    h["sqr_mom"] = r->alpha();
    h["wd"] = r->weight_decay();
    h["eps"] = r->eps();
  }
  return h;
}

void write_hypers(torch::optim::OptimizerOptions& o, const Hypers& h) {
  auto get = [&](const char* k, double otherwise) {
    auto it = h.find(k);
    return it == h.end() ? otherwise : it->second;
  };
  o.set_lr(get("lr", o.get_lr()));
  if (auto* s = dynamic_cast<torch::optim::SGDOptions*>(&o)) {
    s->momentum(get("mom", s->momentum())).weight_decay(get("wd", s->weight_decay()));
  } else if (auto* a = dynamic_cast<torch::optim::AdamOptions*>(&o)) {
    a->betas({get("mom", std::get<0>(a->betas())), get("sqr_mom", std::get<1>(a->betas()))})
        .weight_decay(get("wd", a->weight_decay()))
        .eps(get("eps", a->eps()));
  } else if (auto* w = dynamic_cast<torch::optim::AdamWOptions*>(&o)) {
    w->betas({get("mom", std::get<0>(w->betas())), get("sqr_mom", std::get<1>(w->betas()))})
        .weight_decay(get("wd", w->weight_decay()))
        .eps(get("eps", w->eps()));
  } else if (auto* r = dynamic_cast<torch::optim::RMSpropOptions*>(&o)) {
    r->momentum(get("mom", r->momentum()))
        .alpha(get("sqr_mom", r->alpha()))
        .weight_decay(get("wd", r->weight_decay()))
        .eps(get("eps", r->eps()));
  }
}

}  // namespace

std::unique_ptr<Optimizer> OptimWrapper(std::shared_ptr<torch::optim::Optimizer> opt) {
  if (!opt) throw std::invalid_argument("OptimWrapper: null optimizer");
  std::vector<std::vector<at::Tensor>> groups;
  std::vector<Hypers> hypers;
  for (auto& g : opt->param_groups()) {
    groups.push_back(g.params());
    hypers.push_back(hypers_of(g.options()));
  }
  auto out = std::make_unique<Optimizer>(std::move(groups), std::vector<OptCallback>{});
  out->hypers() = hypers;
  // The wrapped optimizer does the update; ours only carries the hypers into it first.
  out->before_step.push_back([opt](Optimizer& self) {
    auto& pgs = opt->param_groups();
    for (size_t g = 0; g < pgs.size(); ++g) write_hypers(pgs[g].options(), self.hypers()[g]);
    opt->step();
  });
  return out;
}

}  // namespace fastai
