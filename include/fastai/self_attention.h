#pragma once
/// fastai.layers' SimpleSelfAttention, SelfAttention and the spectrally normalised 1-d convolution it uses
/// (fastai's _conv1d_spect = PyTorch's torch.nn.utils.spectral_norm on a Conv1d). XResNet's
/// `sa` option puts one at the end of a residual branch.
///
/// Thread-safety: Modules: forward in eval mode without grad may run on many threads at once; training is
/// one thread's.
#include <ATen/core/Tensor.h>

#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "fastai/core/module_hooks.h"
#include "fastai/layers.h"

namespace fastai {

/// A bias-free Conv1d whose weight is divided by its largest singular value, estimated by one
/// step of power iteration per training forward (PyTorch's spectral_norm, dim 0, eps 1e-12).
/// State names are PyTorch's: parameter `weight_orig`, buffers `weight_u` and `weight_v`.
/// Example: `SpectralConv1d c(64, 64); auto y = c(x);  // x [N, 64, L]`
class SpectralConv1dImpl : public torch::nn::Module {
 public:
  SpectralConv1dImpl(int64_t ni, int64_t no, int64_t ks = 1, int64_t padding = 0);
  at::Tensor forward(const at::Tensor& x);
  /// The normalised weight W / σ (running one power-iteration step when training).
  at::Tensor weight();
  at::Tensor weight_orig, weight_u, weight_v;

 private:
  int64_t padding_;
};
TORCH_MODULE(SpectralConv1d);

/// fastai's SimpleSelfAttention: o = γ · (x xᵀ) · conv(x) + x over the flattened spatial
/// positions, γ starting at 0 (so the block starts as the identity). `sym` makes the conv's
/// weight symmetric — applied after the spectral normalisation (in fastai the spectral norm
/// hook recomputes the weight after the symmetrisation, so there `sym` has no effect).
/// Example: `SimpleSelfAttention sa(256); auto y = sa(x);  // x [N, 256, H, W] → same shape`
class SimpleSelfAttentionImpl : public torch::nn::Module, public HookAware {
 public:
  explicit SimpleSelfAttentionImpl(int64_t n_in, int64_t ks = 1, bool sym = false);
  at::Tensor forward(const at::Tensor& x);
  SpectralConv1d conv{nullptr};
  at::Tensor gamma;

 private:
  int64_t n_in_;
  bool sym_;
};
TORCH_MODULE(SimpleSelfAttention);

/// fastai's SelfAttention (SAGAN's): over the flattened positions, β = softmax(f(x)ᵀ g(x)) and
/// o = γ · h(x) β + x, with query f and key g 1×1 spectrally normalised convs to n/8 channels and
/// value h to n; γ starts at 0 (the layer starts as the identity). State names as fastai's:
/// "query.0.weight_orig", …, "gamma". DynamicUnet's self_attention puts one after a UnetBlock's conv2.
/// Example: `SelfAttention sa(64); auto y = sa(x);  // x [N, 64, H, W] → same shape`
class SelfAttentionImpl : public torch::nn::Module, public HookAware {
 public:
  explicit SelfAttentionImpl(int64_t n_channels);
  at::Tensor forward(const at::Tensor& x);
  SequentialBlock query{nullptr}, key{nullptr}, value{nullptr};
  at::Tensor gamma;
};
TORCH_MODULE(SelfAttention);

}  // namespace fastai
