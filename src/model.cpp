#include "fastai/model.h"

#include <torch/torch.h>

namespace fastai {

namespace {
bool is_norm(const torch::nn::Module& m) {
  return is_batchnorm(m) || dynamic_cast<const torch::nn::InstanceNorm1dImpl*>(&m) ||
         dynamic_cast<const torch::nn::InstanceNorm2dImpl*>(&m) ||
         dynamic_cast<const torch::nn::InstanceNorm3dImpl*>(&m) || dynamic_cast<const torch::nn::LayerNormImpl*>(&m) ||
         dynamic_cast<const torch::nn::GroupNormImpl*>(&m);
}
}  // namespace

bool is_batchnorm(const torch::nn::Module& m) {
  return dynamic_cast<const torch::nn::BatchNorm1dImpl*>(&m) || dynamic_cast<const torch::nn::BatchNorm2dImpl*>(&m) ||
         dynamic_cast<const torch::nn::BatchNorm3dImpl*>(&m);
}

std::vector<at::Tensor> norm_bias_params(const torch::nn::Module& m, bool with_bias) {
  std::vector<at::Tensor> out;
  auto add = [&](const at::Tensor& t) {
    for (const auto& o : out)
      if (o.is_same(t)) return;
    out.push_back(t);
  };
  for (const auto& mod : m.modules(/*include_self=*/true)) {
    if (is_norm(*mod)) {
      for (const auto& p : mod->parameters(/*recurse=*/false)) add(p);
    } else if (with_bias) {
      for (const auto& p : mod->named_parameters(/*recurse=*/false))
        if (p.key() == "bias") add(p.value());
    }
  }
  return out;
}

std::vector<std::vector<at::Tensor>> trainable_params(const Model& m) {
  std::vector<at::Tensor> ps;
  for (const auto& p : m->parameters())
    if (p.requires_grad()) ps.push_back(p);
  std::vector<std::vector<at::Tensor>> g;
  g.push_back(std::move(ps));
  return g;
}

int64_t total_params(const torch::nn::Module& m, bool trainable_only) {
  int64_t n = 0;
  for (const auto& p : m.parameters())
    if (!trainable_only || p.requires_grad()) n += p.numel();
  return n;
}

}  // namespace fastai
