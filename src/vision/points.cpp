#include "fastai/vision/points.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "fastai/core/describe.h"
#include "fastai/data/transforms.h"
#include "fastai/losses.h"
#include "fastai/vision/batch_augment.h"
#include "fastai/vision/core.h"

namespace fastai {

nlohmann::json PointCreate::describe() const { return describe_base(); }

PointCreate::PointCreate() : Transform({.name = "PointCreate"}) {
  encodes<TensorBase>([](const at::Tensor& t) -> Item {
    if (!(t.dim() == 2 && t.size(1) == 2) && !(t.dim() == 1 && t.numel() % 2 == 0))
      throw std::invalid_argument("PointCreate: points must be [n, 2] (or [2n]) x, y pixel coordinates, got shape " +
                                  c10::str(t.sizes()));
    return TensorPoint(t.to(at::kFloat).reshape({-1, 2}).contiguous());
  });
}

std::shared_ptr<PointCreate> PointCreate::from_description(const nlohmann::json& j) {
  auto t = std::make_shared<PointCreate>();
  t->apply_base(j);
  return t;
}

std::shared_ptr<BaseLoss> PointCreate::loss_func() const { return MSELossFlat(); }

PointScaler::PointScaler(bool y_first)
    : Transform({.name = "PointScaler", .order = 0, .whole_tuple = true}), y_first_(y_first) {
  encodes<Any>([this](const Item& x) { return scale(x, false); });
  decodes<Any>([this](const Item& x) { return scale(x, true); });
}

Item PointScaler::scale(const Item& x, bool decode) const {
  auto has_points = [](const Item& e) { return e.is<TensorPoint>(); };
  if (x.is_tuple() ? std::none_of(x.elements().begin(), x.elements().end(), has_points) : !has_points(x)) return x;
  const auto hw = image_size(x);
  if (!hw)
    throw std::invalid_argument(std::string("PointScaler: the sample has points but no image to ") +
                                (decode ? "decode" : "scale") + " them by (points are relative to their image's size)");
  auto f = [&](const Item& e) -> Item {
    if (!e.is<TensorPoint>()) return e;
    const at::Tensor& t = e.get<TensorPoint>();
    const auto sz = torch::tensor({static_cast<double>(hw->second), static_cast<double>(hw->first)},
                                  t.options().dtype(at::kFloat));  // (w, h)
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

at::Tensor map_boxes(const at::Tensor& boxes, const std::function<at::Tensor(const at::Tensor&)>& f) {
  if (boxes.numel() == 0) return boxes;
  const auto sz = boxes.sizes().vec();
  const int64_t n = boxes.dim() >= 2 ? sz[sz.size() - 2] : 1;
  auto b = boxes.to(at::kFloat).reshape({-1, n, 4});
  const auto x1 = b.select(2, 0), y1 = b.select(2, 1), x2 = b.select(2, 2), y2 = b.select(2, 3);
  auto corners = torch::stack({x1, y1, x2, y1, x1, y2, x2, y2}, -1).reshape({b.size(0), n * 4, 2});
  std::vector<int64_t> lead(sz.begin(), sz.end() - 2);
  std::vector<int64_t> cshape = lead;
  cshape.push_back(n * 4);
  cshape.push_back(2);
  auto m = f(corners.reshape(cshape)).reshape({b.size(0), n, 4, 2});
  auto out = torch::cat({std::get<0>(m.min(2)), std::get<0>(m.max(2))}, -1).clamp(-1, 1);  // [B, n, 4]
  auto empty = (out.select(2, 2) <= out.select(2, 0)) | (out.select(2, 3) <= out.select(2, 1));
  out = out.masked_fill(empty.unsqueeze(-1), 0.0);
  return out.reshape(sz).to(boxes.scalar_type()).contiguous();
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

nlohmann::json BBoxCreate::describe() const { return describe_base(); }

BBoxCreate::BBoxCreate() : Transform({.name = "BBoxCreate"}) {
  encodes<TensorBase>([](const at::Tensor& t) -> Item {
    if (!(t.dim() == 2 && t.size(1) == 4) && !(t.dim() == 1 && t.numel() % 4 == 0))
      throw std::invalid_argument("BBoxCreate: boxes must be [n, 4] (x1, y1, x2, y2 pixels), got shape " +
                                  c10::str(t.sizes()));
    return TensorBBox(t.to(at::kFloat).reshape({-1, 4}).contiguous());
  });
}

std::shared_ptr<BBoxCreate> BBoxCreate::from_description(const nlohmann::json& j) {
  auto t = std::make_shared<BBoxCreate>();
  t->apply_base(j);
  return t;
}

BBoxPad::BBoxPad(int64_t pad_idx) : Transform({.name = "BBoxPad", .whole_tuple = true}), pad_idx_(pad_idx) {
  encodes<Any>([this](const Item& x) { return pad(x); });
  decodes<Any>([this](const Item& x) { return unpad(x); });
}

namespace {
// Index of the first element of a sample with semantic type T, or -1.
template <class T>
int64_t find_elem(const Item& sample) {
  if (!sample.is_tuple()) return -1;
  for (size_t i = 0; i < sample.size(); ++i)
    if (sample[i].is<T>()) return static_cast<int64_t>(i);
  return -1;
}
Item replace_elem(const Item& sample, int64_t i, Item v) {
  std::vector<Item> e = sample.elements();
  e[static_cast<size_t>(i)] = std::move(v);
  return Item(sample.type(), std::move(e));
}
}  // namespace

Item BBoxPad::pad(const Item& samples) const {
  if (!samples.is_tuple() || samples.size() == 0 || !samples[0].is_tuple()) return samples;  // not a batch of samples
  int64_t most = 0;
  for (const auto& s : samples.elements())
    if (auto b = find_elem<TensorBBox>(s); b >= 0)
      most = std::max(most, s[static_cast<size_t>(b)].get<TensorBBox>().size(0));
  std::vector<Item> out;
  for (const auto& s : samples.elements()) {
    Item r = s;
    if (auto b = find_elem<TensorBBox>(s); b >= 0) {
      const at::Tensor& t = s[static_cast<size_t>(b)].get<TensorBBox>();
      r = replace_elem(r, b, TensorBBox(torch::cat({t, torch::zeros({most - t.size(0), 4}, t.options())})));
      if (auto l = find_elem<TensorMultiCategory>(s); l >= 0) {
        const at::Tensor& lab = s[static_cast<size_t>(l)].get<TensorMultiCategory>();
        if (lab.size(0) != t.size(0))
          throw std::invalid_argument("BBoxPad: a sample has " + std::to_string(t.size(0)) + " boxes but " +
                                      std::to_string(lab.size(0)) + " labels");
        r = replace_elem(
            r, l, TensorMultiCategory(torch::cat({lab, torch::full({most - lab.size(0)}, pad_idx_, lab.options())})));
      }
    }
    out.push_back(std::move(r));
  }
  return Item(samples.type(), std::move(out));
}

Item BBoxPad::unpad(const Item& sample) const {
  const auto b = find_elem<TensorBBox>(sample);
  if (b < 0) return sample;
  const at::Tensor& t = sample[static_cast<size_t>(b)].get<TensorBBox>();
  const auto keep = t.ne(0).any(-1).nonzero().view(-1);
  Item r = replace_elem(sample, b, TensorBBox(t.index_select(0, keep)));
  if (auto l = find_elem<TensorMultiCategory>(sample); l >= 0)
    r = replace_elem(r, l,
                     TensorMultiCategory(sample[static_cast<size_t>(l)].get<TensorMultiCategory>().index_select(
                         0, keep.to(at::kLong))));
  return r;
}

nlohmann::json BBoxPad::describe() const {
  auto j = describe_base();
  j["pad_idx"] = pad_idx_;
  return j;
}

std::shared_ptr<BBoxPad> BBoxPad::from_description(const nlohmann::json& j) {
  auto t = std::make_shared<BBoxPad>(j.value("pad_idx", int64_t{0}));
  t->apply_base(j);
  return t;
}

TransformBlock BBoxBlock() {
  return {.type_tfms = [] { return TfmList{std::make_shared<BBoxCreate>()}; },
          .item_tfms = [] { return TfmList{std::make_shared<PointScaler>()}; },
          .before_batch = [] { return TfmList{std::make_shared<BBoxPad>()}; }};
}

TransformBlock BBoxLblBlock(std::optional<std::vector<std::string>> vocab, bool add_na) {
  return {.type_tfms = [vocab, add_na] { return TfmList{std::make_shared<MultiCategorize>(vocab, add_na)}; }};
}

namespace {
const bool registered = [] {
  register_transform("BBoxCreate", [](const nlohmann::json& j) { return BBoxCreate::from_description(j); });
  register_transform("BBoxPad", [](const nlohmann::json& j) { return BBoxPad::from_description(j); });
  register_transform("PointCreate", [](const nlohmann::json& j) { return PointCreate::from_description(j); });
  register_transform("PointScaler", [](const nlohmann::json& j) { return PointScaler::from_description(j); });
  return true;
}();
}  // namespace

}  // namespace fastai
