// Collaborative filtering: CollabDataLoaders + collab_learner + fit_one_cycle(3, 5e-3, wd 0.1)
// (issue 8's recipe: valid_pct 0.2 seed 42, bs 64, n_factors 50, y_range (0, 5.5)) against a
// hand-written libtorch loop over the same index tensors — same model and initialisation, same
// Adam and one-cycle schedule, same validation — timed interleaved in one run; and seconds per
// epoch beside fastai 2.7's, measured on this machine kind (the figures in issue 8).
//
// Usage: bench_collab [reps=3] [data=movielens_small|insteval]
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>

#include "fastai/callback/schedule.h"
#include "fastai/collab.h"
#include "fastai/core/random.h"
#include "fastai/core/runtime.h"
#include "fastai/data/external.h"
#include "fastai/metrics.h"
#include "fastai/tabular/procs.h"
#include "harness.h"
#include "one_cycle.h"

using namespace fastai;

namespace {

constexpr double kLr = 5e-3, kWd = 0.1;
constexpr int kEpochs = 3;

struct Result {
  double seconds = 0, mse = 0;
};

Result hand_loop(const TabularPandas& to, uint64_t seed) {
  const auto tr = to.train(), va = to.valid();
  const auto& cls = to.classes();
  torch::manual_seed(seed);
  auto model = EmbeddingDotBiasImpl::from_classes(50, cls, to.cat_names()[0], to.cat_names()[1], std::pair{0.0, 5.5});
  auto opt = Adam(model->parameters(), {.lr = kLr, .wd = kWd});
  const int64_t bs = 64, n = static_cast<int64_t>(tr.size()), nb = n / bs;
  const bench::OneCycle sched(kLr, nb * kEpochs);
  Result r;
  const auto start = std::chrono::steady_clock::now();
  int64_t it = 0;
  for (int e = 0; e < kEpochs; ++e) {
    model->train();
    auto perm = torch::randperm(n);
    for (int64_t b = 0; b < nb; ++b, ++it) {
      sched.apply(*opt, it);
      auto idx = perm.slice(0, b * bs, (b + 1) * bs);
      auto loss =
          torch::mse_loss(model->forward(tr.cats().index_select(0, idx)), tr.ys().index_select(0, idx).view(-1));
      loss.backward();
      opt->step();
      opt->zero_grad();
      (void)loss.item<double>();  // the Learner records every batch's loss
    }
    model->eval();
    torch::NoGradGuard g;
    r.mse = torch::mse_loss(model->forward(va.cats()), va.ys().view(-1)).item<double>();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

// CollabDataLoaders::from_df's loaders over the same processed data, shuffled with `seed`; a
// permutation per epoch (not fastai's draw with replacement) like the hand-written loop.
Result learner_fit(const TabularPandas& to, uint64_t seed) {
  auto dls = tabular_dataloaders(to, {.bs = 64, .seed = seed, .resample = false});
  torch::manual_seed(seed);
  auto learn = collab_learner(dls, {.n_factors = 50, .y_range = std::pair{0.0, 5.5}, .metrics = {mse}});
  learn.logger = nullptr;
  Result r;
  r.seconds = bench::seconds_of([&] { learn.fit_one_cycle(kEpochs, kLr, {.wd = kWd}); });
  r.mse = learn.recorder->values.back().at(1);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 3;
  const std::string which = argc > 2 ? argv[2] : URLs::ML_LATEST_SMALL;
  const int threads = init_runtime();
  const bool ml = which == URLs::ML_LATEST_SMALL;
  const auto path = untar_data(which);
  Table df = read_csv(path / (ml ? "ratings.csv" : "insteval.csv"));
  const std::string u = ml ? "userId" : "s", i = ml ? "movieId" : "d", y = ml ? "rating" : "y";
  const auto splits = RandomSplitter(0.2, 42)(range_of(df.n_rows()));
  const TabularPandas to = TabularCollab(df, u, i, y, splits);
  std::printf(
      "%s: %zu ratings (%zu train), %zu users, %zu items; n_factors 50, fit_one_cycle(%d, %.0e, wd %.1f), bs 64, %d "
      "threads\n",
      which.c_str(), df.n_rows(), to.train().size(), to.classes().at(u).size() - 1, to.classes().at(i).size() - 1,
      kEpochs, kLr, kWd, threads);
  std::vector<double> hand_s, learn_s, hand_m, learn_m;
  for (int k = 0; k < reps; ++k) {
    auto h = hand_loop(to, 42 + static_cast<uint64_t>(k));
    auto l = learner_fit(to, 42 + static_cast<uint64_t>(k));
    hand_s.push_back(h.seconds);
    learn_s.push_back(l.seconds);
    hand_m.push_back(h.mse);
    learn_m.push_back(l.mse);
    std::printf("  rep %d: hand loop %.3f s (valid mse %.4f) | Learner %.3f s (valid mse %.4f)\n", k, h.seconds, h.mse,
                l.seconds, l.mse);
    std::fflush(stdout);
  }
  const auto lt = bench::summarize(learn_s);
  bench::report(which + "_collab_learner_vs_hand_loop", lt, bench::summarize(hand_s));
  if (ml) {
    const double fastai_s = 11.5, fastai_mse = 0.789;
    double mean = 0;
    for (double m : learn_m) mean += m / static_cast<double>(learn_m.size());
    std::printf(
        "  %.3f s/epoch vs fastai 2.7's %.1f s/epoch: %.1fx faster | valid mse mean %.4f median %.4f (fastai %.3f)\n",
        lt.median_s / kEpochs, fastai_s, fastai_s / (lt.median_s / kEpochs), mean, bench::summarize(learn_m).median_s,
        fastai_mse);
  }
  return 0;
}
