// Inference from many threads on one learner (issue 17): 8 threads × 500 predictions on a
// loaded tabular learner and on a vision learner, and get_preds on one shared test_dl, each
// equal to what one thread computes; training and inference at once refused. scripts/tsan.sh
// runs this file under ThreadSanitizer.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <numeric>
#include <random>
#include <thread>

#include "fastai/callback/core.h"
#include "fastai/callback/recorder.h"
#include "fastai/core/random.h"
#include "fastai/export.h"
#include "fastai/layers.h"
#include "fastai/metrics.h"
#include "fastai/tabular/learner.h"
#include "fastai/tabular/procs.h"
#include "fastai/vision/core.h"
#include "fastai/vision/data.h"
#include "image_folders.h"
#include "learner_util.h"
#include "test_util.h"

using namespace fastai;
using fastai::testing::TempDir;

namespace {

constexpr int kThreads = 8;
constexpr int kCalls = 500;

// 300 rows: y = "hi" when a + b (+0.5 for k == "u") > 1; some b missing.
Table rows_table(int64_t n = 300) {
  std::mt19937_64 g(7);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::string> k, y;
  std::vector<double> a, b;
  for (int64_t i = 0; i < n; ++i) {
    k.push_back(g() % 2 ? "u" : "v");
    a.push_back(u(g));
    b.push_back(u(g));
    y.push_back(a.back() + b.back() + (k.back() == "u" ? 0.5 : 0) > 1 ? "hi" : "lo");
    if (i % 11 == 3) b.back() = std::nan("");
  }
  Table t;
  t.add(Column::strings("k", k));
  t.add(Column::numbers("a", a));
  t.add(Column::numbers("b", b));
  t.add(Column::strings("y", y));
  return t;
}

// Runs f(thread, call) on kThreads threads, kCalls times each, all starting together.
template <class F>
void on_threads(F f) {
  std::atomic<int> ready{0};
  std::vector<std::future<void>> done;
  for (int t = 0; t < kThreads; ++t)
    done.push_back(std::async(std::launch::async, [&, t] {
      ++ready;
      while (ready < kThreads) std::this_thread::yield();
      for (int c = 0; c < kCalls; ++c) f(t, c);
    }));
  for (auto& d : done) d.get();  // rethrows a thread's failure here
}

}  // namespace

TEST(InferenceThreads, TabularPredictAndSharedGetPredsOnALoadedLearner) {
  TempDir dir;
  set_seed(0);
  const Table df = rows_table();
  auto dls = TabularDataLoaders::from_df(df, {.procs = {Categorify(), FillMissing(), Normalize()},
                                              .cat_names = {"k"},
                                              .cont_names = {"a", "b"},
                                              .y_names = {"y"},
                                              .seed = 1,
                                              .bs = 32});
  auto trained =
      tabular_learner(dls, {.cbs = {TrainEvalCallback(), Recorder()}, .path = dir.path, .default_cbs = false});
  trained.logger = nullptr;
  trained.fit(1, 1e-2);
  export_learner(trained, dir / "tab.fai");
  auto learn = load_learner(dir / "tab.fai");  // what a server holds

  constexpr int64_t kRows = 40;
  std::vector<Item> items;
  std::vector<at::Tensor> want;
  std::vector<std::string> want_label;
  for (int64_t r = 0; r < kRows; ++r) {
    items.push_back(Tabular(df.take({r})));
    auto [row, idx, probs] = learn.predict(items.back());
    want.push_back(probs);
    want_label.push_back(row.get<Tabular>()["y"].str[0]);
  }
  std::vector<int64_t> first(34);
  std::iota(first.begin(), first.end(), int64_t{0});
  auto shared = learn.dls.test_dl({Tabular(df.take(first))});
  const auto all = learn.get_preds({.dl = &shared});
  ASSERT_EQ(all.preds.size(0), 34);

  std::atomic<int> wrong{0};
  on_threads([&](int t, int c) {
    const auto r = static_cast<size_t>((t * 7 + c) % kRows);
    if (c % 50 == 0) {  // now and then a whole pass over the shared loader
      if (!torch::equal(learn.get_preds({.dl = &shared}).preds, all.preds)) ++wrong;
      return;
    }
    auto [row, idx, probs] = learn.predict(items[r]);
    if (!torch::equal(probs, want[r]) || row.get<Tabular>()["y"].str[0] != want_label[r]) ++wrong;
  });
  EXPECT_EQ(wrong.load(), 0) << "of " << kThreads * kCalls << " calls";
}

TEST(InferenceThreads, VisionPredictFromEightThreads) {
  TempDir dir;
  const auto folders = fastai::testing::write_dark_light_folders(dir.path);
  auto files = folders.train;
  files.insert(files.end(), folders.valid.begin(), folders.valid.end());
  auto learn = fastai::testing::dark_light_learner(dir.path);
  learn.fit(1, 1e-2);

  std::vector<at::Tensor> want;
  std::vector<std::string> want_label;
  for (const auto& f : files) {
    auto [label, idx, probs] = learn.predict(Path(f));
    want.push_back(probs);
    want_label.push_back(label.get<Category>());
  }
  std::atomic<int> wrong{0};
  on_threads([&](int t, int c) {
    const auto i = static_cast<size_t>(t * 5 + c) % files.size();
    auto [label, idx, probs] = learn.predict(Path(files[i]));
    if (!torch::equal(probs, want[i]) || label.get<Category>() != want_label[i]) ++wrong;
  });
  EXPECT_EQ(wrong.load(), 0) << "of " << kThreads * kCalls << " calls";
}

namespace {
// Holds the pass it is called in at `at` until released, so a test can act while it is inside.
class Gate : public Callback {
 public:
  explicit Gate(Event at) : at_(at) {}
  std::string name() const override { return "Gate"; }
  void on_event(Event e) override {
    if (e != at_ || passed_) return;
    passed_ = true;
    std::unique_lock l(m_);
    inside_ = true;
    cv_.notify_all();
    cv_.wait(l, [&] { return released_; });
  }
  void wait_inside() {
    std::unique_lock l(m_);
    cv_.wait(l, [&] { return inside_; });
  }
  void release() {
    std::lock_guard l(m_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  Event at_;
  bool passed_ = false, inside_ = false, released_ = false;
  std::mutex m_;
  std::condition_variable cv_;
};
}  // namespace

TEST(InferenceThreads, TrainingAndInferenceAtOnceAreRefused) {
  using fastai::testing::make_learner;
  auto t = fastai::testing::make_task();
  auto learn = make_learner(t);

  {  // inference while another thread trains
    auto gate = std::make_shared<Gate>(Event::before_train);
    auto fit = std::async(std::launch::async, [&] { learn.fit(1, 1e-2, {.cbs = {gate}}); });
    gate->wait_inside();
    EXPECT_THROW_WITH(learn.get_preds(), std::logic_error, "Learner::get_preds", "fit is running", "another thread");
    EXPECT_THROW_WITH(learn.validate(), std::logic_error, "Learner::validate", "fit is running");
    EXPECT_THROW_WITH(learn.fit(1), std::logic_error, "Learner::fit", "fit is running");
    gate->release();
    fit.get();
  }
  {  // training while another thread infers
    auto gate = std::make_shared<Gate>(Event::before_validate);
    learn.add_cb(gate);
    auto preds = std::async(std::launch::async, [&] { return learn.get_preds(); });
    gate->wait_inside();
    EXPECT_THROW_WITH(learn.fit(1), std::logic_error, "Learner::fit", "inference", "another thread");
    EXPECT_THROW_WITH(learn.fit_one_cycle(1), std::logic_error, "Learner::fit_one_cycle", "inference");
    EXPECT_THROW_WITH(learn.lr_find(), std::logic_error, "Learner::lr_find", "inference");
    gate->release();
    EXPECT_EQ(preds.get().preds.size(0), t.xv.size(0));
    learn.remove_cb(gate);
  }
  // Afterwards both work again, and passes nested in a fit (FetchPreds-style) still run.
  EXPECT_NO_THROW(learn.fit(1, 1e-2));
  EXPECT_EQ(learn.get_preds().preds.size(0), t.xv.size(0));
}
