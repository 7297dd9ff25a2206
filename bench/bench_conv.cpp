// Per layer shape of xresnet18 on 28×28 inputs (bs 128): libtorch's conv2d (oneDNN) against
// fastai::conv2d_gemm (im2col + one matrix product), forward + backward, channels-last, in fp32
// and bf16, in one process (median of `reps`). The bf16 column is why fastai::Conv2d sends convs
// with at most ConvGemmPolicy::max_out_pixels (16) output pixels to the GEMM path.
//
// Usage: bench_conv [reps=10]
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "fastai/conv.h"
#include "fastai/core/runtime.h"
#include "harness.h"

namespace {
struct Shape {
  int64_t ci, co, hw, k, stride, pad, per_batch;  // per_batch: how often xresnet18 runs it per step
};
}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 10;
  const int threads = fastai::init_runtime();
  std::printf("xresnet18 conv shapes at 28x28, bs 128, forward + backward, %d intra-op threads\n", threads);
  const std::vector<Shape> shapes{{1, 32, 28, 3, 2, 1, 1},   {32, 32, 14, 3, 1, 1, 1},  {32, 64, 14, 3, 1, 1, 1},
                                  {64, 64, 7, 3, 1, 1, 4},   {64, 128, 7, 3, 2, 1, 1},  {64, 128, 4, 1, 1, 0, 1},
                                  {128, 128, 4, 3, 1, 1, 3}, {128, 256, 4, 3, 2, 1, 1}, {128, 256, 2, 1, 1, 0, 1},
                                  {256, 256, 2, 3, 1, 1, 3}, {256, 512, 2, 3, 2, 1, 1}, {256, 512, 1, 1, 1, 0, 1},
                                  {512, 512, 1, 3, 1, 1, 3}};
  for (auto dtype : {torch::kFloat, torch::kBFloat16}) {
    double total_onednn = 0, total_gemm = 0, total_best = 0;
    for (const auto& s : shapes) {
      auto x =
          torch::randn({128, s.ci, s.hw, s.hw}).to(dtype).contiguous(at::MemoryFormat::ChannelsLast).requires_grad_();
      auto w = (torch::randn({s.co, s.ci, s.k, s.k}) * 0.05)
                   .to(dtype)
                   .contiguous(at::MemoryFormat::ChannelsLast)
                   .requires_grad_();
      auto step = [&](bool gemm) {
        x.mutable_grad().reset();
        w.mutable_grad().reset();
        auto y = gemm ? fastai::conv2d_gemm(x, w, {}, {s.stride, s.stride}, {s.pad, s.pad})
                      : at::conv2d(x, w, {}, s.stride, s.pad);
        y.backward(torch::ones_like(y));
      };
      const auto gemm = fastai::bench::time_it([&] { step(true); }, {.warmup = 2, .reps = reps});
      const auto onednn = fastai::bench::time_it([&] { step(false); }, {.warmup = 2, .reps = reps});
      const int64_t out = (s.hw + 2 * s.pad - s.k) / s.stride + 1;
      const double g = gemm.median_s * 1e3, o = onednn.median_s * 1e3;
      total_onednn += o * s.per_batch, total_gemm += g * s.per_batch;
      total_best += (out * out <= 16 ? g : o) * s.per_batch;
      std::printf("%s %3ld->%3ld %2ldx%-2ld k%ld s%ld (out %2ldx%-2ld): oneDNN %6.2f ms, GEMM %6.2f ms, ratio %.2f%s\n",
                  dtype == torch::kFloat ? "fp32" : "bf16", s.ci, s.co, s.hw, s.hw, s.k, s.stride, out, out, o, g,
                  g / o,
                  s.hw == 1 && out == 1 ? "  (Conv2d: centre tap, any dtype)"
                  : out * out <= 16     ? "  <- Conv2d's GEMM path under bf16"
                                        : "");
    }
    std::printf("%s per xresnet18 step: oneDNN everywhere %.1f ms, GEMM everywhere %.1f ms",
                dtype == torch::kFloat ? "fp32" : "bf16", total_onednn, total_gemm);
    if (dtype == torch::kBFloat16) std::printf(", GEMM where <= 16 output pixels %.1f ms", total_best);
    std::printf("\n");
  }
  return 0;
}
