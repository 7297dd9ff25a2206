#pragma once
/// torchvision's ResNet (resnet18/34/50) in libtorch with torchvision's module and parameter
/// names — "conv1.weight", "layer2.0.downsample.1.running_mean", "fc.bias" — so a PyTorch
/// state_dict maps onto it 1:1. fastai's vision_learner uses these as bodies (cut before
/// avgpool), with ImageNet statistics.
///
/// Example:
///   auto m = fastai::resnet34({.num_classes = 10});
///   at::Tensor y = m->forward(torch::rand({2, 3, 224, 224}));   // [2, 10]
///   auto body = m->body();                                      // conv1 … layer4, for create_head
///
/// Thread-safety: Modules: forward in eval mode without grad may run on many threads at once; training and
/// loading weights are one thread's.
#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include "fastai/conv.h"
#include "fastai/core/module_hooks.h"
#include "fastai/layers.h"

namespace fastai {

/// torchvision's BasicBlock (expansion 1): conv1 3×3 (stride) → bn1 → relu → conv2 3×3 → bn2,
/// plus the input (through `downsample` when the shape changes), then relu.
/// Example: `BasicBlock b(64, 128, 2);`
class BasicBlockImpl : public torch::nn::Module, public HookAware {
 public:
  static constexpr int64_t expansion = 1;
  BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride = 1);
  at::Tensor forward(const at::Tensor& x);
  Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(BasicBlock);

/// torchvision's Bottleneck (expansion 4, stride on the 3×3 conv as in torchvision ≥ 0.4):
/// conv1 1×1 → conv2 3×3 (stride) → conv3 1×1 to planes·4, each followed by its BN.
/// Example: `Bottleneck b(256, 128, 2);`
class BottleneckImpl : public torch::nn::Module, public HookAware {
 public:
  static constexpr int64_t expansion = 4;
  BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride = 1);
  at::Tensor forward(const at::Tensor& x);
  Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

/// Keyword arguments of the resnet constructors (torchvision's num_classes; c_in is ours, for
/// greyscale inputs — torchvision always takes 3 channels).
/// Example: `resnet18({.num_classes = 10, .c_in = 1})`
struct ResNetOptions {
  int64_t num_classes = 1000;
  int64_t c_in = 3;
};

/// torchvision's ResNet: conv1 7×7/2 → bn1 → relu → maxpool 3×3/2 → layer1…layer4 → avgpool →
/// flatten → fc. Convolutions start kaiming-normal (fan_out, relu), BNs at weight 1, bias 0,
/// as torchvision.
/// Example: `ResNet m = resnet50();`
class ResNetImpl : public torch::nn::Module, public HookAware {
 public:
  /// `bottleneck`: Bottleneck blocks (else BasicBlock); `layers`: blocks per stage.
  ResNetImpl(bool bottleneck, std::vector<int64_t> layers, ResNetOptions options = {});
  at::Tensor forward(const at::Tensor& x);
  /// conv1 … layer4 as one Sequential sharing these modules (fastai's create_body with cut −2).
  SequentialBlock body() const;
  /// Channels out of layer4 (512 or 2048).
  int64_t num_features() const noexcept { return num_features_; }

  Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
  torch::nn::Linear fc{nullptr};

 private:
  int64_t num_features_ = 0;
};
TORCH_MODULE(ResNet);

/// torchvision's resnet18 (BasicBlock, [2, 2, 2, 2]; 11,689,512 parameters with 1000 classes).
/// Example: `auto m = resnet18({.num_classes = 10});`
ResNet resnet18(ResNetOptions options = {});
/// torchvision's resnet34 (BasicBlock, [3, 4, 6, 3]; 21,797,672 parameters).
/// Example: `auto learn = vision_learner(dls, resnet34);`
ResNet resnet34(ResNetOptions options = {});
/// torchvision's resnet50 (Bottleneck, [3, 4, 6, 3]; 25,557,032 parameters).
/// Example: `auto body = resnet50()->body();  // 2048 channels out`
ResNet resnet50(ResNetOptions options = {});

}  // namespace fastai
