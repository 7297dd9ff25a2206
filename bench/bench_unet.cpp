// unet_learner(xresnet18) on URLs::FMNIST_SEG beside real fastai 2.7.18 in the same run (issue
// 20): the same canvases (the first n_train training and n_valid validation ones), bs 64,
// fit_one_cycle(epochs, lr), DiceMulti and foreground_acc; seconds per epoch of each, fp32 and
// (with --bf16) bf16 MixedPrecision + channels-last. Means over the seeds; fastai runs from
// bench/fastai_unet.py when ../shared/fastai-src is beside the project.
//
// Usage: bench_unet [--seeds 1,2] [--epochs 1] [--n-train 10000] [--n-valid 2000] [--lr 3e-3]
//                   [--bf16] [--no-fp32] [--no-fastai]
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>

#include "fastai_runner.h"
#include "fastai/core/runtime.h"
#include "fastai/vision/all.h"
#include "harness.h"

using namespace fastai;
namespace fs = std::filesystem;

namespace {

struct Run {
  double dice = 0, fg = 0, s_per_epoch = 0;
};

struct Args {
  std::vector<int> seeds{1, 2};
  int epochs = 1;
  int64_t n_train = 10000, n_valid = 2000;
  double lr = 3e-3;
  bool bf16 = false, fp32 = true, fastai = true;
};

Run ours(const fs::path& path, const Args& a, int seed, bool bf16) {
  std::vector<fs::path> files;
  auto add = [&](const char* split, int64_t n) {
    char name[32];
    for (int64_t i = 0; i < n; ++i) {
      std::snprintf(name, sizeof name, "%s_%05lld.png", split, static_cast<long long>(i));
      files.push_back(path / "images" / name);
    }
  };
  add("train", a.n_train);
  add("valid", a.n_valid);
  set_seed(static_cast<uint64_t>(seed));
  auto dls = SegmentationDataLoaders::from_label_func(
      path, files, [&](const fs::path& f) { return path / "labels" / (f.stem().string() + "_P.png"); },
      {.codes = read_codes(path / "codes.txt"),
       .img_cls = ImageCreate::Kind::ImageBW,
       .splitter = FuncSplitter([](const Item& x) { return x.get<Path>().filename().string().rfind("valid", 0) == 0; }),
       .bs = 64});
  auto learn = unet_learner(dls, xresnet18, {.metrics = {DiceMulti(), foreground_acc()}});
  learn.logger = nullptr;
  if (bf16) learn.to_channelslast();
  const double s = bench::seconds_of([&] { learn.fit_one_cycle(a.epochs, a.lr); });
  const auto& v = learn.recorder->values.back();
  return {v.at(2), v.at(3), s / a.epochs};
}

std::vector<Run> theirs(const fs::path& path, const Args& a, int threads) {
  std::ostringstream args;
  args << path.string() << " --n-train " << a.n_train << " --n-valid " << a.n_valid << " --epochs " << a.epochs
       << " --lr " << a.lr << " --threads " << threads << " --seeds";
  for (int s : a.seeds) args << " " << s;
  std::vector<Run> r;
  // Printed as a whole once fastai is done (the script's lines arrive together).
  for (const auto& line : bench::run_fastai_script("fastai_unet.py", args.str())) {
    Run x;
    int seed;
    double loss;
    if (std::sscanf(line.c_str(), "SEED %d dice=%lf foreground_acc=%lf valid_loss=%lf s_per_epoch=%lf", &seed, &x.dice,
                    &x.fg, &loss, &x.s_per_epoch) == 5) {
      std::printf("  fastai seed %d: DiceMulti %.4f, foreground_acc %.4f, %.1f s/epoch\n", seed, x.dice, x.fg,
                  x.s_per_epoch);
      r.push_back(x);
    }
  }
  return r;
}

double mean_of(const std::vector<Run>& v, double Run::*f) {
  double s = 0;
  for (const auto& x : v) s += x.*f;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (k == "--seeds") {
      a.seeds.clear();
      std::stringstream ss(next());
      for (std::string t; std::getline(ss, t, ',');) a.seeds.push_back(std::stoi(t));
    } else if (k == "--epochs") a.epochs = std::stoi(next());
    else if (k == "--n-train") a.n_train = std::stoll(next());
    else if (k == "--n-valid") a.n_valid = std::stoll(next());
    else if (k == "--lr") a.lr = std::stod(next());
    else if (k == "--bf16") a.bf16 = true;
    else if (k == "--no-fp32") a.fp32 = false;
    else if (k == "--no-fastai") a.fastai = false;
    else {
      std::fprintf(stderr, "bench_unet: unknown argument %s\n", k.c_str());
      return 2;
    }
  }
  const int threads = init_runtime();
  const auto path = untar_data(URLs::FMNIST_SEG);
  std::printf("unet_learner(xresnet18) on FMNIST_SEG: %lld train / %lld valid canvases, bs 64, fit_one_cycle(%d, %g), "
              "%zu seed(s), %d intra-op threads\n",
              static_cast<long long>(a.n_train), static_cast<long long>(a.n_valid), a.epochs, a.lr, a.seeds.size(),
              threads);
  std::vector<Run> fp32, bf16;
  for (int seed : a.seeds) {
    if (a.fp32) {
      fp32.push_back(ours(path, a, seed, false));
      std::printf("  fastai.cpp fp32 seed %d: DiceMulti %.4f, foreground_acc %.4f, %.1f s/epoch\n", seed,
                  fp32.back().dice, fp32.back().fg, fp32.back().s_per_epoch);
    }
    if (a.bf16) {
      bf16.push_back(ours(path, a, seed, true));
      std::printf("  fastai.cpp bf16+channels-last seed %d: DiceMulti %.4f, foreground_acc %.4f, %.1f s/epoch\n", seed,
                  bf16.back().dice, bf16.back().fg, bf16.back().s_per_epoch);
    }
    std::fflush(stdout);
  }
  const auto ref = a.fastai ? theirs(path, a, threads) : std::vector<Run>{};
  if (ref.empty()) std::printf("fastai did not run (--no-fastai, or ../shared/fastai-src missing)\n");
  auto line = [&](const char* what, const std::vector<Run>& v) {
    if (v.empty()) return;
    std::printf("%-28s DiceMulti %.4f (fastai %.4f, diff %+.4f)  %.1f s/epoch (fastai %.1f)\n", what,
                mean_of(v, &Run::dice), mean_of(ref, &Run::dice), mean_of(v, &Run::dice) - mean_of(ref, &Run::dice),
                mean_of(v, &Run::s_per_epoch), mean_of(ref, &Run::s_per_epoch));
    if (!ref.empty())
      std::printf("RESULT unet_epoch_%s ratio=%.4f dice=%.4f fastai_dice=%.4f\n", what,
                  mean_of(v, &Run::s_per_epoch) / mean_of(ref, &Run::s_per_epoch), mean_of(v, &Run::dice),
                  mean_of(ref, &Run::dice));
  };
  line("fp32", fp32);
  line("bf16_channels_last", bf16);
  return 0;
}
