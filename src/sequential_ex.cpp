#include "fastai/sequential_ex.h"

#include <torch/torch.h>

#include <stdexcept>

namespace fastai {

SequentialExImpl::SequentialExImpl() { layers = register_module("layers", torch::nn::ModuleList()); }

void SequentialExImpl::append_any(torch::nn::AnyModule layer, UsesOrig* uses_orig) {
  layers->push_back(layer.ptr());
  calls_.push_back({std::move(layer), uses_orig});
}

at::Tensor SequentialExImpl::forward(const at::Tensor& x) {
  at::Tensor res = x;
  for (auto& c : calls_) {
    at::Tensor next = c.uses_orig ? c.uses_orig->forward_orig(res, x) : c.any.forward(res);
    if (detail::live_hook_count().load(std::memory_order_relaxed) != 0)
      detail::run_module_hooks(*c.any.ptr(), res, next);
    res = std::move(next);
  }
  return res;
}

at::Tensor MergeLayerImpl::forward_orig(const at::Tensor& x, const at::Tensor& orig) {
  if (dense_) return torch::cat({x, orig}, 1);
  return x + orig;
}

at::Tensor MergeLayerImpl::forward(const at::Tensor&) {
  throw std::logic_error("MergeLayer: needs the input of the SequentialEx it is in; put it in a SequentialEx");
}

}  // namespace fastai
