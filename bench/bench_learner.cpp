// Learner overhead: Learner.fit_one_cycle on the simple CNN against a hand-written libtorch loop
// doing the same work — same model and initialisation, same pre-normalised tensors, same
// fastai Adam (wd 0.01, no wd on norm/bias), same one-cycle lr/mom schedule, one validation
// pass with loss and accuracy — timed interleaved in one process. Then bf16 MixedPrecision
// against fp32 on a wider conv net.
//
// Usage: bench_learner [reps=3] [epochs=1]
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <vector>

#include "fastai/callback/fp16.h"
#include "fastai/callback/schedule.h"
#include "fastai/core/random.h"
#include "fastai/core/runtime.h"
#include "fastai/data/external.h"
#include "fastai/layers.h"
#include "fastai/learner.h"
#include "harness.h"
#include "one_cycle.h"
#include "reference_loop.h"

using namespace fastai;

namespace {
constexpr double kMean = 0.2860, kStd = 0.3530;
constexpr int64_t kBs = 128;
constexpr double kLr = 1e-2;

at::Tensor prepare(const at::Tensor& images) {
  return ((images.to(torch::kFloat32) / 255.0 - kMean) / kStd).unsqueeze(1).contiguous();
}

struct Result {
  double seconds = 0, valid_loss = 0, accuracy = 0;
};

// The hand-written loop: everything the Learner does for this fit, written out.
Result hand_loop(const at::Tensor& x, const at::Tensor& y, const at::Tensor& xv, const at::Tensor& yv, int epochs,
                 uint64_t seed) {
  torch::manual_seed(seed);
  auto model = simple_cnn();
  std::vector<at::Tensor> params = model->parameters();
  auto opt = Adam(params, {.lr = kLr});
  for (const auto& p : norm_bias_params(*model, true)) opt->state(p).values["do_wd"] = 0;
  const int64_t n = x.size(0), nb = n / kBs;  // drop_last, as the Learner's training loader
  const bench::OneCycle sched(kLr, nb * epochs);
  Result r;
  const double t0 = bench::seconds_of([] {});
  auto start = std::chrono::steady_clock::now();
  int64_t it = 0;
  for (int e = 0; e < epochs; ++e) {
    model->train();
    auto perm = torch::randperm(n);
    for (int64_t b = 0; b < nb; ++b, ++it) {
      sched.apply(*opt, it);
      auto idx = perm.slice(0, b * kBs, (b + 1) * kBs);
      auto out = model->forward(x.index_select(0, idx));
      auto loss = torch::nn::functional::cross_entropy(out, y.index_select(0, idx));
      loss.backward();
      opt->step();
      opt->zero_grad();
      (void)loss.item<double>();  // the Learner records every batch's loss
    }
    model->eval();
    torch::NoGradGuard g;
    double total = 0;
    int64_t correct = 0;
    for (int64_t i = 0; i < xv.size(0); i += kBs) {
      auto out = model->forward(xv.slice(0, i, i + kBs));
      auto t = yv.slice(0, i, i + kBs);
      total += torch::nn::functional::cross_entropy(out, t).item<double>() * static_cast<double>(t.size(0));
      correct += out.argmax(1).eq(t).sum().item<int64_t>();
    }
    r.valid_loss = total / static_cast<double>(xv.size(0));
    r.accuracy = static_cast<double>(correct) / static_cast<double>(xv.size(0));
  }
  (void)t0;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

Result learner_fit(const at::Tensor& x, const at::Tensor& y, const at::Tensor& xv, const at::Tensor& yv, int epochs,
                   uint64_t seed) {
  auto dls = DataLoaders::from_tensors(x, y, xv, yv, {.bs = kBs, .seed = seed});
  torch::manual_seed(seed);
  Learner learn(dls, simple_cnn(), {.loss_func = CrossEntropyLossFlat(), .metrics = {accuracy}});
  Result r;
  r.seconds = bench::seconds_of([&] { learn.fit_one_cycle(epochs, kLr); });
  r.valid_loss = learn.recorder->values.back().at(1);
  r.accuracy = learn.recorder->values.back().at(2);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 3;
  const int epochs = argc > 2 ? std::atoi(argv[2]) : 1;
  const int threads = init_runtime();
  const auto dir = fashion_mnist_dir();
  const auto train = load_mnist_idx(dir, "train");
  const auto valid = load_mnist_idx(dir, "test");
  const auto x = prepare(train.images), xv = prepare(valid.images);
  const auto y = train.labels, yv = valid.labels;
  std::printf(
      "Fashion-MNIST, simple CNN (%ld params), fit_one_cycle(%d, %.0e), bs %ld, Adam wd 0.01, %d threads, %d reps\n",
      static_cast<long>(total_params(*simple_cnn())), epochs, kLr, kBs, threads, reps);

  std::vector<double> hand_s, learn_s;
  for (int i = 0; i < reps; ++i) {
    auto h = hand_loop(x, y, xv, yv, epochs, 42 + i);
    auto l = learner_fit(x, y, xv, yv, epochs, 42 + i);
    hand_s.push_back(h.seconds);
    learn_s.push_back(l.seconds);
    std::printf(
        "  rep %d: hand loop %.2f s (valid loss %.4f, accuracy %.4f) | Learner %.2f s (valid loss %.4f, accuracy "
        "%.4f)\n",
        i, h.seconds, h.valid_loss, h.accuracy, l.seconds, l.valid_loss, l.accuracy);
    std::fflush(stdout);
  }
  bench::report("learner_fit_vs_hand_loop", bench::summarize(learn_s), bench::summarize(hand_s));

  // bf16 autocast vs fp32 on the wider reference CNN (1→32→64→128 convs), 100 batches.
  const int64_t n_mp = 100 * kBs;
  auto xs = x.slice(0, 0, n_mp), ys = y.slice(0, 0, n_mp), xvs = xv.slice(0, 0, 2000), yvs = yv.slice(0, 0, 2000);
  auto run = [&](bool bf16) {
    auto dls = DataLoaders::from_tensors(xs, ys, xvs, yvs, {.bs = kBs, .seed = 1});
    torch::manual_seed(1);
    Callbacks cbs;
    if (bf16) cbs.push_back(std::make_shared<MixedPrecision>(AmpMode::bf16));
    Learner learn(dls, bench::reference_model(),
                  {.loss_func = CrossEntropyLossFlat(), .cbs = cbs, .metrics = {accuracy}});
    learn.logger = nullptr;
    const double s = bench::seconds_of([&] { learn.fit_one_cycle(1, 1e-2); });
    std::printf("  %s: %.2f s, valid accuracy %.4f\n", bf16 ? "bf16" : "fp32", s, learn.recorder->values.back().at(2));
    return s;
  };
  std::vector<double> fp32_s, bf16_s;
  for (int i = 0; i < reps; ++i) {
    fp32_s.push_back(run(false));
    bf16_s.push_back(run(true));
  }
  bench::report("mixed_precision_bf16_vs_fp32", bench::summarize(bf16_s), bench::summarize(fp32_s));
  return 0;
}
