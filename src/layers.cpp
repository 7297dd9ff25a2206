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

WeightNormConv2dImpl::WeightNormConv2dImpl(torch::nn::Conv2dOptions o) : o_(o) {
  // PyTorch's weight_norm starts from the conv's own initialisation: g = ‖w‖, v = w.
  torch::nn::Conv2d c(o);
  if (o.bias()) bias = register_parameter("bias", c->bias.detach().clone());
  weight_g = register_parameter("weight_g", c->weight.detach().flatten(1).norm(2, 1).view({-1, 1, 1, 1}).clone());
  weight_v = register_parameter("weight_v", c->weight.detach().clone());
}

at::Tensor WeightNormConv2dImpl::weight() const {
  return weight_v * (weight_g / weight_v.flatten(1).norm(2, 1).view({-1, 1, 1, 1}));
}

at::Tensor WeightNormConv2dImpl::forward(const at::Tensor& x) {
  const auto& pad = c10::get<torch::ExpandingArray<2>>(o_.padding());
  return torch::conv2d(x, weight(), bias, o_.stride(), pad, o_.dilation(), o_.groups());
}

const char* act_name(Act a) { return a == Act::Sigmoid ? "sigmoid" : a == Act::None ? "none" : "relu"; }
Act act_from_name(const std::string& s) { return s == "sigmoid" ? Act::Sigmoid : s == "none" ? Act::None : Act::ReLU; }

SequentialBlock ConvLayer(int64_t ni, int64_t nf, ConvLayerOptions o) {
  const int64_t padding = o.padding.value_or((o.ks - 1) / 2);
  // Weight normalisation is not a norm layer: the conv keeps its bias (fastai's `bn`).
  const bool bn = o.norm_type == NormType::Batch || o.norm_type == NormType::BatchZero;
  const bool bias = o.bias.value_or(!bn);
  SequentialBlock s;
  auto setup = [&](auto conv) {
    torch::NoGradGuard g;
    if (bias) {
      if (o.bias_std != 0)
        conv->bias.normal_(0, o.bias_std);
      else
        conv->bias.zero_();
    }
    // ReLU → kaiming_uniform_ (fastai sets it as ReLU's __default_init__); no activation → PyTorch's default.
    if (o.act == Act::ReLU) torch::nn::init::kaiming_uniform_(conv->weight);
    if (o.act == Act::Sigmoid) torch::nn::init::xavier_uniform_(conv->weight);  // fastai's sigmoid __default_init__
    s->push_back(conv);
  };
  switch (o.ndim) {
    case 1:
      if (o.norm_type == NormType::Weight) throw std::invalid_argument("ConvLayer: weight normalisation is 2-d only");
      setup(torch::nn::Conv1d(
          torch::nn::Conv1dOptions(ni, nf, o.ks).stride(o.stride).padding(padding).bias(bias).groups(o.groups)));
      break;
    case 2:
      setup(
          Conv2d(torch::nn::Conv2dOptions(ni, nf, o.ks).stride(o.stride).padding(padding).bias(bias).groups(o.groups)));
      if (o.norm_type == NormType::Weight) {
        // fastai: weight_norm(conv) after the conv's init; g and v start from that weight.
        auto c = s->ptr<Conv2dImpl>(0);
        WeightNormConv2d wn(torch::nn::Conv2dOptions(ni, nf, o.ks).stride(o.stride).padding(padding).bias(bias).groups(o.groups));
        torch::NoGradGuard g;
        if (bias) wn->bias.copy_(c->bias);
        wn->weight_v.copy_(c->weight);
        wn->weight_g.copy_(c->weight.flatten(1).norm(2, 1).view({-1, 1, 1, 1}));
        s = SequentialBlock();
        s->push_back(wn);
      }
      break;
    case 3:
      if (o.norm_type == NormType::Weight) throw std::invalid_argument("ConvLayer: weight normalisation is 2-d only");
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

void init_default(torch::nn::Module& m, const InitFunc& func) {
  torch::NoGradGuard g;
  auto own = m.named_parameters(/*recurse=*/false);
  if (auto* w = own.find("weight"); w && w->defined()) {
    if (func)
      func(*w);
    else
      torch::nn::init::kaiming_normal_(*w);
  }
  if (auto* b = own.find("bias"); b && b->defined()) b->zero_();
}

void apply_init(torch::nn::Module& m, const InitFunc& func) {
  for (const auto& mod : m.modules(/*include_self=*/true)) {
    const bool norm = mod->as<torch::nn::BatchNorm1d>() || mod->as<torch::nn::BatchNorm2d>() ||
                      mod->as<torch::nn::BatchNorm3d>() || mod->as<torch::nn::InstanceNorm1d>() ||
                      mod->as<torch::nn::InstanceNorm2d>() || mod->as<torch::nn::InstanceNorm3d>() ||
                      mod->as<torch::nn::LayerNorm>();
    if (norm) continue;
    const auto ps = mod->parameters();
    if (ps.empty() || !ps.front().requires_grad()) continue;
    init_default(*mod, func);
  }
}

}  // namespace fastai
