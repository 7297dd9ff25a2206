#include "fastai/core/torch_core.h"

#include <torch/cuda.h>

namespace fastai {

c10::Device default_device(bool use_cuda) {
  if (use_cuda && torch::cuda::is_available()) return c10::Device(c10::kCUDA, 0);
  return c10::Device(c10::kCPU);
}

}  // namespace fastai
