#include "fastai/vision/points.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "fastai/core/describe.h"
#include "fastai/losses.h"
#include "fastai/vision/batch_augment.h"
#include "fastai/vision/core.h"

namespace fastai {

PointCreate::PointCreate() : Transform({.name = "PointCreate"}) {
  encodes<TensorBase>([](const at::Tensor& t) -> Item {
    if (!(t.dim() == 2 && t.size(1) == 2) && !(t.dim() == 1 && t.numel() % 2 == 0))
      throw std::invalid_argument("PointCreate: points must be [n, 2] (or [2n]) x, y pixel coordinates, got shape " + c10::str(t.sizes()));
    return TensorPoint(t.to(at::kFloat).reshape({-1, 2}).contiguous());
  });
}

std::shared_ptr<PointCreate> PointCreate::from_description(const nlohmann::json& j) {
  auto t = std::make_shared<PointCreate>();
  t->apply_base(j);
  return t;
}

std::shared_ptr<BaseLoss> PointCreate::loss_func() const { return MSELossFlat(); }

namespace {

// (width, height) of the sample's image: an Image [H, W, C] before ToTensor, a TensorImage
// [C, H, W] after it.
std::optional<std::pair<double, double>> image_wh(const Item& x) {
  if (x.is_tuple()) {
    for (const auto& e : x.elements())
      if (auto s = image_wh(e)) return s;
    return std::nullopt;
  }
  if (x.is<fastai::Image>()) {
    const auto& t = x.get<fastai::Image>();
    return std::pair{static_cast<double>(t.size(1)), static_cast<double>(t.size(0))};
  }
  if (x.is<TensorImage>()) {
    const auto& t = x.get<TensorImage>();
    return std::pair{static_cast<double>(t.size(-1)), static_cast<double>(t.size(-2))};
  }
  return std::nullopt;
}

}  // namespace

PointScaler::PointScaler(bool y_first) : Transform({.name = "PointScaler", .order = 0, .whole_tuple = true}), y_first_(y_first) {
  encodes<Any>([this](const Item& x) { return scale(x, false); });
  decodes<Any>([this](const Item& x) { return scale(x, true); });
}

Item PointScaler::scale(const Item& x, bool decode) const {
  auto has_points = [](const Item& e) { return e.is<TensorPoint>(); };
  if (x.is_tuple() ? std::none_of(x.elements().begin(), x.elements().end(), has_points) : !has_points(x)) return x;
  const auto wh = image_wh(x);
  if (!wh)
    throw std::invalid_argument(std::string("PointScaler: the sample has points but no image to ") + (decode ? "decode" : "scale") +
                                " them by (points are relative to their image's size)");
  auto f = [&](const Item& e) -> Item {
    if (!e.is<TensorPoint>()) return e;
    const at::Tensor& t = e.get<TensorPoint>();
    const auto sz = torch::tensor({wh->first, wh->second}, t.options().dtype(at::kFloat));
    at::Tensor p = t.reshape({-1, 2});
    if (decode) {
      p = (p + 1) * sz / 2;
      if (y_first_) p = p.flip({1});
    } else {
      if (y_first_) p = p.flip({1});
      p = p * 2 / sz - 1;
    }
    return Item(e.type(), p.reshape(t.sizes()).contiguous());
  };
  if (!x.is_tuple()) return f(x);
  std::vector<Item> out;
  for (const auto& e : x.elements()) out.push_back(f(e));
  return Item(x.type(), std::move(out));
}

nlohmann::json PointScaler::describe() const {
  auto j = describe_base();
  j["y_first"] = y_first_;
  return j;
}

std::shared_ptr<PointScaler> PointScaler::from_description(const nlohmann::json& j) {
  auto t = std::make_shared<PointScaler>(j.value("y_first", false));
  t->apply_base(j);
  return t;
}

TransformBlock PointBlock(bool y_first) {
  return {.type_tfms = [] { return TfmList{std::make_shared<PointCreate>()}; },
          .item_tfms = [y_first] { return TfmList{std::make_shared<PointScaler>(y_first)}; }};
}

at::Tensor crop_points(const at::Tensor& p, double w, double h, double x0, double y0, double cw, double ch) {
  const auto px = (p.select(-1, 0) + 1) * (w / 2), py = (p.select(-1, 1) + 1) * (h / 2);
  return torch::stack({(px - x0) * (2 / cw) - 1, (py - y0) * (2 / ch) - 1}, -1);
}

at::Tensor affine_points(const at::Tensor& p, const at::Tensor& mat, const std::vector<at::Tensor>& warps) {
  at::Tensor x = p.to(at::kFloat);
  // The grid maps output to input as warp_k ∘ … ∘ warp_1 ∘ mat; points go the other way.
  for (auto it = warps.rbegin(); it != warps.rend(); ++it) {
    const auto& c = *it;
    auto k = torch::cat({c.reshape({c.size(0), 8}), torch::ones({c.size(0), 1}, c.options())}, 1).view({-1, 3, 3});
    auto inv = torch::linalg::inv(k);
    inv = inv / inv.select(1, 2).select(1, 2).view({-1, 1, 1});
    x = apply_perspective(x, inv.reshape({-1, 9}).slice(1, 0, 8).unsqueeze(-1).to(x.scalar_type()));
  }
  const auto m = mat.to(x.device()).to(at::kFloat);
  const auto a = m.slice(1, 0, 2).slice(2, 0, 2), t = m.slice(1, 0, 2).select(2, 2);
  return torch::matmul(x - t.unsqueeze(1), torch::linalg::inv(a.transpose(1, 2)));
}

namespace {
const bool registered = [] {
  register_transform("PointCreate", [](const nlohmann::json& j) { return PointCreate::from_description(j); });
  register_transform("PointScaler", [](const nlohmann::json& j) { return PointScaler::from_description(j); });
  return true;
}();
}  // namespace

}  // namespace fastai
