// Measures what the thread/BLAS policy in docs/ARCHITECTURE.md rests on:
//  - fp32 matmul GFLOP/s and its error against a float64 reference, at 1 and 2 intra-op threads;
//  - a small CNN training step at 1 and 2 intra-op threads, alone and while a second thread
//    does CPU work (what a data-loader worker does during training).
// Run it under each OpenBLAS variant and wait policy, e.g.
//   LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp build/bench/bench_blas_threads
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "harness.h"

namespace {

void matmul_report(int threads) {
  at::set_num_threads(threads);
  const int64_t n = 2048;
  torch::manual_seed(0);
  auto a = torch::randn({n, n});
  auto b = torch::randn({n, n});
  auto ref = torch::mm(a.to(torch::kFloat64), b.to(torch::kFloat64));
  torch::Tensor c;
  auto t = fastai::bench::time_it([&] { c = torch::mm(a, b); }, {.warmup = 1, .reps = 5});
  double gflops = 2.0 * n * n * n / t.median_s / 1e9;
  double rel = ((c.to(torch::kFloat64) - ref).norm() / ref.norm()).item<double>();
  std::printf("matmul %ldx%ld fp32, %d thread(s): %.1f GFLOP/s, rel. error vs float64 %.2e\n", n, n, threads, gflops,
              rel);
}

struct Net : torch::nn::Module {
  torch::nn::Conv2d c1{torch::nn::Conv2dOptions(1, 32, 3).padding(1)};
  torch::nn::Conv2d c2{torch::nn::Conv2dOptions(32, 64, 3).padding(1).stride(2)};
  torch::nn::Linear fc{64 * 14 * 14, 10};
  Net() {
    register_module("c1", c1);
    register_module("c2", c2);
    register_module("fc", fc);
  }
  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(c1(x));
    x = torch::relu(c2(x));
    return fc(x.flatten(1));
  }
};

double step_ms(int threads, bool busy_neighbour) {
  at::set_num_threads(threads);
  torch::manual_seed(0);
  auto net = std::make_shared<Net>();
  torch::optim::SGD opt(net->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
  auto x = torch::randn({128, 1, 28, 28});
  auto y = torch::randint(0, 10, {128});
  std::atomic<bool> stop{false};
  std::thread worker;
  if (busy_neighbour) {
    // Stands in for a data-loader worker decoding items: pure CPU work, no torch calls.
    worker = std::thread([&] {
      volatile double acc = 0;
      while (!stop.load(std::memory_order_relaxed))
        for (int i = 0; i < 100000; ++i) acc = acc + i * 1e-9;
    });
  }
  auto t = fastai::bench::time_it(
      [&] {
        opt.zero_grad();
        auto loss = torch::nn::functional::cross_entropy(net->forward(x), y);
        loss.backward();
        opt.step();
      },
      {.warmup = 2, .reps = 15});
  stop = true;
  if (worker.joinable()) worker.join();
  return t.median_s * 1e3;
}

}  // namespace

int main() {
  std::printf("at::get_num_threads() at start: %d\n", at::get_num_threads());
  for (int th : {1, 2}) matmul_report(th);
  for (int th : {1, 2})
    for (bool busy : {false, true})
      std::printf("CNN train step bs128, %d thread(s), %s: %.1f ms\n", th, busy ? "with a busy worker thread" : "alone",
                  step_ms(th, busy));
}
