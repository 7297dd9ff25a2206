#pragma once
/// fastai.callback.progress: progress bars over every training and validation loop and the
/// epoch table (ProgressCallback), the table as a CSV file (CSVLogger).
///
/// Thread-safety: Callbacks: they run inside their learner's passes, one at a time (learner.h). Bars and
/// the table write to their streams from the thread running the pass.
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "fastai/callback/core.h"
#include "fastai/core/progress.h"

namespace fastai {

/// Keyword arguments of ProgressCallback. Example: `ProgressCallback({.table = &log})`
struct ProgressOptions {
  std::ostream* table = nullptr;  ///< where the epoch table goes (nullptr: std::cout)
  std::ostream* bars = nullptr;   ///< where the progress bars go (nullptr: std::cerr, redrawn in place on a terminal)
  bool show_bars = true;
};

/// A progress bar (items/s and ETA) over each training and validation pass, with the smoothed
/// loss as its comment, and fastai's epoch table:
///   epoch     train_loss  valid_loss  accuracy  time
///   0         0.398542    0.368219    0.869000  00:08
/// (order 60; a default callback).
/// Example: `Learner learn(dls, model, {.cbs = {ProgressCallback({.show_bars =
/// false})}, .default_cbs = false});`
class ProgressCallback : public Callback {
 public:
  explicit ProgressCallback(ProgressOptions options = {});
  std::string name() const override { return "ProgressCallback"; }
  void before_fit() override;
  void before_train() override { launch("train"); }
  void before_validate() override { launch("valid"); }
  void after_batch() override;
  void after_train() override { pbar_.reset(); }
  void after_validate() override { pbar_.reset(); }
  void after_fit() override;

  /// Formats one table row as fastprogress does (names padded to 8, values to their column).
  /// Example: `ProgressCallback::format_row({"0", "0.5"}, {"epoch", "train_loss"})`
  static std::string format_row(const std::vector<std::string>& cells, const std::vector<std::string>& names);

 private:
  void launch(const char* label);
  void write(const std::vector<LogValue>& row);
  ProgressOptions opt_;
  std::unique_ptr<ProgressBar> pbar_;
  std::vector<std::string> names_;
};

/// Writes the epoch table to `<learn.path>/<fname>` as CSV, rewritten atomically after every
/// epoch so an interrupted run keeps every finished row (fastai's CSVLogger; order 60).
/// Example: `learn.fit(3, 1e-3, {.cbs = {CSVLogger("history.csv")}});`
class CSVLogger : public Callback {
 public:
  explicit CSVLogger(std::filesystem::path fname = "history.csv", bool append = false);
  std::string name() const override { return "CSVLogger"; }
  void before_fit() override;
  void after_fit() override;
  /// The file written. Example: `auto rows = read_csv(cb->file());`
  std::filesystem::path file() const;

 private:
  std::filesystem::path fname_;
  bool append_;
  std::string content_;
  bool active_ = false;
};

}  // namespace fastai
