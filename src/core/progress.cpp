#include "fastai/core/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace fastai {

ProgressBar::ProgressBar(int64_t total, ProgressBarOptions options)
    : total_(total < 0 ? 0 : total), opt_(std::move(options)) {
  if (!opt_.out) opt_.out = &std::cerr;
  interactive_ = opt_.interactive < 0 ? (opt_.out == &std::cerr && ::isatty(2)) : opt_.interactive == 1;
  start_ = now();
}

ProgressBar::~ProgressBar() {
  try {
    finish();
  } catch (...) {  // a destructor must not throw; losing the last line is acceptable
  }
}

double ProgressBar::now() const {
  if (opt_.clock) return opt_.clock();
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string ProgressBar::format_time(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
  return buf;
}

std::string ProgressBar::render(int64_t done, double elapsed_s) const {
  const double frac = total_ > 0 ? std::min(1.0, static_cast<double>(done) / total_) : 1.0;
  const int filled = static_cast<int>(frac * opt_.width);
  std::string line = opt_.label.empty() ? "" : opt_.label + " ";
  line += "|";
  for (int i = 0; i < opt_.width; ++i) line += i < filled ? "\u2588" : "-";
  const double rate = elapsed_s > 0 ? done / elapsed_s : 0.0;
  const double eta = rate > 0 ? (total_ - done) / rate : 0.0;
  char buf[160];
  std::snprintf(buf, sizeof buf, "| %5.1f%% %lld/%lld [%s<%s, %.1f %s/s]", 100.0 * frac, static_cast<long long>(done),
                static_cast<long long>(total_), format_time(elapsed_s).c_str(), format_time(eta).c_str(), rate,
                opt_.unit.c_str());
  line += buf;
  if (!comment_.empty()) line += " " + comment_;
  return line;
}

void ProgressBar::draw(bool final) {
  const double t = now();
  if (!final && t - last_draw_ < opt_.min_interval_s) return;
  last_draw_ = t;
  if (final && !opt_.leave) {
    if (interactive_) *opt_.out << "\r\x1b[K" << std::flush;
    return;
  }
  if (interactive_)
    *opt_.out << '\r' << render(done_, t - start_) << "\x1b[K" << (final ? "\n" : "") << std::flush;
  else if (final)
    *opt_.out << render(done_, t - start_) << '\n' << std::flush;
}

void ProgressBar::update(int64_t done) {
  if (finished_) return;
  done_ = std::min(std::max<int64_t>(done, 0), total_);
  if (done_ >= total_)
    finish();
  else
    draw(false);
}

void ProgressBar::set_comment(std::string comment) { comment_ = std::move(comment); }

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
}

}  // namespace fastai
