// Accuracy distributions beside real fastai (issue 16): each application's recipe over several
// seeds on real data sets, in fastai.cpp and in fastai 2.7.18 itself (bench/fastai_parity.py,
// run by this benchmark when ../shared/fastai-src is there), with the same split
// (RandomSplitter(0.2, seed 42)) and thread count. The seed sets the initialisation and the
// shuffling only. Prints mean ± std of the metric for both, the time per epoch for both, and
// whether fastai.cpp's mean is within one standard error of fastai's (or better); tabular sets
// also check that cont_cat_split chose the same columns as fastai.
//
// Usage: bench_parity [seeds=5] [sets=credit_data,wa_churn,diamonds,penguins,scat,movielens,fashion_mnist]
//        [permute]
// `permute`: fastai.cpp's training loaders shuffle a permutation per epoch instead of drawing
// rows with replacement as fastai 2.7's TabWeightedDL (TabDataLoadersOptions::resample, default).
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fastai_runner.h"
#include "fastai/collab.h"
#include "fastai/core/runtime.h"
#include "fastai/data/external.h"
#include "fastai/layers.h"
#include "fastai/losses.h"
#include "fastai/metrics.h"
#include "fastai/tabular/all.h"
#include "harness.h"

using namespace fastai;
namespace fs = std::filesystem;

namespace {

bool resample = true;

/// One data set and its recipe. `cat`/`cont` empty: cont_cat_split(df, 20, y), as fastai.
struct Case {
  std::string name, dataset, file, task, y;
  std::vector<std::string> cat, cont;
  bool log_y = false;
  int epochs = 3;
  double lr = 1e-2;
  std::optional<double> wd;
  bool higher_is_better = true;
  std::string metric = "accuracy";
};

struct Runs {
  std::vector<double> metric, s_per_epoch;
  std::string split;     ///< "cat=…" "cont=…" as fastai_parity.py prints it
  nlohmann::json procs;  ///< what the procs learned and made (fastai_parity.py's PROCS line)
};

/// The PROCS summary of processed data: cat/cont names, vocabularies, fill values, statistics
/// and column sums of the training rows.
nlohmann::json procs_summary(const TabularPandas& to) {
  nlohmann::json j;
  j["cat_names"] = to.cat_names();
  j["cont_names"] = to.cont_names();
  for (const auto& c : to.cat_names()) j["classes"][c] = to.classes().at(c).items();
  j["na_dict"] = nlohmann::json::object();
  if (auto fm = std::dynamic_pointer_cast<FillMissing>(to.proc("FillMissing"))) j["na_dict"] = fm->na_dict();
  if (auto n = std::dynamic_pointer_cast<TabularNormalize>(to.proc("Normalize"))) {
    j["means"] = n->means();
    j["stds"] = n->stds();
  }
  const auto t = to.train();
  const auto cat_sums = t.cats().sum(0).contiguous();  // one tensor: begin and end must point into it
  j["cat_sums"] = std::vector<int64_t>(cat_sums.data_ptr<int64_t>(), cat_sums.data_ptr<int64_t>() + cat_sums.numel());
  auto cs = t.conts().to(torch::kDouble).abs().sum(0).contiguous();
  j["cont_abs_sums"] = std::vector<double>(cs.data_ptr<double>(), cs.data_ptr<double>() + cs.numel());
  j["y_sum"] = t.ys().to(torch::kDouble).sum().item<double>();
  return j;
}

/// "" when both summaries agree (numbers to 1e-5 relative), else what differs.
std::string compare_procs(const nlohmann::json& a, const nlohmann::json& b, const std::string& path = "") {
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    return std::abs(x - y) <= 1e-5 * std::max(std::abs(y), 1.0) ? "" : " " + path + ": " + a.dump() + " vs " + b.dump();
  }
  if (a.type() != b.type() || a.size() != b.size())
    return " " + path + ": " + a.dump().substr(0, 200) + " vs " + b.dump().substr(0, 200);
  std::string out;
  if (a.is_object()) {
    for (const auto& [k, v] : b.items())
      out += a.contains(k) ? compare_procs(a.at(k), v, path + "." + k) : " " + path + "." + k + " missing";
  } else if (a.is_array()) {
    for (size_t i = 0; i < a.size() && out.size() < 400; ++i)
      out += compare_procs(a[i], b[i], path + "[" + std::to_string(i) + "]");
  } else if (a != b) {
    out = " " + path + ": " + a.dump() + " vs " + b.dump();
  }
  return out;
}

double mean(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m += x / static_cast<double>(v.size());
  return m;
}
double stdev(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}
std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

Table load(const Case& c) {
  Table df = read_csv(untar_data(c.dataset) / c.file);
  if (c.log_y) {
    for (double& v : df[c.y].num) v = std::log(v);
    df[c.y].type = ColType::Float;
  }
  return df;
}

Runs ours_tabular(const Case& c, const Table& df, int seeds) {
  auto cat = c.cat, cont = c.cont;
  if (cat.empty() && cont.empty()) std::tie(cont, cat) = cont_cat_split(df, 20, c.y);
  const auto splits = RandomSplitter(0.2, 42)(range_of(df.n_rows()));
  TabularPandas to(df, {.procs = {Categorify(), FillMissing(), Normalize()},
                        .cat_names = cat,
                        .cont_names = cont,
                        .y_names = {c.y},
                        .splits = splits});
  Runs r;
  r.split = "cat=" + join(cat) + " cont=" + join(cont);
  r.procs = procs_summary(to);
  for (int s = 0; s < seeds; ++s) {
    auto dls = tabular_dataloaders(to, {.bs = 64, .seed = static_cast<uint64_t>(s), .resample = resample});
    torch::manual_seed(static_cast<uint64_t>(s));
    auto learn = tabular_learner(
        dls, {.cbs = {TrainEvalCallback(), Recorder(), TerminateOnNaNCallback()},  // the defaults but the bars
              .metrics = to.is_classification() ? std::vector<MetricSpec>{accuracy} : std::vector<MetricSpec>{rmse()},
              .default_cbs = false});
    learn.logger = nullptr;
    const double t = bench::seconds_of([&] { learn.fit_one_cycle(c.epochs, c.lr, {.wd = c.wd}); });
    r.metric.push_back(learn.recorder->values.back().at(2));
    r.s_per_epoch.push_back(t / c.epochs);
  }
  return r;
}

Runs ours_collab(const Case& c, const Table& df, int seeds) {
  // CollabDataLoaders::from_df's data, with the split seed (42) apart from the shuffling seed.
  const TabularPandas to =
      TabularCollab(df, "userId", "movieId", "rating", RandomSplitter(0.2, 42)(range_of(df.n_rows())));
  Runs r;
  for (int s = 0; s < seeds; ++s) {
    auto dls = tabular_dataloaders(to, {.bs = 64, .seed = static_cast<uint64_t>(s), .resample = resample});
    torch::manual_seed(static_cast<uint64_t>(s));
    auto learn = collab_learner(dls, {.n_factors = 50,
                                      .y_range = std::pair{0.0, 5.5},
                                      .cbs = {TrainEvalCallback(), Recorder(), TerminateOnNaNCallback()},
                                      .default_cbs = false});
    learn.logger = nullptr;
    const double t = bench::seconds_of([&] { learn.fit_one_cycle(c.epochs, c.lr, {.wd = c.wd}); });
    r.metric.push_back(learn.recorder->values.back().at(1));
    r.s_per_epoch.push_back(t / c.epochs);
  }
  return r;
}

/// Fashion-MNIST as bench_accuracy loads it: images / 255, bs 128, fastai's simple CNN,
/// fit_one_cycle(epochs, lr); accuracy on the 10,000 test images.
Runs ours_vision(const Case& c, int seeds) {
  const auto dir = fashion_mnist_dir();
  const auto train = load_mnist_idx(dir, "train"), test = load_mnist_idx(dir, "test");
  auto prep = [](const at::Tensor& images) { return (images.to(torch::kFloat32) / 255.0).unsqueeze(1).contiguous(); };
  const auto x = prep(train.images), xv = prep(test.images);
  Runs r;
  for (int s = 0; s < seeds; ++s) {
    auto dls =
        DataLoaders::from_tensors(x, train.labels, xv, test.labels, {.bs = 128, .seed = static_cast<uint64_t>(s)});
    torch::manual_seed(static_cast<uint64_t>(s));
    Learner learn(dls, simple_cnn(),
                  {.loss_func = CrossEntropyLossFlat(),
                   .cbs = {TrainEvalCallback(), Recorder(), TerminateOnNaNCallback()},
                   .metrics = {accuracy},
                   .default_cbs = false});
    learn.logger = nullptr;
    const double t = bench::seconds_of([&] { learn.fit_one_cycle(c.epochs, c.lr); });
    r.metric.push_back(learn.recorder->values.back().at(2));
    r.s_per_epoch.push_back(t / c.epochs);
  }
  return r;
}

/// fastai's runs, from bench/fastai_parity.py; empty when fastai is not beside the project.
Runs theirs(const Case& c, const fs::path& csv, int seeds, int threads) {
  Runs r;
  std::ostringstream cmd;
  cmd << c.task << " " << csv.string();
  if (c.task == "tabular") {
    cmd << " " << c.y;
    if (!c.cat.empty()) cmd << " --cat";
    for (const auto& x : c.cat) cmd << " " << x;
    if (!c.cont.empty()) cmd << " --cont";
    for (const auto& x : c.cont) cmd << " " << x;
    if (c.log_y) cmd << " --log-y";
  }
  cmd << " --epochs " << c.epochs << " --lr " << c.lr << (c.wd ? " --wd " + std::to_string(*c.wd) : "") << " --threads "
      << threads << " --seeds";
  for (int s = 0; s < seeds; ++s) cmd << " " << s;
  for (const std::string& l : bench::run_fastai_script("fastai_parity.py", cmd.str())) {
    const char* line = l.c_str();
    if (l.rfind("SPLIT ", 0) == 0) r.split = l.substr(6, l.find_last_not_of("\n") - 5);
    if (l.rfind("PROCS ", 0) == 0) r.procs = nlohmann::json::parse(l.substr(6));
    double m, t;
    int seed;
    if (std::sscanf(line, "SEED %d metric=%lf s_per_epoch=%lf", &seed, &m, &t) == 3) {
      r.metric.push_back(m);
      r.s_per_epoch.push_back(t);
    }
  }
  return r;
}

/// Prints one data set's line (and its RESULT line): both distributions, both speeds, the verdict.
void report(const Case& c, const Runs& a, const Runs& b) {
  std::string verdict =
      "fastai did not run (needs ../shared/fastai-src and the Python packages scripts/setup.sh installs)";
  double z = 0;
  if (!b.metric.empty()) {
    const double se = stdev(b.metric) / std::sqrt(static_cast<double>(b.metric.size()));
    const double diff = mean(a.metric) - mean(b.metric);
    z = se > 0 ? diff / se : 0;
    const bool better = c.higher_is_better ? diff >= 0 : diff <= 0;
    verdict = better ? "better" : std::abs(z) <= 1 ? "within 1 SE" : "WORSE";
    if (c.task == "tabular" && !b.split.empty() && b.split != a.split)
      verdict += "; cont_cat_split differs: ours " + a.split + " | fastai " + b.split;
    if (c.task == "tabular" && !b.procs.is_null()) {
      const auto d = compare_procs(a.procs, b.procs);
      verdict += d.empty() ? "; procs equal" : "; PROCS DIFFER:" + d;
    }
  }
  std::printf("%-12s %-9s %.4f ± %.4f (%zu)   %.4f ± %.4f (%zu)   %+6.2f   %-10.3f %-10.3f %s\n", c.name.c_str(),
              c.metric.c_str(), mean(a.metric), stdev(a.metric), a.metric.size(), mean(b.metric), stdev(b.metric),
              b.metric.size(), z, bench::summarize(a.s_per_epoch).median_s,
              b.s_per_epoch.empty() ? 0.0 : bench::summarize(b.s_per_epoch).median_s, verdict.c_str());
  std::printf(
      "RESULT parity_%s cpp_mean=%.6f fastai_mean=%.6f z=%.3f cpp_s_per_epoch=%.4f fastai_s_per_epoch=%.4f "
      "ratio=%.4f\n",
      c.name.c_str(), mean(a.metric), mean(b.metric), z, bench::summarize(a.s_per_epoch).median_s,
      b.s_per_epoch.empty() ? 0.0 : bench::summarize(b.s_per_epoch).median_s,
      b.s_per_epoch.empty() ? 0.0
                            : bench::summarize(a.s_per_epoch).median_s / bench::summarize(b.s_per_epoch).median_s);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const int seeds = argc > 1 ? std::atoi(argv[1]) : 5;
  const std::string which = argc > 2 ? argv[2] : "credit_data,wa_churn,diamonds,penguins,scat,movielens,fashion_mnist";
  resample = !(argc > 3 && std::string(argv[3]) == "permute");
  const int threads = init_runtime();
  const std::vector<Case> cases = {
      {.name = "credit_data",
       .dataset = URLs::CREDIT_DATA,
       .file = "credit_data.csv",
       .task = "tabular",
       .y = "Status",
       .cat = {"Home", "Marital", "Records", "Job"},
       .cont = {"Seniority", "Time", "Age", "Expenses", "Income", "Assets", "Debt", "Amount", "Price"}},
      {.name = "wa_churn", .dataset = URLs::WA_CHURN, .file = "wa_churn.csv", .task = "tabular", .y = "churn"},
      {.name = "diamonds",
       .dataset = URLs::DIAMONDS,
       .file = "diamonds.csv",
       .task = "tabular",
       .y = "price",
       .cat = {"cut", "color", "clarity"},
       .cont = {"carat", "depth", "table", "x", "y", "z"},
       .log_y = true,
       .higher_is_better = false,
       .metric = "rmse"},
      {.name = "penguins",
       .dataset = URLs::PENGUINS,
       .file = "penguins.csv",
       .task = "tabular",
       .y = "island",
       .epochs = 5},
      {.name = "scat", .dataset = URLs::SCAT, .file = "scat.csv", .task = "tabular", .y = "Species", .epochs = 5},
      {.name = "fashion_mnist", .task = "vision", .epochs = 1},
      {.name = "movielens",
       .dataset = URLs::ML_LATEST_SMALL,
       .file = "ratings.csv",
       .task = "collab",
       .epochs = 5,
       .lr = 5e-3,
       .wd = 0.1,
       .higher_is_better = false,
       .metric = "valid mse"},
  };
  std::printf("parity: %d seeds, %d threads; fastai.cpp (%s) vs fastai 2.7.18 (bench/fastai_parity.py)\n", seeds,
              threads, resample ? "training rows drawn with replacement, as fastai" : "a permutation per epoch");
  std::printf("%-12s %-9s %-22s %-22s %-8s %-10s %-10s %s\n", "data set", "metric", "fastai.cpp mean±std",
              "fastai mean±std", "Δ/SE", "cpp s/ep", "fastai s/ep", "verdict");
  for (const auto& c : cases) {
    if (which.find(c.name) == std::string::npos) continue;
    if (c.task == "vision") {
      report(c, ours_vision(c, seeds), theirs(c, fashion_mnist_dir(), seeds, threads));
      continue;
    }
    const fs::path csv = untar_data(c.dataset) / c.file;
    const Table df = load(c);
    const Runs a = c.task == "collab" ? ours_collab(c, df, seeds) : ours_tabular(c, df, seeds);
    report(c, a, theirs(c, csv, seeds, threads));
  }
  return 0;
}
