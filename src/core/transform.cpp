#include "fastai/core/transform.h"

#include <nlohmann/json.hpp>

#include "fastai/core/describe.h"

namespace fastai {

// ---- LazyItems ----

LazyItems LazyItems::of(std::vector<Item> items) {
  auto owned = std::make_shared<const std::vector<Item>>(std::move(items));
  return LazyItems(owned->size(), [owned](size_t i) { return (*owned)[i]; });
}

Item LazyItems::operator[](size_t i) const {
  if (i >= n_)
    throw std::out_of_range("item index " + std::to_string(i) + " out of range for " + std::to_string(n_) + " items");
  return get_(i);
}

LazyItems LazyItems::map(std::function<Item(const Item&)> f) const {
  LazyItems out(n_, [get = get_, f = std::move(f)](size_t i) { return f(get(i)); });
  out.train_idxs_ = train_idxs_;
  return out;
}

LazyItems LazyItems::subset(std::vector<int64_t> idxs) const {
  for (int64_t i : idxs)
    if (i < 0 || static_cast<size_t>(i) >= n_)
      throw std::out_of_range("subset index " + std::to_string(i) + " out of range for " + std::to_string(n_) +
                              " items");
  auto shared = std::make_shared<const std::vector<int64_t>>(std::move(idxs));
  return LazyItems(shared->size(), [get = get_, shared](size_t i) { return get(static_cast<size_t>((*shared)[i])); });
}

LazyItems LazyItems::train() const { return train_idxs_ ? subset(*train_idxs_) : *this; }

LazyItems LazyItems::with_train(std::vector<int64_t> train_idxs) const {
  LazyItems out = *this;
  out.train_idxs_ = std::make_shared<const std::vector<int64_t>>(std::move(train_idxs));
  return out;
}

// ---- Transform ----

Transform::Transform(TransformOptions o)
    : name(o.name.empty() ? "Transform" : o.name), order(o.order), split_idx(o.split_idx), whole_tuple(o.whole_tuple) {}

Transform::Transform(ItemFn enc, ItemFn dec, TransformOptions o) : Transform(std::move(o)) {
  if (enc)
    enc_.add(any_type(), [enc = std::move(enc)](const Item& x, const CallState&) { return retain_type(x, enc(x)); });
  if (dec)
    dec_.add(any_type(), [dec = std::move(dec)](const Item& x, const CallState&) { return retain_type(x, dec(x)); });
}

Item Transform::retain_type(const Item& x, Item r) {
  if (r.empty()) return x;  // a function returning nothing leaves the item as it was
  if (!x.empty() && &r.type() != &x.type() && x.type().is_a(r.type()) && r.type().payload() == x.type().payload())
    return r.retag(x.type());
  return r;
}

Item Transform::do_call(const BasicTypeDispatch<CallFn>& d, const Item& x, const CallState& s) const {
  if (x.empty()) return x;
  if (!whole_tuple && x.is_tuple()) {
    std::vector<Item> out;
    out.reserve(x.size());
    for (const Item& e : x.elements()) out.push_back(do_call(d, e, s));
    return Item(x.type(), std::move(out));
  }
  const CallFn* f = d.find(x.type());
  return f ? (*f)(x, s) : x;
}

Item Transform::operator()(const Item& x, std::optional<int> split) const {
  if (split_idx && split != split_idx) return x;
  const CallState s = before_call(x, split);
  return do_call(enc_, x, s);
}
CallState Transform::before_call(const Item&, std::optional<int>) const { return {}; }
Item Transform::decode(const Item& x, std::optional<int> split) const {
  if (split_idx && split != split_idx) return x;
  return do_call(dec_, x, CallState{});
}

void Transform::bad_state(const char* wanted, const CallState& got) {
  throw std::logic_error(std::string("an encodes expects the state its transform's before_call draws (C++ type ") +
                         wanted + "), but before_call returned " +
                         (got.has_value() ? std::string("a ") + got.type().name() : std::string("nothing")) +
                         ": return that type from before_call");
}

void Transform::setup(const LazyItems&, bool) {}

Transform::operator std::shared_ptr<Transform>() const {
  nlohmann::json d;
  try {
    d = describe();
  } catch (const NotDescribableError& e) {
    throw NotDescribableError(std::string(e.what()) +
                              ". Used as a value, a transform is copied through its description; pass this one as "
                              "std::make_shared<…>(…) instead");
  }
  return transform_from_description(d);
}

nlohmann::json Transform::describe_base() const {
  nlohmann::json j;
  j["type"] = type_name();
  j["name"] = name;
  j["order"] = order;
  j["split_idx"] = split_idx ? nlohmann::json(*split_idx) : nlohmann::json(nullptr);
  return j;
}

void Transform::apply_base(const nlohmann::json& j) {
  if (j.contains("name")) name = j.at("name").get<std::string>();
  if (j.contains("order")) order = j.at("order").get<int>();
  if (j.contains("split_idx"))
    split_idx = j.at("split_idx").is_null() ? std::nullopt : std::optional<int>(j.at("split_idx").get<int>());
}

nlohmann::json Transform::describe() const {
  throw NotDescribableError("transform \"" + name +
                            "\" wraps a C++ function and cannot be described: register the function with "
                            "fastai::register_function(\"" +
                            name +
                            "\", f) and build the transform with "
                            "fastai::func_transform(\"" +
                            name + "\") so an exported pipeline can be rebuilt");
}

std::string Transform::repr() const {
  auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& n : v) s += (s.empty() ? "" : ", ") + n;
    return s;
  };
  return name + ": encodes (" + list(enc_.type_names()) + ") decodes (" + list(dec_.type_names()) + ")";
}

std::shared_ptr<Transform> make_transform(ItemFn enc, ItemFn dec, TransformOptions options) {
  return std::make_shared<Transform>(std::move(enc), std::move(dec), std::move(options));
}

}  // namespace fastai
