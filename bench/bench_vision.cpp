// Vision data path on Fashion-MNIST as PNG folders (untar_data):
//  1. loading alone (decode + item tfms + collate + batch tfms, no model): ImageDataLoaders'
//     training loader with 0 and 2 workers, against a hand-written loop that decodes the same
//     files with OpenCV and stacks them (the reference);
//  2. one epoch of the simple CNN (fit_one_cycle(1, 1e-2), bs 128) from the PNG folders against
//     the same fit from in-memory tensors.
//
// Usage: bench_vision [reps=2] [max_batches=200]
#include <torch/torch.h>
#include <opencv2/imgcodecs.hpp>

#include <cstdio>
#include <cstdlib>

#include "fastai/core/runtime.h"
#include "fastai/data/external.h"
#include "fastai/layers.h"
#include "fastai/learner.h"
#include "fastai/vision/all.h"
#include "harness.h"

using namespace fastai;

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 2;
  const int64_t max_batches = argc > 2 ? std::atol(argv[2]) : 200;
  const int threads = init_runtime();
  const auto path = untar_data(URLs::FASHION_MNIST);
  const auto files = get_image_files(path / "train");
  std::printf("Fashion-MNIST PNG folders at %s: %zu training files, %d intra-op threads\n", path.c_str(), files.size(),
              threads);

  // ---- 1. loading alone
  const int64_t bs = 128, n_items = max_batches * bs;
  auto hand = [&] {  // decode, to tensor, stack, float: what a hand-written loader does
    auto perm = torch::randperm(static_cast<int64_t>(files.size()));
    for (int64_t b = 0; b < max_batches; ++b) {
      std::vector<at::Tensor> xs;
      for (int64_t i = 0; i < bs; ++i) {
        cv::Mat m =
            cv::imread(files[static_cast<size_t>(perm[b * bs + i].item<int64_t>())].string(), cv::IMREAD_GRAYSCALE);
        xs.push_back(torch::from_blob(m.data, {1, m.rows, m.cols}, torch::kUInt8).clone());
      }
      auto x = torch::stack(xs).to(torch::kFloat).div_(255);
      (void)x;
    }
  };
  for (int workers : {0, 2}) {  // NOLINT
    auto dls = ImageDataLoaders::from_folder(
        path, {.valid = "test", .img_cls = ImageCreate::Kind::ImageBW, .bs = bs, .num_workers = workers});
    auto loader = [&] {
      int64_t b = 0;
      for (auto it = dls.train().begin(); it != dls.train().end() && b < max_batches; ++it) ++b;
    };
    auto c = bench::compare("png_loading_" + std::to_string(workers) + "_workers_vs_hand_loop", loader, hand,
                            {.warmup = 1, .reps = reps});
    std::printf("  ImageDataLoaders, %d workers: %.0f items/s; hand-written loop (0 workers): %.0f items/s\n", workers,
                static_cast<double>(n_items) / c.candidate.median_s,
                static_cast<double>(n_items) / c.reference.median_s);
  }

  // ---- 2. a whole epoch: PNG folders vs in-memory tensors
  const auto train = load_mnist_idx(fashion_mnist_dir(), "train"), test = load_mnist_idx(fashion_mnist_dir(), "test");
  auto prep = [](const at::Tensor& im) { return (im.to(torch::kFloat) / 255.0).unsqueeze(1).contiguous(); };
  const auto x = prep(train.images), xv = prep(test.images);
  std::vector<double> png_s, mem_s;
  for (int i = 0; i < reps; ++i) {
    {
      auto dls =
          ImageDataLoaders::from_folder(path, {.valid = "test", .img_cls = ImageCreate::Kind::ImageBW, .bs = bs});
      torch::manual_seed(i);
      Learner learn(dls, simple_cnn(), {.metrics = {accuracy}});
      learn.logger = nullptr;
      png_s.push_back(bench::seconds_of([&] { learn.fit_one_cycle(1, 1e-2); }));
      std::printf("  PNG folders: %.2f s, accuracy %.4f\n", png_s.back(), learn.recorder->values.back().at(2));
    }
    {
      auto dls = DataLoaders::from_tensors(x, train.labels, xv, test.labels, {.bs = bs});
      torch::manual_seed(i);
      Learner learn(dls, simple_cnn(), {.loss_func = CrossEntropyLossFlat(), .metrics = {accuracy}});
      learn.logger = nullptr;
      mem_s.push_back(bench::seconds_of([&] { learn.fit_one_cycle(1, 1e-2); }));
      std::printf("  in-memory:   %.2f s, accuracy %.4f\n", mem_s.back(), learn.recorder->values.back().at(2));
    }
  }
  bench::report("epoch_png_folders_vs_in_memory", bench::summarize(png_s), bench::summarize(mem_s));
  return 0;
}
