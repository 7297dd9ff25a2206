#pragma once
/// fastai.vision.augment (item transforms so far): Resize with fastai's crop / pad / squish
/// methods and pad modes. Images resize with area (shrinking) or bilinear (enlarging)
/// interpolation, masks with nearest, so codes stay codes.
#include <cstdint>
#include <string>

#include "fastai/core/transform.h"

namespace fastai {

/// How Resize fits an image into the target size (fastai's ResizeMethod).
/// Example: `Resize(224, 224, ResizeMethod::Pad)`
enum class ResizeMethod { Crop, Pad, Squish };
/// How pixels outside the image are filled (fastai's PadMode): zeros, the edge pixel
/// repeated, or a reflection.
/// Example: `Resize(224, 224, ResizeMethod::Pad, PadMode::Zeros)`
enum class PadMode { Zeros, Border, Reflection };

/// Resizes Image/ImageBW/Mask items to h×w (fastai's Resize, order 1). Crop: the largest region
/// of the target's aspect ratio, at a random position when training and centred otherwise;
/// Pad: the whole image, padded to the aspect ratio; Squish: the whole image, stretched.
/// The position is drawn once per call, so an image and its mask get the same crop.
/// Example: `DataBlock({.blocks = {ImageBlock(), CategoryBlock()}, .item_tfms = {std::make_shared<Resize>(128, 128)}})`
class Resize : public Transform {
 public:
  Resize(int64_t h, int64_t w, ResizeMethod method = ResizeMethod::Crop, PadMode pad_mode = PadMode::Reflection);
  explicit Resize(int64_t size, ResizeMethod method = ResizeMethod::Crop, PadMode pad_mode = PadMode::Reflection)
      : Resize(size, size, method, pad_mode) {}
  void before_call(const Item& x, std::optional<int> split_idx) const override;
  std::string type_name() const override { return "Resize"; }
  nlohmann::json describe() const override;
  static std::shared_ptr<Resize> from_description(const nlohmann::json& j);

 private:
  at::Tensor resize(const at::Tensor& hwc, bool nearest) const;
  int64_t h_, w_;
  ResizeMethod method_;
  PadMode pad_mode_;
};

}  // namespace fastai
