#include "fastai/vision/batch_augment.h"
#include "fastai/vision/points.h"

#include <torch/torch.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "describe_fields.h"
#include "fastai/core/describe.h"
#include "fastai/core/random.h"
#include "fastai/core/semantic.h"
#include "fastai/vision/core.h"

namespace fastai {
namespace F = torch::nn::functional;

namespace {

// What AffineCoordTfm's before_call drew for one batch: the matrices and the warps' coefficients.
struct AffineDraw {
  at::Tensor mat;
  std::vector<at::Tensor> warps;
  bool identity = false;  // validation: no augmentation, only the resize to `size`
};
// LightingTfm's draw: one factor per batch item per lighting change.
struct LightingDraw {
  std::vector<at::Tensor> changes;
};

int64_t batch_size(const Item& x) {
  if (x.is_tuple()) {
    for (const auto& e : x.elements())
      if (auto n = batch_size(e); n >= 0) return n;
    return -1;
  }
  if (x.is<TensorImage>()) return x.get<TensorImage>().size(0);
  return -1;
}
c10::Device batch_device(const Item& x) {
  if (x.is_tuple())
    for (const auto& e : x.elements())
      if (e.is<TensorImage>()) return e.get<TensorImage>().device();
  if (x.is<TensorImage>()) return x.get<TensorImage>().device();
  return c10::Device(c10::kCPU);
}

// fastai's mask_tensor: keep each value with probability p, else the neutral value.
at::Tensor mask_tensor(at::Tensor x, double p, double neutral) {
  if (p >= 1.0) return x;
  auto keep = torch::empty(x.sizes(), x.options()).bernoulli_(p, torch_rng());
  return (x - neutral) * keep + neutral;
}

at::Tensor affine_mat(const at::Tensor& a, const at::Tensor& b, const at::Tensor& c, const at::Tensor& d,
                      const at::Tensor& e, const at::Tensor& f) {
  auto z = torch::zeros_like(a), o = torch::ones_like(a);
  return torch::stack({torch::stack({a, b, c}, 1), torch::stack({d, e, f}, 1), torch::stack({z, z, o}, 1)}, 1);
}

at::Tensor sample(const at::Tensor& x, const at::Tensor& mat, const AffineOptions& o, bool nearest,
                  const std::vector<at::Tensor>& warps) {
  std::vector<int64_t> size = x.sizes().vec();
  if (o.size) size[2] = o.size->first, size[3] = o.size->second;
  auto grid = torch::affine_grid_generator(mat.slice(1, 0, 2).to(x.scalar_type()), size, o.align_corners);
  for (const auto& c : warps) grid = apply_perspective(grid, c.to(grid.scalar_type()));  // fastai's coord_tfm
  const int64_t mode = nearest ? 1 : 0;  // grid_sampler: 0 bilinear, 1 nearest
  const int64_t pad = o.pad_mode == PadMode::Zeros ? 0 : o.pad_mode == PadMode::Border ? 1 : 2;
  return torch::grid_sampler(x, grid, mode, pad, o.align_corners);
}

}  // namespace

at::Tensor find_coeffs(const at::Tensor& p1, const at::Tensor& p2) {
  std::vector<at::Tensor> rows;
  auto one = torch::ones_like(p1.select(1, 0).select(1, 0)), zero = torch::zeros_like(one);
  for (int64_t i = 0; i < p1.size(1); ++i) {
    auto x1 = p1.select(1, i).select(1, 0), y1 = p1.select(1, i).select(1, 1);
    auto x2 = p2.select(1, i).select(1, 0), y2 = p2.select(1, i).select(1, 1);
    rows.push_back(torch::stack({x2, y2, one, zero, zero, zero, -x1 * x2, -x1 * y2}));
    rows.push_back(torch::stack({zero, zero, zero, x2, y2, one, -y1 * x2, -y1 * y2}));
  }
  auto A = torch::stack(rows).permute({2, 0, 1});  // [N, 8, 8]
  auto B = p1.reshape({p1.size(0), 8, 1});
  return torch::linalg::solve(A, B, /*left=*/true);  // [N, 8, 1]
}

at::Tensor apply_perspective(const at::Tensor& coords, const at::Tensor& coeffs) {
  const auto sz = coords.sizes().vec();
  auto c = coords.reshape({sz[0], -1, 2});
  auto k = torch::cat({coeffs.reshape({coeffs.size(0), 8}), torch::ones({coeffs.size(0), 1}, coeffs.options())}, 1)
               .view({-1, 3, 3});
  auto c1 = torch::matmul(c, k.slice(2, 0, 2).transpose(1, 2)) + k.select(2, 2).unsqueeze(1);
  if ((c1.select(2, 2) == 0).any().item<bool>()) return coords;
  return (c1 / c1.select(2, 2).unsqueeze(-1)).slice(2, 0, 2).reshape(sz);
}

at::Tensor AffineAug::warp_coeffs(int64_t n, c10::Device device) const {
  auto opts = torch::TensorOptions().dtype(torch::kFloat).device(device);
  auto& g = torch_rng();
  auto xt = mask_tensor(torch::empty({n}, opts).uniform_(-magnitude, magnitude, g), p, 0.0);
  auto yt = mask_tensor(torch::empty({n}, opts).uniform_(-magnitude, magnitude, g), p, 0.0);
  auto orig = torch::tensor({-1.f, -1.f, -1.f, 1.f, 1.f, -1.f, 1.f, 1.f}, opts).view({1, 4, 2}).expand({n, 4, 2});
  auto targ = torch::stack({torch::stack({-1 - yt, -1 - xt}), torch::stack({-1 + yt, 1 + xt}),
                            torch::stack({1 + yt, -1 + xt}), torch::stack({1 - yt, 1 - xt})})
                  .permute({2, 0, 1});
  return find_coeffs(orig.contiguous(), targ.contiguous());
}

at::Tensor AffineAug::draw(int64_t n, c10::Device device) const {
  auto opts = torch::TensorOptions().dtype(torch::kFloat).device(device);
  auto& g = torch_rng();
  switch (kind) {
    case Kind::Warp:
      return torch::eye(3, opts).expand({n, 3, 3}).contiguous();
    case Kind::Flip: {
      auto flip = mask_tensor(torch::ones({n}, opts), p, 0.0);
      auto m = 1 - 2 * flip;
      auto z = torch::zeros({n}, opts), o = torch::ones({n}, opts);
      return affine_mat(m, z, z, z, o, z);
    }
    case Kind::Dihedral: {
      auto idx = mask_tensor(torch::randint(0, 8, {n}, g, opts), p, 0.0).to(torch::kLong);
      auto pick = [&](std::vector<float> v) { return torch::tensor(v, opts).gather(0, idx); };
      auto xs = pick({1, -1, 1, -1, -1, 1, 1, -1}), ys = pick({1, 1, -1, 1, -1, -1, 1, -1});
      auto m0 = pick({1, 1, 1, 0, 1, 0, 0, 0}), m1 = pick({0, 0, 0, 1, 0, 1, 1, 1});
      auto z = torch::zeros({n}, opts);
      return affine_mat(xs * m0, xs * m1, z, ys * m1, ys * m0, z);
    }
    case Kind::Rotate: {
      auto deg = mask_tensor(torch::empty({n}, opts).uniform_(-max_deg, max_deg, g), p, 0.0);
      auto th = deg * (M_PI / 180.0);
      auto z = torch::zeros({n}, opts);
      return affine_mat(th.cos(), th.sin(), z, -th.sin(), th.cos(), z);
    }
    default: {  // zoom: s = 1/draw, centred at a random point
      auto s = 1.0 / mask_tensor(torch::empty({n}, opts).uniform_(min_zoom, max_zoom, g), p, 1.0);
      auto col = torch::empty({n}, opts).uniform_(0, 1, g), row = torch::empty({n}, opts).uniform_(0, 1, g);
      auto z = torch::zeros({n}, opts);
      return affine_mat(s, z, (1 - s) * (2 * col - 1), z, s, (1 - s) * (2 * row - 1));
    }
  }
}

AffineCoordTfm::AffineCoordTfm(std::vector<AffineAug> augs, AffineOptions o)
    : Transform({.name = "AffineCoordTfm", .order = 30}), augs_(std::move(augs)), o_(o) {
  // Both sets, as fastai's (split_idx None): the validation set gets the identity matrix, so
  // only `size` changes it — and an identity at the same size is skipped (it would return the
  // pixels themselves).
  auto unchanged = [this](const at::Tensor& x, const AffineDraw& d) {
    return d.identity && (!o_.size || (o_.size->first == x.size(-2) && o_.size->second == x.size(-1)));
  };
  encodes<TensorImage>([this, unchanged](const at::Tensor& x, const AffineDraw& d) {
    if (unchanged(x, d)) return x;
    const bool integral = !x.is_floating_point();
    auto y = apply(integral ? x.to(torch::kFloat) : x, d.mat, o_, o_.nearest, d.warps);
    return integral ? y.round().to(x.scalar_type()) : y;
  });
  encodes<TensorMask>([this, unchanged](const at::Tensor& m, const AffineDraw& d) {
    if (unchanged(m, d)) return m;
    auto y = apply(m.unsqueeze(1).to(torch::kFloat), d.mat, o_, true, d.warps);
    return y.squeeze(1).round().to(m.scalar_type());
  });
  // Points [N, n, 2] (relative, from PointScaler) go where the resampling takes their pixels.
  encodes<TensorPoint>([](const Item& x, const AffineDraw& d) {
    const at::Tensor& p = x.get<TensorPoint>();
    const auto n = p.size(0);
    auto f = [n, &d](const at::Tensor& q) {
      return affine_points(q.reshape({n, -1, 2}), d.mat, d.warps).reshape(q.sizes());
    };
    if (x.is<TensorBBox>()) return map_boxes(p, f);  // boxes [N, k, 4] through their corners
    return f(p.to(at::kFloat)).to(p.scalar_type());
  });
}

at::Tensor AffineCoordTfm::apply(const at::Tensor& x, const at::Tensor& mat, const AffineOptions& o, bool nearest,
                                 const std::vector<at::Tensor>& warps) {
  if (x.dim() != 4)
    throw std::invalid_argument("AffineCoordTfm: expects [N, C, H, W] batches, got " + c10::str(x.sizes()));
  return sample(x, mat, o, nearest, warps);
}

CallState AffineCoordTfm::before_call(const Item& x, std::optional<int> split_idx) const {
  const int64_t n = std::max<int64_t>(batch_size(x), 0);
  const auto dev = batch_device(x);
  AffineDraw d;
  d.mat = torch::eye(3, torch::TensorOptions().dtype(torch::kFloat).device(dev)).expand({n, 3, 3});
  d.identity = split_idx && *split_idx == 1;
  if (d.identity) return d;
  for (const auto& a : augs_) {
    if (a.kind == AffineAug::Kind::Warp)
      d.warps.push_back(a.warp_coeffs(n, dev));
    else
      d.mat = torch::bmm(d.mat, a.draw(n, dev));
  }
  return d;
}

FASTAI_REGISTER_DESCRIBED(AffineCoordTfm);

// ---------------------------------------------------------------- lighting

LightingTfm::LightingTfm(std::vector<LightingAug> augs)
    : Transform({.name = "LightingTfm", .order = 40, .split_idx = 0}), augs_(std::move(augs)) {
  encodes<TensorImage>([this](const at::Tensor& x, const LightingDraw& d) {
    if (!x.is_floating_point()) return x;  // lighting works on float images in [0, 1]
    auto l = x.clamp(1e-7, 1 - 1e-7);
    l = -(1.0 / l - 1).log();  // logit
    for (size_t i = 0; i < augs_.size(); ++i) {
      const auto c = d.changes.at(i).view({-1, 1, 1, 1}).to(x.scalar_type());
      switch (augs_[i].kind) {
        case LightingAug::Kind::Brightness:
          l = l + (-(1.0 / c - 1).log());
          break;
        case LightingAug::Kind::Contrast:
          l = l * c;
          break;
        case LightingAug::Kind::Saturation: {
          // fastai's grayscale: ITU-R 601 weights over RGB; a one-channel image is its own grey
          auto gs = l.size(1) == 3
                        ? (l.select(1, 0) * 0.2989 + l.select(1, 1) * 0.5870 + l.select(1, 2) * 0.1140).unsqueeze(1)
                        : l;
          l = l * c + gs * (1 - c);
          break;
        }
      }
    }
    return torch::sigmoid(l);
  });
}

CallState LightingTfm::before_call(const Item& x, std::optional<int>) const {
  const int64_t n = std::max<int64_t>(batch_size(x), 0);
  auto opts = torch::TensorOptions().dtype(torch::kFloat).device(batch_device(x));
  auto& g = torch_rng();
  LightingDraw d;
  for (const auto& a : augs_) {
    if (a.kind == LightingAug::Kind::Brightness)
      d.changes.push_back(mask_tensor(
          torch::empty({n}, opts).uniform_(0.5 * (1 - a.max_lighting), 0.5 * (1 + a.max_lighting), g), a.p, 0.5));
    else  // contrast and saturation: log-uniform factors around 1
      d.changes.push_back(mask_tensor(
          torch::empty({n}, opts).uniform_(std::log(1 - a.max_lighting), -std::log(1 - a.max_lighting), g).exp(), a.p,
          1.0));
  }
  return d;
}

FASTAI_REGISTER_DESCRIBED(LightingTfm);

// ---------------------------------------------------------------- HSV

at::Tensor rgb2hsv(const at::Tensor& img) {
  auto rgb = img.unbind(1);
  const auto &r = rgb[0], &g = rgb[1], &b = rgb[2];
  auto maxc = std::get<0>(img.max(1)), minc = std::get<0>(img.min(1));
  auto eqc = maxc == minc;
  auto cr = maxc - minc;
  auto one = torch::ones({}, maxc.options());
  auto s = cr / torch::where(eqc, one, maxc);
  auto div = torch::where(eqc, one, cr);
  auto rc = (maxc - r) / div, gc = (maxc - g) / div, bc = (maxc - b) / div;
  auto hr = (maxc == r).to(img.scalar_type()) * (bc - gc);
  auto hg = ((maxc == g) & (maxc != r)).to(img.scalar_type()) * (2.0 + rc - bc);
  auto hb = ((maxc != g) & (maxc != r)).to(img.scalar_type()) * (4.0 + gc - rc);
  auto h = torch::fmod((hr + hg + hb) / 6.0 + 1.0, 1.0);
  return torch::stack({h, s, maxc}, 1);
}

at::Tensor hsv2rgb(const at::Tensor& img) {
  auto hsv = img.unbind(1);
  const auto &h = hsv[0], &s = hsv[1], &v = hsv[2];
  auto i = torch::floor(h * 6.0);
  auto f = h * 6.0 - i;
  auto ii = i.to(torch::kInt) % 6;
  auto p = torch::clamp(v * (1.0 - s), 0.0, 1.0), q = torch::clamp(v * (1.0 - s * f), 0.0, 1.0),
       t = torch::clamp(v * (1.0 - s * (1.0 - f)), 0.0, 1.0);
  auto mask =
      (ii.unsqueeze(1) == torch::arange(6, ii.options()).view({1, 6, 1, 1})).to(img.scalar_type());  // [N,6,H,W]
  auto a1 = torch::stack({v, q, p, p, t, v}, 1), a2 = torch::stack({t, v, v, q, p, p}, 1),
       a3 = torch::stack({p, p, t, v, v, q}, 1);
  auto a4 = torch::stack({a1, a2, a3}, 1);  // [N,3,6,H,W]
  return torch::einsum("nijk,nxijk->nxjk", {mask, a4});
}

namespace {
// HueTfm's draw: one hue shift per batch item.
struct HueDraw {
  at::Tensor shift;
};
}  // namespace

HueTfm::HueTfm(double max_hue, double p)
    : Transform({.name = "HueTfm", .order = 41, .split_idx = 0}), max_hue_(max_hue), p_(p) {
  encodes<TensorImage>([](const at::Tensor& x, const HueDraw& d) {
    if (!x.is_floating_point() || x.size(1) != 3) return x;  // hue needs float RGB
    auto hsv = rgb2hsv(x);
    auto parts = hsv.unbind(1);
    auto h = torch::remainder(parts[0] + d.shift.view({-1, 1, 1}).to(x.scalar_type()), 1.0);
    return hsv2rgb(torch::stack({h, parts[1], parts[2]}, 1));
  });
}

CallState HueTfm::before_call(const Item& x, std::optional<int>) const {
  const int64_t n = std::max<int64_t>(batch_size(x), 0);
  auto opts = torch::TensorOptions().dtype(torch::kFloat).device(batch_device(x));
  // fastai draws exp(U(log(1 − max_hue), −log(1 − max_hue))) ≈ 1 ± max_hue (neutral 0); adding it
  // to a hue taken modulo 1 shifts by the part away from 1.
  return HueDraw{mask_tensor(
      torch::empty({n}, opts).uniform_(std::log(1 - max_hue_), -std::log(1 - max_hue_), torch_rng()).exp(), p_, 0.0)};
}

FASTAI_REGISTER_DESCRIBED(HueTfm);

// ---------------------------------------------------------------- RandomErasing

RandomErasing::RandomErasing(double p, double sl, double sh, double min_aspect, int max_count)
    : Transform({.name = "RandomErasing", .order = 100, .split_idx = 0}),
      p_(p),
      sl_(sl),
      sh_(sh),
      min_aspect_(min_aspect),
      max_count_(max_count) {
  if (max_count < 1 || min_aspect <= 0 || min_aspect > 1 || sl < 0 || sh > 1 || sl > sh)
    throw std::invalid_argument("RandomErasing: needs max_count >= 1, 0 < min_aspect <= 1 and 0 <= sl <= sh <= 1");
  encodes<TensorImage>([this](const at::Tensor& x) {
    auto& g = rng();
    if (p_ < 1.0 && std::uniform_real_distribution<double>(0, 1)(g) >= p_) return x;
    const int count = std::uniform_int_distribution<int>(1, max_count_)(g);
    const int64_t h = x.size(-2), w = x.size(-1);
    const double area = static_cast<double>(h * w) / count;
    auto slice = [&](double a, int64_t sz) {  // fastai's _slice
      const auto bound = static_cast<int64_t>(std::lround(std::sqrt(a)));
      const auto loc = std::uniform_int_distribution<int64_t>(0, std::max<int64_t>(sz - bound, 0))(g);
      return std::pair{loc, std::min(loc + bound, sz)};
    };
    at::Tensor y = x.clone();
    for (int i = 0; i < count; ++i) {
      const double r_area = std::uniform_real_distribution<double>(sl_, sh_)(g) * area;
      const double aspect =
          std::exp(std::uniform_real_distribution<double>(std::log(min_aspect_), -std::log(min_aspect_))(g));
      const auto [r0, r1] = slice(r_area * aspect, h);
      const auto [c0, c1] = slice(r_area / aspect, w);
      if (r1 > r0 && c1 > c0) y.slice(-2, r0, r1).slice(-1, c0, c1).normal_(0, 1, torch_rng());
    }
    return y;
  });
}

FASTAI_REGISTER_DESCRIBED(RandomErasing);

// ---------------------------------------------------------------- RandomResizedCropGPU

namespace {
struct CropBox {
  CropRect r;
  int64_t img_h = 0, img_w = 0;
};
}  // namespace

RandomResizedCropGPU::RandomResizedCropGPU(int64_t h, int64_t w, RandomResizedCropGPUOptions o)
    : Transform({.name = "RandomResizedCropGPU", .order = 30}), h_(h), w_(w), o_(o) {
  if (h <= 0 || w <= 0)
    throw std::invalid_argument("RandomResizedCropGPU: size must be positive, got " + std::to_string(h) + "x" +
                                std::to_string(w));
  if (o.min_scale <= 0 || o.min_scale > o.max_scale || o.ratio.first <= 0 || o.ratio.first > o.ratio.second ||
      o.valid_scale <= 0 || o.valid_scale > 1)
    throw std::invalid_argument(
        "RandomResizedCropGPU: needs 0 < min_scale <= max_scale, 0 < ratio.first <= ratio.second and 0 < valid_scale "
        "<= 1");
  const AffineOptions resize{.size = std::pair{h, w}};
  auto crop = [](const at::Tensor& x, const CropBox& b) {
    const auto& r = b.r;
    return x.slice(-2, r.y0, r.y0 + r.h).slice(-1, r.x0, r.x0 + r.w);
  };
  auto identity = [](const at::Tensor& x) {
    return torch::eye(3, torch::TensorOptions().dtype(torch::kFloat).device(x.device())).expand({x.size(0), 3, 3});
  };
  encodes<TensorImage>([=, this](const at::Tensor& x, const CropBox& b) {
    const bool integral = !x.is_floating_point();
    const auto c = crop(integral ? x.to(torch::kFloat) : x, b);
    auto y = AffineCoordTfm::apply(c, identity(c), resize, o_.nearest);
    return integral ? y.round().to(x.scalar_type()) : y;
  });
  encodes<TensorMask>([=](const at::Tensor& m, const CropBox& b) {
    const auto c = crop(m, b).unsqueeze(1).to(torch::kFloat);
    return AffineCoordTfm::apply(c, identity(c), resize, true).squeeze(1).round().to(m.scalar_type());
  });
  // Points (relative) through the box: the same map as an item crop (crop_points).
  encodes<TensorPoint>([](const Item& x, const CropBox& b) {
    const at::Tensor& p = x.get<TensorPoint>();
    auto f = [&b](const at::Tensor& q) {
      return crop_points(q, static_cast<double>(b.img_w), static_cast<double>(b.img_h), static_cast<double>(b.r.x0),
                         static_cast<double>(b.r.y0), static_cast<double>(b.r.w), static_cast<double>(b.r.h));
    };
    if (x.is<TensorBBox>()) return map_boxes(p, f);
    return f(p.to(at::kFloat)).to(p.scalar_type());
  });
}

CallState RandomResizedCropGPU::before_call(const Item& x, std::optional<int> split_idx) const {
  const auto hw = image_size(x);
  if (!hw) throw std::invalid_argument("RandomResizedCropGPU: the batch has no TensorImage or TensorMask to crop");
  const auto [h, w] = *hw;
  const bool valid = split_idx && *split_idx == 1;
  CropRect r = random_resized_box(h, w, o_.min_scale, o_.max_scale, o_.ratio, /*random=*/!valid);
  if (valid) {  // fastai: the centred box, scaled by valid_scale
    r.h = std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(r.h) * o_.valid_scale));
    r.w = std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(r.w) * o_.valid_scale));
    r.y0 = (h - r.h) / 2, r.x0 = (w - r.w) / 2;
  }
  return CropBox{.r = r, .img_h = h, .img_w = w};
}

FASTAI_REGISTER_DESCRIBED(RandomResizedCropGPU);

// ---------------------------------------------------------------- fastai's named batch transforms

namespace {
template <class O>
AffineOptions resampling(const O& from) {
  AffineOptions to;
  FASTAI_AFFINE_RESAMPLING(FASTAI_COPY_OPTION)
  return to;
}
template <class T>
std::shared_ptr<Transform> named(std::shared_ptr<T> t, const char* name) {
  t->name = name;
  return t;
}
}  // namespace

std::shared_ptr<Transform> Flip(FlipOptions o) {
  return named(std::make_shared<AffineCoordTfm>(std::vector{AffineAug::flip(o.p)}, resampling(o)), "Flip");
}
std::shared_ptr<Transform> Dihedral(FlipOptions o) {
  return named(std::make_shared<AffineCoordTfm>(std::vector{AffineAug::dihedral(o.p)}, resampling(o)), "Dihedral");
}
std::shared_ptr<Transform> Rotate(RotateOptions o) {
  return named(std::make_shared<AffineCoordTfm>(std::vector{AffineAug::rotate(o.max_deg, o.p)}, resampling(o)),
               "Rotate");
}
std::shared_ptr<Transform> Zoom(ZoomOptions o) {
  return named(
      std::make_shared<AffineCoordTfm>(std::vector{AffineAug::zoom(o.min_zoom, o.max_zoom, o.p)}, resampling(o)),
      "Zoom");
}
std::shared_ptr<Transform> Warp(WarpOptions o) {
  return named(std::make_shared<AffineCoordTfm>(std::vector{AffineAug::warp(o.magnitude, o.p)}, resampling(o)), "Warp");
}
std::shared_ptr<Transform> Brightness(LightingOptions o) {
  return named(std::make_shared<LightingTfm>(std::vector{LightingAug::brightness(o.max_lighting, o.p)}), "Brightness");
}
std::shared_ptr<Transform> Contrast(LightingOptions o) {
  return named(std::make_shared<LightingTfm>(std::vector{LightingAug::contrast(o.max_lighting, o.p)}), "Contrast");
}
std::shared_ptr<Transform> Saturation(LightingOptions o) {
  return named(std::make_shared<LightingTfm>(std::vector{LightingAug::saturation(o.max_lighting, o.p)}), "Saturation");
}
std::shared_ptr<Transform> Hue(HueOptions o) { return named(std::make_shared<HueTfm>(o.max_hue, o.p), "Hue"); }

std::vector<std::shared_ptr<Transform>> aug_transforms(AugTransformsOptions o) {
  std::vector<AffineAug> aff;
  if (o.do_flip) aff.push_back(o.flip_vert ? AffineAug::dihedral(0.5) : AffineAug::flip(0.5));
  if (o.max_warp > 0) aff.push_back(AffineAug::warp(o.max_warp, o.p_affine));
  if (o.max_rotate > 0) aff.push_back(AffineAug::rotate(o.max_rotate * o.mult, o.p_affine));
  if (o.min_zoom < 1 || o.max_zoom > 1) aff.push_back(AffineAug::zoom(o.min_zoom, o.max_zoom * o.mult, o.p_affine));
  std::vector<LightingAug> light;
  if (o.max_lighting > 0) {
    light.push_back(LightingAug::brightness(o.max_lighting * o.mult, o.p_lighting));
    light.push_back(LightingAug::contrast(o.max_lighting * o.mult, o.p_lighting));
  }
  std::vector<std::shared_ptr<Transform>> res;
  if (!aff.empty() || o.size)
    res.push_back(std::make_shared<AffineCoordTfm>(aff, AffineOptions{.size = o.size, .pad_mode = o.pad_mode}));
  if (!light.empty()) res.push_back(std::make_shared<LightingTfm>(light));
  return res;
}

}  // namespace fastai
