#pragma once
/// A 2-d convolution module that is libtorch's Conv2d (same options, parameter names and
/// initialisation, so state dicts and `as<torch::nn::Conv2d>()` keep working) with a faster
/// CPU path for the small feature maps of a network's late stages:
/// - bf16 (autocast on the CPU, or bf16 tensors) with an output of at most
///   `ConvGemmPolicy::max_out_pixels` pixels: an explicit im2col (channels-last) and ONE matrix
///   product, which oneDNN runs on the AMX/AVX-512 bf16 GEMM kernels (~1,000 GFLOP/s here),
///   where its bf16 convolution kernels for 4×4…1×1 maps run at a fraction of that — slower than
///   fp32 (per layer shape: `build/bench/bench_conv`; one run gave an xresnet18 step's convs
///   130.5 ms in bf16 with oneDNN, 34.7 ms with this path);
/// - any dtype, a 1×1 input whose output is 1×1: only the kernel's centre tap ever meets the
///   input (the others see padding), so the convolution is that tap's matrix product — exact,
///   and 1/9 of a 3×3 convolution's work.
/// Everything else (and groups, dilation, non-zero padding modes) goes to libtorch's conv2d.
///
/// Example:
///   fastai::Conv2d conv(torch::nn::Conv2dOptions(256, 512, 3).stride(2).padding(1).bias(false));
///   auto y = conv(x);  // [N, 512, H/2, W/2], as torch::nn::Conv2d would give
///
/// Thread-safety: A module: forward in eval mode without grad may run on many threads at once (the weights are
/// only read); training and changing options are one thread's.
#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>

#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

namespace fastai {

/// When Conv2d takes the GEMM path. `max_out_pixels` 16 (4×4) is where im2col + GEMM stops
/// beating oneDNN's bf16 convolution on this machine kind; `low_precision_only = false` also
/// sends fp32 there (for tests comparing the two paths); `enabled = false` turns both fast
/// paths off.
/// Example: `fastai::set_conv_gemm_policy({.enabled = false});  // libtorch's conv2d everywhere`
struct ConvGemmPolicy {
  bool enabled = true;
  int64_t max_out_pixels = 16;
  bool low_precision_only = true;
};

/// The process-wide policy (read at every forward). Example: `auto p = fastai::conv_gemm_policy();`
ConvGemmPolicy conv_gemm_policy();
/// Example: `fastai::set_conv_gemm_policy({.max_out_pixels = 0});  // only the 1×1 shortcut`
void set_conv_gemm_policy(ConvGemmPolicy policy);

/// A zero-padded 2-d convolution (groups 1, dilation 1) as im2col + one matrix product, in the
/// dtype of `x` (bf16 under CPU autocast). Differentiable; matches at::conv2d to rounding.
/// Example: `auto y = fastai::conv2d_gemm(x, w, b, /*stride=*/{2, 2}, /*padding=*/{1, 1});`
at::Tensor conv2d_gemm(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                       std::array<int64_t, 2> stride, std::array<int64_t, 2> padding);

/// torch::nn::Conv2d with the fast paths above; see the file comment.
/// Example: `fastai::Conv2d conv(torch::nn::Conv2dOptions(64, 64, 3).padding(1).bias(false));`
class Conv2dImpl : public torch::nn::Conv2dImpl {
 public:
  using torch::nn::Conv2dImpl::Conv2dImpl;
  at::Tensor forward(const at::Tensor& input);
};
TORCH_MODULE(Conv2d);

}  // namespace fastai
