#include "fastai/vision/models/xresnet.h"

#include <torch/torch.h>

#include <cmath>

namespace fastai {

namespace {

at::Tensor apply_act(Act a, const at::Tensor& x) {
  switch (a) {
    case Act::ReLU:
      return torch::relu(x);
    case Act::Sigmoid:
      return torch::sigmoid(x);
    default:
      return x;
  }
}

/// fastai's SEModule: x · sigmoid(conv(relu(conv(avgpool(x))))) — a SequentialEx whose last
/// layer multiplies by the input; the sub-layers live in `layers` as in fastai.
class SEModuleImpl : public torch::nn::Module, public HookAware {
 public:
  SEModuleImpl(int64_t ch, int64_t reduction, Act act) {
    const int64_t nf = static_cast<int64_t>(std::ceil(static_cast<double>(ch / reduction) / 8.0)) * 8;
    layers = register_module(
        "layers",
        torch::nn::ModuleList(torch::nn::AdaptiveAvgPool2d(1),
                              ConvLayer(ch, nf, {.ks = 1, .norm_type = NormType::None, .act = act}),
                              ConvLayer(nf, ch, {.ks = 1, .norm_type = NormType::None, .act = Act::Sigmoid})));
  }
  at::Tensor forward(const at::Tensor& x) {
    auto w = hooked(layers->ptr<torch::nn::AdaptiveAvgPool2dImpl>(0), x);
    w = hooked(layers->ptr<SequentialBlockImpl>(1), w);
    w = hooked(layers->ptr<SequentialBlockImpl>(2), w);
    return x * w;
  }
  torch::nn::ModuleList layers{nullptr};
};
TORCH_MODULE(SEModule);

void init_cnn(torch::nn::Module& m) {
  torch::NoGradGuard g;
  for (auto& mod : m.modules()) {
    auto params = mod->named_parameters(/*recurse=*/false);
    if (auto* b = params.find("bias"); b && b->defined()) b->zero_();
    const bool conv_or_linear = mod->as<torch::nn::Conv1d>() || mod->as<torch::nn::Conv2d>() ||
                                mod->as<torch::nn::Conv3d>() || mod->as<torch::nn::Linear>();
    if (conv_or_linear)
      if (auto* w = params.find("weight")) torch::nn::init::kaiming_normal_(*w);
  }
}

}  // namespace

ResBlockImpl::ResBlockImpl(int64_t expansion, int64_t ni, int64_t nf, ResBlockOptions o) : act_(o.act) {
  const NormType norm2 = o.norm_type == NormType::Batch ? NormType::BatchZero : o.norm_type;
  const int64_t nh2 = o.nh2.value_or(nf), nh1 = o.nh1.value_or(nh2);
  nf *= expansion;
  ni *= expansion;
  auto k0 = [&](int64_t ks, int64_t stride, int64_t groups) {
    return ConvLayerOptions{
        .ks = ks, .stride = stride, .ndim = o.ndim, .norm_type = o.norm_type, .act = o.act, .groups = groups};
  };
  auto k1 = [&](int64_t ks, int64_t groups) {
    return ConvLayerOptions{.ks = ks, .ndim = o.ndim, .norm_type = norm2, .act = Act::None, .groups = groups};
  };
  SequentialBlock conv;
  if (expansion == 1) {
    conv->push_back(ConvLayer(ni, nh2, k0(o.ks, o.stride, o.dw ? ni : o.groups)));
    conv->push_back(ConvLayer(nh2, nf, k1(o.ks, o.g2)));
  } else {
    conv->push_back(ConvLayer(ni, nh1, k0(1, 1, 1)));
    conv->push_back(ConvLayer(nh1, nh2, k0(o.ks, o.stride, o.dw ? nh1 : o.groups)));
    conv->push_back(ConvLayer(nh2, nf, k1(1, o.g2)));
  }
  if (o.reduction) conv->push_back(SEModule(nf, o.reduction, o.act));
  if (o.sa) conv->push_back(SimpleSelfAttention(nf, 1, o.sym));
  convpath = register_module("convpath", conv);
  SequentialBlock id;
  std::vector<torch::nn::AnyModule> idl;
  if (ni != nf) idl.emplace_back(ConvLayer(ni, nf, {.ks = 1, .ndim = o.ndim, .act = Act::None}));
  if (o.stride != 1) {
    torch::nn::AnyModule pool =
        o.max_pool ? torch::nn::AnyModule(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(o.stride).ceil_mode(true)))
                   : torch::nn::AnyModule(torch::nn::AvgPool2d(torch::nn::AvgPool2dOptions(o.stride).ceil_mode(true)));
    idl.insert(o.pool_first ? idl.begin() : idl.end(), pool);
  }
  for (auto& m : idl) id->push_back(m);
  has_id_ = !idl.empty();
  idpath = register_module("idpath", id);
  // fastai's `self.act` is a module (no parameters), so hooks and summaries see it as fastai does;
  // the activation itself is applied functionally in forward.
  if (o.act == Act::ReLU)
    act = register_module("act", torch::nn::ReLU(torch::nn::ReLUOptions(true)));
  else if (o.act == Act::Sigmoid)
    act = register_module("act", torch::nn::Sigmoid());
  else
    act = register_module("act", torch::nn::Identity());
}

at::Tensor ResBlockImpl::forward(at::Tensor x) {
  auto y = hooked(convpath, x);
  // fastai's idpath is an empty Sequential (the identity) when the shapes agree; libtorch's
  // refuses to run empty, so the identity is applied here and its hooks run on (x, x).
  at::Tensor id = x;
  if (has_id_)
    id = hooked(idpath, x);
  else if (detail::live_hook_count().load(std::memory_order_relaxed) != 0)
    detail::run_module_hooks(*idpath, x, x);
  y = y + id;
  at::Tensor out = apply_act(act_, y);
  if (detail::live_hook_count().load(std::memory_order_relaxed) != 0) detail::run_module_hooks(*act, y, out);
  return out;
}

torch::nn::Sequential XResNet(int64_t expansion, const std::vector<int64_t>& layers, XResNetOptions o) {
  if (o.ks % 2 == 0) throw std::invalid_argument("XResNet: kernel size has to be odd, got " + std::to_string(o.ks));
  if (layers.size() < 4) throw std::invalid_argument("XResNet: needs at least 4 stages of layers");
  if (o.ndim != 2) throw std::invalid_argument("XResNet: only 2-d images are implemented so far");
  const int64_t first = 64 / expansion * expansion;  // what the first stage takes (fastai: 64 // expansion, expanded)
  if (o.stem_szs.empty() || o.stem_szs.back() != first)
    throw std::invalid_argument("XResNet: the stem must end with " + std::to_string(first) +
                                " channels, where the first stage starts; got stem_szs ending in " +
                                (o.stem_szs.empty() ? std::string("nothing") : std::to_string(o.stem_szs.back())));
  torch::nn::Sequential net;
  std::vector<int64_t> stem{o.c_in};
  stem.insert(stem.end(), o.stem_szs.begin(), o.stem_szs.end());
  for (size_t i = 0; i + 1 < stem.size(); ++i)
    net->push_back(ConvLayer(stem[i], stem[i + 1], {.ks = o.ks, .stride = i == 0 ? o.stride : 1, .act = o.act}));
  net->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(o.ks).stride(o.stride).padding(o.ks / 2)));
  std::vector<int64_t> szs{64 / expansion};
  for (size_t i = 0; i < layers.size(); ++i) {
    const int64_t base = i < 4 ? std::vector<int64_t>{64, 128, 256, 512}[i] : 256;
    szs.push_back(static_cast<int64_t>(static_cast<double>(base) * o.widen));
  }
  for (size_t i = 0; i < layers.size(); ++i) {
    SequentialBlock stage;
    const int64_t ni0 = szs[i], nf = szs[i + 1];
    for (int64_t b = 0; b < layers[i]; ++b) {
      ResBlockOptions ro{.stride = b == 0 && i != 0 ? o.stride : 1,
                         .groups = o.groups,
                         .reduction = o.reduction,
                         .act = o.act,
                         .ks = o.ks,
                         .max_pool = o.max_pool,
                         // fastai: sa and i == len(layers) - 4, in the stage's last block
                         .sa = o.sa && i + 4 == layers.size() && b == layers[i] - 1,
                         .sym = o.sym};
      if (o.se_block) ro.nh1 = nf * 2, ro.nh2 = nf * expansion;
      if (o.resnext_block)
        ro.nh2 = static_cast<int64_t>(std::floor(static_cast<double>(nf) * o.base_width / 64.0)) * o.groups;
      stage->push_back(ResBlock(expansion, b == 0 ? ni0 : nf, nf, ro));
    }
    net->push_back(stage);
  }
  net->push_back(torch::nn::AdaptiveAvgPool2d(1));
  net->push_back(torch::nn::Flatten());
  net->push_back(torch::nn::Dropout(o.p));
  net->push_back(torch::nn::Linear(szs.back() * expansion, o.n_out));
  init_cnn(*net);
  return net;
}

namespace {
const std::vector<int64_t> g0{2, 2, 2, 2}, g1{3, 4, 6, 3}, g2{3, 4, 23, 3}, g3{3, 8, 36, 3};
XResNetOptions se(XResNetOptions o, int64_t groups, int64_t reduction, bool resnext) {
  o.groups = groups, o.reduction = reduction;
  (resnext ? o.resnext_block : o.se_block) = true;
  return o;
}
}  // namespace

torch::nn::Sequential xresnet18(XResNetOptions o) { return XResNet(1, g0, o); }
torch::nn::Sequential xresnet34(XResNetOptions o) { return XResNet(1, g1, o); }
torch::nn::Sequential xresnet50(XResNetOptions o) { return XResNet(4, g1, o); }
torch::nn::Sequential xresnet101(XResNetOptions o) { return XResNet(4, g2, o); }
torch::nn::Sequential xresnet152(XResNetOptions o) { return XResNet(4, g3, o); }
torch::nn::Sequential xresnet18_deep(XResNetOptions o) { return XResNet(1, {2, 2, 2, 2, 1, 1}, o); }
torch::nn::Sequential xresnet34_deep(XResNetOptions o) { return XResNet(1, {3, 4, 6, 3, 1, 1}, o); }
torch::nn::Sequential xresnet50_deep(XResNetOptions o) { return XResNet(4, {3, 4, 6, 3, 1, 1}, o); }
torch::nn::Sequential xresnet18_deeper(XResNetOptions o) { return XResNet(1, {2, 2, 1, 1, 1, 1, 1, 1}, o); }
torch::nn::Sequential xresnet34_deeper(XResNetOptions o) { return XResNet(1, {3, 4, 6, 3, 1, 1, 1, 1}, o); }
torch::nn::Sequential xresnet50_deeper(XResNetOptions o) { return XResNet(4, {3, 4, 6, 3, 1, 1, 1, 1}, o); }
torch::nn::Sequential xse_resnet18(XResNetOptions o) { return XResNet(1, g0, se(o, 1, 16, false)); }
torch::nn::Sequential xse_resnet34(XResNetOptions o) { return XResNet(1, g1, se(o, 1, 16, false)); }
torch::nn::Sequential xse_resnet50(XResNetOptions o) { return XResNet(4, g1, se(o, 1, 16, false)); }
torch::nn::Sequential xresnext18(XResNetOptions o) { return XResNet(1, g0, se(o, 32, 0, true)); }
torch::nn::Sequential xresnext34(XResNetOptions o) { return XResNet(1, g1, se(o, 32, 0, true)); }
torch::nn::Sequential xresnext50(XResNetOptions o) { return XResNet(4, g1, se(o, 32, 0, true)); }
torch::nn::Sequential xse_resnext18(XResNetOptions o) { return XResNet(1, g0, se(o, 32, 16, true)); }
torch::nn::Sequential xse_resnext34(XResNetOptions o) { return XResNet(1, g1, se(o, 32, 16, true)); }
torch::nn::Sequential xse_resnext50(XResNetOptions o) { return XResNet(4, g1, se(o, 32, 16, true)); }

}  // namespace fastai
