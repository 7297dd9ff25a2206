#include "fastai/pixel_shuffle.h"

#include <torch/torch.h>

#include "fastai/conv.h"

namespace fastai {

at::Tensor icnr_init(const at::Tensor& x, int64_t scale) {
  if (x.dim() != 4) throw std::invalid_argument("icnr_init: expects a 4-d conv weight, got " + c10::str(x.sizes()));
  const int64_t ni = x.size(0), nf = x.size(1), h = x.size(2), w = x.size(3), s2 = scale * scale;
  if (ni % s2 != 0)
    throw std::invalid_argument("icnr_init: " + std::to_string(ni) + " output channels are not a multiple of scale² = " +
                                std::to_string(s2));
  torch::NoGradGuard g;
  auto k = torch::zeros({ni / s2, nf, h, w}, x.options());
  torch::nn::init::kaiming_normal_(k);
  k = k.transpose(0, 1).contiguous().view({ni / s2, nf, -1});
  k = k.repeat({1, 1, s2});
  return k.contiguous().view({nf, ni, h, w}).transpose(0, 1);
}

SequentialBlock PixelShuffle_ICNR(int64_t ni, PixelShuffleICNROptions o) {
  const int64_t nf = o.nf.value_or(ni);
  auto conv = ConvLayer(ni, nf * o.scale * o.scale, {.ks = 1, .norm_type = o.norm_type, .act = o.act, .bias_std = 0});
  {
    torch::NoGradGuard g;
    if (o.norm_type == NormType::Weight) {
      auto c = conv->ptr<WeightNormConv2dImpl>(0);
      c->weight_v.copy_(icnr_init(c->weight_v, o.scale));
      c->weight_g.copy_(c->weight_v.pow(2).sum({1, 2, 3}).sqrt().view({-1, 1, 1, 1}));
    } else {
      auto c = conv->ptr<Conv2dImpl>(0);
      c->weight.copy_(icnr_init(c->weight, o.scale));
    }
  }
  SequentialBlock s;
  s->push_back(conv);
  s->push_back(torch::nn::PixelShuffle(o.scale));
  if (o.blur) {
    s->push_back(torch::nn::ReplicationPad2d(torch::nn::ReplicationPad2dOptions({1, 0, 1, 0})));
    s->push_back(torch::nn::AvgPool2d(torch::nn::AvgPool2dOptions(2).stride(1)));
  }
  return s;
}

}  // namespace fastai
