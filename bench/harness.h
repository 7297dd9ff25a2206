#pragma once
/// Benchmark harness: times a candidate and a reference in the same run and prints the ratio.
///
/// Runs are interleaved (candidate, reference, candidate, …) so that drift in machine load
/// hits both sides alike; the median of the repetitions is reported.
///
/// Example:
///   fastai::bench::Comparison c = fastai::bench::compare("matmul",
///       [&] { a.mm(b); }, [&] { ref(a, b); }, {.reps = 7});
///   // prints: matmul: candidate 12.1 ms | reference 11.8 ms | ratio 1.025 (candidate/reference)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace fastai::bench {

/// How many times to run each side. `warmup` runs are discarded.
struct Options {
  int warmup = 1;
  int reps = 5;
};

/// Median and minimum wall time, in seconds, of the timed repetitions.
struct Timing {
  double median_s = 0;
  double min_s = 0;
};

/// Result of `compare`: both timings and `ratio` = candidate median / reference median.
struct Comparison {
  Timing candidate;
  Timing reference;
  double ratio = 0;
};

inline double seconds_of(const std::function<void()>& fn) {
  auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

inline Timing summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  Timing t;
  t.min_s = v.front();
  t.median_s = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
  return t;
}

/// Times `fn` alone. Example: `auto t = time_it([&]{ step(); }, {.reps = 10});`
inline Timing time_it(const std::function<void()>& fn, Options opt = {}) {
  for (int i = 0; i < opt.warmup; ++i) fn();
  std::vector<double> v;
  for (int i = 0; i < opt.reps; ++i) v.push_back(seconds_of(fn));
  return summarize(v);
}

/// Reports a ratio against a reference timed outside this process (e.g. Python PyTorch run
/// by the same benchmark just before), in the same format as `compare`.
inline Comparison report(const std::string& name, Timing candidate, Timing reference) {
  Comparison out{candidate, reference, candidate.median_s / reference.median_s};
  std::printf("%s: candidate %.4g s | reference %.4g s | ratio %.3f (candidate/reference, lower is faster)\n",
              name.c_str(), candidate.median_s, reference.median_s, out.ratio);
  std::printf("RESULT %s candidate_s=%.6g reference_s=%.6g ratio=%.4f\n", name.c_str(), candidate.median_s,
              reference.median_s, out.ratio);
  std::fflush(stdout);
  return out;
}

/// Times candidate and reference interleaved, prints one human line and one machine line
/// (`RESULT name candidate_s=… reference_s=… ratio=…`), returns the numbers.
inline Comparison compare(const std::string& name, const std::function<void()>& candidate,
                          const std::function<void()>& reference, Options opt = {}) {
  for (int i = 0; i < opt.warmup; ++i) {
    candidate();
    reference();
  }
  std::vector<double> c, r;
  for (int i = 0; i < opt.reps; ++i) {
    c.push_back(seconds_of(candidate));
    r.push_back(seconds_of(reference));
  }
  return report(name, summarize(c), summarize(r));
}

}  // namespace fastai::bench
