#pragma once
/// fastai.vision.core: decoded images as items (fastai's PILImage, PILImageBW, PILMask), read and
/// written with OpenCV, their conversion to TensorImage / TensorImageBW / TensorMask, and the
/// ImageBlock / MaskBlock of the data block API.
///
/// An image item's payload is a uint8 tensor [H, W, C] (C = 3 RGB, 1 grey) sharing OpenCV's
/// decoded buffer (no copy); ToTensor turns it into [C, H, W].
///
/// Thread-safety: Loading, decoding and saving images are safe from any thread (per-thread decoders, atomic
/// writes); ImageError is an ItemError (core/error.h).
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "fastai/core/error.h"
#include "fastai/core/semantic.h"
#include "fastai/core/transform.h"
#include "fastai/data/block.h"

namespace fastai {

/// A decoded image, uint8 [H, W, C] RGB or grey (fastai's PILImage).
/// Example: `Item img = fastai::Image(load_image("cat.jpg"));`
FASTAI_SEMANTIC_TYPE(Image, at::Tensor);
/// A grey image, uint8 [H, W, 1] (fastai's PILImageBW).
/// Example: `Item g = ImageBW(load_image("digit.png", ImageMode::Gray));`
FASTAI_SEMANTIC_SUBTYPE(ImageBW, Image);
/// A segmentation mask, uint8 [H, W, 1] of class codes (fastai's PILMask).
/// Example: `Item m = Mask(load_image("mask.png", ImageMode::Gray));`
FASTAI_SEMANTIC_SUBTYPE(Mask, Image);

/// How to decode: RGB (grey and RGBA files are converted, as PIL's convert("RGB")), grey
/// (fastai's "L"), the file's own channels, or Codes for masks: a palette PNG gives its pixels'
/// palette indices (the class codes, as VOC's masks store them; PIL's convert("L") in fastai's
/// PILMask would give the palette colours' luminance, OpenCV's default read the colours), any
/// other file is read as grey (8-bit index PNGs such as CamVid's).
/// Example: `load_image("x.png", ImageMode::Gray)`
enum class ImageMode { RGB, Gray, Unchanged, Codes };

/// Thrown for a file that cannot be read as an image; the message names the file and why. An
/// ItemError: it reaches the caller as an ImageError through pipelines, loaders and the Learner
/// (with their context in front of the message), so `file()` stays readable.
/// Example: `try { learn.fit(1); } catch (const ImageError& e) { std::cerr << e.file(); }`
class ImageError : public ItemError {
 public:
  ImageError(const std::filesystem::path& file, const std::string& what);
  /// The image file.
  const std::filesystem::path& file() const noexcept { return file_; }
  FASTAI_ITEM_ERROR(ImageError)

 private:
  std::filesystem::path file_;
};

/// Decodes an image file (PNG, JPEG, BMP, TIFF, WebP… whatever OpenCV reads) to uint8 [H, W, C].
/// Throws ImageError naming the file when it is missing, empty, truncated, or not an image.
/// Example: `at::Tensor hwc = fastai::load_image(path);`
at::Tensor load_image(const std::filesystem::path& file, ImageMode mode = ImageMode::RGB);

/// Decodes image bytes already in memory (`name` is used in error messages).
/// Example: `auto img = decode_image(bytes, "upload.png");`
at::Tensor decode_image(const std::vector<uint8_t>& bytes, const std::string& name, ImageMode mode = ImageMode::RGB);

/// Encodes uint8 [H, W, C] (or [H, W]) RGB/grey as PNG (or JPEG… by extension) bytes.
/// Example: `auto png = encode_image(hwc, ".png");`
std::vector<uint8_t> encode_image(const at::Tensor& hwc, const std::string& ext = ".png");

/// Writes an image file atomically (the format follows the extension).
/// Example: `save_image("out.png", hwc);`
void save_image(const std::filesystem::path& file, const at::Tensor& hwc);

/// Converts [C, H, W] (uint8 or float in [0, 1]) or [H, W] to uint8 [H, W, C] for saving/drawing.
/// Example: `save_image("x.png", to_hwc_uint8(batch[0]));`
at::Tensor to_hwc_uint8(const at::Tensor& img);

/// Path (or Str) → Image/ImageBW/Mask item (fastai's PILImage.create as a type transform).
/// Describable. Example: `TfmdLists(path_items(files), {std::make_shared<ImageCreate>()})`
class ImageCreate : public Transform {
 public:
  enum class Kind { Image, ImageBW, Mask };
  explicit ImageCreate(Kind kind = Kind::Image);
  std::string type_name() const override { return "ImageCreate"; }
  nlohmann::json describe() const override;
  static std::shared_ptr<ImageCreate> from_description(const nlohmann::json& j);
  Kind kind() const noexcept { return kind_; }

 private:
  Kind kind_;
};

/// fastai's ImageBlock: type transform ImageCreate, batch transform IntToFloatTensor.
/// Example: `DataBlock({.blocks = {ImageBlock(ImageCreate::Kind::ImageBW), CategoryBlock()}, ...})`
TransformBlock ImageBlock(ImageCreate::Kind kind = ImageCreate::Kind::Image);

/// (height, width) of the first image in an item — an Image/ImageBW/Mask [H, W, C] before
/// ToTensor or a TensorImage/TensorMask [.., H, W] after it, searched through tuples; nullopt
/// without one.
/// Example: `auto hw = image_size(Tuple({Image(hwc), TensorPoint(p)}));  // {H, W}`
std::optional<std::pair<int64_t, int64_t>> image_size(const Item& x);

/// Names the classes of segmentation masks (fastai's AddMaskCodes): masks pass through; a pixel
/// whose code has no name is an error naming it. Its loss is CrossEntropyLossFlat(axis=1) —
/// one score per class and pixel — which DataLoaders picks up for MaskBlock targets.
/// Example: `auto c = std::make_shared<AddMaskCodes>(std::vector<std::string>{"background", "road"});`
class AddMaskCodes : public Transform {
 public:
  explicit AddMaskCodes(std::vector<std::string> codes = {});
  const std::vector<std::string>& codes() const noexcept { return codes_; }
  std::string type_name() const override { return "AddMaskCodes"; }
  std::shared_ptr<BaseLoss> loss_func() const override;
  /// The number of codes (nullopt without codes: then pass n_out to unet_learner).
  std::optional<int64_t> target_c() const override {
    return codes_.empty() ? std::nullopt : std::optional<int64_t>(static_cast<int64_t>(codes_.size()));
  }
  std::vector<std::string> target_names() const override { return codes_; }
  nlohmann::json describe() const override;
  static std::shared_ptr<AddMaskCodes> from_description(const nlohmann::json& j);

 private:
  std::vector<std::string> codes_;
};

/// Refuses an (image, mask) item whose mask is not its image's size, before any transform
/// resizes or crops them (an item transform MaskBlock adds; order −10). fastai has no such check.
/// Example: `.item_tfms = {std::make_shared<MaskSizeCheck>()}`
class MaskSizeCheck : public Transform {
 public:
  MaskSizeCheck();
  CallState before_call(const Item& x, std::optional<int> split_idx) const override;
  std::string type_name() const override { return "MaskSizeCheck"; }
  nlohmann::json describe() const override;
};

/// fastai's MaskBlock: masks read with ImageCreate(Mask), named by AddMaskCodes(codes), made
/// int64 class maps [N, H, W] by IntToFloatTensor; item and batch geometry transforms move them
/// with their image (nearest sampling).
/// Example: `DataBlock({.blocks = {ImageBlock(), MaskBlock({"background", "cell"})}, …})`
TransformBlock MaskBlock(std::vector<std::string> codes = {});

}  // namespace fastai
