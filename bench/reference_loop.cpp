#include "reference_loop.h"

#include <torch/torch.h>

#include <chrono>

namespace fastai::bench {

namespace {
constexpr double kMean = 0.2860, kStd = 0.3530;

torch::Tensor prepare(const torch::Tensor& images) {
  return ((images.to(torch::kFloat32) / 255.0 - kMean) / kStd).unsqueeze(1).contiguous();
}

// libtorch's Sequential cannot nest, so blocks are appended layer by layer.
void add_block(torch::nn::Sequential& s, int64_t ci, int64_t co) {
  s->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(ci, co, 3).stride(2).padding(1).bias(false)));
  s->push_back(torch::nn::BatchNorm2d(co));
  s->push_back(torch::nn::ReLU());
}
}  // namespace

torch::nn::Sequential reference_model() {
  torch::nn::Sequential s;
  for (auto [ci, co] : {std::pair<int64_t, int64_t>{1, 32}, {32, 64}, {64, 128}}) add_block(s, ci, co);
  s->push_back(torch::nn::AdaptiveAvgPool2d(1));
  s->push_back(torch::nn::Flatten());
  s->push_back(torch::nn::Linear(128, 10));
  return s;
}

LoopResult reference_train_loop(const MnistTensors& train, const MnistTensors& valid, const LoopConfig& cfg) {
  torch::manual_seed(cfg.seed);
  auto model = reference_model();
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(cfg.lr));
  const auto x = prepare(train.images);
  const auto y = train.labels;
  const int64_t n = x.size(0);
  int64_t nb = (n + cfg.bs - 1) / cfg.bs;
  if (cfg.max_batches >= 0) nb = std::min(nb, cfg.max_batches);

  LoopResult r;
  const auto t0 = std::chrono::steady_clock::now();
  for (int epoch = 0; epoch < cfg.epochs; ++epoch) {
    model->train();
    const auto perm = torch::randperm(n);
    double total = 0;
    for (int64_t b = 0; b < nb; ++b) {
      const auto idx = perm.slice(0, b * cfg.bs, std::min(n, (b + 1) * cfg.bs));
      const auto xb = x.index_select(0, idx);
      const auto yb = y.index_select(0, idx);
      opt.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(model->forward(xb), yb);
      loss.backward();
      opt.step();
      total += loss.item<double>();
      ++r.batches;
    }
    r.last_train_loss = total / static_cast<double>(nb);
  }
  r.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  model->eval();
  torch::NoGradGuard no_grad;
  const auto xv = prepare(valid.images);
  int64_t correct = 0;
  for (int64_t i = 0; i < xv.size(0); i += 1000) {
    auto pred = model->forward(xv.slice(0, i, i + 1000)).argmax(1);
    correct += pred.eq(valid.labels.slice(0, i, i + 1000)).sum().item<int64_t>();
  }
  r.valid_accuracy = static_cast<double>(correct) / static_cast<double>(xv.size(0));
  return r;
}

}  // namespace fastai::bench
