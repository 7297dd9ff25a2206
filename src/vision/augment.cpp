#include "fastai/vision/augment.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <random>

#include "fastai/core/describe.h"
#include "fastai/core/random.h"
#include "fastai/vision/core.h"

namespace fastai {

namespace {
// The crop position of the current call on this thread (fastai's self.pcts, drawn in before_call).
thread_local std::pair<double, double> t_pcts{0.5, 0.5};

const char* method_name(ResizeMethod m) { return m == ResizeMethod::Crop ? "crop" : m == ResizeMethod::Pad ? "pad" : "squish"; }
const char* pad_name(PadMode p) { return p == PadMode::Zeros ? "zeros" : p == PadMode::Border ? "border" : "reflection"; }
}  // namespace

Resize::Resize(int64_t h, int64_t w, ResizeMethod method, PadMode pad_mode)
    : Transform({.name = "Resize", .order = 1}), h_(h), w_(w), method_(method), pad_mode_(pad_mode) {
  if (h <= 0 || w <= 0) throw std::invalid_argument("Resize: size must be positive, got " + std::to_string(h) + "x" + std::to_string(w));
  encodes<fastai::Image>([this](const at::Tensor& x) { return resize(x, false); });
  encodes<Mask>([this](const at::Tensor& x) { return Mask(resize(x, true)); });
}

void Resize::before_call(const Item&, std::optional<int> split) const {
  if (split && *split == 0) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    auto& g = rng();
    t_pcts = {u(g), u(g)};
  } else {
    t_pcts = {0.5, 0.5};
  }
}

at::Tensor Resize::resize(const at::Tensor& hwc_in, bool nearest) const {
  at::Tensor hwc = hwc_in.contiguous();
  const int h = static_cast<int>(hwc.size(0)), w = static_cast<int>(hwc.size(1)), c = static_cast<int>(hwc.size(2));
  cv::Mat img(h, w, CV_8UC(c), hwc.data_ptr<uint8_t>());
  // fastai: scale m so the crop (or padded area) has the target's aspect ratio.
  int cw = w, ch = h, x0 = 0, y0 = 0;
  if (method_ != ResizeMethod::Squish) {
    const double rw = static_cast<double>(w) / static_cast<double>(w_), rh = static_cast<double>(h) / static_cast<double>(h_);
    const bool pick_w = method_ == ResizeMethod::Pad ? rw > rh : rw < rh;
    const double m = pick_w ? rw : rh;
    cw = static_cast<int>(m * static_cast<double>(w_));
    ch = static_cast<int>(m * static_cast<double>(h_));
    x0 = static_cast<int>(t_pcts.first * (w - cw));
    y0 = static_cast<int>(t_pcts.second * (h - ch));
  }
  const int left = std::max(0, -x0), top = std::max(0, -y0);
  const int right = std::max(0, x0 + cw - w), bottom = std::max(0, y0 + ch - h);
  cv::Mat src = img;
  if (left || top || right || bottom) {
    const int border = pad_mode_ == PadMode::Zeros ? cv::BORDER_CONSTANT
                       : pad_mode_ == PadMode::Border ? cv::BORDER_REPLICATE
                                                      : cv::BORDER_REFLECT_101;
    cv::copyMakeBorder(img, src, top, bottom, left, right, border, cv::Scalar::all(0));
  }
  cv::Mat region = src(cv::Rect(x0 + left, y0 + top, cw, ch));
  const bool shrinking = cw > w_ || ch > h_;
  const int interp = nearest ? cv::INTER_NEAREST : shrinking ? cv::INTER_AREA : cv::INTER_LINEAR;
  cv::Mat out;
  cv::resize(region, out, cv::Size(static_cast<int>(w_), static_cast<int>(h_)), 0, 0, interp);
  if (out.channels() != c) out = out.reshape(c);  // cv::resize drops a single channel's dimension: keep [H, W, C]
  return torch::from_blob(out.data, {out.rows, out.cols, c}, torch::kUInt8).clone();
}

nlohmann::json Resize::describe() const {
  auto j = describe_base();
  j["size"] = {h_, w_};
  j["method"] = method_name(method_);
  j["pad_mode"] = pad_name(pad_mode_);
  return j;
}

std::shared_ptr<Resize> Resize::from_description(const nlohmann::json& j) {
  const std::string m = j.value("method", "crop"), p = j.value("pad_mode", "reflection");
  auto t = std::make_shared<Resize>(j.at("size")[0].get<int64_t>(), j.at("size")[1].get<int64_t>(),
                                    m == "pad" ? ResizeMethod::Pad : m == "squish" ? ResizeMethod::Squish : ResizeMethod::Crop,
                                    p == "zeros" ? PadMode::Zeros : p == "border" ? PadMode::Border : PadMode::Reflection);
  t->apply_base(j);
  return t;
}
FASTAI_REGISTER_TRANSFORM(Resize);

}  // namespace fastai
