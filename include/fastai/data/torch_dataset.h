#pragma once
/// DataLoaders over libtorch datasets (the paper's "incremental adoption"): any
/// `torch::data::datasets::Dataset` whose get(i) returns a `torch::data::Example<>` (data,
/// target) — torch::data::datasets::MNIST, or your own — trains with the Learner unchanged.
///
/// Thread-safety: As safe as the libtorch dataset's get(i) is: the loader's workers call it concurrently
/// when num_workers > 0.
#include <torch/data/datasets/base.h>
#include <torch/data/example.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "fastai/core/semantic.h"
#include "fastai/data/core.h"

namespace fastai {

/// Keyword arguments of dataloaders_from_torch. Example: `{.bs = 64, .num_workers = 2, .x_type = &TensorImage::info()}`
struct TorchDatasetOptions {
  int64_t bs = 64;
  std::optional<int64_t> val_bs;
  bool shuffle = true;  ///< training loader (drops its last partial batch too)
  int num_workers = 0;  ///< threads calling get(i) (the dataset must allow concurrent get)
  std::optional<uint64_t> seed;
  std::optional<c10::Device> device;
  std::vector<std::shared_ptr<Transform>> after_batch;  ///< set up on one training batch
  const TypeInfo* x_type = nullptr;                     ///< semantic type of the data (default TensorBase)
  const TypeInfo* y_type = nullptr;                     ///< of the targets (default TensorBase)
};

namespace detail {
template <class D>
DataLoader torch_loader(std::shared_ptr<D> ds, const TypeInfo& xt, const TypeInfo& yt, DataLoaderOptions o) {
  const auto n = ds->size();
  if (!n) throw std::invalid_argument("dataloaders_from_torch: the dataset has no size()");
  DataLoader dl(nullptr, static_cast<int64_t>(*n), o);
  dl.create_item = [ds, &xt, &yt](const DataLoader&, int64_t i) {
    auto ex = ds->get(static_cast<size_t>(i));
    return Item(Tuple({Item(xt, ex.data), Item(yt, ex.target)}));
  };
  return dl;
}
}  // namespace detail

/// Training and validation loaders over two libtorch datasets; items are collated by stacking
/// (each Example's data and target must have the same shape across items).
///
/// Example:
///   auto dls = dataloaders_from_torch(torch::data::datasets::MNIST(root),
///                                     torch::data::datasets::MNIST(root, torch::data::datasets::MNIST::Mode::kTest),
///                                     {.bs = 128});
///   Learner learn(dls, model, {.loss_func = CrossEntropyLossFlat()});
template <class D>
DataLoaders dataloaders_from_torch(D train, D valid, TorchDatasetOptions o = {}) {
  static_assert(std::is_same_v<typename D::ExampleType, torch::data::Example<>>,
                "dataloaders_from_torch needs a dataset of torch::data::Example<> (data, target)");
  const TypeInfo& xt = o.x_type ? *o.x_type : TensorBase::info();
  const TypeInfo& yt = o.y_type ? *o.y_type : TensorBase::info();
  auto tr = detail::torch_loader(std::make_shared<D>(std::move(train)), xt, yt,
                                 {.bs = o.bs,
                                  .shuffle = o.shuffle,
                                  .drop_last = o.shuffle,
                                  .num_workers = o.num_workers,
                                  .seed = o.seed,
                                  .device = o.device});
  auto va = detail::torch_loader(std::make_shared<D>(std::move(valid)), xt, yt,
                                 {.bs = o.val_bs.value_or(o.bs),
                                  .num_workers = o.num_workers,
                                  .seed = o.seed ? std::optional<uint64_t>(*o.seed + 1) : std::nullopt,
                                  .device = o.device});
  return DataLoaders::from_loaders(std::move(tr), std::move(va), o.after_batch, o.device);
}

}  // namespace fastai
