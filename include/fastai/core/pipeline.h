#pragma once
/// Pipeline (fastcore.transform.Pipeline): transforms composed in order of their `order`,
/// decoded in reverse, set up one after another on data already passed through the ones
/// before, shown by decoding until the item can show itself.
///
/// Thread-safety: Applying (`operator()`, `decode`) is const and safe from many threads at once once set up
/// (the DataLoader's workers do it); `add`, `setup` and changing split_idx are one thread's.
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fastai/core/show.h"
#include "fastai/core/transform.h"

namespace fastai {

/// Raised when a transform fails inside a pipeline: names the transform, the item's
/// description and (when known) the item index; `what()` ends with the original message.
class TransformError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Ordered transforms applied as one.
///
/// Example:
///   fastai::Pipeline p({std::make_shared<Normalize>(...), std::make_shared<IntToFloatTensor>()});
///   Item y = p(x);                 // IntToFloatTensor (order 10) before Normalize (order 99)
///   Item back = p.decode(y);       // the original x, decoded in reverse order
class Pipeline {
 public:
  Pipeline() = default;
  /// Sorts `tfms` by order (stable: equal orders keep their given order).
  explicit Pipeline(std::vector<std::shared_ptr<Transform>> tfms, std::optional<int> split_idx = std::nullopt);

  /// Encodes through every transform. Exceptions are rethrown as TransformError naming the
  /// transform and the item.
  Item operator()(const Item& x) const;
  /// Decodes in reverse order. With `full == false`, stops as soon as the item is showable.
  Item decode(const Item& x, bool full = true) const;
  /// Clears the pipeline and adds the transforms back one by one, each set up on `items`
  /// passed through the transforms already added (fastai's Pipeline.setup through TfmdLists).
  void setup(const LazyItems& items, bool train_setup = false);
  /// Decodes `x` until it is showable and shows it into `ctx` (fastai's Pipeline.show).
  bool show(const Item& x, ShowContext& ctx) const { return fastai::show(decode(x, false), ctx); }
  /// Sets `t` up on `items` passed through this pipeline, then appends it (no re-sort, as fastai).
  void add(std::shared_ptr<Transform> t, const LazyItems& items, bool train_setup = false);
  /// Appends without setup, then re-sorts by order.
  void append(std::shared_ptr<Transform> t);

  /// The split index passed to every transform (0 train, 1 valid, unset none).
  std::optional<int> split_idx;

  const std::vector<std::shared_ptr<Transform>>& transforms() const noexcept { return fs_; }
  size_t size() const noexcept { return fs_.size(); }
  bool empty() const noexcept { return fs_.empty(); }
  /// The first transform of class T, or nullptr (fastai's `dls.after_batch.normalize`).
  template <class T>
  std::shared_ptr<T> get() const {
    for (const auto& f : fs_)
      if (auto p = std::dynamic_pointer_cast<T>(f)) return p;
    return nullptr;
  }
  /// "Pipeline: A -> B".
  std::string repr() const;

  /// A JSON array of the transforms' descriptions (plus the split index).
  nlohmann::json describe() const;
  /// Rebuilds a pipeline from describe()'s output through the transform registry.
  static Pipeline from_description(const nlohmann::json& j);

 private:
  void sort();
  std::vector<std::shared_ptr<Transform>> fs_;
};

}  // namespace fastai
