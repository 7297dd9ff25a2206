#include <ATen/ATen.h>
#include <ATen/EmptyTensor.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "fastai/core/describe.h"
#include "fastai/data/transforms.h"
#include "fastai/losses.h"

namespace fastai {
using nlohmann::json;

namespace {
// at::scalar_tensor(i, kLong) without the dispatcher: a label is made per item per epoch.
at::Tensor category_tensor(int64_t i) {
  at::Tensor t = at::detail::empty_cpu({}, at::kLong);
  *t.data_ptr<int64_t>() = i;
  return t;
}
}  // namespace

// ---------------------------------------------------------------- CategoryMap

CategoryMap::CategoryMap(const std::vector<std::string>& values, bool sort, bool add_na, bool numeric)
    : add_na_(add_na) {
  std::vector<std::string> uniq;
  std::set<std::string> seen;
  for (const auto& v : values)
    if (seen.insert(v).second) uniq.push_back(v);
  if (sort) {
    if (numeric)
      std::sort(uniq.begin(), uniq.end(), [](const auto& a, const auto& b) { return std::stod(a) < std::stod(b); });
    else
      std::sort(uniq.begin(), uniq.end());
  }
  if (add_na) uniq.insert(uniq.begin(), "#na#");
  *this = from_items(std::move(uniq), add_na);
}

CategoryMap CategoryMap::from_items(std::vector<std::string> items, bool add_na) {
  CategoryMap m;
  m.items_ = std::move(items);
  m.add_na_ = add_na;
  for (size_t i = 0; i < m.items_.size(); ++i) m.o2i_.emplace(m.items_[i], static_cast<int64_t>(i));
  return m;
}

const std::string& CategoryMap::operator[](int64_t i) const {
  if (i < 0 || static_cast<size_t>(i) >= items_.size())
    throw std::out_of_range("category index " + std::to_string(i) + " out of range for a vocab of " +
                            std::to_string(items_.size()));
  return items_[static_cast<size_t>(i)];
}

bool CategoryMap::contains(const std::string& v) const { return o2i_.count(v) > 0; }

int64_t CategoryMap::index_of(const std::string& v) const {
  if (auto it = o2i_.find(v); it != o2i_.end()) return it->second;
  if (add_na_) return 0;
  std::string known;
  for (size_t i = 0; i < std::min<size_t>(items_.size(), 8); ++i) known += (i ? ", " : "") + items_[i];
  if (items_.size() > 8) known += ", …";
  throw std::out_of_range("label \"" + v + "\" was not seen in training (vocab of " + std::to_string(items_.size()) +
                          ": " + known + ")");
}

namespace {
std::string label_of(const Item& x) {
  if (x.is<Str>()) return x.get<Str>();
  if (x.is<Int>()) return std::to_string(x.get<Int>());
  throw TypeError("expected a label (Str, Category or Int), got " + x.repr());
}

std::vector<std::string> labels(const LazyItems& items, bool* numeric) {
  std::vector<std::string> out;
  out.reserve(items.size());
  *numeric = items.size() > 0;
  for (size_t i = 0; i < items.size(); ++i) {
    Item x = items[i];
    *numeric = *numeric && x.is<Int>();
    out.push_back(label_of(x));
  }
  return out;
}

int64_t scalar_index(const at::Tensor& t, const char* who) {
  if (t.numel() != 1)
    throw std::invalid_argument(std::string(who) + ": expected one class index, got a tensor of " +
                                std::to_string(t.numel()) + " elements");
  return t.item<int64_t>();
}
}  // namespace

// ---------------------------------------------------------------- Categorize

Categorize::Categorize(std::optional<std::vector<std::string>> vocab, bool sort, bool add_na)
    : Transform({.name = "Categorize", .order = 1}), sort_(sort), add_na_(add_na) {
  if (vocab) vocab_ = CategoryMap(*vocab, sort, add_na);
  encodes<Str>(
      [this](const std::string& s) -> Item { return TensorCategory(category_tensor(this->vocab().index_of(s))); });
  encodes<Int>(
      [this](int64_t v) -> Item { return TensorCategory(category_tensor(this->vocab().index_of(std::to_string(v)))); });
  decodes<TensorCategory>(
      [this](const at::Tensor& t) -> Item { return Category(this->vocab()[scalar_index(t, "Categorize")]); });
}

const CategoryMap& Categorize::vocab() const {
  if (!vocab_) throw std::logic_error("Categorize has no vocab yet: set it up on training labels or pass a vocab");
  return *vocab_;
}

void Categorize::setup(const LazyItems& items, bool train_setup) {
  if (vocab_) return;
  bool numeric = false;
  auto src = train_setup ? items.train() : items;
  auto values = labels(src, &numeric);  // sets `numeric`: evaluate before passing it
  vocab_ = CategoryMap(values, sort_, add_na_, numeric);
}

json Categorize::describe() const {
  auto j = describe_base();
  j["vocab"] = vocab_ ? json(vocab_->items()) : json(nullptr);  // null: not set up yet
  j["sort"] = sort_;
  j["add_na"] = add_na_;
  return j;
}

std::shared_ptr<BaseLoss> Categorize::loss_func() const { return CrossEntropyLossFlat(); }

std::shared_ptr<Categorize> Categorize::from_description(const json& j) {
  auto t = std::make_shared<Categorize>(std::nullopt, j.at("sort").get<bool>(), j.at("add_na").get<bool>());
  if (!j.at("vocab").is_null())
    t->vocab_ = CategoryMap::from_items(j.at("vocab").get<std::vector<std::string>>(), j.at("add_na").get<bool>());
  t->apply_base(j);
  return t;
}
FASTAI_REGISTER_TRANSFORM(Categorize);

// ---------------------------------------------------------------- MultiCategorize

MultiCategorize::MultiCategorize(std::optional<std::vector<std::string>> vocab, bool add_na)
    : Transform({.name = "MultiCategorize", .order = 1}), add_na_(add_na) {
  if (vocab) vocab_ = CategoryMap(*vocab, /*sort=*/false, add_na);
  encodes<MultiCategory>([this](const std::vector<std::string>& v) -> Item {
    std::vector<int64_t> idx;
    for (const auto& s : v) idx.push_back(this->vocab().index_of(s));
    return TensorMultiCategory(at::tensor(idx, at::kLong));
  });
  decodes<TensorMultiCategory>([this](const at::Tensor& t) -> Item {
    auto c = t.to(at::kLong).flatten();
    std::vector<std::string> out;
    for (int64_t i = 0; i < c.numel(); ++i) out.push_back(this->vocab()[c[i].item<int64_t>()]);
    return MultiCategory(std::move(out));
  });
}

const CategoryMap& MultiCategorize::vocab() const {
  if (!vocab_) throw std::logic_error("MultiCategorize has no vocab yet: set it up on training labels or pass a vocab");
  return *vocab_;
}

void MultiCategorize::setup(const LazyItems& items, bool train_setup) {
  if (vocab_) return;
  auto src = train_setup ? items.train() : items;
  std::vector<std::string> all;
  for (size_t i = 0; i < src.size(); ++i) {
    Item x = src[i];
    if (!x.is<MultiCategory>()) throw TypeError("MultiCategorize expects MultiCategory items, got " + x.repr());
    for (const auto& s : x.get<MultiCategory>()) all.push_back(s);
  }
  vocab_ = CategoryMap(all, /*sort=*/true, add_na_);
}

json MultiCategorize::describe() const {
  auto j = describe_base();
  j["vocab"] = vocab_ ? json(vocab_->items()) : json(nullptr);  // null: not set up yet
  j["add_na"] = add_na_;
  return j;
}

std::shared_ptr<BaseLoss> MultiCategorize::loss_func() const { return BCEWithLogitsLossFlat(); }

std::shared_ptr<MultiCategorize> MultiCategorize::from_description(const json& j) {
  auto t = std::make_shared<MultiCategorize>(std::nullopt, j.at("add_na").get<bool>());
  if (!j.at("vocab").is_null())
    t->vocab_ = CategoryMap::from_items(j.at("vocab").get<std::vector<std::string>>(), j.at("add_na").get<bool>());
  t->apply_base(j);
  return t;
}
FASTAI_REGISTER_TRANSFORM(MultiCategorize);

// ---------------------------------------------------------------- OneHotEncode

OneHotEncode::OneHotEncode(std::optional<int64_t> c) : Transform({.name = "OneHotEncode", .order = 2}), c_(c) {
  register_fns();
}

OneHotEncode::OneHotEncode(std::shared_ptr<const MultiCategorize> source)
    : Transform({.name = "OneHotEncode", .order = 2}), source_(source) {
  register_fns();
}

void OneHotEncode::register_fns() {
  encodes<TensorMultiCategory>([this](const at::Tensor& idx) {
    auto out = at::zeros({c()}, at::kFloat);
    if (idx.numel() > 0) out.index_fill_(0, idx.to(at::kLong).flatten(), 1.0);
    return out;
  });
  decodes<TensorMultiCategory>([](const at::Tensor& onehot) { return onehot.eq(1).nonzero().flatten(); });
}

int64_t OneHotEncode::c() const {
  if (!c_) throw std::logic_error("OneHotEncode: number of classes unknown: pass c, or put MultiCategorize before it");
  return *c_;
}

void OneHotEncode::setup(const LazyItems&, bool) {
  if (c_) return;
  if (auto src = source_.lock()) c_ = src->c();
  if (!c_) throw std::logic_error("OneHotEncode: number of classes unknown: pass c, or put MultiCategorize before it");
}

json OneHotEncode::describe() const {
  auto j = describe_base();
  j["c"] = c();
  return j;
}

std::shared_ptr<OneHotEncode> OneHotEncode::from_description(const json& j) {
  auto t = std::make_shared<OneHotEncode>(j.at("c").get<int64_t>());
  t->apply_base(j);
  return t;
}
FASTAI_REGISTER_TRANSFORM(OneHotEncode);

// ---------------------------------------------------------------- RegressionSetup

RegressionSetup::RegressionSetup(std::optional<int64_t> c) : Transform({.name = "RegressionSetup"}), c_(c) {
  encodes<Float>([](double v) -> Item { return TensorBase(at::scalar_tensor(v, at::kFloat)); });
  encodes<Int>([](int64_t v) -> Item { return TensorBase(at::scalar_tensor(static_cast<double>(v), at::kFloat)); });
  encodes<TensorBase>([](const at::Tensor& t) { return t.to(at::kFloat); });
  decodes<TensorBase>([](const at::Tensor& t) -> Item {
    if (t.dim() == 0) return Float(t.item<double>());
    return TensorBase(t);
  });
}

void RegressionSetup::setup(const LazyItems& items, bool) {
  if (c_ || items.size() == 0) return;
  Item x = items[0];
  c_ = x.is<TensorBase>() && x.get<TensorBase>().dim() > 0 ? x.get<TensorBase>().numel() : 1;
}

json RegressionSetup::describe() const {
  auto j = describe_base();
  j["c"] = c();
  return j;
}

std::shared_ptr<BaseLoss> RegressionSetup::loss_func() const { return MSELossFlat(); }

std::shared_ptr<RegressionSetup> RegressionSetup::from_description(const json& j) {
  auto t = std::make_shared<RegressionSetup>(j.at("c").get<int64_t>());
  t->apply_base(j);
  return t;
}
FASTAI_REGISTER_TRANSFORM(RegressionSetup);

}  // namespace fastai
