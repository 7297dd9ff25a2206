// xresnet18 on Fashion-MNIST from PNG folders, one epoch of fit_one_cycle(1, 1e-2), bs 128,
// three ways in one run: fp32 with libtorch's convolutions everywhere (fastai::Conv2d's fast
// paths off — the reference), fp32 as shipped, and bf16 MixedPrecision + channels-last
// (learn.to_channelslast()). Prints seconds, accuracy and the ratios, and the ratio to fastai
// 2.7's ≈ 250 s per fp32 epoch on this machine kind (issue 6).
//
// Usage: bench_xresnet [epoch_fraction=1.0]   (e.g. 0.1: that share of the training batches, all of
// the validation; the ratios to fastai need the whole epoch)
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "fastai/callback/training.h"
#include "fastai/conv.h"
#include "fastai/core/random.h"
#include "fastai/core/runtime.h"
#include "fastai/vision/all.h"
#include "harness.h"

using namespace fastai;

namespace {
constexpr double kFastaiEpochSeconds = 250;

struct Outcome {
  double seconds, accuracy;
};

Outcome one_epoch(const std::filesystem::path& path, double fraction, bool fast_convs, bool bf16_channels_last) {
  set_conv_gemm_policy({.enabled = fast_convs});
  set_seed(42);
  auto dls = ImageDataLoaders::from_folder(path, {.valid = "test", .img_cls = ImageCreate::Kind::ImageBW, .bs = 128});
  Callbacks cbs;
  if (fraction < 1) cbs.push_back(ShortEpochCallback(fraction, /*short_valid=*/false));
  auto learn = vision_learner(dls, xresnet18, {.cbs = cbs, .metrics = {accuracy}});
  if (bf16_channels_last) learn.to_channelslast();
  const double s = bench::seconds_of([&] { learn.fit_one_cycle(1, 1e-2); });
  set_conv_gemm_policy({});
  return {s, learn.recorder->values.back().back()};  // accuracy is last (a cut-short epoch logs no train loss)
}
}  // namespace

int main(int argc, char** argv) {
  const double fraction = argc > 1 ? std::atof(argv[1]) : 1.0;
  const int threads = init_runtime();
  const auto path = untar_data(URLs::FASHION_MNIST);
  std::printf(
      "xresnet18 (c_in 1, n_out 10), Fashion-MNIST PNG folders, %.0f%% of an epoch, bs 128, %d intra-op threads\n",
      100 * fraction, threads);
  const auto ref = one_epoch(path, fraction, false, false);
  std::printf("  fp32, libtorch convolutions:       %7.1f s, accuracy %.4f\n", ref.seconds, ref.accuracy);
  const auto fp32 = one_epoch(path, fraction, true, false);
  std::printf("  fp32, fastai::Conv2d:              %7.1f s, accuracy %.4f\n", fp32.seconds, fp32.accuracy);
  const auto bf16 = one_epoch(path, fraction, true, true);
  std::printf("  bf16 + channels-last, fastai::Conv2d: %4.1f s, accuracy %.4f\n", bf16.seconds, bf16.accuracy);
  bench::report("xresnet18_epoch_fp32_vs_libtorch_convs", bench::summarize({fp32.seconds}),
                bench::summarize({ref.seconds}));
  bench::report("xresnet18_epoch_bf16_channels_last_vs_fp32", bench::summarize({bf16.seconds}),
                bench::summarize({fp32.seconds}));
  if (fraction < 1) {
    std::printf("(the ratios to fastai's %.0f s epoch need a whole epoch: bench_xresnet 1)\n", kFastaiEpochSeconds);
    return 0;
  }
  std::printf("vs fastai 2.7's %.0f s fp32 epoch: fp32 %.2f, bf16 + channels-last %.2f (goals: <= 1 and <= 0.33)\n",
              kFastaiEpochSeconds, fp32.seconds / kFastaiEpochSeconds, bf16.seconds / kFastaiEpochSeconds);
  return 0;
}
