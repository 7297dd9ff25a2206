// The first reference benchmark: the hand-written libtorch loop (bench/reference_loop.cpp)
// against the same loop in Python PyTorch (bench/reference_loop.py), run back to back in
// this process and a child, interleaved, same threads. Later Learner benchmarks compare
// against the C++ loop measured here.
//
// Usage: bench_train_loop [max_batches_per_epoch=200] [reps=3]
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench_config.h"
#include "fastai/core/runtime.h"
#include "harness.h"
#include "reference_loop.h"

namespace {

bool run_python(const std::string& cmd, fastai::bench::LoopResult& out) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) return false;
  char line[512];
  bool ok = false;
  while (std::fgets(line, sizeof line, pipe.get()))
    if (std::sscanf(line, "train_seconds=%lf last_train_loss=%lf valid_accuracy=%lf batches=%ld", &out.train_seconds,
                    &out.last_train_loss, &out.valid_accuracy, &out.batches) == 4)
      ok = true;
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t max_batches = argc > 1 ? std::atol(argv[1]) : 200;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 3;
  const int threads = fastai::init_runtime();
  const auto dir = fastai::fashion_mnist_dir();
  const auto train = fastai::load_mnist_idx(dir, "train");
  const auto valid = fastai::load_mnist_idx(dir, "test");
  const fastai::bench::LoopConfig cfg{.max_batches = max_batches};
  std::printf("Fashion-MNIST reference loop: bs %ld, %ld batches/epoch, %d intra-op threads, %d reps\n", cfg.bs,
              max_batches, threads, reps);

  const std::string py = "/usr/bin/python3 " FASTAI_BENCH_DIR "/reference_loop.py " + dir.string() + " --bs " +
                         std::to_string(cfg.bs) + " --max-batches " + std::to_string(max_batches) + " --threads " +
                         std::to_string(threads) + " --seed " + std::to_string(cfg.seed);
  std::vector<double> cpp_s, py_s;
  for (int i = 0; i < reps; ++i) {
    auto r = fastai::bench::reference_train_loop(train, valid, cfg);
    cpp_s.push_back(r.train_seconds);
    std::printf("  libtorch C++ : %.2f s, %.1f batch/s, last loss %.4f, valid accuracy %.4f\n", r.train_seconds,
                r.batches / r.train_seconds, r.last_train_loss, r.valid_accuracy);
    fastai::bench::LoopResult p;
    if (!run_python(py, p)) {
      std::printf("  Python PyTorch reference unavailable (needs Debian's python3-torch): %s\n", py.c_str());
      continue;
    }
    py_s.push_back(p.train_seconds);
    std::printf("  PyTorch (py) : %.2f s, %.1f batch/s, last loss %.4f, valid accuracy %.4f\n", p.train_seconds,
                p.batches / p.train_seconds, p.last_train_loss, p.valid_accuracy);
  }
  if (py_s.empty()) return 0;
  fastai::bench::report("reference_loop_cpp_vs_pytorch", fastai::bench::summarize(cpp_s),
                        fastai::bench::summarize(py_s));
  return 0;
}
