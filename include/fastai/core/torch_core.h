#pragma once
/// Device helpers (fastai.torch_core). Code in the library takes a torch::Device and never
/// assumes the CPU, so it runs unchanged on CUDA builds of libtorch.
///
/// Thread-safety: Free functions without shared state; safe from any thread.
#include <c10/core/Device.h>

namespace fastai {

/// The device to train on: the first CUDA device when libtorch was built with CUDA and one is
/// present and `use_cuda` is true, else the CPU (fastai's `default_device`).
///
/// Example: `model->to(fastai::default_device());`
c10::Device default_device(bool use_cuda = true);

}  // namespace fastai
