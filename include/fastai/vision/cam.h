#pragma once
/// Class activation maps on hooks, as the fastai book's interpretation chapter builds them:
/// CAM (the activations of a layer weighted by the final Linear's weights for a class) and
/// Grad-CAM (weighted by the mean gradient of the class score over each channel), drawn over the
/// image as a PNG heat map.
///
/// Thread-safety: these run the model with hooks and (Grad-CAM) a backward pass: one thread, while
/// nothing else uses the model.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

#include <torch/nn/module.h>

#include "fastai/core/item.h"
#include "fastai/learner.h"
#include "fastai/model.h"

namespace fastai {

/// Keyword arguments of grad_cam / class_activation_map / show_cam.
/// Example: `show_cam(learn, Path("cat.jpg"), "cam.png", {.layer = body, .cls = 3})`
struct CamOptions {
  /// The layer whose activations are mapped (default: the model's first child, vision_learner's body).
  std::shared_ptr<torch::nn::Module> layer;
  std::optional<int64_t> cls;  ///< the class (default: the predicted one)
  bool grad = true;            ///< Grad-CAM; false: CAM from the model's last Linear layer
};

/// A map [h, w] at the layer's resolution, the class it is for, and the model's output [n_out].
/// Example: `auto r = grad_cam(learn.model, x); r.map.sizes();`
struct CamResult {
  at::Tensor map;
  int64_t cls = 0;
  at::Tensor output;
};

/// The fastai book's Grad-CAM for one image batch `x` [1, C, H, W]: hooks store the layer's
/// output A and the gradient of the class score with respect to it; w_k = mean over (i, j) of
/// that gradient; map = Σ_k w_k A_k (the book's; the paper then keeps the positive part).
/// Runs in eval mode and leaves no gradients on the parameters.
/// Example: `auto r = grad_cam(learn.model, x, {.layer = learn.model->children()[0]});`
CamResult grad_cam(const Model& model, const at::Tensor& x, CamOptions options = {});

/// The fastai book's CAM: map = Σ_k W[cls, k] A_k with W the weight of the model's last Linear
/// module (which must take the layer's channels, i.e. pool → linear after the layer).
/// Example: `auto r = class_activation_map(model, x, {.layer = model->children()[0]});`
CamResult class_activation_map(const Model& model, const at::Tensor& x, CamOptions options = {});

/// The map (Grad-CAM, or CAM with `.grad = false`) drawn over the image: `x` [1, C, H, W] shown
/// rescaled to [0, 1] (enlarged by a whole factor to about 224 pixels when smaller), the map
/// upsampled (bilinear) and coloured (jet), blended 60/40; written to `file` atomically. Returns the map.
/// Example: `show_cam(learn.model, x, "cam.png");`
CamResult show_cam(const Model& model, const at::Tensor& x, const std::filesystem::path& file, CamOptions options = {});

/// The same for an item (a path, an image) through the learner's validation pipeline.
/// Example: `show_cam(learn, Path("test/3/123.png"), "cam.png");`
CamResult show_cam(Learner& learn, const Item& item, const std::filesystem::path& file, CamOptions options = {});

}  // namespace fastai
