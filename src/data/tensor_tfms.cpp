#include <ATen/ATen.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "fastai/core/describe.h"
#include "fastai/core/json.h"
#include "fastai/data/transforms.h"

namespace fastai {
using nlohmann::json;

// ---------------------------------------------------------------- ToTensor

namespace {
struct ToTensorTable {
  std::mutex mutex;
  TypeDispatch fns;
};
ToTensorTable& to_tensor_table() {
  static ToTensorTable t;
  return t;
}
}  // namespace

ToTensor::ToTensor() : Transform({.name = "ToTensor", .order = 5}) {
  encodes<Any>([](const Item& x) {
    ItemFn f;
    {
      auto& t = to_tensor_table();
      std::lock_guard lock(t.mutex);
      if (const ItemFn* found = t.fns.find(x.type())) f = *found;
    }
    return f ? f(x) : x;
  });
}

void ToTensor::register_encodes(const TypeInfo& t, ItemFn fn) {
  auto& table = to_tensor_table();
  std::lock_guard lock(table.mutex);
  table.fns.add(t, std::move(fn));
}

json ToTensor::describe() const { return describe_base(); }

std::shared_ptr<ToTensor> ToTensor::from_description(const json& j) {
  auto t = std::make_shared<ToTensor>();
  t->apply_base(j);
  return t;
}
FASTAI_REGISTER_TRANSFORM(ToTensor);

// ---------------------------------------------------------------- IntToFloatTensor

IntToFloatTensor::IntToFloatTensor(double div, int64_t div_mask)
    : Transform({.name = "IntToFloatTensor", .order = 10}), div_(div), div_mask_(div_mask) {
  encodes<TensorImage>([this](const at::Tensor& x) {
    // The conversion makes a new tensor, so dividing it in place saves a second batch-sized
    // allocation; a float input is not ours to modify.
    return x.scalar_type() == at::kFloat ? x.div(div_) : x.to(at::kFloat).div_(div_);
  });
  encodes<TensorMask>([this](const at::Tensor& x) { return at::floor_divide(x.to(at::kLong), div_mask_); });
  decodes<TensorImage>(
      [this](const at::Tensor& x) { return div_ != 0 ? (x.clamp(0.0, 1.0) * div_).to(at::kLong) : x; });
}

FASTAI_REGISTER_DESCRIBED(IntToFloatTensor);

// ---------------------------------------------------------------- Normalize

namespace {
// Moving a tensor costs a dispatcher call even when it is already there: check first.
at::Tensor on(const at::Tensor& t, const at::Tensor& like) {
  return t.device() == like.device() ? t : t.to(like.device());
}
}  // namespace

Normalize::Normalize(at::Tensor mean, at::Tensor std, std::vector<int64_t> axes)
    : Transform({.name = "Normalize", .order = 99}),
      mean_(std::move(mean)),
      std_(std::move(std)),
      axes_(std::move(axes)) {
  encodes<TensorImage>([this](const at::Tensor& x) {
    if (!mean_.defined()) throw std::logic_error("Normalize has no statistics: use from_stats or set it up on a batch");
    return (x - on(mean_, x)) / on(std_, x);
  });
  decodes<TensorImage>([this](const at::Tensor& x) {
    if (!mean_.defined()) throw std::logic_error("Normalize has no statistics: use from_stats or set it up on a batch");
    return x * on(std_, x) + on(mean_, x);
  });
}

std::shared_ptr<Normalize> Normalize::from_stats(const std::vector<double>& mean, const std::vector<double>& std,
                                                 int64_t dim, int64_t ndim) {
  if (mean.size() != std.size() || mean.empty())
    throw std::invalid_argument("Normalize::from_stats: mean and std need the same, non-zero length");
  std::vector<int64_t> shape(static_cast<size_t>(ndim), 1);
  shape.at(static_cast<size_t>(dim)) = -1;
  auto m = at::tensor(mean, at::kDouble).to(at::kFloat).view(shape);
  auto s = at::tensor(std, at::kDouble).to(at::kFloat).view(shape);
  return std::make_shared<Normalize>(m, s);
}

void Normalize::setup(const LazyItems& items, bool) {
  if (mean_.defined() && std_.defined()) return;
  if (items.size() == 0) throw std::logic_error("Normalize: no batch to compute statistics from");
  Item b = items[0];
  Item x = b.is_tuple() ? b[0] : b;
  if (!x.is<TensorImage>()) throw TypeError("Normalize computes statistics from TensorImage batches, got " + x.repr());
  const auto& t = x.get<TensorImage>();
  mean_ = t.mean(axes_, /*keepdim=*/true);
  std_ = t.std(axes_, /*unbiased=*/true, /*keepdim=*/true) + 1e-7;
}

FASTAI_REGISTER_DESCRIBED(Normalize);

}  // namespace fastai
