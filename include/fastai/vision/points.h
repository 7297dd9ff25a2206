#pragma once
/// Key points as targets (fastai's TensorPoint, PointScaler and PointBlock). Points are (x, y)
/// pixel coordinates of their image; PointScaler rescales them to [-1, 1] of the image's
/// width and height (fastai's convention: 2·x/w − 1), so every geometric transform — item
/// crops, resizes, flips, dihedral, and the batch's affine matrix and warp — moves them exactly
/// as it moves the pixels, and decoding gives pixels of the transformed image back.
///
/// Example:
///   DataBlock dblock({.blocks = {ImageBlock(), PointBlock()},
///                     .get_y = {[](const Item& path) { return Item(TensorPoint(centre_of(path))); }},
///                     .item_tfms = {std::make_shared<Resize>(64, 64)}, .batch_tfms = aug_transforms()});
#include <ATen/core/Tensor.h>

#include "fastai/core/semantic.h"
#include "fastai/core/transform.h"
#include "fastai/data/block.h"

namespace fastai {

/// Type transform of PointBlock: a tensor item of [n, 2] (or [2n]) pixel coordinates, x first,
/// → TensorPoint float [n, 2] (fastai's TensorPoint.create). Errors name the shape.
/// Example: `PointCreate()(Item(TensorBase(torch::tensor({{3., 4.}}))))`
class PointCreate : public Transform {
 public:
  PointCreate();
  std::string type_name() const override { return "PointCreate"; }
  nlohmann::json describe() const override { return describe_base(); }
  static std::shared_ptr<PointCreate> from_description(const nlohmann::json& j);
  /// Points are regressed: MSELossFlat.
  std::shared_ptr<BaseLoss> loss_func() const override;
};

/// Scales the points of a sample to [-1, 1] by the size of the sample's image, and back on
/// decode (fastai's PointScaler). It runs on the whole (image, points) tuple, first among the
/// item transforms (order 0), so later transforms see relative coordinates. `y_first`: the
/// points are given (y, x). A sample with points and no image is an error saying so.
/// Example: `Item s = PointScaler()(Tuple({Image(hwc), TensorPoint(pts)}));`
class PointScaler : public Transform {
 public:
  explicit PointScaler(bool y_first = false);
  std::string type_name() const override { return "PointScaler"; }
  nlohmann::json describe() const override;
  static std::shared_ptr<PointScaler> from_description(const nlohmann::json& j);

 private:
  Item scale(const Item& x, bool decode) const;
  bool y_first_;
};

/// fastai's PointBlock: PointCreate, then PointScaler. The loss for points is MSELossFlat.
/// Example: `DataBlock({.blocks = {ImageBlock(), PointBlock()}, …})`
TransformBlock PointBlock(bool y_first = false);

/// Where relative points [..., 2] go when an image of w×h is cropped to the box (x0, y0, cw, ch)
/// (a box beyond the image pads) and resized: fastai's crop_pad on TensorPoint.
/// Example: `auto q = crop_points(p, 20, 10, 5, 0, 10, 10);`
at::Tensor crop_points(const at::Tensor& p, double w, double h, double x0, double y0, double cw, double ch);

/// Where relative points [N, n, 2] go under AffineCoordTfm's resampling with matrices mat
/// [N, 3, 3] and perspective warps (coefficients [N, 8, 1], applied in order to the grid):
/// the inverse of the sampling map, warps undone last to first, then the matrix.
/// Example: `auto q = affine_points(p, mat, {});`
at::Tensor affine_points(const at::Tensor& p, const at::Tensor& mat, const std::vector<at::Tensor>& warps);

}  // namespace fastai
