#pragma once
/// fastai.vision.models.xresnet: the "bag of tricks" ResNet (a 3-conv stem, average-pool
/// shortcuts, zero-initialised last BN of each residual branch) with fastai's variants —
/// xresnet18/34/50/101/152, the _deep/_deeper ones, xse_resnet (squeeze-excitation) and
/// xresnext (grouped convs). Layer names follow fastai's nn.Sequential layout ("0.0.weight",
/// "4.0.convpath.0.0.weight", …) so a fastai state_dict maps 1:1.
///
/// Thread-safety: Modules: forward in eval mode without grad may run on many threads at once; training is
/// one thread's.
#include <cstdint>
#include <optional>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>

#include "fastai/core/module_hooks.h"
#include "fastai/layers.h"
#include "fastai/self_attention.h"

namespace fastai {

/// Keyword arguments of ResBlock (fastai's names and defaults).
/// Example: `ResBlock(1, 64, 64, {.stride = 2})`
struct ResBlockOptions {
  int64_t stride = 1;
  int64_t groups = 1;
  int64_t reduction = 0;            ///< squeeze-excitation reduction (0: none)
  std::optional<int64_t> nh1, nh2;  ///< hidden widths (default nf)
  bool dw = false;                  ///< depthwise middle conv
  int64_t g2 = 1;                   ///< groups of the last conv
  NormType norm_type = NormType::Batch;
  Act act = Act::ReLU;
  int ndim = 2;
  int64_t ks = 3;
  bool max_pool = false;   ///< shortcut pooling: average (fastai's default) or max
  bool pool_first = true;  ///< pool before the shortcut's 1×1 conv
  bool sa = false;         ///< SimpleSelfAttention at the end of the conv path
  bool sym = false;        ///< its weight symmetric
};

/// fastai's ResBlock: act(convpath(x) + idpath(x)), convpath two (expansion 1) or three
/// (bottleneck) ConvLayers ending in a zero-initialised BN, optional SE module; idpath pools
/// (stride ≠ 1) and projects (ni ≠ nf) the input.
/// Example: `ResBlock b(1, 64, 128, {.stride = 2}); auto y = b->forward(x);  // [N,128,H/2,W/2]`
class ResBlockImpl : public torch::nn::Module, public HookAware {
 public:
  ResBlockImpl(int64_t expansion, int64_t ni, int64_t nf, ResBlockOptions options = {});
  at::Tensor forward(at::Tensor x);
  SequentialBlock convpath{nullptr}, idpath{nullptr};
  std::shared_ptr<torch::nn::Module> act;  ///< fastai's `act` (ReLU, Sigmoid or Identity): no parameters

 private:
  bool has_id_ = false;
  Act act_;
};
TORCH_MODULE(ResBlock);

/// Keyword arguments of XResNet (fastai's defaults).
/// Example: `xresnet18({.c_in = 1, .n_out = 10})`
struct XResNetOptions {
  double p = 0.0;  ///< dropout before the final linear layer
  int64_t c_in = 3;
  int64_t n_out = 1000;
  std::vector<int64_t> stem_szs = {32, 32, 64};
  double widen = 1.0;
  Act act = Act::ReLU;
  int ndim = 2;
  int64_t ks = 3;
  int64_t stride = 2;
  bool max_pool = false;  ///< shortcut pooling (see ResBlockOptions)
  // block kinds (set by the xse_/xresnext factories)
  int64_t groups = 1;
  int64_t reduction = 0;
  bool se_block = false;       ///< SEBlock: nh1 = 2·nf, nh2 = nf·expansion
  bool resnext_block = false;  ///< SEResNeXtBlock: nh2 = floor(nf·base_width/64)·groups
  int64_t base_width = 4;
  bool sa = false;   ///< SimpleSelfAttention in the last block of the 4th-from-last stage (fastai's sa)
  bool sym = false;  ///< symmetric self-attention weight
};

/// XResNet(expansion, layers): stem, max-pool, one stage per entry of `layers`, average pool,
/// flatten, dropout, linear; conv and linear weights kaiming-normal, biases zero (fastai's init_cnn).
/// Example: `torch::nn::Sequential m = XResNet(1, {2, 2, 2, 2}, {.n_out = 10});`
torch::nn::Sequential XResNet(int64_t expansion, const std::vector<int64_t>& layers, XResNetOptions options = {});

/// fastai's named variants. Example: `auto model = xresnet18({.c_in = 1, .n_out = 10});`
torch::nn::Sequential xresnet18(XResNetOptions o = {});
torch::nn::Sequential xresnet34(XResNetOptions o = {});
torch::nn::Sequential xresnet50(XResNetOptions o = {});
torch::nn::Sequential xresnet101(XResNetOptions o = {});
torch::nn::Sequential xresnet152(XResNetOptions o = {});
torch::nn::Sequential xresnet18_deep(XResNetOptions o = {});
torch::nn::Sequential xresnet34_deep(XResNetOptions o = {});
torch::nn::Sequential xresnet50_deep(XResNetOptions o = {});
torch::nn::Sequential xresnet18_deeper(XResNetOptions o = {});
torch::nn::Sequential xresnet34_deeper(XResNetOptions o = {});
torch::nn::Sequential xresnet50_deeper(XResNetOptions o = {});
/// Squeeze-excitation (reduction 16) variants. Example: `xse_resnet50({.n_out = 10})`
torch::nn::Sequential xse_resnet18(XResNetOptions o = {});
torch::nn::Sequential xse_resnet34(XResNetOptions o = {});
torch::nn::Sequential xse_resnet50(XResNetOptions o = {});
/// ResNeXt (32 groups) without / with squeeze-excitation. Example: `xresnext50({.n_out = 10})`
torch::nn::Sequential xresnext18(XResNetOptions o = {});
torch::nn::Sequential xresnext34(XResNetOptions o = {});
torch::nn::Sequential xresnext50(XResNetOptions o = {});
torch::nn::Sequential xse_resnext18(XResNetOptions o = {});
torch::nn::Sequential xse_resnext34(XResNetOptions o = {});
torch::nn::Sequential xse_resnext50(XResNetOptions o = {});

}  // namespace fastai
