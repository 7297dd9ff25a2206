#include "fastai/vision/core.h"

#include <torch/torch.h>
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "fastai/losses.h"

#include "fastai/core/atomic_file.h"
#include "fastai/core/describe.h"
#include "fastai/core/show.h"
#include "fastai/data/transforms.h"
#include "png.h"

namespace fastai {

ImageError::ImageError(const std::filesystem::path& file, const std::string& what)
    : ItemError(file.string() + ": " + what), file_(file) {}

namespace {

void quiet_opencv() {
  // OpenCV logs its own warning for every undecodable file; ImageError already says it.
  static std::once_flag once;
  std::call_once(once, [] { cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT); });
}

at::Tensor wrap(cv::Mat m) {
  if (!m.isContinuous()) m = m.clone();
  auto keep = std::make_shared<cv::Mat>(m);  // the tensor owns the decoded buffer: no copy
  return torch::from_blob(
      keep->data, {keep->rows, keep->cols, keep->channels()}, [keep](void*) {}, torch::kUInt8);
}

// `name` is only read to word an error: callers pass the path itself, not a copy of it.
at::Tensor decode(const uint8_t* data, size_t n, const std::filesystem::path& name, ImageMode mode) {
  quiet_opencv();
  if (n == 0) throw ImageError(name, "the file is empty");
  if (mode == ImageMode::Codes) {
    if (auto idx = detail::decode_png_palette_indices(data, n)) return *std::move(idx);
    if (detail::png_is_palette(data, n)) {
      if (auto problem = detail::png_structure_problem(data, n)) throw ImageError(name, "not a valid PNG: " + *problem);
      throw ImageError(name, "a palette PNG this reader cannot take apart (interlaced?); save the mask without "
                             "interlacing, or as an 8-bit grey PNG of the codes");
    }
    mode = ImageMode::Gray;
  }
  if (auto fast = detail::decode_png_fast(data, n, mode)) return *std::move(fast);
  if (auto problem = detail::png_structure_problem(data, n)) throw ImageError(name, "not a valid PNG: " + *problem);
  const int flags = mode == ImageMode::RGB    ? cv::IMREAD_COLOR
                    : mode == ImageMode::Gray ? cv::IMREAD_GRAYSCALE
                                              : cv::IMREAD_UNCHANGED;
  cv::Mat m;
  try {
    m = cv::imdecode(cv::Mat(1, static_cast<int>(n), CV_8U, const_cast<uint8_t*>(data)), flags);
  } catch (const cv::Exception& e) {
    throw ImageError(name, std::string("cannot decode the image (truncated or corrupt?): ") + e.what());
  }
  if (m.empty()) throw ImageError(name, "not a readable image (corrupt, truncated, or not an image file)");
  if (m.depth() != CV_8U)
    throw ImageError(name, "only 8-bit images are supported (this one has depth " + std::to_string(m.depth()) + ")");
  if (mode == ImageMode::RGB) cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
  if (mode == ImageMode::Unchanged && m.channels() == 3) cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
  if (mode == ImageMode::Unchanged && m.channels() == 4) cv::cvtColor(m, m, cv::COLOR_BGRA2RGBA);
  return wrap(m);
}

// POSIX open/fstat/read into `bytes` (resized to the file's size): for small images the stream
// machinery of std::ifstream (a buffer allocation, two seeks) costs as much as the read itself,
// and a loader thread reuses one buffer for every file instead of allocating per image.
void read_bytes(const std::filesystem::path& file, std::vector<uint8_t>& bytes) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) throw ImageError(file, "no such file");
    throw ImageError(file, std::string("cannot be opened: ") + std::strerror(err));
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw ImageError(file, std::string("cannot be read: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw ImageError(file, "is a directory, not an image file");
  bytes.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t r = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw ImageError(file, std::string("read error: ") + std::strerror(errno));
    if (r == 0) break;  // the file shrank while we read it
    got += static_cast<size_t>(r);
  }
  bytes.resize(got);
}

}  // namespace

at::Tensor load_image(const std::filesystem::path& file, ImageMode mode) {
  // One buffer per thread for every file; after a big one it is released, so a loader thread
  // does not keep a large file's bytes alive.
  thread_local std::vector<uint8_t> bytes;
  struct Release {
    ~Release() {
      if (bytes.capacity() > (size_t{1} << 20)) std::vector<uint8_t>().swap(bytes);
    }
  } release;
  read_bytes(file, bytes);
  return decode(bytes.data(), bytes.size(), file, mode);
}

at::Tensor decode_image(const std::vector<uint8_t>& bytes, const std::string& name, ImageMode mode) {
  return decode(bytes.data(), bytes.size(), name, mode);
}

at::Tensor to_hwc_uint8(const at::Tensor& img) {
  at::Tensor x = img.detach().cpu();
  if (x.dim() == 2) x = x.unsqueeze(0);
  if (x.dim() != 3)
    throw std::invalid_argument("to_hwc_uint8: expected [C, H, W] or [H, W], got " + c10::str(img.sizes()));
  if (x.is_floating_point()) {
    // float images in [0, 1]; values above 1 are taken as already in [0, 255]
    if (x.max().item<double>() <= 1.0 + 1e-6) x = x * 255.0;
    x = x.round();
  }
  return x.clamp(0, 255).to(torch::kUInt8).permute({1, 2, 0}).contiguous();
}

std::vector<uint8_t> encode_image(const at::Tensor& hwc_in, const std::string& ext) {
  at::Tensor hwc = hwc_in.dim() == 2 ? hwc_in.unsqueeze(-1) : hwc_in;
  if (hwc.dim() != 3 || hwc.scalar_type() != torch::kUInt8)
    throw std::invalid_argument("encode_image: expected uint8 [H, W, C], got " +
                                std::string(c10::toString(hwc.scalar_type())) + " " + c10::str(hwc.sizes()));
  hwc = hwc.contiguous();
  const int c = static_cast<int>(hwc.size(2));
  if (c != 1 && c != 3 && c != 4)
    throw std::invalid_argument("encode_image: 1, 3 or 4 channels, got " + std::to_string(c));
  cv::Mat m(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_8UC(c), hwc.data_ptr<uint8_t>());
  cv::Mat bgr;
  if (c == 3)
    cv::cvtColor(m, bgr, cv::COLOR_RGB2BGR);
  else if (c == 4)
    cv::cvtColor(m, bgr, cv::COLOR_RGBA2BGRA);
  else
    bgr = m;
  std::vector<uint8_t> out;
  if (!cv::imencode(ext, bgr, out)) throw std::runtime_error("encode_image: OpenCV cannot write '" + ext + "' images");
  return out;
}

void save_image(const std::filesystem::path& file, const at::Tensor& hwc) {
  const auto bytes = encode_image(hwc, file.extension().empty() ? ".png" : file.extension().string());
  write_atomically(file, [&](const std::filesystem::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) throw std::runtime_error("save_image: writing " + file.string() + " failed");
  });
}

// ---------------------------------------------------------------- ImageCreate

ImageCreate::ImageCreate(Kind kind) : Transform({.name = "ImageCreate"}), kind_(kind) {
  auto make = [this](const std::filesystem::path& p) -> Item {
    switch (kind_) {
      case Kind::ImageBW:
        return ImageBW(load_image(p, ImageMode::Gray));
      case Kind::Mask:
        return Mask(load_image(p, ImageMode::Codes));
      default:
        return fastai::Image(load_image(p, ImageMode::RGB));
    }
  };
  encodes<Path>([make](const std::filesystem::path& p) { return make(p); });
  encodes<Str>([make](const std::string& p) { return make(p); });
}

nlohmann::json ImageCreate::describe() const {
  auto j = describe_base();
  j["kind"] = kind_ == Kind::ImageBW ? "ImageBW" : kind_ == Kind::Mask ? "Mask" : "Image";
  return j;
}

std::shared_ptr<ImageCreate> ImageCreate::from_description(const nlohmann::json& j) {
  const std::string k = j.value("kind", "Image");
  auto t = std::make_shared<ImageCreate>(k == "ImageBW" ? Kind::ImageBW : k == "Mask" ? Kind::Mask : Kind::Image);
  t->apply_base(j);
  return t;
}
FASTAI_REGISTER_TRANSFORM(ImageCreate);

TransformBlock ImageBlock(ImageCreate::Kind kind) {
  return {.type_tfms = [kind] { return TfmList{std::make_shared<ImageCreate>(kind)}; },
          .batch_tfms = [] { return TfmList{std::make_shared<IntToFloatTensor>()}; }};
}

std::optional<std::pair<int64_t, int64_t>> image_size(const Item& x) {
  if (x.is_tuple()) {
    for (const auto& e : x.elements())
      if (auto s = image_size(e)) return s;
    return std::nullopt;
  }
  if (x.is<fastai::Image>()) {
    const auto& t = x.get<fastai::Image>();
    return std::pair{t.size(0), t.size(1)};
  }
  if (x.is<TensorImageBase>()) {  // TensorImage and TensorMask
    const auto& t = x.get<TensorImageBase>();
    return std::pair{t.size(-2), t.size(-1)};
  }
  return std::nullopt;
}

AddMaskCodes::AddMaskCodes(std::vector<std::string> codes)
    : Transform({.name = "AddMaskCodes"}), codes_(std::move(codes)) {
  encodes<Mask>([this](const at::Tensor& m) {
    if (!codes_.empty() && m.numel() > 0) {
      const auto top = m.max().item<int64_t>();
      if (top >= static_cast<int64_t>(codes_.size()))
        throw std::invalid_argument("AddMaskCodes: the mask has code " + std::to_string(top) + " but only " +
                                    std::to_string(codes_.size()) + " codes are named (0…" +
                                    std::to_string(codes_.size() - 1) + ")");
    }
    return m;
  });
}

std::shared_ptr<BaseLoss> AddMaskCodes::loss_func() const { return CrossEntropyLossFlat({.axis = 1}); }

nlohmann::json AddMaskCodes::describe() const {
  auto j = describe_base();
  j["codes"] = codes_;
  return j;
}

std::shared_ptr<AddMaskCodes> AddMaskCodes::from_description(const nlohmann::json& j) {
  auto t = std::make_shared<AddMaskCodes>(j.value("codes", std::vector<std::string>{}));
  t->apply_base(j);
  return t;
}

MaskSizeCheck::MaskSizeCheck() : Transform({.name = "MaskSizeCheck", .order = -10}) {}

nlohmann::json MaskSizeCheck::describe() const { return describe_base(); }

CallState MaskSizeCheck::before_call(const Item& x, std::optional<int>) const {
  if (!x.is_tuple()) return {};
  std::optional<std::pair<int64_t, int64_t>> image, mask;
  for (const auto& e : x.elements()) {
    if (e.is<Mask>())
      mask = image_size(e);
    else if (e.is<fastai::Image>() && !image)
      image = image_size(e);
  }
  if (image && mask && *image != *mask)
    throw std::invalid_argument("the mask is " + std::to_string(mask->first) + "x" + std::to_string(mask->second) +
                                " (HxW) but its image is " + std::to_string(image->first) + "x" +
                                std::to_string(image->second) + ": a mask has to be the size of its image");
  return {};
}

TransformBlock MaskBlock(std::vector<std::string> codes) {
  return {.type_tfms =
              [codes] {
                return TfmList{std::make_shared<ImageCreate>(ImageCreate::Kind::Mask),
                               std::make_shared<AddMaskCodes>(codes)};
              },
          .item_tfms = [] { return TfmList{std::make_shared<MaskSizeCheck>()}; },
          .batch_tfms = [] { return TfmList{std::make_shared<IntToFloatTensor>()}; }};
}

namespace {
// [H, W, C] → [C, H, W] sharing storage: permute's result, made without a trip through the
// dispatcher (a third of a microsecond, once per image per epoch). Only for what a loader holds —
// plain CPU tensors outside autograd; anything else goes through permute.
at::Tensor chw_view(const at::Tensor& hwc) {
  if (hwc.dim() != 3 || hwc.requires_grad() || !hwc.device().is_cpu() || hwc.layout() != at::kStrided ||
      hwc.is_quantized() || hwc.is_conj() || hwc.is_neg() || !hwc.has_storage())
    return hwc.permute({2, 0, 1});
  auto out = at::detail::make_tensor<c10::TensorImpl>(c10::Storage(hwc.storage()), hwc.key_set(), hwc.dtype());
  const auto z = hwc.sizes(), st = hwc.strides();
  out.unsafeGetTensorImpl()->set_sizes_and_strides(c10::IntArrayRef{z[2], z[0], z[1]},
                                                   c10::IntArrayRef{st[2], st[0], st[1]}, hwc.storage_offset());
  return out;
}

const bool registered = [] {
  register_transform("AddMaskCodes", [](const nlohmann::json& j) { return AddMaskCodes::from_description(j); });
  register_transform("MaskSizeCheck", [](const nlohmann::json&) { return std::make_shared<MaskSizeCheck>(); });
  ToTensor::register_encodes(fastai::Image::info(),
                             [](const Item& x) { return Item(TensorImage(chw_view(x.get<fastai::Image>()))); });
  ToTensor::register_encodes(ImageBW::info(),
                             [](const Item& x) { return Item(TensorImageBW(chw_view(x.get<ImageBW>()))); });
  ToTensor::register_encodes(Mask::info(), [](const Item& x) { return Item(TensorMask(x.get<Mask>().select(2, 0))); });
  register_show(fastai::Image::info(), [](const Item& x, ShowContext& c) {
    c.image = x.get<fastai::Image>().permute({2, 0, 1});
  });
  return true;
}();
}  // namespace

}  // namespace fastai
