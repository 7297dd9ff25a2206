// The thread policy on a shared machine (issue 17): bench_learner, bench_tabular, bench_collab
// and bench_vision, each run idle and beside one CPU-bound neighbour process (a spin loop this
// bench starts and kills, bounded by alarm()), under the old policy (FASTAI_THREAD_POLICY=fixed:
// the intra-op count stays at the core count) and the new default (adaptive), all in one run.
// Each bench is a subprocess with a time limit; its fastai.cpp figure is the candidate_s of its
// first RESULT line (the Learner's fit, or for bench_vision the PNG-folder epoch).
//
// RESULT lines, per bench:
//   contention_<bench>_idle_adaptive_vs_fixed   idle speed kept (goal ratio ≤ 1.05)
//   contention_<bench>_busy_vs_idle_adaptive    slowdown beside a neighbour (goal ≤ 2.5)
//   contention_<bench>_busy_vs_idle_fixed       the same under the old policy (a run that hit
//                                               the time limit counts as the limit: a lower bound)
//
// Usage: bench_contention [limit_s=150] [benches=learner,tabular,collab,vision]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace {

struct Bench {
  std::string name, args, result;
};

struct Run {
  double seconds = 0;
  bool timed_out = false;
};

// Runs `cmd` through the shell, returns the candidate_s of RESULT line `result`.
std::optional<Run> run_bench(const std::string& cmd, const std::string& result, int limit_s) {
  const std::string full = "timeout " + std::to_string(limit_s) + " " + cmd + " 2>&1";
  std::FILE* p = ::popen(full.c_str(), "r");
  if (!p) return std::nullopt;
  std::optional<Run> found;
  char line[4096];
  const std::string key = "RESULT " + result + " candidate_s=";
  while (std::fgets(line, sizeof line, p)) {
    const std::string s(line);
    if (!found && s.rfind(key, 0) == 0) found = Run{std::atof(s.c_str() + key.size()), false};
  }
  const int status = ::pclose(p);
  if (!found && WIFEXITED(status) && WEXITSTATUS(status) == 124) return Run{static_cast<double>(limit_s), true};
  return found;
}

// A CPU-bound neighbour: a child process spinning until killed (alarm() ends it if this bench dies).
class Neighbour {
 public:
  explicit Neighbour(int limit_s) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::alarm(static_cast<unsigned>(limit_s + 30));
      volatile unsigned long x = 0;
      for (;;) x = x + 1;
    }
    ::usleep(200000);  // let the scheduler see it before the bench starts
  }
  ~Neighbour() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Neighbour(const Neighbour&) = delete;
  Neighbour& operator=(const Neighbour&) = delete;

 private:
  pid_t pid_ = -1;
};

void report(const std::string& name, const Run& candidate, const Run& reference) {
  const double ratio = candidate.seconds / reference.seconds;
  std::printf("%s: candidate %.4g s%s | reference %.4g s%s | ratio %.3f\n", name.c_str(), candidate.seconds,
              candidate.timed_out ? " (time limit)" : "", reference.seconds, reference.timed_out ? " (time limit)" : "",
              ratio);
  std::printf("RESULT %s candidate_s=%.6g reference_s=%.6g ratio=%.4f\n", name.c_str(), candidate.seconds,
              reference.seconds, ratio);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const int limit_s = argc > 1 ? std::atoi(argv[1]) : 150;
  const std::string which = argc > 2 ? argv[2] : "learner,tabular,collab,vision";
  const auto dir = std::filesystem::absolute(argv[0]).parent_path();
  const std::vector<Bench> benches = {
      {"learner", "1 1", "learner_fit_vs_hand_loop"},
      {"tabular", "1 credit_data", "credit_data_learner_vs_hand_loop"},
      {"collab", "1", "movielens_small_collab_learner_vs_hand_loop"},
      {"vision", "1 50", "epoch_png_folders_vs_in_memory"},
  };
  std::printf("bench_contention: %ld cores, time limit %d s per run; neighbour = one spinning process\n",
              ::sysconf(_SC_NPROCESSORS_ONLN), limit_s);
  for (const auto& b : benches) {
    if (which.find(b.name) == std::string::npos) continue;
    const std::string bin = (dir / ("bench_" + b.name)).string();
    if (!std::filesystem::exists(bin)) {
      std::printf("%s: not built (%s)\n", b.name.c_str(), bin.c_str());
      continue;
    }
    Run r[2][2];  // [adaptive][busy]
    bool ok = true;
    for (int busy = 0; busy < 2 && ok; ++busy)
      for (int adaptive = 0; adaptive < 2 && ok; ++adaptive) {
        std::optional<Neighbour> n;
        if (busy) n.emplace(limit_s);
        const std::string cmd =
            std::string("env FASTAI_THREAD_POLICY=") + (adaptive ? "adaptive" : "fixed") + " " + bin + " " + b.args;
        auto got = run_bench(cmd, b.result, limit_s);
        if (!got) {
          std::printf("%s: no RESULT %s from `%s`\n", b.name.c_str(), b.result.c_str(), cmd.c_str());
          ok = false;
          break;
        }
        r[adaptive][busy] = *got;
        std::printf("  %s, %s, %s: %.3f s%s\n", b.name.c_str(), busy ? "busy" : "idle", adaptive ? "adaptive" : "fixed",
                    got->seconds, got->timed_out ? " (time limit)" : "");
      }
    if (!ok) continue;
    report("contention_" + b.name + "_idle_adaptive_vs_fixed", r[1][0], r[0][0]);
    report("contention_" + b.name + "_busy_vs_idle_adaptive", r[1][1], r[1][0]);
    report("contention_" + b.name + "_busy_vs_idle_fixed", r[0][1], r[0][0]);
  }
  return 0;
}
