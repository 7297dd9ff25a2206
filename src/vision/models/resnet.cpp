#include "fastai/vision/models/resnet.h"

#include <torch/torch.h>

namespace fastai {
namespace nn = torch::nn;

namespace {

Conv2d conv(int64_t in, int64_t out, int64_t ks, int64_t stride) {
  return Conv2d(nn::Conv2dOptions(in, out, ks).stride(stride).padding(ks / 2).bias(false));
}

// torchvision: a 1×1 conv (stride) + BN when the block changes the shape.
nn::Sequential downsample_for(int64_t inplanes, int64_t out, int64_t stride) {
  if (stride == 1 && inplanes == out) return nullptr;
  return nn::Sequential(conv(inplanes, out, 1, stride), nn::BatchNorm2d(out));
}

}  // namespace

BasicBlockImpl::BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride) {
  conv1 = register_module("conv1", conv(inplanes, planes, 3, stride));
  bn1 = register_module("bn1", nn::BatchNorm2d(planes));
  conv2 = register_module("conv2", conv(planes, planes, 3, 1));
  bn2 = register_module("bn2", nn::BatchNorm2d(planes));
  if (auto d = downsample_for(inplanes, planes * expansion, stride)) downsample = register_module("downsample", d);
}

at::Tensor BasicBlockImpl::forward(const at::Tensor& x) {
  auto out = torch::relu(hooked(bn1, hooked(conv1, x)));
  out = hooked(bn2, hooked(conv2, out));
  return torch::relu(out + (downsample ? hooked(downsample, x) : x));
}

BottleneckImpl::BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride) {
  conv1 = register_module("conv1", conv(inplanes, planes, 1, 1));
  bn1 = register_module("bn1", nn::BatchNorm2d(planes));
  conv2 = register_module("conv2", conv(planes, planes, 3, stride));
  bn2 = register_module("bn2", nn::BatchNorm2d(planes));
  conv3 = register_module("conv3", conv(planes, planes * expansion, 1, 1));
  bn3 = register_module("bn3", nn::BatchNorm2d(planes * expansion));
  if (auto d = downsample_for(inplanes, planes * expansion, stride)) downsample = register_module("downsample", d);
}

at::Tensor BottleneckImpl::forward(const at::Tensor& x) {
  auto out = torch::relu(hooked(bn1, hooked(conv1, x)));
  out = torch::relu(hooked(bn2, hooked(conv2, out)));
  out = hooked(bn3, hooked(conv3, out));
  return torch::relu(out + (downsample ? hooked(downsample, x) : x));
}

ResNetImpl::ResNetImpl(bool bottleneck, std::vector<int64_t> layers, ResNetOptions o) {
  if (layers.size() != 4) throw std::invalid_argument("ResNet: four stages, got " + std::to_string(layers.size()));
  conv1 = register_module("conv1", Conv2d(nn::Conv2dOptions(o.c_in, 64, 7).stride(2).padding(3).bias(false)));
  bn1 = register_module("bn1", nn::BatchNorm2d(64));
  const int64_t expansion = bottleneck ? BottleneckImpl::expansion : BasicBlockImpl::expansion;
  int64_t inplanes = 64;
  auto stage = [&](int64_t planes, int64_t blocks, int64_t stride) {
    nn::Sequential s;
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t st = b == 0 ? stride : 1;
      if (bottleneck)
        s->push_back(Bottleneck(inplanes, planes, st));
      else
        s->push_back(BasicBlock(inplanes, planes, st));
      inplanes = planes * expansion;
    }
    return s;
  };
  layer1 = register_module("layer1", stage(64, layers[0], 1));
  layer2 = register_module("layer2", stage(128, layers[1], 2));
  layer3 = register_module("layer3", stage(256, layers[2], 2));
  layer4 = register_module("layer4", stage(512, layers[3], 2));
  num_features_ = 512 * expansion;
  fc = register_module("fc", nn::Linear(num_features_, o.num_classes));
  // torchvision's init: convs kaiming_normal_(fan_out, relu), BNs weight 1 and bias 0.
  torch::NoGradGuard g;
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* c = m->as<nn::Conv2dImpl>()) nn::init::kaiming_normal_(c->weight, 0, torch::kFanOut, torch::kReLU);
    if (auto* b = m->as<nn::BatchNorm2dImpl>()) {
      b->weight.fill_(1);
      b->bias.zero_();
    }
  }
}

at::Tensor ResNetImpl::forward(const at::Tensor& x) {
  auto y = torch::max_pool2d(torch::relu(hooked(bn1, hooked(conv1, x))), 3, 2, 1);
  y = hooked(layer4, hooked(layer3, hooked(layer2, hooked(layer1, y))));
  return hooked(fc, torch::adaptive_avg_pool2d(y, {1, 1}).flatten(1));
}

SequentialBlock ResNetImpl::body() const {
  SequentialBlock s;
  s->push_back(conv1);
  s->push_back(bn1);
  s->push_back(nn::ReLU(nn::ReLUOptions(true)));
  s->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
  for (const auto& l : {layer1, layer2, layer3, layer4}) {
    SequentialBlock stage;  // the same blocks (AnyModule shares them), so body and model train together
    for (const auto& m : *l) stage->push_back(m);
    s->push_back(stage);
  }
  return s;
}

ResNet resnet18(ResNetOptions o) { return ResNet(false, std::vector<int64_t>{2, 2, 2, 2}, o); }
ResNet resnet34(ResNetOptions o) { return ResNet(false, std::vector<int64_t>{3, 4, 6, 3}, o); }
ResNet resnet50(ResNetOptions o) { return ResNet(true, std::vector<int64_t>{3, 4, 6, 3}, o); }

}  // namespace fastai
