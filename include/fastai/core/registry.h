#pragma once
/// The one registry behind every `register_*` (transforms, functions, model builders, loader
/// builders, losses, procs, data sets): a name → value map that is safe to use from many threads
/// (registration usually happens in static initialisers, look-ups from loader threads), whose
/// "unknown name" error lists the names it knows and says how to register one.
///
/// Example:
///   static Registry<ModelBuilder> models("model builder", "register_model_builder(name, f)");
///   models.add("simple_cnn", build_simple_cnn);
///   Model m = models.get("simple_cnn")(spec);   // throws listing the known builders when unknown
///
/// Thread-safety: Locked: registration and look-up are safe from any thread (see above).
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fastai {

/// A locked name → value map. `Error` is the exception `get` throws for an unknown name (it
/// must be constructible from a message string).
/// Example: `Registry<DatasetMaker, std::invalid_argument> sets("data set", "register_dataset");`
template <class Value, class Error = std::invalid_argument>
class Registry {
 public:
  /// `what` names one entry in messages ("model builder"); `how` says how to add one.
  /// Example: `Registry<ItemFn> fns("function", "fastai::register_function(name, f)");`
  Registry(std::string what, std::string how) : what_(std::move(what)), how_(std::move(how)) {}

  /// Registers (or replaces) `name`. Example: `reg.add("Resize", make_resize);`
  void add(const std::string& name, Value v) {
    std::lock_guard lock(mutex_);
    map_[name] = std::move(v);
  }

  /// The value registered as `name`, if any. Example: `if (auto f = reg.find("x")) (*f)();`
  std::optional<Value> find(const std::string& name) const {
    std::lock_guard lock(mutex_);
    if (auto it = map_.find(name); it != map_.end()) return it->second;
    return std::nullopt;
  }

  /// The value registered as `name`; throws `Error` naming it and listing the known names.
  /// `context` (e.g. "load_learner") starts the message. Example: `auto f = reg.get("Resize");`
  Value get(const std::string& name, const std::string& context = "") const {
    std::lock_guard lock(mutex_);
    if (auto it = map_.find(name); it != map_.end()) return it->second;
    std::string known;
    for (const auto& [n, _] : map_) known += (known.empty() ? "" : ", ") + n;
    throw Error((context.empty() ? "" : context + ": ") + "no " + what_ + " '" + name +
                "' is registered (known: " + (known.empty() ? "none" : known) + "); " + how_);
  }

  /// Whether `name` is registered. Example: `reg.contains("Resize")`
  bool contains(const std::string& name) const {
    std::lock_guard lock(mutex_);
    return map_.count(name) > 0;
  }

  /// The registered names, sorted. Example: `for (auto& n : reg.names()) std::cout << n;`
  std::vector<std::string> names() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    out.reserve(map_.size());
    for (const auto& [n, _] : map_) out.push_back(n);
    return out;
  }

 private:
  std::string what_, how_;
  mutable std::mutex mutex_;
  std::map<std::string, Value> map_;
};

}  // namespace fastai
