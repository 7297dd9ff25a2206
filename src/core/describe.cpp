#include "fastai/core/describe.h"

#include <nlohmann/json.hpp>

#include "fastai/core/registry.h"

namespace fastai {

namespace {
Registry<TransformFactory, std::runtime_error>& transforms() {
  static Registry<TransformFactory, std::runtime_error> r("transform factory",
                                                          "FASTAI_REGISTER_TRANSFORM(Type) in the program");
  return r;
}
Registry<ItemFn, std::runtime_error>& functions() {
  static Registry<ItemFn, std::runtime_error> r(
      "function", "call fastai::register_function(name, f) before building or loading a pipeline that uses it");
  return r;
}

ItemFn lookup_function(const std::string& name) { return functions().get(name); }

TransformOptions with_default_name(TransformOptions o, const std::string& name) {
  if (o.name.empty()) o.name = name;
  return o;
}

// A transform applying registered functions; describable because it refers to them by name.
class FuncTransform : public Transform {
 public:
  FuncTransform(std::string enc_name, std::string dec_name, TransformOptions o)
      : Transform(lookup_function(enc_name), dec_name.empty() ? nullptr : lookup_function(dec_name),
                  with_default_name(std::move(o), enc_name)),
        enc_name_(std::move(enc_name)),
        dec_name_(std::move(dec_name)) {}
  std::string type_name() const override { return "FuncTransform"; }
  nlohmann::json describe() const override {
    auto j = describe_base();
    j["encodes"] = enc_name_;
    j["decodes"] = dec_name_;
    return j;
  }
  static std::shared_ptr<FuncTransform> from_description(const nlohmann::json& j) {
    auto t = std::make_shared<FuncTransform>(j.at("encodes").get<std::string>(), j.value("decodes", std::string()),
                                             TransformOptions{});
    t->apply_base(j);
    return t;
  }

 private:
  std::string enc_name_, dec_name_;
};
}  // namespace

FASTAI_REGISTER_TRANSFORM(FuncTransform);

void register_transform(const std::string& type, TransformFactory factory) {
  transforms().add(type, std::move(factory));
}

std::shared_ptr<Transform> transform_from_description(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("type"))
    throw std::runtime_error("transform description lacks a \"type\": " + j.dump());
  const auto type = j.at("type").get<std::string>();
  const TransformFactory f = transforms().get(type, "cannot rebuild transform");
  try {
    return f(j);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("malformed description of transform \"" + type + "\": " + e.what());
  }
}

std::vector<std::string> registered_transforms() { return transforms().names(); }

void register_function(const std::string& name, ItemFn fn) { functions().add(name, std::move(fn)); }

std::shared_ptr<Transform> func_transform(const std::string& name, const std::string& decode_name,
                                          TransformOptions options) {
  return std::make_shared<FuncTransform>(name, decode_name, std::move(options));
}

}  // namespace fastai
