#include "fastai/layers.h"

#include "fastai/conv.h"

#include <torch/torch.h>

#include <stdexcept>

namespace fastai {

torch::nn::AnyModule BatchNorm(int64_t nf, int ndim, NormType norm_type) {
  const double w = norm_type == NormType::BatchZero ? 0.0 : 1.0;
  auto init = [&](auto bn) {
    torch::NoGradGuard g;
    bn->bias.fill_(1e-3);
    bn->weight.fill_(w);
    return torch::nn::AnyModule(bn);
  };
  switch (ndim) {
    case 1:
      return init(torch::nn::BatchNorm1d(nf));
    case 2:
      return init(torch::nn::BatchNorm2d(nf));
    case 3:
      return init(torch::nn::BatchNorm3d(nf));
    default:
      throw std::invalid_argument("BatchNorm: ndim must be 1, 2 or 3, got " + std::to_string(ndim));
  }
}

SequentialBlock ConvLayer(int64_t ni, int64_t nf, ConvLayerOptions o) {
  const int64_t padding = o.padding.value_or((o.ks - 1) / 2);
  const bool bn = o.norm_type != NormType::None;
  const bool bias = o.bias.value_or(!bn);
  SequentialBlock s;
  auto setup = [&](auto conv) {
    torch::NoGradGuard g;
    if (bias) conv->bias.normal_(0, 0.01);
    // ReLU → kaiming_uniform_ (fastai sets it as ReLU's __default_init__); no activation → PyTorch's default.
    if (o.act == Act::ReLU) torch::nn::init::kaiming_uniform_(conv->weight);
    if (o.act == Act::Sigmoid) torch::nn::init::xavier_uniform_(conv->weight);  // fastai's sigmoid __default_init__
    s->push_back(conv);
  };
  switch (o.ndim) {
    case 1:
      setup(torch::nn::Conv1d(
          torch::nn::Conv1dOptions(ni, nf, o.ks).stride(o.stride).padding(padding).bias(bias).groups(o.groups)));
      break;
    case 2:
      setup(
          Conv2d(torch::nn::Conv2dOptions(ni, nf, o.ks).stride(o.stride).padding(padding).bias(bias).groups(o.groups)));
      break;
    case 3:
      setup(torch::nn::Conv3d(
          torch::nn::Conv3dOptions(ni, nf, o.ks).stride(o.stride).padding(padding).bias(bias).groups(o.groups)));
      break;
    default:
      throw std::invalid_argument("ConvLayer: ndim must be 1, 2 or 3, got " + std::to_string(o.ndim));
  }
  auto push_act = [&] {
    if (o.act == Act::ReLU) s->push_back(torch::nn::ReLU());
    if (o.act == Act::Sigmoid) s->push_back(torch::nn::Sigmoid());
  };
  if (o.bn_1st) {
    if (bn) s->push_back(BatchNorm(nf, o.ndim, o.norm_type));
    push_act();
  } else {
    push_act();
    if (bn) s->push_back(BatchNorm(nf, o.ndim, o.norm_type));
  }
  return s;
}

SimpleCnn simple_cnn(int64_t n_out) {
  return SimpleCnn(torch::nn::Sequential(ConvLayer(1, 8, {.ks = 5, .stride = 2}), ConvLayer(8, 16, {.stride = 2}),
                                         ConvLayer(16, 32, {.stride = 2}), ConvLayer(32, 64, {.stride = 2}),
                                         ConvLayer(64, n_out, {.stride = 2, .act = Act::None}), torch::nn::Flatten()),
                   n_out);
}

std::string SimpleCnn::model_spec() const {
  return "{\"builder\":\"simple_cnn\",\"n_out\":" + std::to_string(n_out_) + "}";
}

SequentialBlock LinBnDrop(int64_t n_in, int64_t n_out, LinBnDropOptions o) {
  SequentialBlock s;
  auto bn_drop = [&] {
    if (o.bn) s->push_back(BatchNorm(o.lin_first ? n_out : n_in, 1));
    if (o.p != 0) s->push_back(torch::nn::Dropout(o.p));
  };
  auto lin = [&] {
    s->push_back(torch::nn::Linear(torch::nn::LinearOptions(n_in, n_out).bias(!o.bn)));
    if (o.act) s->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
  };
  if (o.lin_first) {
    lin();
    bn_drop();
  } else {
    bn_drop();
    lin();
  }
  return s;
}

at::Tensor SigmoidRangeImpl::forward(const at::Tensor& x) { return torch::sigmoid(x) * (high_ - low_) + low_; }

torch::nn::Embedding Embedding(int64_t ni, int64_t nf) {
  torch::nn::Embedding e(ni, nf);
  torch::NoGradGuard g;
  e->weight.normal_().fmod_(2).mul_(0.01);  // fastai's trunc_normal_(std=0.01)
  return e;
}

}  // namespace fastai
