#include "fastai/vision/augment.h"

#include <torch/torch.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <nlohmann/json.hpp>
#include <random>

#include "describe_fields.h"
#include "fastai/core/describe.h"
#include "fastai/core/random.h"
#include "fastai/vision/core.h"
#include "fastai/vision/points.h"

namespace fastai {

namespace {
// What an item transform's before_call drew for one call (fastai keeps it on self; ours is
// handed to that call's encodes, so threads sharing a transform never share a draw).
struct ItemDraw {
  double pct_x = 0.5, pct_y = 0.5;     // Resize
  int x0 = 0, y0 = 0, cw = 0, ch = 0;  // RandomCrop / RandomResizedCrop: crop box in the original
  int fw = 0, fh = 0;                  // RandomResizedCrop: size before the final centre crop
  bool doit = true;                    // FlipItem / DihedralItem
  int k = 0;                           // DihedralItem
  int img_w = 0, img_h = 0;            // the sample's image, for its points
};

// Crops the box (x0, y0, cw, ch) — padding where it leaves the image — and resizes it to out_w×out_h.
at::Tensor crop_pad_resize(const at::Tensor& hwc_in, int x0, int y0, int cw, int ch, int out_w, int out_h,
                           PadMode pad_mode, bool nearest) {
  at::Tensor hwc = hwc_in.contiguous();
  const int h = static_cast<int>(hwc.size(0)), w = static_cast<int>(hwc.size(1)), c = static_cast<int>(hwc.size(2));
  cv::Mat img(h, w, CV_8UC(c), hwc.data_ptr<uint8_t>());
  const int left = std::max(0, -x0), top = std::max(0, -y0);
  const int right = std::max(0, x0 + cw - w), bottom = std::max(0, y0 + ch - h);
  cv::Mat src = img;
  if (left || top || right || bottom) {
    const int border = pad_mode == PadMode::Zeros    ? cv::BORDER_CONSTANT
                       : pad_mode == PadMode::Border ? cv::BORDER_REPLICATE
                                                     : cv::BORDER_REFLECT_101;
    cv::copyMakeBorder(img, src, top, bottom, left, right, border, cv::Scalar::all(0));
  }
  cv::Mat region = src(cv::Rect(x0 + left, y0 + top, cw, ch));
  cv::Mat out;
  if (cw == out_w && ch == out_h) {
    out = region.clone();
  } else {
    const bool shrinking = cw > out_w || ch > out_h;
    const int interp = nearest ? cv::INTER_NEAREST : shrinking ? cv::INTER_AREA : cv::INTER_LINEAR;
    cv::resize(region, out, cv::Size(out_w, out_h), 0, 0, interp);
  }
  if (!out.isContinuous()) out = out.clone();
  return torch::from_blob(out.data, {out.rows, out.cols, c}, torch::kUInt8).clone();
}

// (height, width) of the sample's image as ints, for the crop arithmetic.
std::optional<std::pair<int, int>> image_hw(const Item& x) {
  if (auto s = image_size(x)) return std::pair{static_cast<int>(s->first), static_cast<int>(s->second)};
  return std::nullopt;
}

// Records the sample's image size (points are relative to it).
ItemDraw note_size(const Item& x) {
  ItemDraw s;
  if (auto hw = image_hw(x)) s.img_h = hw->first, s.img_w = hw->second;
  return s;
}

// Points [..., 2] (or boxes [..., 4], two points each) mapped by f on [n, 2] relative coordinates.
template <class F>
at::Tensor map_points(const at::Tensor& t, F f) {
  return f(t.to(at::kFloat).reshape({-1, 2})).reshape(t.sizes()).contiguous();
}

// Points, or boxes (through their corners: map_boxes), moved by f on [n, 2] relative coordinates.
template <class F>
at::Tensor move_points(const Item& x, F f) {
  const at::Tensor& t = x.get<TensorPoint>();
  if (x.is<TensorBBox>()) return map_boxes(t, [&](const at::Tensor& q) { return f(q); });
  return map_points(t, f);
}

[[noreturn]] void no_image(const char* tfm) {
  throw std::invalid_argument(std::string(tfm) + ": the sample has points but no image to place them in");
}

}  // namespace

Resize::Resize(int64_t h, int64_t w, ResizeMethod method, PadMode pad_mode)
    : Transform({.name = "Resize", .order = 1}), h_(h), w_(w), method_(method), pad_mode_(pad_mode) {
  if (h <= 0 || w <= 0)
    throw std::invalid_argument("Resize: size must be positive, got " + std::to_string(h) + "x" + std::to_string(w));
  encodes<fastai::Image>([this](const at::Tensor& x, const ItemDraw& s) { return resize(x, s.pct_x, s.pct_y, false); });
  encodes<Mask>([this](const at::Tensor& x, const ItemDraw& s) { return Mask(resize(x, s.pct_x, s.pct_y, true)); });
  encodes<TensorPoint>([this](const Item& x, const ItemDraw& s) {
    if (!s.img_w) no_image("Resize");
    const auto [x0, y0, cw, ch] = box(s.img_h, s.img_w, s.pct_x, s.pct_y);
    return move_points(x, [&](const at::Tensor& q) { return crop_points(q, s.img_w, s.img_h, x0, y0, cw, ch); });
  });
}

CallState Resize::before_call(const Item& x, std::optional<int> split) const {
  ItemDraw s = note_size(x);
  if (split && *split == 0) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    auto& g = rng();
    s.pct_x = u(g);
    s.pct_y = u(g);
  } else {
    s.pct_x = s.pct_y = 0.5;
  }
  return s;
}

std::array<int, 4> Resize::box(int h, int w, double pct_x, double pct_y) const {
  // fastai: scale m so the crop (or padded area) has the target's aspect ratio.
  int cw = w, ch = h, x0 = 0, y0 = 0;
  if (method_ != ResizeMethod::Squish) {
    const double rw = static_cast<double>(w) / static_cast<double>(w_),
                 rh = static_cast<double>(h) / static_cast<double>(h_);
    const bool pick_w = method_ == ResizeMethod::Pad ? rw > rh : rw < rh;
    const double m = pick_w ? rw : rh;
    cw = static_cast<int>(m * static_cast<double>(w_));
    ch = static_cast<int>(m * static_cast<double>(h_));
    x0 = static_cast<int>(pct_x * (w - cw));
    y0 = static_cast<int>(pct_y * (h - ch));
  }
  return {x0, y0, cw, ch};
}

at::Tensor Resize::resize(const at::Tensor& hwc, double pct_x, double pct_y, bool nearest) const {
  const auto [x0, y0, cw, ch] = box(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), pct_x, pct_y);
  return crop_pad_resize(hwc, x0, y0, cw, ch, static_cast<int>(w_), static_cast<int>(h_), pad_mode_, nearest);
}

FASTAI_REGISTER_DESCRIBED(Resize);

// ---------------------------------------------------------------- CropPad

CropPad::CropPad(int64_t h, int64_t w, PadMode pad_mode)
    : Transform({.name = "CropPad"}), h_(h), w_(w), pad_mode_(pad_mode) {
  auto f = [this](const at::Tensor& x, bool nearest) {
    const int H = static_cast<int>(x.size(0)), W = static_cast<int>(x.size(1)), th = static_cast<int>(h_),
              tw = static_cast<int>(w_);
    return crop_pad_resize(x, (W - tw) / 2, (H - th) / 2, tw, th, tw, th, pad_mode_, nearest);
  };
  encodes<fastai::Image>([f](const at::Tensor& x) { return f(x, false); });
  encodes<Mask>([f](const at::Tensor& x) { return Mask(f(x, true)); });
  encodes<TensorPoint>([this](const Item& x, const ItemDraw& s) {
    if (!s.img_w) no_image("CropPad");
    const int W = s.img_w, H = s.img_h, tw = static_cast<int>(w_), th = static_cast<int>(h_);
    return move_points(x,
                       [&](const at::Tensor& q) { return crop_points(q, W, H, (W - tw) / 2, (H - th) / 2, tw, th); });
  });
}
CallState CropPad::before_call(const Item& x, std::optional<int>) const {
  ItemDraw s = note_size(x);
  return s;
}
FASTAI_REGISTER_DESCRIBED(CropPad);

// ---------------------------------------------------------------- RandomCrop

RandomCrop::RandomCrop(int64_t h, int64_t w) : Transform({.name = "RandomCrop", .order = 1}), h_(h), w_(w) {
  auto f = [this](const at::Tensor& x, const ItemDraw& s, bool nearest) {
    const int th = static_cast<int>(h_), tw = static_cast<int>(w_);
    return crop_pad_resize(x, s.x0, s.y0, tw, th, tw, th, PadMode::Zeros, nearest);
  };
  encodes<fastai::Image>([f](const at::Tensor& x, const ItemDraw& s) { return f(x, s, false); });
  encodes<Mask>([f](const at::Tensor& x, const ItemDraw& s) { return Mask(f(x, s, true)); });
  encodes<TensorPoint>([this](const Item& x, const ItemDraw& s) {
    if (!s.img_w) no_image("RandomCrop");
    return move_points(x, [&](const at::Tensor& q) {
      return crop_points(q, s.img_w, s.img_h, s.x0, s.y0, static_cast<double>(w_), static_cast<double>(h_));
    });
  });
}
CallState RandomCrop::before_call(const Item& x, std::optional<int> split) const {
  ItemDraw s = note_size(x);
  const auto hw = image_hw(x).value_or(std::pair{static_cast<int>(h_), static_cast<int>(w_)});
  const int hd = hw.first - static_cast<int>(h_), wd = hw.second - static_cast<int>(w_);
  if (split && *split == 0) {
    auto& g = rng();
    s.x0 = wd > 0 ? std::uniform_int_distribution<int>(0, wd)(g) : wd / 2;
    s.y0 = hd > 0 ? std::uniform_int_distribution<int>(0, hd)(g) : hd / 2;
  } else {
    s.x0 = wd / 2;
    s.y0 = hd / 2;
  }
  return s;
}
FASTAI_REGISTER_DESCRIBED(RandomCrop);

// ---------------------------------------------------------------- RandomResizedCrop

RandomResizedCrop::RandomResizedCrop(int64_t h, int64_t w, RandomResizedCropOptions o)
    : Transform({.name = "RandomResizedCrop", .order = 1}), h_(h), w_(w), o_(o) {
  auto f = [this](const at::Tensor& x, const ItemDraw& s, bool nearest) {
    const PadMode pm = PadMode::Reflection;
    auto res = crop_pad_resize(x, s.x0, s.y0, s.cw, s.ch, s.fw, s.fh, pm, nearest);
    if (s.fw != w_ || s.fh != h_) {  // validation: one final centre crop
      const int tw = static_cast<int>(w_), th = static_cast<int>(h_);
      res = crop_pad_resize(res, (s.fw - tw) / 2, (s.fh - th) / 2, tw, th, tw, th, pm, nearest);
    }
    return res;
  };
  encodes<fastai::Image>([f](const at::Tensor& x, const ItemDraw& s) { return f(x, s, false); });
  encodes<Mask>([f](const at::Tensor& x, const ItemDraw& s) { return Mask(f(x, s, true)); });
  encodes<TensorPoint>([this](const Item& x, const ItemDraw& s) {
    if (!s.img_w) no_image("RandomResizedCrop");
    return move_points(x, [&](const at::Tensor& q) {
      auto r = crop_points(q, s.img_w, s.img_h, s.x0, s.y0, s.cw, s.ch);
      const int tw = static_cast<int>(w_), th = static_cast<int>(h_);
      if (s.fw != tw || s.fh != th) r = crop_points(r, s.fw, s.fh, (s.fw - tw) / 2, (s.fh - th) / 2, tw, th);
      return r;
    });
  });
}
CropRect random_resized_box(int64_t img_h, int64_t img_w, double min_scale, double max_scale,
                            std::pair<double, double> ratio, bool random) {
  const auto h = static_cast<double>(img_h), w = static_cast<double>(img_w);
  if (random) {
    auto& g = rng();
    std::uniform_real_distribution<double> scale(min_scale, max_scale),
        logr(std::log(ratio.first), std::log(ratio.second));
    for (int attempt = 0; attempt < 10; ++attempt) {
      const double area = scale(g) * w * h, r = std::exp(logr(g));
      const auto nw = static_cast<int64_t>(std::lround(std::sqrt(area * r))),
                 nh = static_cast<int64_t>(std::lround(std::sqrt(area / r)));
      if (nw <= img_w && nh <= img_h && nw > 0 && nh > 0) {
        const auto x0 = std::uniform_int_distribution<int64_t>(0, img_w - nw)(g);
        const auto y0 = std::uniform_int_distribution<int64_t>(0, img_h - nh)(g);
        return {.x0 = x0, .y0 = y0, .w = nw, .h = nh};
      }
    }
  }
  CropRect c{.w = img_w, .h = img_h};
  if (w / h < ratio.first)
    c.h = static_cast<int64_t>(w / ratio.first);
  else if (w / h > ratio.second)
    c.w = static_cast<int64_t>(h * ratio.second);
  c.x0 = (img_w - c.w) / 2, c.y0 = (img_h - c.h) / 2;
  return c;
}

CallState RandomResizedCrop::before_call(const Item& x, std::optional<int> split) const {
  ItemDraw s = note_size(x);
  const auto [h, w] = image_hw(x).value_or(std::pair{static_cast<int>(h_), static_cast<int>(w_)});
  if (!(split && *split == 0)) {  // fastai: the whole image, to the size plus val_xtra rounded up to 8
    const int xtra = static_cast<int>(std::ceil(static_cast<double>(std::max(h_, w_)) * o_.val_xtra / 8.0)) * 8;
    s.fw = static_cast<int>(w_) + xtra;
    s.fh = static_cast<int>(h_) + xtra;
    s.x0 = s.y0 = 0;
    s.cw = w, s.ch = h;
    return s;
  }
  s.fw = static_cast<int>(w_), s.fh = static_cast<int>(h_);
  const auto r = random_resized_box(h, w, o_.min_scale, o_.max_scale, o_.ratio);
  s.x0 = static_cast<int>(r.x0), s.y0 = static_cast<int>(r.y0);
  s.cw = static_cast<int>(r.w), s.ch = static_cast<int>(r.h);
  return s;
}
FASTAI_REGISTER_DESCRIBED(RandomResizedCrop);

// ---------------------------------------------------------------- flips

FlipItem::FlipItem(double p) : Transform({.name = "FlipItem", .split_idx = 0}), p_(p) {
  encodes<fastai::Image>([](const at::Tensor& x, const ItemDraw& s) { return s.doit ? x.flip({1}).contiguous() : x; });
  encodes<TensorPoint>([](const Item& x, const ItemDraw& s) {
    return s.doit ? move_points(x,
                                [](const at::Tensor& q) {
                                  return q * torch::tensor({-1.f, 1.f});
                                })
                  : x.get<TensorPoint>();
  });
}
CallState FlipItem::before_call(const Item&, std::optional<int>) const {
  ItemDraw s;
  s.doit = p_ >= 1.0 || std::uniform_real_distribution<double>(0, 1)(rng()) < p_;
  return s;
}
FASTAI_REGISTER_DESCRIBED(FlipItem);

at::Tensor DihedralItem::dihedral(const at::Tensor& hwc, int k) {
  at::Tensor x = hwc;
  if (k == 1 || k == 3 || k == 4 || k == 7) x = x.flip({1});  // fastai: flip(-1), the width
  if (k == 2 || k == 4 || k == 5 || k == 7) x = x.flip({0});  // flip(-2), the height
  if (k == 3 || k == 5 || k == 6 || k == 7) x = x.transpose(0, 1);
  return x.contiguous();
}
DihedralItem::DihedralItem(double p) : Transform({.name = "DihedralItem", .split_idx = 0}), p_(p) {
  encodes<fastai::Image>([](const at::Tensor& x, const ItemDraw& s) { return s.doit ? dihedral(x, s.k) : x; });
  encodes<TensorPoint>([](const Item& x, const ItemDraw& s) {
    if (!s.doit) return x.get<TensorPoint>();
    return move_points(x, [&s](at::Tensor q) {  // the image's three steps, in its order, on (x, y)
      const int k = s.k;
      if (k == 1 || k == 3 || k == 4 || k == 7) q = q * torch::tensor({-1.f, 1.f});
      if (k == 2 || k == 4 || k == 5 || k == 7) q = q * torch::tensor({1.f, -1.f});
      if (k == 3 || k == 5 || k == 6 || k == 7) q = q.flip({1});
      return q;
    });
  });
}
CallState DihedralItem::before_call(const Item&, std::optional<int>) const {
  ItemDraw s;
  auto& g = rng();
  s.doit = p_ >= 1.0 || std::uniform_real_distribution<double>(0, 1)(g) < p_;
  s.k = std::uniform_int_distribution<int>(0, 7)(g);
  return s;
}
FASTAI_REGISTER_DESCRIBED(DihedralItem);

}  // namespace fastai
