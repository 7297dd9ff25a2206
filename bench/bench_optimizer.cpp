// Optimizer step time on a ResNet-18-sized parameter set (62 tensors, 11.7 M values):
// fastai.cpp's Adam (callbacks: stats + stepper per tensor) vs torch::optim::Adam, same
// hyper-parameters, gradients fixed, in the same run.
//
// Usage: bench_optimizer [reps=20]
#include <fastai/core/runtime.h>
#include <fastai/optimizer.h>
#include <torch/torch.h>

#include <cstdio>

#include "harness.h"

namespace {
// The parameter shapes of torchvision's resnet18.
std::vector<std::vector<int64_t>> resnet18_shapes() {
  std::vector<std::vector<int64_t>> s{{64, 3, 7, 7}, {64}, {64}};
  auto block = [&](int64_t ci, int64_t co, bool down) {
    s.push_back({co, ci, 3, 3});
    s.push_back({co});
    s.push_back({co});
    s.push_back({co, co, 3, 3});
    s.push_back({co});
    s.push_back({co});
    if (down) {
      s.push_back({co, ci, 1, 1});
      s.push_back({co});
      s.push_back({co});
    }
  };
  block(64, 64, false);
  block(64, 64, false);
  block(64, 128, true);
  block(128, 128, false);
  block(128, 256, true);
  block(256, 256, false);
  block(256, 512, true);
  block(512, 512, false);
  s.push_back({1000, 512});
  s.push_back({1000});
  return s;
}

std::vector<torch::Tensor> make_params() {
  torch::manual_seed(0);
  std::vector<torch::Tensor> ps;
  for (const auto& shape : resnet18_shapes()) {
    auto p = torch::randn(shape).requires_grad_(true);
    p.mutable_grad() = torch::randn(shape) * 1e-2;
    ps.push_back(p);
  }
  return ps;
}
}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 20;
  const int threads = fastai::init_runtime();
  auto a = make_params(), b = make_params();
  int64_t n = 0;
  for (const auto& p : a) n += p.numel();
  std::printf("ResNet-18 parameter set: %zu tensors, %.1f M values, %d intra-op threads\n", a.size(), n / 1e6, threads);
  auto ours = fastai::Adam(a, {.lr = 1e-3, .wd = 0.0});
  torch::optim::Adam theirs(b, torch::optim::AdamOptions(1e-3).betas({0.9, 0.99}).eps(1e-5));
  fastai::bench::compare(
      "adam_step_fastai_vs_torch_optim", [&] { ours->step(); }, [&] { theirs.step(); }, {.warmup = 2, .reps = reps});
  auto sgd = fastai::SGD(a, {.lr = 1e-3, .mom = 0.9});
  torch::optim::SGD tsgd(b, torch::optim::SGDOptions(1e-3).momentum(0.9));
  fastai::bench::compare(
      "sgd_mom_step_fastai_vs_torch_optim", [&] { sgd->step(); }, [&] { tsgd.step(); }, {.warmup = 2, .reps = reps});
}
