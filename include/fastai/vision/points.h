#pragma once
/// Key points and bounding boxes as targets (fastai's TensorPoint, TensorBBox, PointScaler,
/// PointBlock, BBoxBlock, BBoxLblBlock, bb_pad). Points are (x, y)
/// pixel coordinates of their image; PointScaler rescales them to [-1, 1] of the image's
/// width and height (fastai's convention: 2·x/w − 1), so every geometric transform — item
/// crops, resizes, flips, dihedral, and the batch's affine matrix and warp — moves them exactly
/// as it moves the pixels, and decoding gives pixels of the transformed image back.
///
/// Example:
///   DataBlock dblock({.blocks = {ImageBlock(), PointBlock()},
///                     .get_y = {[](const Item& path) { return Item(TensorPoint(centre_of(path))); }},
///                     .item_tfms = {std::make_shared<Resize>(64, 64)}, .batch_tfms = aug_transforms()});
///
/// Thread-safety: Transforms and blocks: set up once, then safe from many threads at once (core/transform.h).
#include <ATen/core/Tensor.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

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
  nlohmann::json describe() const override;
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

/// Boxes [..., n, 4] (x1, y1, x2, y2, relative) through a point map `f` on [..., m, 2]: the four
/// corners are mapped, each box becomes their bounding box clipped to the image, and a box left
/// empty becomes (0, 0, 0, 0), the padding value (fastai's _clip_remove_empty).
/// Example: `auto b = map_boxes(boxes, [&](const at::Tensor& q) { return affine_points(q, mat, {}); });`
at::Tensor map_boxes(const at::Tensor& boxes, const std::function<at::Tensor(const at::Tensor&)>& f);

/// Type transform of BBoxBlock: a tensor item of [n, 4] pixel boxes (x1, y1, x2, y2) →
/// TensorBBox float [n, 4] (fastai's TensorBBox.create). Errors name the shape.
/// Example: `BBoxCreate()(Item(TensorBase(torch::tensor({{1., 2., 8., 9.}}))))`
class BBoxCreate : public Transform {
 public:
  BBoxCreate();
  std::string type_name() const override { return "BBoxCreate"; }
  nlohmann::json describe() const override;
  static std::shared_ptr<BBoxCreate> from_description(const nlohmann::json& j);
};

/// Pads the boxes and box labels of a batch's samples to the largest count, boxes with zeros and
/// labels with `pad_idx` (fastai's bb_pad, a before_batch transform); decoding a sample drops
/// the padding (and any box emptied by a crop) with its label.
/// Example: `.before_batch = {std::make_shared<BBoxPad>()}`
class BBoxPad : public Transform {
 public:
  explicit BBoxPad(int64_t pad_idx = 0);
  std::string type_name() const override { return "BBoxPad"; }
  nlohmann::json describe() const override;
  static std::shared_ptr<BBoxPad> from_description(const nlohmann::json& j);

 private:
  Item pad(const Item& samples) const;
  Item unpad(const Item& sample) const;
  int64_t pad_idx_;
};

/// fastai's BBoxBlock: BBoxCreate, PointScaler (boxes are two points), and BBoxPad before
/// batching; every geometric transform moves boxes through their corners.
/// Example: `DataBlock({.blocks = {ImageBlock(), BBoxBlock(), BBoxLblBlock()}, .n_inp = 1, …})`
TransformBlock BBoxBlock();
/// fastai's BBoxLblBlock: the boxes' labels, one per box, as MultiCategorize indices with
/// "#na#" (the padding and background label) first.
/// Example: `BBoxLblBlock({.vocab = std::vector<std::string>{"car", "person"}})`
TransformBlock BBoxLblBlock(std::optional<std::vector<std::string>> vocab = std::nullopt, bool add_na = true);

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
