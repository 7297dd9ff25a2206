// The training core's accuracy recipe (issue 4): fastai's simple CNN, fit_one_cycle(1, 1e-2),
// bs 128, Adam(wd 0.01) on Fashion-MNIST, images /255 as from_folder gives them, over several
// seeds — against bench/simple_cnn_accuracy.py, the same recipe transcribed into plain PyTorch
// (Debian's python3-torch), in the same run. One epoch's accuracy moves ±0.003 with the seed, so
// a single run says little: this prints both distributions.
//
// Usage: bench_accuracy [seeds=16]
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "bench_config.h"
#include "fastai/core/random.h"
#include "fastai/core/runtime.h"
#include "fastai/data/external.h"
#include "fastai/layers.h"
#include "fastai/learner.h"
#include "fastai/losses.h"
#include "fastai/metrics.h"

using namespace fastai;

namespace {

void print_distribution(const char* who, const std::vector<double>& v) {
  if (v.empty()) return;
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  double var = 0;
  for (double a : v) var += (a - mean) * (a - mean);
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  const auto at_bar = std::count_if(v.begin(), v.end(), [](double a) { return a >= 0.88; });
  std::printf("%-16s %2zu seeds: mean %.4f, std %.4f, min %.4f, max %.4f, %ld reach 0.88\n", who, v.size(), mean,
              std::sqrt(var / static_cast<double>(v.size())), *lo, *hi, static_cast<long>(at_bar));
}

}  // namespace

int main(int argc, char** argv) {
  const int seeds = argc > 1 ? std::atoi(argv[1]) : 16;
  const int threads = init_runtime();
  const auto dir = fashion_mnist_dir();
  const auto train = load_mnist_idx(dir, "train"), test = load_mnist_idx(dir, "test");
  auto prep = [](const at::Tensor& images) { return (images.to(torch::kFloat32) / 255.0).unsqueeze(1).contiguous(); };
  const auto x = prep(train.images), xv = prep(test.images);
  std::printf("simple CNN, fit_one_cycle(1, 1e-2), bs 128, Adam(wd 0.01); %d seeds, %d intra-op threads\n", seeds,
              threads);

  std::vector<double> cpp;
  for (int s = 0; s < seeds; ++s) {
    set_seed(static_cast<uint64_t>(s));
    auto dls =
        DataLoaders::from_tensors(x, train.labels, xv, test.labels, {.bs = 128, .seed = static_cast<uint64_t>(s)});
    Learner learn(dls, simple_cnn(), {.loss_func = CrossEntropyLossFlat(), .metrics = {accuracy}});
    learn.logger = nullptr;
    learn.fit_one_cycle(1, 1e-2);
    cpp.push_back(learn.recorder->values.back().at(2));
    std::printf("  fastai.cpp seed %2d: %.4f\n", s, cpp.back());
  }

  const std::string py = "/usr/bin/python3 " FASTAI_BENCH_DIR "/simple_cnn_accuracy.py " + dir.string() + " --seeds " +
                         std::to_string(seeds) + " --threads " + std::to_string(threads);
  std::vector<double> torch_py;
  if (std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(py.c_str(), "r"), pclose); pipe) {
    char line[256];
    int s = 0;
    double a = 0;
    while (std::fgets(line, sizeof line, pipe.get()))
      if (std::sscanf(line, "seed=%d valid_accuracy=%lf", &s, &a) == 2) {
        torch_py.push_back(a);
        std::printf("  PyTorch    seed %2d: %.4f\n", s, a);
      }
  }
  print_distribution("fastai.cpp", cpp);
  if (torch_py.empty())
    std::printf("PyTorch reference unavailable (needs Debian's python3-torch): %s\n", py.c_str());
  else
    print_distribution("PyTorch (py)", torch_py);
  std::printf("fastai 2.7 on this machine kind: 0.8815 (one run)\n");
  return 0;
}
