#include "fastai/self_attention.h"

#include <torch/torch.h>

#include <cmath>

namespace fastai {

SpectralConv1dImpl::SpectralConv1dImpl(int64_t ni, int64_t no, int64_t ks, int64_t padding) : padding_(padding) {
  auto w = torch::empty({no, ni, ks});
  torch::nn::init::kaiming_normal_(w);  // fastai's _conv1d_spect
  weight_orig = register_parameter("weight_orig", w);
  // PyTorch's spectral_norm starts u and v as normalised N(0, 1) draws.
  const auto norm = [](const at::Tensor& t) {
    return torch::nn::functional::normalize(t, torch::nn::functional::NormalizeFuncOptions().dim(0).eps(1e-12));
  };
  weight_u = register_buffer("weight_u", norm(torch::randn({no})));
  weight_v = register_buffer("weight_v", norm(torch::randn({ni * ks})));
}

at::Tensor SpectralConv1dImpl::weight() {
  const auto mat = weight_orig.reshape({weight_orig.size(0), -1});
  if (is_training()) {
    torch::NoGradGuard g;
    const auto opts = torch::nn::functional::NormalizeFuncOptions().dim(0).eps(1e-12);
    weight_v.copy_(torch::nn::functional::normalize(torch::mv(mat.t(), weight_u), opts));
    weight_u.copy_(torch::nn::functional::normalize(torch::mv(mat, weight_v), opts));
  }
  // u and v are constants for autograd, as in PyTorch (it clones them after the update).
  const auto u = weight_u.clone(), v = weight_v.clone();
  const auto sigma = torch::dot(u, torch::mv(mat, v));
  return weight_orig / sigma;
}

at::Tensor SpectralConv1dImpl::forward(const at::Tensor& x) { return torch::conv1d(x, weight(), {}, 1, padding_); }

SimpleSelfAttentionImpl::SimpleSelfAttentionImpl(int64_t n_in, int64_t ks, bool sym) : n_in_(n_in), sym_(sym) {
  conv = register_module("conv", SpectralConv1d(n_in, n_in, ks, ks / 2));
  gamma = register_parameter("gamma", torch::zeros({1}));
}

at::Tensor SimpleSelfAttentionImpl::forward(const at::Tensor& x) {
  const auto size = x.sizes().vec();
  const auto flat = x.reshape({size[0], size[1], -1});
  at::Tensor convx;
  if (sym_) {
    auto w = conv->weight();
    if (w.size(2) != 1)
      throw std::invalid_argument("SimpleSelfAttention: sym needs ks = 1, got " + std::to_string(w.size(2)));
    const auto c = w.view({n_in_, n_in_});
    convx = torch::conv1d(flat, ((c + c.t()) / 2).view({n_in_, n_in_, 1}));
    if (detail::live_hook_count().load(std::memory_order_relaxed) != 0) detail::run_module_hooks(*conv, flat, convx);
  } else {
    convx = hooked(conv, flat);
  }
  const auto xxT = torch::bmm(flat, flat.permute({0, 2, 1}).contiguous());
  const auto o = gamma * torch::bmm(xxT, convx) + flat;
  return o.view(size).contiguous();
}

SelfAttentionImpl::SelfAttentionImpl(int64_t n) {
  // fastai's _conv: ConvLayer(ks 1, ndim 1, spectral norm, no activation, no bias), so the
  // weight keeps PyTorch's default Conv1d init (kaiming_uniform, a = √5) under the norm.
  auto conv = [](int64_t ni, int64_t no) {
    SpectralConv1d c(ni, no);
    torch::NoGradGuard g;
    torch::nn::init::kaiming_uniform_(c->weight_orig, std::sqrt(5.0));
    SequentialBlock s;
    s->push_back(c);
    return s;
  };
  query = register_module("query", conv(n, n / 8));
  key = register_module("key", conv(n, n / 8));
  value = register_module("value", conv(n, n));
  gamma = register_parameter("gamma", torch::zeros({1}));
}

at::Tensor SelfAttentionImpl::forward(const at::Tensor& x) {
  const auto size = x.sizes().vec();
  const auto flat = x.reshape({size[0], size[1], -1});
  const auto f = hooked(query, flat), g = hooked(key, flat), h = hooked(value, flat);
  const auto beta = torch::softmax(torch::bmm(f.transpose(1, 2), g), 1);
  const auto o = gamma * torch::bmm(h, beta) + flat;
  return o.view(size).contiguous();
}

}  // namespace fastai
