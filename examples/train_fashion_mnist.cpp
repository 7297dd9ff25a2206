// The README's main job, until the vision application lands: a small CNN trained on
// Fashion-MNIST, read from Debian's idx files by fastai's reader, with a progress bar per
// epoch, fastai's epoch table, and a look at some validation predictions.
//
// Usage: train_fashion_mnist [epochs=2] [batch_size=128]
#include <fastai/fastai.h>
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>

using namespace fastai;

namespace {

// Fashion-MNIST's pixel statistics (mean 0.2860, std 0.3530), as fastai's Normalize uses them.
torch::Tensor normalize(const torch::Tensor& images) {
  return ((images.to(torch::kFloat32) / 255.0 - 0.2860) / 0.3530).unsqueeze(1);
}

// Three stride-2 conv + batchnorm + ReLU blocks (28→14→7→4), average pool, linear classifier.
torch::nn::Sequential simple_cnn() {
  torch::nn::Sequential s;
  for (auto [ci, co] : {std::pair<int64_t, int64_t>{1, 32}, {32, 64}, {64, 128}}) {
    s->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(ci, co, 3).stride(2).padding(1).bias(false)));
    s->push_back(torch::nn::BatchNorm2d(co));
    s->push_back(torch::nn::ReLU());
  }
  s->push_back(torch::nn::AdaptiveAvgPool2d(1));
  s->push_back(torch::nn::Flatten());
  s->push_back(torch::nn::Linear(128, 10));
  return s;
}

struct EvalResult {
  double loss, accuracy;
  torch::Tensor preds;
};

EvalResult evaluate(torch::nn::Sequential& model, const torch::Tensor& x, const torch::Tensor& y, torch::Device dev) {
  torch::NoGradGuard no_grad;
  model->eval();
  double loss = 0;
  std::vector<torch::Tensor> preds;
  for (int64_t i = 0; i < x.size(0); i += 1000) {
    auto out = model->forward(x.slice(0, i, i + 1000).to(dev));
    auto yb = y.slice(0, i, i + 1000).to(dev);
    loss += torch::nn::functional::cross_entropy(out, yb, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                .item<double>();
    preds.push_back(out.argmax(1).cpu());
  }
  auto all = torch::cat(preds);
  return {loss / x.size(0), all.eq(y).to(torch::kFloat64).mean().item<double>(), all};
}

}  // namespace

int main(int argc, char** argv) try {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 2;
  const int64_t bs = argc > 2 ? std::atol(argv[2]) : 128;
  init_runtime();
  const auto device = default_device();
  torch::manual_seed(42);

  const auto dir = fashion_mnist_dir();
  std::printf("fastai.cpp %s: Fashion-MNIST from %s, %d intra-op threads, device %s\n", version, dir.c_str(),
              num_threads(), device.str().c_str());
  auto train = load_mnist_idx(dir, "train");
  auto valid = load_mnist_idx(dir, "test");
  const auto x = normalize(train.images), xv = normalize(valid.images);
  std::printf("train %ld images, valid %ld images, %zu classes\n\n", x.size(0), xv.size(0),
              fashion_mnist_classes.size());

  auto model = simple_cnn();
  model->to(device);
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));

  const int64_t n = x.size(0), nb = (n + bs - 1) / bs;
  std::printf("%-7s%-12s%-12s%-10s%s\n", "epoch", "train_loss", "valid_loss", "accuracy", "time");
  EvalResult last{};
  for (int epoch = 0; epoch < epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    model->train();
    auto perm = torch::randperm(n);
    double total = 0;
    {
      ProgressBar pb(nb, {.label = "epoch " + std::to_string(epoch), .unit = "batch"});
      for (int64_t b = 0; b < nb; ++b) {
        auto idx = perm.slice(0, b * bs, std::min(n, (b + 1) * bs));
        auto loss = torch::nn::functional::cross_entropy(model->forward(x.index_select(0, idx).to(device)),
                                                         train.labels.index_select(0, idx).to(device));
        opt.zero_grad();
        loss.backward();
        opt.step();
        total += loss.item<double>();
        pb.set_comment("loss " + std::to_string(total / (b + 1)).substr(0, 6));
        pb.update(b + 1);
      }
    }
    last = evaluate(model, xv, valid.labels, device);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-7d%-12.6f%-12.6f%-10.6f%s\n", epoch, total / nb, last.loss, last.accuracy,
                ProgressBar::format_time(secs).c_str());
  }

  std::printf("\nSome validation images, actual → predicted:\n");
  for (int i = 0; i < 10; ++i) {
    const auto actual = valid.labels[i].item<int64_t>(), pred = last.preds[i].item<int64_t>();
    std::printf("  #%d %-12s → %-12s %s\n", i, std::string(fashion_mnist_classes[actual]).c_str(),
                std::string(fashion_mnist_classes[pred]).c_str(), actual == pred ? "" : "(wrong)");
  }
  std::printf("\nValidation accuracy after %d epoch(s): %.2f%%\n", epochs, 100 * last.accuracy);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "train_fashion_mnist: %s\n", e.what());
  return 1;
}
