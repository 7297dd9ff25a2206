// bench_text_learner: fastai.cpp's text learners against real fastai 2.7.18 in the same run, same
// sizes, data and thread count. Two parts:
// - The AWD-LSTM language model's training step (bench/fastai_text_learner.py): forward,
//   CrossEntropyLossFlat + RNNRegularizer's terms (alpha 2, beta 1), backward, Adam; a fixed 64 x 72
//   batch of ids, vocab 5300 (the calibration step). fastai.cpp runs it twice: in float32,
//   and under MixedPrecision's bf16 CPU autocast (fused_lstm's GEMMs and the decoder in bf16);
//   fastai runs its default (float32, ATen's LSTM).
// - --ulmfit: the whole ULMFiT recipe on FINE_FOODS per seed, examples/train_text (bf16) then
//   bench/fastai_ulmfit.py (fastai, fp32: its to_bf16 is CUDA-only) on the same tokens and the same
//   pretrain_lm weights: valid accuracy and LM perplexity per seed and their means, and the unfrozen
//   LM-fine-tuning and classifier epochs' seconds with their ratio.
// Run: build/bench/bench_text_learner [--threads 2] [--reps 3] [--configs 200,400,2:400,1152,3]
//      [--skip-fastai]
//      build/bench/bench_text_learner --ulmfit [--seeds 1,2,3] [--lm-epochs 2] [--threads 2] [--skip-fastai]
//      FASTAI_PROFILE=trace.json also records fastai.cpp's last step as a Chrome trace.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <torch/csrc/autograd/profiler_legacy.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <optional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench_config.h"
#include "fastai/core/runtime.h"
#include "fastai/core/threads.h"
#include "fastai/losses.h"
#include "fastai/optimizer.h"
#include "fastai/text/all.h"
#include "fastai/text/models/fused_lstm.h"
#include "harness.h"

using namespace fastai;
namespace fs = std::filesystem;

namespace {

struct Config {
  int64_t emb, nhid, layers;
  std::string name() const {
    return std::to_string(emb) + "_" + std::to_string(nhid) + "_" + std::to_string(layers);
  }
  std::string arg() const {
    return std::to_string(emb) + "," + std::to_string(nhid) + "," + std::to_string(layers);
  }
};

struct StepTimes {
  double step = 0, forward = 0, backward = 0, opt = 0;
};

StepTimes median(std::vector<StepTimes> v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.step < b.step; });
  return v[v.size() / 2];
}

StepTimes ours(const Config& c, int reps, bool bf16) {
  at::manual_seed(0);
  const int64_t V = 5300;
  auto m = get_language_model(V, {.emb_sz = c.emb, .n_hid = c.nhid, .n_layers = c.layers});
  m->train();
  auto opt = Adam(m->parameters(), {.lr = 1e-3});
  const at::Tensor x = at::randint(2, V, {64, 72}), y = at::randint(2, V, {64, 72});
  auto lf = CrossEntropyLossFlat();
  // What MixedPrecision(AmpMode::bf16) switches on around the forward pass.
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  std::vector<StepTimes> ts;
  using clk = std::chrono::steady_clock;
  auto s = [](clk::time_point a, clk::time_point b) { return std::chrono::duration<double>(b - a).count(); };
  for (int i = 0; i <= reps; ++i) {
    std::unique_ptr<torch::autograd::profiler::RecordProfile> prof;
    if (i == reps && std::getenv("FASTAI_PROFILE"))
      prof = std::make_unique<torch::autograd::profiler::RecordProfile>(std::string(std::getenv("FASTAI_PROFILE")));
    const auto t0 = clk::now();
    at::autocast::set_cpu_enabled(bf16);
    at::Tensor out = m->forward(x);
    const at::Tensor raw = m->rnn_raw_out(), drop = m->rnn_out();
    at::Tensor loss = (*lf)(out, y) + 2 * drop.to(at::kFloat).pow(2).mean() +
                      (raw.slice(1, 1) - raw.slice(1, 0, -1)).to(at::kFloat).pow(2).mean();
    at::autocast::set_cpu_enabled(false);
    at::autocast::clear_cache();
    const auto t1 = clk::now();
    loss.backward();
    const auto t2 = clk::now();
    opt->step();
    opt->zero_grad();
    const auto t3 = clk::now();
    if (i) ts.push_back({s(t0, t3), s(t0, t1), s(t1, t2), s(t2, t3)});
  }
  return median(ts);
}

// "Where the time goes": the model's LSTM layers alone, forward + backward on [64, 72, n_in]
// inputs of their sizes (the rest of a step is the embedding, dropouts, decoder, loss and Adam).
double lstm_layers_s(const Config& c, int reps, bool bf16, bool aten) {
  std::vector<double> ts;
  for (int i = 0; i <= reps; ++i) {
    double total = 0;
    for (int64_t l = 0; l < c.layers; ++l) {
      const int64_t in = l == 0 ? c.emb : c.nhid, h = l == c.layers - 1 ? c.emb : c.nhid;
      auto p = [](std::vector<int64_t> sz) { return at::randn(sz).mul_(0.1).requires_grad_(); };
      const at::Tensor x = p({64, 72, in}), w_ih = p({4 * h, in}), w_hh = p({4 * h, h}), b_ih = p({4 * h}),
                       b_hh = p({4 * h}), z = at::zeros({1, 64, h});
      total += bench::seconds_of([&] {
        at::Tensor y;
        if (aten)
          y = std::get<0>(at::lstm(x, {z, z}, {w_ih, w_hh, b_ih, b_hh}, true, 1, 0.0, true, false, true));
        else
          y = std::get<0>(fused_lstm(x, z, z, w_ih, w_hh, b_ih, b_hh, false, bf16 ? at::kBFloat16 : at::kFloat));
        y.sum().backward();
      });
    }
    if (i) ts.push_back(total);
  }
  return bench::summarize(ts).median_s;
}

fs::path fastai_src() { return fs::path(FASTAI_BENCH_DIR) / "../../shared/fastai-src"; }

// fastai's step, or nothing when ../shared/fastai-src is absent.
std::optional<StepTimes> theirs(const Config& c, int threads, int reps) {
  if (!fs::exists(fastai_src() / "env.sh")) return std::nullopt;
  const std::string cmd = "bash -c '. " + fastai_src().string() + "/env.sh && $PY " + FASTAI_BENCH_DIR +
                          "/fastai_text_learner.py step " + std::to_string(threads) + " " + c.arg() + " " +
                          std::to_string(reps) + " 2>/tmp/bench_text_learner_fastai.err'";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) return std::nullopt;
  std::map<std::string, double> v;
  char line[512];
  while (fgets(line, sizeof line, pipe.get())) {
    std::istringstream in(line);
    std::string key;
    double x = 0;
    if (in >> key >> x) v[key] = x;
  }
  if (!v.count("STEP")) {
    std::fprintf(stderr, "fastai's step failed: see /tmp/bench_text_learner_fastai.err\n");
    return std::nullopt;
  }
  return StepTimes{v["STEP"], v["FORWARD"], v["BACKWARD"], v["OPT"]};
}

void print(const char* who, const StepTimes& t) {
  std::printf("  %-18s step %7.3f s (forward %.3f, backward %.3f, opt %.3f)\n", who, t.step, t.forward, t.backward,
              t.opt);
}


// ---------------------------------------------------------------- --ulmfit

// One seed's RESULT line (train_text and fastai_ulmfit.py print the same keys).
using Result = std::map<std::string, double>;

// The key=value pairs of the first "RESULT " line in `file` that has valid_accuracy. fastprogress
// ends its bars with '\r', not '\n', so the RESULT may follow them on the same line.
std::optional<Result> result_in(const fs::path& file) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    const auto at = line.rfind("RESULT ");
    if (at == std::string::npos || line.find("valid_accuracy=", at) == std::string::npos) continue;
    line.erase(0, at);
    Result r;
    std::istringstream words(line);
    for (std::string w; words >> w;)
      if (const auto eq = w.find('='); eq != std::string::npos) r[w.substr(0, eq)] = std::atof(w.c_str() + eq + 1);
    return r;
  }
  return std::nullopt;
}

// Runs `cmd` with its output in `log`; the RESULT line, or nothing (and a message naming the log).
std::optional<Result> run_recipe(const std::string& who, const std::string& cmd, const fs::path& log) {
  const int rc = std::system(("bash -c '" + cmd + "' >" + log.string() + " 2>&1").c_str());
  auto r = rc == 0 ? result_in(log) : std::nullopt;
  if (!r) std::fprintf(stderr, "%s failed (exit %d): see %s\n", who.c_str(), rc, log.c_str());
  return r;
}

double mean_of(const std::vector<Result>& rs, const std::string& key) {
  double sum = 0;
  for (const auto& r : rs) sum += r.at(key);
  return rs.empty() ? 0 : sum / static_cast<double>(rs.size());
}

int ulmfit(const std::vector<uint64_t>& seeds, int64_t lm_epochs, int threads, bool skip_fastai) {
  const fs::path bin = fs::path(FASTAI_EXAMPLES_BIN_DIR) / "train_text", work = fs::temp_directory_path();
  if (!fs::exists(bin)) {
    std::fprintf(stderr, "%s is missing: build the examples (cmake -DFASTAI_BUILD_EXAMPLES=ON)\n", bin.c_str());
    return 2;
  }
  const fs::path weights = pretrained_lm_dir();
  if (!fs::exists(weights / "lstm_fwd.pth")) {
    std::fprintf(stderr, "no pretrained weights in %s: run build/examples/pretrain_lm first\n", weights.c_str());
    return 2;
  }
  const std::string env = "OMP_NUM_THREADS=" + std::to_string(threads) + " ";
  const bool fastai = !skip_fastai && fs::exists(fastai_src() / "env.sh");
  const fs::path tokens = work / "bench_ulmfit_tokens.csv";
  if (fastai && std::system(("bash -c '" + env + bin.string() + " --dump-tokens " + tokens.string() + "' >" +
                             (work / "bench_ulmfit_tokens.log").string() + " 2>&1").c_str()) != 0) {
    std::fprintf(stderr, "train_text --dump-tokens failed: see %s\n", (work / "bench_ulmfit_tokens.log").c_str());
    return 1;
  }
  std::printf("ULMFiT on FINE_FOODS: LM fit_one_cycle(1) + %ld unfrozen epochs, classifier 1+1+1+2 epochs; "
              "weights %s; %d threads\n",
              lm_epochs, weights.c_str(), threads);
  std::vector<Result> cpp, ref;
  for (const uint64_t seed : seeds) {
    const std::string sd = std::to_string(seed);
    if (auto r = run_recipe("train_text", env + bin.string() + " --seed " + sd + " --lm-epochs " + std::to_string(lm_epochs),
                            work / ("bench_ulmfit_cpp_" + sd + ".log"))) {
      cpp.push_back(*r);
      std::printf("  fastai.cpp seed %-3s accuracy %.4f  LM perplexity %.2f  LM epoch %.1f s  classifier epoch %.1f s\n",
                  sd.c_str(), r->at("valid_accuracy"), r->at("lm_perplexity"), r->at("lm_epoch_s"), r->at("clas_epoch_s"));
      std::fflush(stdout);
    }
    if (!fastai) continue;
    if (auto r = run_recipe("fastai_ulmfit.py",
                            ". " + fastai_src().string() + "/env.sh && $PY " + FASTAI_BENCH_DIR + "/fastai_ulmfit.py " +
                                tokens.string() + " " + weights.string() + " " + sd + " " + std::to_string(lm_epochs) +
                                " " + std::to_string(threads),
                            work / ("bench_ulmfit_fastai_" + sd + ".log"))) {
      ref.push_back(*r);
      std::printf("  fastai     seed %-3s accuracy %.4f  LM perplexity %.2f  LM epoch %.1f s  classifier epoch %.1f s\n",
                  sd.c_str(), r->at("valid_accuracy"), r->at("lm_perplexity"), r->at("lm_epoch_s"), r->at("clas_epoch_s"));
      std::fflush(stdout);
    }
  }
  if (cpp.size() != seeds.size() || (fastai && ref.size() != seeds.size())) return 1;
  const double acc = mean_of(cpp, "valid_accuracy");
  std::printf("fastai.cpp mean over %zu seeds: accuracy %.4f, LM perplexity %.2f\n", cpp.size(), acc,
              mean_of(cpp, "lm_perplexity"));
  std::printf("RESULT ulmfit_accuracy_mean fastai_cpp=%.4f reaches_0.83=%d\n", acc, acc >= 0.83);
  if (!fastai) return 0;
  const double ref_acc = mean_of(ref, "valid_accuracy");
  std::printf("fastai     mean over %zu seeds: accuracy %.4f, LM perplexity %.2f\n", ref.size(), ref_acc,
              mean_of(ref, "lm_perplexity"));
  std::printf("RESULT ulmfit_accuracy_mean_vs_fastai fastai_cpp=%.4f fastai=%.4f difference=%+.4f\n", acc, ref_acc,
              acc - ref_acc);
  for (const char* key : {"lm_epoch_s", "clas_epoch_s"}) {
    std::vector<double> c, r;
    for (const auto& x : cpp) c.push_back(x.at(key));
    for (const auto& x : ref) r.push_back(x.at(key));
    bench::report(std::string("ulmfit_") + key, bench::summarize(c), bench::summarize(r));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, reps = 3;
  bool skip_fastai = false, run_ulmfit = false;
  std::vector<uint64_t> seeds{1, 2, 3};
  int64_t lm_epochs = 2;
  std::vector<Config> configs{{200, 400, 2}, {400, 1152, 3}};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::stoi(argv[++i]);
    else if (a == "--reps" && i + 1 < argc) reps = std::stoi(argv[++i]);
    else if (a == "--skip-fastai") skip_fastai = true;
    else if (a == "--ulmfit") run_ulmfit = true;
    else if (a == "--lm-epochs" && i + 1 < argc) lm_epochs = std::stoll(argv[++i]);
    else if (a == "--seeds" && i + 1 < argc) {
      seeds.clear();
      std::istringstream in(argv[++i]);
      for (std::string one; std::getline(in, one, ',');) seeds.push_back(std::stoull(one));
    }
    else if (a == "--configs" && i + 1 < argc) {
      configs.clear();
      std::istringstream in(argv[++i]);
      for (std::string one; std::getline(in, one, ':');) {
        Config c{};
        if (std::sscanf(one.c_str(), "%ld,%ld,%ld", &c.emb, &c.nhid, &c.layers) != 3) {
          std::fprintf(stderr, "--configs: expected emb,n_hid,layers[:…], got '%s'\n", one.c_str());
          return 2;
        }
        configs.push_back(c);
      }
    } else {
      std::fprintf(stderr,
                   "usage: %s [--threads N] [--reps N] [--configs e,h,l:…] [--skip-fastai]\n"
                   "       %s --ulmfit [--seeds 1,2,3] [--lm-epochs 2] [--threads N] [--skip-fastai]\n",
                   argv[0], argv[0]);
      return 2;
    }
  }
  if (run_ulmfit) return ulmfit(seeds, lm_epochs, threads, skip_fastai);
  init_runtime();  // the malloc policy and the caching CPU allocator, as the Learner applies them
  set_num_threads(threads);
  for (const auto& c : configs) {
    std::printf("AWD-LSTM LM step, emb %ld, n_hid %ld, %ld layers, bs 64 x 72, vocab 5300, %d threads:\n", c.emb,
                c.nhid, c.layers, threads);
    const StepTimes f32 = ours(c, reps, false), b16 = ours(c, reps, true);
    print("fastai.cpp fp32", f32);
    print("fastai.cpp bf16", b16);
    const double l32 = lstm_layers_s(c, reps, false, false), l16 = lstm_layers_s(c, reps, true, false),
                 laten = lstm_layers_s(c, reps, false, true);
    std::printf("  where the time goes: LSTM layers fwd+bwd: fused fp32 %.3f s (rest of the step %.3f), fused bf16 "
                "%.3f s (rest %.3f); ATen's at::lstm (what fastai runs) %.3f s\n",
                l32, f32.step - l32, l16, b16.step - l16, laten);
    const auto ref = skip_fastai ? std::nullopt : theirs(c, threads, reps);
    if (!ref) continue;
    print("fastai (fp32)", *ref);
    bench::report("text_lm_step_" + c.name() + "_fp32", {f32.step, f32.step}, {ref->step, ref->step});
    bench::report("text_lm_step_" + c.name() + "_bf16", {b16.step, b16.step}, {ref->step, ref->step});
  }
}
