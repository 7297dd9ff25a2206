#pragma once
/// fastai.layers' icnr_init and PixelShuffle_ICNR: upsampling by a 1×1 conv to scale² times the
/// channels and a pixel shuffle, the conv initialised so the shuffle starts as nearest-neighbour
/// upsampling (ICNR: no checkerboard at the start). DynamicUnet's upsampling.
///
/// Thread-safety: Modules: forward in eval mode without grad may run on many threads at once; training is
/// one thread's.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>

#include "fastai/layers.h"

namespace fastai {

/// fastai's icnr_init: a weight of `x`'s shape [ni, nf, h, w] whose ni/scale² kaiming-normal
/// filters are each repeated scale² times, in the order PixelShuffle reads them.
/// Example: `conv->weight.copy_(icnr_init(conv->weight));`
at::Tensor icnr_init(const at::Tensor& x, int64_t scale = 2);

/// Keyword arguments of PixelShuffle_ICNR (fastai's defaults).
/// Example: `PixelShuffle_ICNR(64, {.nf = 32, .blur = true, .norm_type = NormType::None})`
struct PixelShuffleICNROptions {
  std::optional<int64_t> nf;  ///< output channels (default ni)
  int64_t scale = 2;
  bool blur = false;  ///< ReplicationPad2d((1, 0, 1, 0)) + AvgPool2d(2, stride 1) after the shuffle
  NormType norm_type = NormType::Weight;
  Act act = Act::ReLU;
};

/// fastai's PixelShuffle_ICNR: [ConvLayer(ni, nf·scale², ks 1, bias zero), PixelShuffle(scale)
/// (, blur)], the conv weight (weight_v under weight normalisation) from icnr_init. State names
/// as fastai's ("0.0.weight_v", "0.0.weight_g", "0.0.bias").
/// Example: `auto up = PixelShuffle_ICNR(64); auto y = up->forward(x);  // [N,64,H,W] → [N,64,2H,2W]`
SequentialBlock PixelShuffle_ICNR(int64_t ni, PixelShuffleICNROptions options = {});

}  // namespace fastai
