#include "fastai/callback/fp16.h"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <cmath>

#include "fastai/learner.h"

namespace fastai {

at::Tensor GradScaler::scale(const at::Tensor& loss) const { return loss * scale_; }

bool GradScaler::unscale_and_check(const std::vector<at::Tensor>& params) {
  torch::NoGradGuard g;
  const double inv = 1.0 / scale_;
  found_inf_ = false;
  for (const auto& p : params) {
    auto grad = p.grad();
    if (!grad.defined()) continue;
    grad.mul_(inv);
    if (!found_inf_ && !grad.isfinite().all().item<bool>()) found_inf_ = true;
  }
  return !found_inf_;
}

void GradScaler::update() {
  if (found_inf_) {
    scale_ *= o_.backoff_factor;
    growth_tracker_ = 0;
  } else if (++growth_tracker_ == o_.growth_interval) {
    scale_ *= o_.growth_factor;
    growth_tracker_ = 0;
  }
  found_inf_ = false;
}

MixedPrecision::MixedPrecision(AmpMode mode, GradScaler::Options scaler) : mode_(mode), scaler_(scaler) { order = 10; }

void MixedPrecision::before_fit() {
  auto& l = learn();
  cuda_ = false;
  for (const auto& p : l.model->parameters()) {
    cuda_ = p.is_cuda();
    break;
  }
  if (mode_ == AmpMode::fp16 && !cuda_)
    throw std::invalid_argument(
        "MixedPrecision(fp16) needs a CUDA model; on the CPU use MixedPrecision(AmpMode::bf16)");
  use_scaler_ = mode_ == AmpMode::fp16;
  scales.clear();
}

void MixedPrecision::enter() {
  if (active_) return;
  const auto dtype = mode_ == AmpMode::bf16 ? at::kBFloat16 : at::kHalf;
  if (cuda_) {
    prev_enabled_ = at::autocast::is_enabled();
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(true);
  } else {
    prev_enabled_ = at::autocast::is_cpu_enabled();
    at::autocast::set_autocast_cpu_dtype(dtype);
    at::autocast::set_cpu_enabled(true);
  }
  at::autocast::increment_nesting();
  active_ = true;
}

void MixedPrecision::exit() {
  if (!active_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  if (cuda_)
    at::autocast::set_enabled(prev_enabled_);
  else
    at::autocast::set_cpu_enabled(prev_enabled_);
  active_ = false;
}

void MixedPrecision::after_pred() {
  auto& l = learn();
  if (l.pred.defined() && (l.pred.scalar_type() == at::kHalf || l.pred.scalar_type() == at::kBFloat16))
    l.pred = l.pred.to(at::kFloat);
}

void MixedPrecision::before_backward() {
  if (use_scaler_) learn().loss_grad = scaler_.scale(learn().loss_grad);
}

void MixedPrecision::before_step() {
  if (!use_scaler_) return;
  std::vector<at::Tensor> ps;
  for (const auto& g : learn().opt->param_groups()) ps.insert(ps.end(), g.begin(), g.end());
  const bool ok = scaler_.unscale_and_check(ps);
  if (!ok) {
    scaler_.update();
    throw CancelStepException();  // overflow: skip this step, the scale backs off
  }
  scales.push_back(scaler_.get_scale());
}

void MixedPrecision::after_step() {
  if (use_scaler_) scaler_.update();
}

void ChannelsLast::before_fit() {
  torch::NoGradGuard g;
  for (auto& p : learn().model->parameters())
    if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
}

void ChannelsLast::before_batch() {
  for (auto& x : learn().xb)
    if (x.dim() == 4) x = x.contiguous(at::MemoryFormat::ChannelsLast);
}

// ---------------------------------------------------------------- Learner's shortcuts (fastai patches them on)

namespace {
template <class T>
void remove_all(Learner& learn) {
  Callbacks found;
  for (const auto& c : learn.cbs())
    if (dynamic_cast<T*>(c.get())) found.push_back(c);
  learn.remove_cbs(found);
}

bool model_on_cuda(const Learner& learn) {
  for (const auto& p : learn.model->parameters()) return p.is_cuda();
  return false;
}
}  // namespace

Learner& Learner::to_fp16() {
  remove_all<MixedPrecision>(*this);
  add_cb(std::make_shared<MixedPrecision>(AmpMode::fp16));
  return *this;
}

Learner& Learner::to_bf16() {
  remove_all<MixedPrecision>(*this);
  add_cb(std::make_shared<MixedPrecision>(AmpMode::bf16));
  return *this;
}

Learner& Learner::to_fp32() {
  remove_all<MixedPrecision>(*this);
  return *this;
}

Learner& Learner::to_channelslast(bool use_amp) {
  if (!cb<ChannelsLast>()) add_cb(std::make_shared<ChannelsLast>());
  if (use_amp && !cb<MixedPrecision>())
    add_cb(std::make_shared<MixedPrecision>(model_on_cuda(*this) ? AmpMode::fp16 : AmpMode::bf16));
  return *this;
}

Learner& Learner::to_contiguous(bool to_fp32) {
  remove_all<ChannelsLast>(*this);
  torch::NoGradGuard g;
  for (auto& p : model->parameters())
    if (p.dim() == 4) p.set_data(p.contiguous());
  if (to_fp32) remove_all<MixedPrecision>(*this);
  return *this;
}

}  // namespace fastai
