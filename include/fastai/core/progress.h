#pragma once
/// A console progress bar with speed and ETA (the role of fastprogress's progress_bar). The
/// ProgressCallback's bars and every long loop in the library use it.
///
/// Thread-safety: A ProgressBar belongs to one thread (it keeps its position and timing); use one per loop.
#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>

namespace fastai {

/// Options for ProgressBar. `interactive`: redraw in place with '\r' (default: when stderr is
/// a terminal); otherwise only the finished bar is printed, so logs stay readable.
struct ProgressBarOptions {
  std::string label;              ///< printed before the bar, e.g. "epoch 1"
  std::string unit = "it";        ///< unit of the speed, e.g. "batch", "img"
  std::ostream* out = nullptr;    ///< nullptr means std::cerr
  int width = 30;                 ///< characters of the bar itself
  int interactive = -1;           ///< -1 auto, 0 no, 1 yes
  double min_interval_s = 0.1;    ///< redraw at most this often
  bool leave = true;              ///< false: the finished bar is erased (not printed), like fastprogress' leave=False
  std::function<double()> clock;  ///< seconds; defaults to a steady clock (tests inject one)
};

/// Progress over `total` steps. Call `update(done)` as work completes; the bar finishes (one
/// final line with the total time and speed) when done reaches total or when it is destroyed.
///
/// Example:
///   fastai::ProgressBar pb(n_batches, {.label = "train", .unit = "batch"});
///   for (int64_t i = 0; i < n_batches; ++i) { step(); pb.update(i + 1); }
///   // train |██████████████████████████████| 100.0% 469/469 [00:07<00:00, 64.2 batch/s]
class ProgressBar {
 public:
  explicit ProgressBar(int64_t total, ProgressBarOptions options = {});
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  /// Records that `done` of `total` steps are complete and redraws when due.
  void update(int64_t done);
  /// Text shown after the bar, e.g. the smoothed loss.
  void set_comment(std::string comment);
  /// Prints the final line now (idempotent).
  void finish();

  /// The line for `done` steps after `elapsed_s` seconds (no '\r' or newline). Pure.
  std::string render(int64_t done, double elapsed_s) const;
  /// mm:ss, or h:mm:ss past an hour, as fastprogress formats times.
  static std::string format_time(double seconds);

 private:
  double now() const;
  void draw(bool final);

  int64_t total_;
  int64_t done_ = 0;
  ProgressBarOptions opt_;
  std::string comment_;
  double start_;
  double last_draw_ = -1e300;
  bool interactive_;
  bool finished_ = false;
};

}  // namespace fastai
