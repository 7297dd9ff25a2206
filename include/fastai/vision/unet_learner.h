#pragma once
/// fastai.vision.learner's U-Net part: create_unet_model (an architecture's body cut and grown
/// into a DynamicUnet) and unet_learner (the Learner around it, with the architecture's
/// splitter; the loss comes from the masks: CrossEntropyLossFlat(axis=1)).
///
/// Thread-safety: unet_learner returns a Learner (learner.h); the model follows unet.h.
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "fastai/learner.h"
#include "fastai/vision/learner.h"
#include "fastai/vision/models/unet.h"

namespace fastai {

/// Keyword arguments of unet_learner: the model's, then the Learner's (fastai's defaults).
/// Example: `unet_learner(dls, xresnet18, {.n_in = 1, .model = {.self_attention = true}, .metrics = {DiceMulti()}})`
struct UnetLearnerOptions {
  std::optional<int64_t> n_out;  ///< default: the number of codes of the masks
  std::optional<int64_t> n_in;   ///< default: the channels of the loaders' images
  std::optional<int64_t> cut;    ///< where the architecture is cut (default: xresnet -4, resnet -2)
  /// The size the model is built for (default: one training batch's height and width).
  std::optional<std::pair<int64_t, int64_t>> img_size;
  /// Pretrained weights for a torchvision ResNet (as vision_learner's): loaded before the cut;
  /// the body is then frozen.
  std::filesystem::path weights;
  /// DynamicUnet's own keyword arguments: blur, blur_final, self_attention, y_range, last_cross,
  /// bottle, act, norm_type.
  DynamicUnetOptions model;
  /// Keyword arguments for an XResNet architecture (dropout, stem sizes, widen, …).
  XResNetOptions arch;
  /// Then the Learner's own keyword arguments (loss_func, opt_func, lr, splitter, cbs, metrics, path, …).
  FASTAI_LEARNER_OPTIONS(FASTAI_DECLARE_OPTION)
};

/// fastai's create_unet_model for an xresnet: the body (cut) of `arch` with `n_in` channels
/// grown into a DynamicUnet of `n_out` classes for `img_size` images.
/// Example: `auto unet = create_unet_model(xresnet18, 11, {64, 64}, 1);`
DynamicUnet create_unet_model(XResNetArch arch, int64_t n_out, std::pair<int64_t, int64_t> img_size, int64_t n_in = 3,
                              DynamicUnetOptions model = {}, std::optional<int64_t> cut = std::nullopt,
                              XResNetOptions arch_options = {});

/// The same for a torchvision ResNet (weights, when given, loaded before the cut).
/// Example: `auto unet = create_unet_model(resnet34, 32, {96, 128}, 3, {}, std::nullopt, "resnet34.pt");`
DynamicUnet create_unet_model(ResNetArch arch, int64_t n_out, std::pair<int64_t, int64_t> img_size, int64_t n_in = 3,
                              DynamicUnetOptions model = {}, std::optional<int64_t> cut = std::nullopt,
                              const std::filesystem::path& weights = {});

/// fastai's _xresnet_split for a U-Net: the encoder's stem (its first 3 children), the rest of
/// the encoder, the decoder — three parameter groups.
/// Example: `.splitter = unet_xresnet_split`
std::vector<std::vector<at::Tensor>> unet_xresnet_split(const Model& m);

/// fastai's _resnet_split for a U-Net on a torchvision ResNet: encoder children [0, 6), the rest
/// of the encoder, the decoder.
/// Example: `.splitter = unet_resnet_split`
std::vector<std::vector<at::Tensor>> unet_resnet_split(const Model& m);

/// fastai's unet_learner: create_unet_model sized from the data (classes from the masks' codes,
/// channels and image size from a batch), the architecture's splitter, and a Learner (loss from
/// the masks: CrossEntropyLossFlat(axis=1)). Exportable for fastai's own architectures.
/// Example:
///   auto learn = unet_learner(dls, xresnet18, {.metrics = {DiceMulti()}});
///   learn.fit_one_cycle(4, 1e-3);
Learner unet_learner(DataLoaders dls, XResNetArch arch, UnetLearnerOptions options = {});

/// unet_learner on a torchvision ResNet; with `.weights`, loads them and freezes the encoder.
/// Example: `auto learn = unet_learner(dls, resnet34, {.weights = "resnet34.pt"}); learn.fine_tune(4);`
Learner unet_learner(DataLoaders dls, ResNetArch arch, UnetLearnerOptions options = {});

}  // namespace fastai
