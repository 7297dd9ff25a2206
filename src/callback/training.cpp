#include "fastai/callback/training.h"

#include <torch/torch.h>

#include "fastai/learner.h"

namespace fastai {

void ShortEpochCallback::after_batch() {
  auto& l = learn();
  if (static_cast<double>(l.iter) / static_cast<double>(l.n_iter) < pct_) return;
  if (l.training) throw CancelTrainException();
  if (short_valid_) throw CancelValidException();
}

namespace {
int64_t find_bs(const Learner& l) {
  const auto& t = !l.yb.empty() ? l.yb[0] : l.xb.at(0);
  return t.dim() ? t.size(0) : 1;
}
}  // namespace

void GradientAccumulation::after_loss() {
  auto& l = learn();
  l.loss_grad = l.loss_grad / (static_cast<double>(n_acc_) / static_cast<double>(find_bs(l)));
}

void GradientAccumulation::before_step() {
  auto& l = learn();
  count_ += find_bs(l);
  // Skips the step and zero_grad, so gradients keep accumulating.
  if (count_ < n_acc_) throw CancelBatchException();
  count_ = 0;
}

void GradientClip::before_step() {
  std::vector<at::Tensor> ps;
  for (const auto& g : learn().opt->param_groups())
    for (const auto& p : g)
      if (p.grad().defined()) ps.push_back(p);
  torch::nn::utils::clip_grad_norm_(ps, max_norm_, norm_type_);
}

namespace {
void set_bn_eval(torch::nn::Module& m) {
  for (const auto& c : m.children()) {
    if (is_batchnorm(*c)) {
      auto ps = c->parameters();
      if (!ps.empty() && !ps[0].requires_grad()) c->eval();
    }
    set_bn_eval(*c);
  }
}
}  // namespace

void BnFreeze::before_train() { set_bn_eval(*learn().model); }

}  // namespace fastai
