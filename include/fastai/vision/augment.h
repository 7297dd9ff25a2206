#pragma once
/// fastai.vision.augment (item transforms so far): Resize with fastai's crop / pad / squish
/// methods and pad modes. Images resize with area (shrinking) or bilinear (enlarging)
/// interpolation, masks with nearest, so codes stay codes.
///
/// Thread-safety: Transforms: set up once, then safe from many threads at once (core/transform.h).
#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <string>

#include "fastai/core/describe.h"
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
/// The position is drawn once per call, so an image and its mask get the same crop; points
/// (TensorPoint, relative to the image after PointScaler) move with it, as in every item
/// transform here.
/// Example: `DataBlock({.blocks = {ImageBlock(), CategoryBlock()}, .item_tfms = {Resize(128)}})`
class Resize : public Transform {
 public:
  Resize(int64_t h, int64_t w, ResizeMethod method = ResizeMethod::Crop, PadMode pad_mode = PadMode::Reflection);
  explicit Resize(int64_t size, ResizeMethod method = ResizeMethod::Crop, PadMode pad_mode = PadMode::Reflection)
      : Resize(size, size, method, pad_mode) {}
  CallState before_call(const Item& x, std::optional<int> split_idx) const override;
  FASTAI_DESCRIBED(Resize, h_, w_, method_, pad_mode_)

 private:
  at::Tensor resize(const at::Tensor& hwc, double pct_x, double pct_y, bool nearest) const;
  // x0, y0, width, height of the region taken, at the drawn position (0…1 along each free axis)
  std::array<int, 4> box(int h, int w, double pct_x, double pct_y) const;
  int64_t h_, w_;
  ResizeMethod method_;
  PadMode pad_mode_;
};

/// Crops (or pads) every image of the item to h×w around the centre (fastai's CropPad, order 0).
/// Example: `std::make_shared<CropPad>(28, 28)`
class CropPad : public Transform {
 public:
  CropPad(int64_t h, int64_t w, PadMode pad_mode = PadMode::Zeros);
  CallState before_call(const Item& x, std::optional<int> split_idx) const override;
  FASTAI_DESCRIBED(CropPad, h_, w_, pad_mode_)

 private:
  int64_t h_, w_;
  PadMode pad_mode_;
};

/// A random h×w crop when training, the centre one otherwise (fastai's RandomCrop, order 1).
/// Example: `std::make_shared<RandomCrop>(24, 24)`
class RandomCrop : public Transform {
 public:
  RandomCrop(int64_t h, int64_t w);
  CallState before_call(const Item& x, std::optional<int> split_idx) const override;
  FASTAI_DESCRIBED(RandomCrop, h_, w_)

 private:
  int64_t h_, w_;
};

/// Training: a crop of random area (min_scale…max_scale of the image) and aspect ratio
/// (ratio), resized to h×w; validation: the whole image resized to the size plus val_xtra,
/// then centre-cropped (fastai's RandomResizedCrop, order 1).
/// A crop box in pixels: left, top, width, height. Example: `CropRect r{.x0 = 2, .y0 = 3, .w = 10, .h = 8};`
struct CropRect {
  int64_t x0 = 0, y0 = 0, w = 0, h = 0;
};

/// fastai's box for a random resized crop of an img_h × img_w image (shared by RandomResizedCrop
/// and RandomResizedCropGPU): up to ten tries at an area of min_scale…max_scale of the image with
/// a log-uniform aspect ratio in `ratio` that fits, drawn from fastai::rng(); else — or at once
/// with `random = false` — the largest centred box whose aspect is within `ratio`.
/// Example: `CropRect r = random_resized_box(28, 28, 0.35, 1.0, {3.0 / 4, 4.0 / 3});`
CropRect random_resized_box(int64_t img_h, int64_t img_w, double min_scale, double max_scale,
                            std::pair<double, double> ratio, bool random = true);

/// Example: `std::make_shared<RandomResizedCrop>(128, 128, RandomResizedCropOptions{.min_scale = 0.35})`
struct RandomResizedCropOptions {
  double min_scale = 0.08;
  double max_scale = 1.0;
  std::pair<double, double> ratio = {3.0 / 4.0, 4.0 / 3.0};
  double val_xtra = 0.14;
};
/// Example: `std::make_shared<RandomResizedCrop>(128, 128, RandomResizedCropOptions{.min_scale = 0.35})`
class RandomResizedCrop : public Transform {
 public:
  RandomResizedCrop(int64_t h, int64_t w, RandomResizedCropOptions options = {});
  CallState before_call(const Item& x, std::optional<int> split_idx) const override;
  FASTAI_DESCRIBED(RandomResizedCrop, h_, w_, o_)

 private:
  int64_t h_, w_;
  RandomResizedCropOptions o_;
};

/// Flips images left-right with probability p, when training (fastai's FlipItem, order 0).
/// Example: `std::make_shared<FlipItem>(0.5)`
class FlipItem : public Transform {
 public:
  explicit FlipItem(double p = 0.5);
  CallState before_call(const Item& x, std::optional<int> split_idx) const override;
  FASTAI_DESCRIBED(FlipItem, p_)

 private:
  double p_;
};

/// One of the 8 dihedral symmetries (flips and 90° turns), with probability p, when training
/// (fastai's DihedralItem, order 0). k: bit 0 flips left-right, bit 1 top-bottom, and k in
/// {3, 5, 6, 7} transposes, as fastai's dihedral(k).
/// Example: `std::make_shared<DihedralItem>()`
class DihedralItem : public Transform {
 public:
  explicit DihedralItem(double p = 1.0);
  CallState before_call(const Item& x, std::optional<int> split_idx) const override;
  FASTAI_DESCRIBED(DihedralItem, p_)
  /// The dihedral transform k (0–7) of an [H, W, C] image, as fastai's TensorImage.dihedral.
  /// Example: `auto turned = DihedralItem::dihedral(hwc, 6);  // transposed`
  static at::Tensor dihedral(const at::Tensor& hwc, int k);

 private:
  double p_;
};

}  // namespace fastai
