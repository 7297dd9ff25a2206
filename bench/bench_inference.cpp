// Inference from many threads (issue 17): N predict calls spread over 1, 2 and 8 threads on
//   shared    one learner shared by every thread (the library's turn-taking: each predict
//             prepares its item and decodes outside its turn; the model pass takes turns),
//   locked    the same learner with a user mutex around every whole predict call, and
//   per-thread one load_learner per thread (nothing shared: what per-call state could reach),
// for a tabular learner (credit_data) and a vision learner (simple CNN on Fashion-MNIST PNGs).
// RESULT lines: candidate = shared, reference = per-thread (ratio ≤ 1 means sharing costs
// nothing), and shared vs locked.
//
// Usage: bench_inference [calls=2000] [reps=3]   (BENCH_SKIP_TABULAR=1: the vision part only)
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <mutex>

#include "fastai/core/random.h"
#include "fastai/core/runtime.h"
#include "fastai/data/external.h"
#include "fastai/export.h"
#include "fastai/layers.h"
#include "fastai/tabular/all.h"
#include "fastai/vision/all.h"
#include "harness.h"

using namespace fastai;

namespace {

// Runs `calls` predictions over `threads` threads: call(t, i) for i in t's share.
double run(int threads, int calls, const std::function<void(int, int)>& call) {
  return bench::seconds_of([&] {
    std::vector<std::future<void>> fs;
    for (int t = 0; t < threads; ++t)
      fs.push_back(std::async(std::launch::async, [&, t] {
        for (int i = t; i < calls; i += threads) call(t, i);
      }));
    for (auto& f : fs) f.get();
  });
}

void measure(const std::string& name, const std::filesystem::path& exported, const std::vector<Item>& items, int calls,
             int reps) {
  auto shared = load_learner(exported);
  std::mutex user_lock;
  for (int threads : {1, 2, 8}) {
    std::vector<Learner> own;
    for (int t = 0; t < threads; ++t) own.push_back(load_learner(exported));
    auto item = [&](int i) -> const Item& { return items[static_cast<size_t>(i) % items.size()]; };
    std::vector<double> s, l, p;
    for (int r = 0; r < reps + 1; ++r) {  // the first round warms up
      const double ts = run(threads, calls, [&](int, int i) { (void)shared.predict(item(i)); });
      const double tl = run(threads, calls, [&](int, int i) {
        std::lock_guard g(user_lock);
        (void)shared.predict(item(i));
      });
      const double tp = run(threads, calls, [&](int t, int i) { (void)own[static_cast<size_t>(t)].predict(item(i)); });
      if (r == 0) continue;
      s.push_back(ts), l.push_back(tl), p.push_back(tp);
    }
    const auto ss = bench::summarize(s), ls = bench::summarize(l), ps = bench::summarize(p);
    std::printf("%s, %d threads: shared %.0f predictions/s | user-locked %.0f/s | one learner per thread %.0f/s\n",
                name.c_str(), threads, calls / ss.median_s, calls / ls.median_s, calls / ps.median_s);
    bench::report(name + "_shared_vs_per_thread_" + std::to_string(threads) + "_threads", ss, ps);
    bench::report(name + "_shared_vs_locked_" + std::to_string(threads) + "_threads", ss, ls);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int calls = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 3;
  const int intra = init_runtime();
  std::printf("inference: %d predict calls per measurement, %d reps, %d intra-op threads\n", calls, reps, intra);
  const auto tmp = std::filesystem::temp_directory_path() / "fastai_bench_inference";
  std::filesystem::create_directories(tmp);

  if (!std::getenv("BENCH_SKIP_TABULAR")) {  // tabular: credit_data, fastai's recipe, one epoch
    Table df = read_csv(untar_data("credit_data") / "credit_data.csv");
    set_seed(0);
    auto dls = TabularDataLoaders::from_df(
        df, {.procs = {Categorify(), FillMissing(), Normalize()},
             .cat_names = {"Home", "Marital", "Records", "Job"},
             .cont_names = {"Seniority", "Time", "Age", "Expenses", "Income", "Assets", "Debt", "Amount", "Price"},
             .y_names = {"Status"}});
    auto learn = tabular_learner(dls, {.path = tmp});
    learn.logger = nullptr;
    learn.fit_one_cycle(1, 1e-2);
    export_learner(learn, tmp / "tabular.fai");
    std::vector<Item> rows;
    for (int64_t r = 0; r < 200; ++r) rows.push_back(Tabular(df.take({r})));
    measure("predict_tabular", tmp / "tabular.fai", rows, calls, reps);
  }
  {  // vision: simple CNN on the PNG folders, one epoch
    const auto path = untar_data(URLs::FASHION_MNIST);
    set_seed(0);
    auto dls = ImageDataLoaders::from_folder(path, {.valid = "test", .img_cls = ImageCreate::Kind::ImageBW, .bs = 128});
    Learner learn(dls, simple_cnn(), {.path = tmp});
    learn.logger = nullptr;
    learn.fit_one_cycle(1, 1e-2);
    export_learner(learn, tmp / "vision.fai");
    std::vector<Item> files;
    for (const auto& f : get_image_files(path / "test")) {
      files.push_back(Path(f));
      if (files.size() == 200) break;
    }
    measure("predict_vision", tmp / "vision.fai", files, calls, reps);
  }
  std::filesystem::remove_all(tmp);
  return 0;
}
