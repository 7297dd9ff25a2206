#pragma once
/// JSON building blocks for descriptions (exports, transform and loss descriptions), so each
/// describable type lists its fields once:
///
///   FASTAI_JSON_ENUM(PadMode, {{PadMode::zeros, "zeros"}, {PadMode::border, "border"}})
///   NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ResizeOptions, size, method, pad_mode)
///
/// Tensors (at::Tensor) convert to {"dtype", "shape", "values"} and back; an undefined tensor is
/// null. Enums declared with FASTAI_JSON_ENUM convert to and from their names and, unlike
/// nlohmann's NLOHMANN_JSON_SERIALIZE_ENUM, throw on an unknown name instead of silently taking
/// the first value. Include this in .cpp files only: it pulls in the whole of nlohmann/json.
///
/// Thread-safety: Conversion functions without shared state; safe from any thread.
#include <ATen/ATen.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "fastai/core/describe.h"

namespace fastai {

/// Thrown when a description holds a value its type does not accept (an unknown enum name).
/// Example: `catch (const DescriptionError& e) { std::cerr << e.what(); }  // names the value`
class DescriptionError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

namespace detail {
/// One enum's name table; `what` names the enum in errors. Example: see FASTAI_JSON_ENUM.
template <class E>
struct EnumNames {
  const char* what;
  std::vector<std::pair<E, const char*>> names;

  const char* name(E e) const {
    for (const auto& [v, n] : names)
      if (v == e) return n;
    throw DescriptionError(std::string(what) + ": value " + std::to_string(static_cast<long long>(e)) + " has no name");
  }
  E value(const std::string& s) const {
    std::string known;
    for (const auto& [v, n] : names) {
      if (s == n) return v;
      known += (known.empty() ? "" : ", ") + std::string(n);
    }
    throw DescriptionError(std::string(what) + ": unknown value '" + s + "' (expected one of: " + known + ")");
  }
};
}  // namespace detail

}  // namespace fastai

/// Declares `Enum`'s names once, for to_json/from_json (found by ADL, so use it in the enum's
/// namespace). Example: `FASTAI_JSON_ENUM(Reduction, {{Reduction::none, "none"}, {Reduction::mean, "mean"}})`
#define FASTAI_JSON_ENUM(Enum, ...)                                                           \
  inline const ::fastai::detail::EnumNames<Enum>& fastai_enum_names(Enum) {                   \
    static const ::fastai::detail::EnumNames<Enum> names{#Enum, __VA_ARGS__};                 \
    return names;                                                                             \
  }                                                                                           \
  inline void to_json(nlohmann::json& j, const Enum& e) { j = fastai_enum_names(e).name(e); } \
  inline void from_json(const nlohmann::json& j, Enum& e) { e = fastai_enum_names(e).value(j.get<std::string>()); }

namespace nlohmann {
/// std::optional<T> ↔ null or the value (nlohmann 3.11 has no built-in conversion).
template <class T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& o) {
    if (o)
      j = *o;
    else
      j = nullptr;
  }
  static void from_json(const json& j, std::optional<T>& o) {
    if (j.is_null())
      o.reset();
    else
      o = j.get<T>();
  }
};

/// at::Tensor ↔ {"dtype": "float"|"double"|"long"|…, "shape": […], "values": […]}; null when
/// undefined. Values are written as doubles (int64 as integers), read back into the dtype.
template <>
struct adl_serializer<at::Tensor> {
  static void to_json(json& j, const at::Tensor& t) {
    if (!t.defined()) {
      j = nullptr;
      return;
    }
    auto c = t.detach().cpu().contiguous();
    j = json{{"dtype", std::string(c10::toString(c.scalar_type()))}, {"shape", c.sizes().vec()}};
    if (c.is_floating_point()) {
      auto d = c.to(at::kDouble);
      j["values"] = std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
    } else {
      auto l = c.to(at::kLong);
      j["values"] = std::vector<int64_t>(l.data_ptr<int64_t>(), l.data_ptr<int64_t>() + l.numel());
    }
  }
  static void from_json(const json& j, at::Tensor& t) {
    if (j.is_null()) {
      t = at::Tensor();
      return;
    }
    const auto shape = j.at("shape").get<std::vector<int64_t>>();
    const auto dtype = j.value("dtype", std::string("Float"));
    const auto& v = j.at("values");
    at::Tensor out = dtype == "Float" || dtype == "Double" || dtype == "Half" || dtype == "BFloat16"
                         ? at::tensor(v.get<std::vector<double>>(), at::kDouble)
                         : at::tensor(v.get<std::vector<int64_t>>(), at::kLong);
    static const std::vector<std::pair<std::string, at::ScalarType>> kTypes = {
        {"Float", at::kFloat}, {"Double", at::kDouble}, {"Half", at::kHalf},   {"BFloat16", at::kBFloat16},
        {"Long", at::kLong},   {"Int", at::kInt},       {"Short", at::kShort}, {"Char", at::kChar},
        {"Byte", at::kByte},   {"Bool", at::kBool}};
    int64_t numel = 1;
    for (auto d : shape) numel *= d;
    if (numel != out.numel())
      throw ::fastai::DescriptionError("tensor description: shape holds " + std::to_string(numel) + " values, " +
                                       std::to_string(out.numel()) + " given");
    for (const auto& [n, st] : kTypes)
      if (n == dtype) {
        t = out.to(st).view(shape);
        return;
      }
    throw ::fastai::DescriptionError("tensor description: unknown dtype '" + dtype + "'");
  }
};
}  // namespace nlohmann

namespace fastai::detail {

/// "h_, w_, o_" → {"h", "w", "o"}: the JSON keys of FASTAI_DESCRIBED's members.
inline std::vector<std::string> described_keys(const char* names) {
  std::vector<std::string> keys;
  std::string cur;
  auto flush = [&] {
    while (!cur.empty() && (cur.back() == ' ' || cur.back() == '_')) cur.pop_back();
    size_t b = cur.find_first_not_of(' ');
    keys.push_back(b == std::string::npos ? std::string() : cur.substr(b));
    cur.clear();
  };
  for (const char* c = names; *c; ++c) {
    if (*c == ',')
      flush();
    else
      cur += *c;
  }
  flush();
  return keys;
}

/// Adds the members to a transform's base description (see FASTAI_DESCRIBED).
template <class Tuple>
nlohmann::json describe_fields(nlohmann::json j, const char* names, const Tuple& fields) {
  const auto keys = described_keys(names);
  size_t i = 0;
  std::apply(
      [&](const auto&... f) {
        auto one = [&](const auto& v) {
          const auto& key = keys.at(i++);
          using T = std::decay_t<decltype(v)>;
          // Only an options struct (an aggregate) is written flat; not instantiating update() for
          // other types also keeps g++ 12's -Warray-bounds from misfiring inside nlohmann.
          if constexpr (std::is_aggregate_v<T>) {
            if (key == "o") {
              j.update(nlohmann::json(v));
              return;
            }
          }
          j[key] = v;
        };
        (one(f), ...);
      },
      fields);
  return j;
}

/// Reads the members back from a description, in order, and constructs the transform with them.
template <class Class, class Tuple, size_t... I>
std::shared_ptr<Class> rebuild_fields(const nlohmann::json& j, const char* names, std::index_sequence<I...>) {
  const auto keys = described_keys(names);
  auto read = [&](auto tag, size_t i) {
    using T = typename decltype(tag)::type;
    return keys.at(i) == "o" ? j.get<T>() : j.at(keys.at(i)).template get<T>();
  };
  return std::make_shared<Class>(read(std::type_identity<std::decay_t<std::tuple_element_t<I, Tuple>>>{}, I)...);
}

}  // namespace fastai::detail

/// Defines what FASTAI_DESCRIBED declared and registers the transform for rebuilding. Use in the
/// .cpp file that includes fastai/core/json.h, with to_json/from_json for every member's type
/// (NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT for options structs, FASTAI_JSON_ENUM for enums).
/// Example: `FASTAI_REGISTER_DESCRIBED(Resize);`
#define FASTAI_REGISTER_DESCRIBED(Class)                                                                             \
  nlohmann::json Class::describe() const {                                                                           \
    return ::fastai::detail::describe_fields(describe_base(), described_names(), described_fields());                \
  }                                                                                                                  \
  std::shared_ptr<Class> Class::from_description(const nlohmann::json& j) {                                          \
    using Fields = decltype(std::declval<const Class&>().described_fields());                                        \
    auto t = ::fastai::detail::rebuild_fields<Class, Fields>(j, described_names(),                                   \
                                                             std::make_index_sequence<std::tuple_size_v<Fields>>{}); \
    t->apply_base(j);                                                                                                \
    return t;                                                                                                        \
  }                                                                                                                  \
  FASTAI_REGISTER_TRANSFORM(Class)
