// Tabular: TabularDataLoaders + tabular_learner + fit_one_cycle(3, 1e-2) (issue 7's recipe:
// Categorify/FillMissing/Normalize, RandomSplitter(0.2, seed 42), bs 64, layers [200, 100],
// Adam wd 0.01) against a hand-written libtorch loop over the same processed tensors — same
// model and initialisation, same Adam and one-cycle schedule, same validation — timed
// interleaved in one run. Also prints seconds per epoch beside fastai 2.7's, measured on this
// machine kind with the same recipe (the figures in issue 7).
//
// Usage: bench_tabular [reps=5] [datasets=credit_data,wa_churn,diamonds]
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "fastai/callback/schedule.h"
#include "fastai/core/random.h"
#include "fastai/core/runtime.h"
#include "fastai/data/external.h"
#include "fastai/tabular/all.h"
#include "harness.h"
#include "one_cycle.h"

using namespace fastai;

namespace {

struct Set {
  std::string name, file, y;
  std::vector<std::string> cat, cont;
  bool log_y = false;
  double fastai_s_per_epoch, fastai_metric;
};

struct Result {
  double seconds = 0, metric = 0;
};

Table load(const Set& s) {
  Table df = read_csv(untar_data(s.name) / s.file);
  if (s.log_y) {
    for (double& v : df[s.y].num) v = std::log(v);
    df[s.y].type = ColType::Float;
  }
  return df;
}

// Everything fit_one_cycle does for this recipe, written out over the processed tensors.
Result hand_loop(const TabularPandas& to, int epochs, uint64_t seed) {
  const auto tr = to.train(), va = to.valid();
  const bool cls = to.is_classification();
  torch::manual_seed(seed);
  TabularModel model(get_emb_sz(to), static_cast<int64_t>(to.cont_names().size()), to.c(), TabularModelOptions{});
  auto opt = Adam(model->parameters(), {.lr = 1e-2});
  for (const auto& p : norm_bias_params(*model, true)) opt->state(p).values["do_wd"] = 0;
  const int64_t bs = 64, n = static_cast<int64_t>(tr.size()), nb = n / bs;
  const bench::OneCycle sched(1e-2, nb * epochs);
  Result r;
  const auto start = std::chrono::steady_clock::now();
  int64_t it = 0;
  for (int e = 0; e < epochs; ++e) {
    model->train();
    auto perm = torch::randperm(n);
    for (int64_t b = 0; b < nb; ++b, ++it) {
      sched.apply(*opt, it);
      auto idx = perm.slice(0, b * bs, (b + 1) * bs);
      auto out = model->forward(tr.cats().index_select(0, idx), tr.conts().index_select(0, idx));
      auto y = tr.ys().index_select(0, idx);
      auto loss = cls ? torch::nn::functional::cross_entropy(out, y) : torch::mse_loss(out.view(-1), y.view(-1));
      loss.backward();
      opt->step();
      opt->zero_grad();
      (void)loss.item<double>();  // the Learner records every batch's loss
    }
    model->eval();
    torch::NoGradGuard g;
    at::Tensor outs = model->forward(va.cats(), va.conts());
    r.metric = cls ? outs.argmax(1).eq(va.ys()).to(torch::kFloat).mean().item<double>()
                   : (outs.view(-1) - va.ys().view(-1)).pow(2).mean().sqrt().item<double>();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

Result learner_fit(const TabularPandas& to, int epochs, uint64_t seed) {
  // A permutation per epoch, as the hand-written loop draws (not fastai's draw with replacement).
  auto dls = tabular_dataloaders(to, {.bs = 64, .seed = seed, .resample = false});
  torch::manual_seed(seed);
  const bool cls = to.is_classification();
  auto learn =
      tabular_learner(dls, {.metrics = cls ? std::vector<MetricSpec>{accuracy} : std::vector<MetricSpec>{rmse()}});
  learn.logger = nullptr;
  Result r;
  r.seconds = bench::seconds_of([&] { learn.fit_one_cycle(epochs, 1e-2); });
  r.metric = learn.recorder->values.back().at(2);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 5;
  const std::string which = argc > 2 ? argv[2] : "credit_data,wa_churn,diamonds";
  const int threads = init_runtime();
  const int epochs = 3;
  const std::vector<Set> sets = {
      {"credit_data",
       "credit_data.csv",
       "Status",
       {"Home", "Marital", "Records", "Job"},
       {"Seniority", "Time", "Age", "Expenses", "Income", "Assets", "Debt", "Amount", "Price"},
       false,
       0.37,
       0.794},
      {"wa_churn", "wa_churn.csv", "churn", {}, {}, false, 0.62, 0.798},
      {"diamonds",
       "diamonds.csv",
       "price",
       {"cut", "color", "clarity"},
       {"carat", "depth", "table", "x", "y", "z"},
       true,
       4.3,
       0.116},
  };
  std::printf("tabular: fit_one_cycle(%d, 1e-2), bs 64, layers [200,100], Adam wd 0.01, %d threads, %d reps\n", epochs,
              threads, reps);
  for (Set s : sets) {
    if (which.find(s.name) == std::string::npos) continue;
    Table df = load(s);
    if (s.cat.empty()) std::tie(s.cont, s.cat) = cont_cat_split(df, 20, s.y);
    const auto splits = RandomSplitter(0.2, 42)(range_of(df.n_rows()));
    TabularPandas to(df, {.procs = {Categorify(), FillMissing(), Normalize()},
                          .cat_names = s.cat,
                          .cont_names = s.cont,
                          .y_names = {s.y},
                          .splits = splits});
    std::printf("%s: %zu rows (%zu train), %zu cat + %zu cont columns\n", s.name.c_str(), df.n_rows(),
                to.train().size(), to.cat_names().size(), to.cont_names().size());
    std::vector<double> hand_s, learn_s, hand_m, learn_m;
    for (int i = 0; i < reps; ++i) {
      auto h = hand_loop(to, epochs, 42 + static_cast<uint64_t>(i));
      auto l = learner_fit(to, epochs, 42 + static_cast<uint64_t>(i));
      hand_s.push_back(h.seconds);
      learn_s.push_back(l.seconds);
      hand_m.push_back(h.metric);
      learn_m.push_back(l.metric);
      std::printf("  rep %d: hand loop %.3f s (%s %.4f) | Learner %.3f s (%s %.4f)\n", i, h.seconds,
                  to.is_classification() ? "accuracy" : "rmse", h.metric, l.seconds,
                  to.is_classification() ? "accuracy" : "rmse", l.metric);
      std::fflush(stdout);
    }
    const auto lt = bench::summarize(learn_s);
    bench::report(s.name + "_learner_vs_hand_loop", lt, bench::summarize(hand_s));
    auto stats = [](std::vector<double> v) {
      double mean = 0;
      for (double m : v) mean += m / static_cast<double>(v.size());
      return std::pair{mean, bench::summarize(v).median_s};
    };
    const auto [lmean, lmed] = stats(learn_m);
    const auto [hmean, hmed] = stats(hand_m);
    std::printf(
        "  %s: %.3f s/epoch vs fastai 2.7's %.2f s/epoch: %.1fx faster | %s mean %.4f median %.4f (hand loop %.4f / "
        "%.4f; fastai %.3f)\n",
        s.name.c_str(), lt.median_s / epochs, s.fastai_s_per_epoch, s.fastai_s_per_epoch / (lt.median_s / epochs),
        to.is_classification() ? "accuracy" : "rmse", lmean, lmed, hmean, hmed, s.fastai_metric);
  }
  return 0;
}
