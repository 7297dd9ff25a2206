#pragma once
/// fastai.vision.augment's batch transforms: random affine and lighting augmentation of a whole
/// batch with tensor ops (on the GPU when the batch is there). Every affine augmentation of a
/// batch is one 3×3 matrix per image; AffineCoordTfm multiplies them and resamples ONCE
/// (affine_grid + grid_sample) — the paper's point: one interpolation, not one per transform.
/// Lighting changes are composed in logit space and squashed back once.
///
/// Thread-safety: Transforms: safe from many threads at once; each call draws its own random parameters
/// (per-call state, from the calling thread's rng).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fastai/core/describe.h"
#include "fastai/core/options.h"
#include "fastai/core/transform.h"
#include "fastai/vision/augment.h"

namespace fastai {
/// An image size, (height, width). Example: `ImageSize s{224, 224};`
using ImageSize = std::pair<int64_t, int64_t>;
}  // namespace fastai

namespace fastai {

/// One random affine augmentation, as AffineCoordTfm composes it (fastai's flip_mat,
/// dihedral_mat, rotate_mat, zoom_mat). `p`: probability per image.
/// Example: `AffineAug::rotate(10, 0.75)`
struct AffineAug {
  enum class Kind { Flip, Dihedral, Rotate, Zoom, Warp };
  Kind kind = Kind::Flip;
  double p = 0.5;
  double max_deg = 0;                 ///< Rotate: up to ± this many degrees
  double min_zoom = 1, max_zoom = 1;  ///< Zoom: drawn uniformly in [min_zoom, max_zoom]
  double magnitude = 0;               ///< Warp: corners moved by up to this much
  static AffineAug flip(double p = 0.5) { return {.kind = Kind::Flip, .p = p}; }
  static AffineAug dihedral(double p = 0.5) { return {.kind = Kind::Dihedral, .p = p}; }
  static AffineAug rotate(double max_deg = 10, double p = 0.5) {
    return {.kind = Kind::Rotate, .p = p, .max_deg = max_deg};
  }
  static AffineAug zoom(double min_zoom = 1.0, double max_zoom = 1.1, double p = 0.5) {
    return {.kind = Kind::Zoom, .p = p, .min_zoom = min_zoom, .max_zoom = max_zoom};
  }
  /// A perspective warp of the sampling grid (fastai's Warp: corners moved by up to
  /// `magnitude`); applied to the grid after the matrices, still one resampling.
  static AffineAug warp(double magnitude = 0.2, double p = 0.5) {
    return {.kind = Kind::Warp, .p = p, .magnitude = magnitude};
  }
  /// The [N, 3, 3] matrices for a batch of n images (drawn from fastai::torch_rng()); identity
  /// for Warp, whose effect is warp_coeffs.
  at::Tensor draw(int64_t n, c10::Device device) const;
  /// Warp: the [N, 8] perspective coefficients mapping the grid (fastai's find_coeffs).
  at::Tensor warp_coeffs(int64_t n, c10::Device device) const;
};

/// Solves for the [N, 8] perspective coefficients that map the points p2 [N, 4, 2] onto p1
/// (fastai's find_coeffs). Example: `auto c = find_coeffs(corners, moved);  // apply_perspective(moved, c) ≈ corners`
at::Tensor find_coeffs(const at::Tensor& p1, const at::Tensor& p2);
/// Applies perspective coefficients to coordinates [N, …, 2] (fastai's apply_perspective).
/// Example: `auto grid2 = apply_perspective(grid, c);`
at::Tensor apply_perspective(const at::Tensor& coords, const at::Tensor& coeffs);

/// The resampling arguments every affine batch transform takes (fastai's size, mode, pad_mode,
/// align_corners), declared once: X(type, name, default).
#define FASTAI_AFFINE_RESAMPLING(X)         \
  X(std::optional<ImageSize>, size, {})     \
  X(bool, nearest, false)                   \
  X(PadMode, pad_mode, PadMode::Reflection) \
  X(bool, align_corners, true)

/// Keyword arguments of AffineCoordTfm. Example: `AffineCoordTfm({AffineAug::flip()}, {.pad_mode = PadMode::Zeros})`
struct AffineOptions {
  FASTAI_AFFINE_RESAMPLING(FASTAI_DECLARE_OPTION)
};

/// Composes `augs` into one matrix per image and resamples TensorImage batches once (masks with
/// nearest) (fastai's AffineCoordTfm, order 30). On the validation set nothing is drawn: the batch
/// is only resized to `size` when one is given, as in fastai.
/// Example: `.batch_tfms = {std::make_shared<AffineCoordTfm>(std::vector{AffineAug::flip(), AffineAug::rotate()})}`
class AffineCoordTfm : public Transform {
 public:
  explicit AffineCoordTfm(std::vector<AffineAug> augs, AffineOptions options = {});
  CallState before_call(const Item& x, std::optional<int> split_idx) const override;
  FASTAI_DESCRIBED(AffineCoordTfm, augs_, o_)
  /// Resamples a float [N, C, H, W] batch with [N, 3, 3] matrices (fastai's affine_coord).
  /// Example: `auto y = AffineCoordTfm::apply(x, AffineAug::flip(1.0).draw(x.size(0), x.device()), {}, false);`
  static at::Tensor apply(const at::Tensor& x, const at::Tensor& mat, const AffineOptions& o, bool nearest,
                          const std::vector<at::Tensor>& warps = {});

 private:
  std::vector<AffineAug> augs_;
  AffineOptions o_;
};

/// One random lighting change in logit space (fastai's Brightness and Contrast).
/// Example: `LightingAug::brightness(0.2, 0.75)`
struct LightingAug {
  enum class Kind { Brightness, Contrast, Saturation };
  Kind kind = Kind::Brightness;
  double max_lighting = 0.2;
  double p = 0.75;
  static LightingAug brightness(double max_lighting = 0.2, double p = 0.75) {
    return {Kind::Brightness, max_lighting, p};
  }
  static LightingAug contrast(double max_lighting = 0.2, double p = 0.75) { return {Kind::Contrast, max_lighting, p}; }
  /// Blends each image with its greyscale version (ITU-R 601 weights) by a factor drawn
  /// log-uniformly in (1 − max_lighting, 1/(1 − max_lighting)).
  static LightingAug saturation(double max_lighting = 0.2, double p = 0.75) {
    return {Kind::Saturation, max_lighting, p};
  }
};

/// sigmoid(composed changes(logit(x))) on float image batches in [0, 1]; training only
/// (fastai's LightingTfm, order 40).
/// Example: `std::make_shared<LightingTfm>(std::vector{LightingAug::brightness(), LightingAug::contrast()})`
class LightingTfm : public Transform {
 public:
  explicit LightingTfm(std::vector<LightingAug> augs);
  CallState before_call(const Item& x, std::optional<int> split_idx) const override;
  FASTAI_DESCRIBED(LightingTfm, augs_)

 private:
  std::vector<LightingAug> augs_;
};

/// RGB ↔ HSV for float [N, 3, H, W] batches in [0, 1] (fastai's rgb2hsv / hsv2rgb).
/// Example: `auto back = hsv2rgb(rgb2hsv(x));  // ≈ x`
at::Tensor rgb2hsv(const at::Tensor& img);
at::Tensor hsv2rgb(const at::Tensor& img);

/// Shifts the hue of RGB images by a random amount (about ±max_hue of a turn) in HSV space
/// (fastai's Hue, training only). Example: `std::make_shared<HueTfm>(0.1, 0.75)`
class HueTfm : public Transform {
 public:
  explicit HueTfm(double max_hue = 0.1, double p = 0.75);
  CallState before_call(const Item& x, std::optional<int> split_idx) const override;
  FASTAI_DESCRIBED(HueTfm, max_hue_, p_)

 private:
  double max_hue_, p_;
};

/// Replaces random rectangles of the batch's images with N(0, 1) noise, after Normalize
/// (fastai's RandomErasing, order 100, training only; p per batch, 1…max_count rectangles of
/// sl…sh of the image area and aspect min_aspect…1/min_aspect).
/// Example: `.batch_tfms = {std::make_shared<RandomErasing>(0.5, 0.0, 0.3)}`
class RandomErasing : public Transform {
 public:
  explicit RandomErasing(double p = 0.5, double sl = 0.0, double sh = 0.3, double min_aspect = 0.3, int max_count = 1);
  FASTAI_DESCRIBED(RandomErasing, p_, sl_, sh_, min_aspect_, max_count_)

 private:
  double p_, sl_, sh_, min_aspect_;
  int max_count_;
};

/// Keyword arguments of RandomResizedCropGPU (fastai's defaults).
/// Example: `RandomResizedCropGPU(24, 24, {.min_scale = 0.35})`
struct RandomResizedCropGPUOptions {
  double min_scale = 0.08;                               ///< of the area
  std::pair<double, double> ratio = {3.0 / 4, 4.0 / 3};  ///< aspect ratio range (log-uniform)
  bool nearest = false;                                  ///< images sampled nearest instead of bilinear
  double valid_scale = 1.0;                              ///< validation: a centre crop of this share
  double max_scale = 1.0;
};

/// Crops a random region of the batch (one region for the whole batch, scale and aspect as
/// RandomResizedCrop) and resizes it to h×w with tensor ops; on the validation set a centre
/// crop (fastai's RandomResizedCropGPU, order 30, both sets). Masks are sampled nearest, points
/// and boxes follow their pixels.
/// Example: `.batch_tfms = {std::make_shared<RandomResizedCropGPU>(24, 24, RandomResizedCropGPUOptions{.min_scale =
/// 0.35})}`
class RandomResizedCropGPU : public Transform {
 public:
  RandomResizedCropGPU(int64_t h, int64_t w, RandomResizedCropGPUOptions options = {});
  CallState before_call(const Item& x, std::optional<int> split_idx) const override;
  FASTAI_DESCRIBED(RandomResizedCropGPU, h_, w_, o_)

 private:
  int64_t h_, w_;
  RandomResizedCropGPUOptions o_;
};

// ---------------------------------------------------------------- fastai's named batch transforms
// Each is one AffineCoordTfm / LightingTfm / HueTfm with fastai's name and arguments; aug_transforms
// composes the same augmentations into one AffineCoordTfm (one resampling) and one LightingTfm.

/// fastai's Flip / Dihedral arguments. Example: `Flip({.p = 0.5})`
struct FlipOptions {
  double p = 0.5;
  FASTAI_AFFINE_RESAMPLING(FASTAI_DECLARE_OPTION)
};
/// fastai's Rotate arguments. Example: `Rotate({.max_deg = 20, .p = 0.75})`
struct RotateOptions {
  double max_deg = 10;
  double p = 0.5;
  FASTAI_AFFINE_RESAMPLING(FASTAI_DECLARE_OPTION)
};
/// fastai's Zoom arguments. Example: `Zoom({.max_zoom = 1.2})`
struct ZoomOptions {
  double min_zoom = 1.0;
  double max_zoom = 1.1;
  double p = 0.5;
  FASTAI_AFFINE_RESAMPLING(FASTAI_DECLARE_OPTION)
};
/// fastai's Warp arguments. Example: `Warp({.magnitude = 0.3})`
struct WarpOptions {
  double magnitude = 0.2;
  double p = 0.5;
  FASTAI_AFFINE_RESAMPLING(FASTAI_DECLARE_OPTION)
};
/// fastai's Brightness / Contrast / Saturation arguments. Example: `Contrast({.max_lighting = 0.4})`
struct LightingOptions {
  double max_lighting = 0.2;
  double p = 0.75;
};
/// fastai's Hue arguments. Example: `Hue({.max_hue = 0.2})`
struct HueOptions {
  double max_hue = 0.1;
  double p = 0.75;
};

/// Left-right flips with probability p (fastai's Flip). Example: `.batch_tfms = {Flip(), Rotate()}`
std::shared_ptr<Transform> Flip(FlipOptions options = {});
/// One of the 8 dihedral symmetries with probability p (fastai's Dihedral). Example: `Dihedral({.p = 1})`
std::shared_ptr<Transform> Dihedral(FlipOptions options = {});
/// Rotation by up to ±max_deg degrees (fastai's Rotate). Example: `Rotate({.max_deg = 30})`
std::shared_ptr<Transform> Rotate(RotateOptions options = {});
/// Zoom by a factor in [min_zoom, max_zoom] around a random centre (fastai's Zoom). Example: `Zoom()`
std::shared_ptr<Transform> Zoom(ZoomOptions options = {});
/// Perspective warp by up to `magnitude` (fastai's Warp). Example: `Warp({.magnitude = 0.1})`
std::shared_ptr<Transform> Warp(WarpOptions options = {});
/// Brightness change in logit space (fastai's Brightness). Example: `Brightness({.max_lighting = 0.3})`
std::shared_ptr<Transform> Brightness(LightingOptions options = {});
/// Contrast change in logit space (fastai's Contrast). Example: `Contrast()`
std::shared_ptr<Transform> Contrast(LightingOptions options = {});
/// Saturation change in logit space (fastai's Saturation). Example: `Saturation()`
std::shared_ptr<Transform> Saturation(LightingOptions options = {});
/// Hue shift in HSV space (fastai's Hue). Example: `Hue({.max_hue = 0.2})`
std::shared_ptr<Transform> Hue(HueOptions options = {});

/// Keyword arguments of aug_transforms (fastai's defaults).
/// Example: `aug_transforms({.max_rotate = 15, .max_zoom = 1.2})`
struct AugTransformsOptions {
  double mult = 1.0;
  bool do_flip = true;
  bool flip_vert = false;  ///< dihedral (8 symmetries) instead of left-right flips
  double max_rotate = 10.0;
  double min_zoom = 1.0;
  double max_zoom = 1.1;
  double max_lighting = 0.2;
  double max_warp = 0.2;  ///< perspective warp magnitude (0: none)
  double p_affine = 0.75;
  double p_lighting = 0.75;
  std::optional<std::pair<int64_t, int64_t>> size;
  PadMode pad_mode = PadMode::Reflection;
};

/// fastai's aug_transforms: one AffineCoordTfm (flip or dihedral, warp, rotate, zoom) and one
/// LightingTfm (brightness, contrast), for `batch_tfms`.
/// Example: `ImageDataLoaders::from_folder(path, {.batch_tfms = aug_transforms()})`
std::vector<std::shared_ptr<Transform>> aug_transforms(AugTransformsOptions options = {});

}  // namespace fastai
