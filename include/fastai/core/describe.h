#pragma once
/// Describable transforms: every built-in transform writes a JSON description of itself
/// (including what it learned in setup) and this registry rebuilds it, so export/load_learner
/// rebuild a whole inference pipeline with no user code and no pickling. User functions take
/// part by being registered under a name.
///
/// Example:
///   nlohmann::json j = pipeline.describe();
///   fastai::Pipeline again = fastai::Pipeline::from_description(j);
///
/// Thread-safety: The registries are locked: registration and look-up are safe from any thread. A rebuilt
/// transform is a new object.
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "fastai/core/transform.h"

namespace fastai {

/// Builds a transform from its description.
/// Example: `register_transform("Mine", [](const nlohmann::json& j) { return Mine::from_description(j); });`
using TransformFactory = std::function<std::shared_ptr<Transform>(const nlohmann::json&)>;

/// Registers the factory for transforms whose description has "type": `type`. Built-ins register
/// themselves with FASTAI_REGISTER_TRANSFORM; a user's transform class does the same.
///
/// Example: `fastai::register_transform("MyTfm", [](const json& j) { return MyTfm::from_description(j); });`
void register_transform(const std::string& type, TransformFactory factory);

/// Rebuilds a transform from a description written by Transform::describe(). Throws
/// std::runtime_error naming the type when no factory is registered for it.
/// Example: `auto t = transform_from_description(norm->describe());`
std::shared_ptr<Transform> transform_from_description(const nlohmann::json& j);

/// Types with a registered factory, sorted. Example: `for (auto& t : registered_transforms()) ...`
std::vector<std::string> registered_transforms();

/// Registers a named function so a transform built from it can be described and rebuilt.
/// Example: `fastai::register_function("lower", [](const Item& x) { ... });`
void register_function(const std::string& name, ItemFn fn);

/// A describable transform applying the registered function `name` (and `decode_name`, if
/// given, to decode). Throws std::runtime_error when `name` is not registered.
///
/// Example:
///   fastai::register_function("add_one", [](const Item& x) { return Item(Int(x.get<Int>() + 1)); });
///   auto t = fastai::func_transform("add_one");
std::shared_ptr<Transform> func_transform(const std::string& name, const std::string& decode_name = "",
                                          TransformOptions options = {});

namespace detail {
struct TransformRegistrar {
  TransformRegistrar(const std::string& type, TransformFactory f) { register_transform(type, std::move(f)); }
};
}  // namespace detail

}  // namespace fastai

/// Registers Class (which has `static std::shared_ptr<Class> from_description(const json&)`) at
/// start-up under its own name. Use in a .cpp file.
#define FASTAI_REGISTER_TRANSFORM(Class)                                      \
  static const ::fastai::detail::TransformRegistrar fastai_registrar_##Class( \
      #Class,                                                                 \
      [](const nlohmann::json& j) -> std::shared_ptr<::fastai::Transform> { return Class::from_description(j); })

/// Declares, inside a transform class, everything describe/rebuild needs from ONE list of its
/// members: type_name(), describe(), from_description() and the field list itself. The members
/// must be listed in the order of a constructor's parameters (from_description calls it with
/// them); a member named `o_` (an options struct) is written flat, the others under their name
/// without the trailing underscore. The .cpp file then says FASTAI_REGISTER_DESCRIBED(Class).
///
/// Example (header, then .cpp):
///   class Flip : public Transform {
///    public:
///     explicit Flip(double p);
///     FASTAI_DESCRIBED(Flip, p_)
///    private:
///     double p_;
///   };
///   FASTAI_REGISTER_DESCRIBED(Flip);   // describe() == {"type": "Flip", …, "p": 0.5}
#define FASTAI_DESCRIBED(Class, ...)                                       \
 public:                                                                   \
  std::string type_name() const override { return #Class; }                \
  nlohmann::json describe() const override;                                \
  static std::shared_ptr<Class> from_description(const nlohmann::json& j); \
  /** The described members, in constructor order. */                      \
  auto described_fields() const { return std::tie(__VA_ARGS__); }          \
  static constexpr const char* described_names() { return #__VA_ARGS__; }
