#pragma once
/// fastai.data.load: DataLoader with fastai's named, replaceable stages, worker threads with
/// prefetch, and batches that depend only on the seed (not on the number of workers).
///
/// Stages, in the order one batch goes through them:
///   randomize → before_iter → get_idxs (→ shuffle_fn) → sample (indices → batches of indices)
///   per batch, on a worker: prefetch_items(indices) (a cache hint; optional),
///                           do_item(i) = after_item(create_item(i)) for each index,
///                           do_batch(items) = retain(create_batch(before_batch(items)), items)
///                           (or create_index_batch(indices) for whole-batch loaders)
///   on the consumer thread: to device → after_batch → yield;  after_iter at the end.
/// Every stage is a std::function member taking the loader first: replace one to make a
/// language-model loader or a whole-batch tabular loader without a new class.
///
/// Thread-safety: One iteration at a time per DataLoader object: `begin()` advances its epoch state (copy it
/// with `new_` to iterate on another thread). `build_batch` is const and runs on the worker threads
/// concurrently; the stages you set must be safe to call from them. Errors of an item keep their
/// type (core/error.h).
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <vector>

#include "fastai/core/item.h"

namespace fastai {

/// Collates items into a batch (fastai's fa_collate): tuples position by position, tensors
/// stacked keeping the first item's semantic type, Int/Float into int64/float tensors
/// (TensorBase). Throws std::runtime_error naming the type, the position and the first
/// mismatching shapes when items cannot be stacked.
///
/// Example: `Item b = fastai::collate({Tuple({TensorImage(a), Int(1)}), Tuple({TensorImage(c), Int(0)})});`
Item collate(const std::vector<Item>& items);

/// The tensors of a batch in tuple order (a non-tuple batch gives one tensor).
/// Example: `auto t = fastai::batch_tensors(b); auto xb = t[0], yb = t[1];`
std::vector<at::Tensor> batch_tensors(const Item& batch);

/// Moves every tensor of an item (recursively through tuples) to `device`, keeping types.
Item to_device(const Item& x, c10::Device device);

/// Splits a collated batch back into per-sample items (fastai's batch_to_samples): element b of
/// every tensor, keeping types. `max_n` limits the count.
std::vector<Item> batch_to_samples(const Item& batch, int64_t max_n = -1);

/// The Int items of a whole-batch loader's batch as one int64 tensor (for index_select).
/// Example: `dl.create_batch = [x](const DataLoader&, const std::vector<Item>& idx) {
///             return Item(TensorBase(x.index_select(0, item_indices(idx)))); };`
at::Tensor item_indices(const std::vector<Item>& items);

/// A batch's indices as an int64 tensor viewing `idxs` (no copy): valid while `idxs` lives,
/// which covers a create_index_batch call. Example: `x.index_select(0, index_tensor(idxs))`
at::Tensor index_tensor(const std::vector<int64_t>& idxs);

/// Thrown when building a batch fails: names the batch, the item index and the original error.
/// Example: `try { dl.one_batch(); } catch (const DataLoaderError& e) { /* names batch and item */ }`
class DataLoaderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Keyword arguments of DataLoader.
/// Example: `DataLoader dl(src, n, {.bs = 32, .shuffle = true, .num_workers = 2, .seed = 42});`
struct DataLoaderOptions {
  int64_t bs = 64;  ///< batch size
  bool shuffle = false;
  bool drop_last = false;
  int num_workers = 0;  ///< threads building batches (0: in the consumer thread)
  /// With 0 workers, build a batch's items on the intra-op threads (at::parallel_for): loading
  /// then takes turns with the model's compute on the same threads instead of competing with it.
  bool parallel_items = true;
  int prefetch = 2;                   ///< batches each worker may run ahead
  std::optional<uint64_t> seed;       ///< default: drawn from fastai::rng() at construction
  std::optional<c10::Device> device;  ///< batches are moved here before after_batch
  std::optional<int64_t> n;           ///< number of items (default: the dataset's size)
};

/// fastai's DataLoader.
///
/// Example:
///   fastai::DataLoader dl([&](int64_t i) { return dsets[i]; }, dsets.size(), {.bs = 64, .shuffle = true});
///   for (const Item& b : dl) { auto t = batch_tensors(b); ... }
///   // whole-batch loading (fastai's TabDataLoader): one stage override
///   dl.create_index_batch = [&](const DataLoader&, const std::vector<int64_t>& idx) { return rows(idx); };
class DataLoader {
 public:
  using Source = std::function<Item(int64_t)>;

  /// A loader over `n` items produced by `dataset(i)`.
  DataLoader(Source dataset, int64_t n, DataLoaderOptions options = {});
  DataLoader() : DataLoader(nullptr, 0) {}

  // ---- replaceable stages (fastai's funcs_kwargs methods) ----
  std::function<void(DataLoader&)> randomize;  ///< new epoch seed (called by begin())
  std::function<void(DataLoader&)> before_iter;
  std::function<void(DataLoader&)> after_iter;
  std::function<std::vector<int64_t>(const DataLoader&)> get_idxs;
  std::function<std::vector<int64_t>(const DataLoader&, std::vector<int64_t>)> shuffle_fn;
  std::function<std::vector<std::vector<int64_t>>(const DataLoader&, std::vector<int64_t>)> sample;
  std::function<Item(const DataLoader&, int64_t)> create_item;
  std::function<Item(const DataLoader&, const Item&)> after_item;
  std::function<Item(const DataLoader&, int64_t)> do_item;  ///< empty Item result: skip the item
  /// Optional: called with a batch's indices before its items are made, to warm the memory they
  /// read (TfmdDL prefetches the dataset's raw items). Never changes what is built. Example:
  /// `dl.prefetch_items = [&](const DataLoader&, std::span<const int64_t> is) { ds.prefetch(is); };`
  std::function<void(const DataLoader&, std::span<const int64_t>)> prefetch_items;
  std::function<std::vector<Item>(const DataLoader&, std::vector<Item>)> before_batch;
  std::function<Item(const DataLoader&, const std::vector<Item>&)> create_batch;
  std::function<Item(const DataLoader&, const Item&, const std::vector<Item>&)> retain;
  std::function<Item(const DataLoader&, std::vector<Item>)> do_batch;
  std::function<Item(const DataLoader&, const Item&)> after_batch;
  /// Whole-batch loading from indices (empty by default). When set, a batch is built by this
  /// one call on its indices — do_item, before_batch, create_batch and retain are skipped. It is
  /// fastai's TabDataLoader pattern (do_item returns the index, create_batch reads those rows)
  /// without boxing each index in an Item: in-memory tensors and tables load at slicing speed.
  /// Example: `dl.create_index_batch = [x](const DataLoader&, const std::vector<int64_t>& i) {
  ///             return Item(TensorBase(x.index_select(0, index_tensor(i)))); };`
  std::function<Item(const DataLoader&, const std::vector<int64_t>&)> create_index_batch;

  /// Number of batches.
  int64_t size() const;
  /// Number of items.
  int64_t n() const noexcept { return n_; }
  int64_t bs() const noexcept { return opt_.bs; }
  const DataLoaderOptions& options() const noexcept { return opt_; }
  DataLoaderOptions& options() noexcept { return opt_; }
  const Source& dataset() const noexcept { return dataset_; }
  /// The random engine of this epoch's shuffle (reseeded by randomize).
  std::mt19937_64& epoch_rng() const noexcept { return epoch_rng_; }
  /// The seed of the current epoch (batch b's item transforms run under mix_seed(epoch_seed, b)).
  uint64_t epoch_seed() const noexcept { return epoch_seed_; }
  void to(c10::Device device) { opt_.device = device; }
  std::optional<c10::Device> device() const noexcept { return opt_.device; }

  /// The first batch, built in this thread, without shuffling side effects on later epochs.
  Item one_batch();
  /// A copy with other options (stages are kept; fastai's `new`).
  DataLoader new_(std::optional<DataLoaderOptions> options = std::nullopt, Source dataset = nullptr,
                  std::optional<int64_t> n = std::nullopt) const;

  class Iterator;
  /// Starts an epoch: randomize, before_iter, get_idxs, sample, and (with workers) threads.
  Iterator begin();
  std::default_sentinel_t end() const noexcept { return {}; }

  /// Builds batch `b` of `batches` (the worker's job); public for custom iteration and tests.
  Item build_batch(const std::vector<int64_t>& idxs, int64_t b) const;

 private:
  Source dataset_;
  int64_t n_;
  DataLoaderOptions opt_;
  mutable std::mt19937_64 epoch_rng_;
  uint64_t seed_;
  uint64_t epoch_seed_ = 0;
  uint64_t epoch_ = 0;
  friend class Iterator;
};

/// Input iterator over one epoch's batches; destroying it stops the workers.
/// Example: `for (auto it = dl.begin(); it != dl.end(); ++it) use(*it);`
class DataLoader::Iterator {
 public:
  using value_type = Item;
  using difference_type = std::ptrdiff_t;
  Iterator() = default;
  explicit Iterator(DataLoader& dl);
  const Item& operator*() const { return current_; }
  const Item* operator->() const { return &current_; }
  Iterator& operator++();
  void operator++(int) { ++*this; }
  bool operator==(std::default_sentinel_t) const noexcept { return done_; }

 private:
  struct Epoch;
  void fetch();
  DataLoader* dl_ = nullptr;
  std::shared_ptr<Epoch> epoch_;
  Item current_;
  int64_t next_ = 0;
  bool done_ = true;
};

}  // namespace fastai
