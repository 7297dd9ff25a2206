#include "fastai/callback/progress.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "fastai/callback/recorder.h"
#include "fastai/core/atomic_file.h"
#include "fastai/learner.h"

namespace fastai {

ProgressCallback::ProgressCallback(ProgressOptions options) : opt_(options) { order = 60; }

std::string ProgressCallback::format_row(const std::vector<std::string>& cells, const std::vector<std::string>& names) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    const size_t width = i < names.size() ? std::max<size_t>(names[i].size(), 8) : cells[i].size();
    std::string c = cells[i];
    if (c.size() < width) c += std::string(width - c.size(), ' ');
    line += (i ? "  " : "") + c;
  }
  return line;
}

void ProgressCallback::before_fit() {
  auto& l = learn();
  if (!l.logger || !l.recorder) return;  // validation passes and learners without a recorder: bars only
  names_ = l.recorder->metric_names;
  std::ostream& out = opt_.table ? *opt_.table : std::cout;
  out << format_row(names_, names_) << std::endl;
  // Replaces the plain printer (as fastai's does); Learner::fit restores it when the fit ends,
  // so this wrapper never outlives the fit.
  l.logger = [this](const std::vector<LogValue>& row) { write(row); };
}

void ProgressCallback::write(const std::vector<LogValue>& row) {
  std::vector<std::string> cells;
  for (const auto& v : row) cells.push_back(format_log_value(v));
  pbar_.reset();
  std::ostream& out = opt_.table ? *opt_.table : std::cout;
  out << format_row(cells, names_) << std::endl;
}

void ProgressCallback::launch(const char* label) {
  pbar_.reset();
  if (!opt_.show_bars) return;
  auto& l = learn();
  const int64_t n = l.dl ? l.dl->size() : 0;
  pbar_ = std::make_unique<ProgressBar>(
      n, ProgressBarOptions{.label = label, .unit = "batch", .out = opt_.bars, .leave = false});
}

void ProgressCallback::after_batch() {
  if (!pbar_) return;
  auto& l = learn();
  if (l.training && l.recorder) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", l.smooth_loss);
    pbar_->set_comment(buf);
  }
  pbar_->update(l.iter + 1);
}

void ProgressCallback::after_fit() { pbar_.reset(); }

// ---------------------------------------------------------------- CSVLogger

CSVLogger::CSVLogger(std::filesystem::path fname, bool append) : fname_(std::move(fname)), append_(append) {
  order = 60;
  only_train_loop = true;
}

std::filesystem::path CSVLogger::file() const {
  return fname_.is_absolute() || !attached() ? fname_ : learn().path / fname_;
}

namespace {
std::string csv_cell(const LogValue& v) {
  if (const auto* d = std::get_if<double>(&v)) {
    std::ostringstream s;
    s.precision(17);
    s << *d;
    return s.str();
  }
  return format_log_value(v);
}
}  // namespace

void CSVLogger::before_fit() {
  auto& l = learn();
  if (!l.recorder) throw std::logic_error("CSVLogger needs the Recorder callback");
  content_.clear();
  const auto f = file();
  if (append_ && std::filesystem::exists(f)) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    content_ = ss.str();
  }
  std::string header;
  for (const auto& n : l.recorder->metric_names) header += (header.empty() ? "" : ",") + n;
  content_ += header + "\n";
  write_atomically(f, [&](const std::filesystem::path& tmp) { std::ofstream(tmp, std::ios::binary) << content_; });
  auto old = l.logger;
  active_ = true;
  l.logger = [this, old, f](const std::vector<LogValue>& row) {
    std::string line;
    for (const auto& v : row) {
      if (!line.empty()) line += ',';  // not `"" or "," + cell`: g++ 12 -Wstringop-overflow misfires on it
      line += csv_cell(v);
    }
    content_ += line + "\n";
    write_atomically(f, [&](const std::filesystem::path& tmp) { std::ofstream(tmp, std::ios::binary) << content_; });
    if (old) old(row);
  };
}

void CSVLogger::after_fit() { active_ = false; }

}  // namespace fastai
