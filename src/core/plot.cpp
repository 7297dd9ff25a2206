#include "fastai/core/plot.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "fastai/core/atomic_file.h"

extern char** environ;

namespace fastai {

std::filesystem::path gnuplot_path() {
  if (const char* e = std::getenv("FASTAI_GNUPLOT"); e && *e) return e;
  const char* p = std::getenv("PATH");
  std::string paths = p ? p : "/usr/bin:/bin";
  std::stringstream ss(paths);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    auto f = std::filesystem::path(dir.empty() ? "." : dir) / "gnuplot";
    if (::access(f.c_str(), X_OK) == 0) return f;
  }
  return {};
}

namespace {

std::string quote(const std::string& s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    r += c;
  }
  return r + "\"";
}

// One panel's commands; data blocks are named $D<panel>_<series>.
void panel_script(std::ostream& s, const std::vector<PlotSeries>& series, const PlotOptions& o, size_t panel) {
  for (size_t i = 0; i < series.size(); ++i) {
    const auto& sr = series[i];
    if (sr.x.size() != sr.y.size())
      throw std::invalid_argument("plot: series '" + sr.label + "' has " + std::to_string(sr.x.size()) + " x but " +
                                  std::to_string(sr.y.size()) + " y values");
    s << "$D" << panel << "_" << i << " << EOD\n";
    char buf[64];
    for (size_t k = 0; k < sr.x.size(); ++k) {
      if (!std::isfinite(sr.x[k]) || !std::isfinite(sr.y[k])) continue;  // gnuplot cannot draw nan/inf
      std::snprintf(buf, sizeof buf, "%.10g %.10g\n", sr.x[k], sr.y[k]);
      s << buf;
    }
    s << "EOD\n";
  }
  s << "set title " << quote(o.title) << "\n";
  s << "set xlabel " << quote(o.xlabel) << "\nset ylabel " << quote(o.ylabel) << "\n";
  s << (o.logx ? "set logscale x\n" : "unset logscale x\n");
  s << (o.logy ? "set logscale y\n" : "unset logscale y\n");
  s << "set grid\nset key top right\n";
  s << "plot ";
  bool any = false;
  for (size_t i = 0; i < series.size(); ++i) {
    if (series[i].x.empty()) continue;
    s << (any ? ", " : "") << "$D" << panel << "_" << i << " using 1:2 with "
      << (series[i].points ? "points pt 7 ps 1.5" : "lines lw 2") << " title " << quote(series[i].label);
    any = true;
  }
  if (!any) s << "NaN title 'no data'";
  s << "\n";
}

void run_gnuplot(const std::filesystem::path& script, const std::filesystem::path& target) {
  const auto gp = gnuplot_path();
  if (gp.empty())
    throw std::runtime_error("plot " + target.string() +
                             ": gnuplot not found on PATH; install Debian's gnuplot-nox (scripts/setup.sh does)");
  std::string gps = gp.string(), sc = script.string();
  char* argv[] = {gps.data(), sc.data(), nullptr};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  // gnuplot's chatter goes to a log beside the script, reported when it fails.
  const std::string log = sc + ".log";
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, gps.c_str(), &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("plot " + target.string() + ": could not start " + gps);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream in(log);
    std::stringstream err;
    err << in.rdbuf();
    throw std::runtime_error("plot " + target.string() + ": gnuplot failed: " + err.str());
  }
  std::filesystem::remove(log);
}

// Writes a gnuplot script (terminal and output set here, the drawing by `body`) beside the
// temporary picture, runs it, and renames the picture over `file`; prints the path.
std::filesystem::path draw_png(const std::filesystem::path& file, int width, int height, const std::string& what,
                               bool print_path, const std::function<void(std::ostream&)>& body) {
  write_atomically(file, [&](const std::filesystem::path& tmp) {
    const auto script = std::filesystem::path(tmp.string() + ".gp");
    {
      std::ofstream s(script);
      s << "set terminal pngcairo size " << width << "," << height << " noenhanced font 'sans,10'\n";
      s << "set output " << quote(tmp.string()) << "\n";
      body(s);
      s << "set output\n";
      if (!s) throw std::runtime_error("plot " + file.string() + ": cannot write " + script.string());
    }
    try {
      run_gnuplot(script, file);
    } catch (...) {
      std::filesystem::remove(script);
      throw;
    }
    std::filesystem::remove(script);
  });
  if (print_path) std::cout << "Saved " << what << " plot: " << file.string() << std::endl;
  return file;
}

std::filesystem::path render(const std::filesystem::path& file, const std::vector<std::vector<PlotSeries>>& panels,
                             const std::vector<PlotOptions>& options) {
  if (panels.empty()) throw std::invalid_argument("plot " + file.string() + ": nothing to draw");
  const size_t cols = panels.size() > 1 ? 2 : 1, rows = (panels.size() + cols - 1) / cols;
  const PlotOptions& o0 = options.at(0);
  return draw_png(file, o0.width * static_cast<int>(cols), o0.height * static_cast<int>(rows),
                  o0.title.empty() ? "plot" : o0.title, o0.print_path, [&](std::ostream& s) {
                    if (panels.size() > 1) s << "set multiplot layout " << rows << "," << cols << "\n";
                    for (size_t p = 0; p < panels.size(); ++p)
                      panel_script(s, panels[p], options.at(std::min(p, options.size() - 1)), p);
                    if (panels.size() > 1) s << "unset multiplot\n";
                  });
}

}  // namespace

std::filesystem::path plot_matrix(const std::filesystem::path& file, const std::vector<std::vector<double>>& m,
                                  const std::vector<std::string>& row_labels,
                                  const std::vector<std::string>& col_labels, const PlotOptions& o) {
  const size_t rows = m.size(), cols = rows ? m[0].size() : 0;
  if (rows == 0 || cols == 0) throw std::invalid_argument("plot_matrix " + file.string() + ": empty matrix");
  for (const auto& r : m)
    if (r.size() != cols) throw std::invalid_argument("plot_matrix " + file.string() + ": rows of different lengths");
  if (row_labels.size() != rows || col_labels.size() != cols)
    throw std::invalid_argument("plot_matrix " + file.string() + ": " + std::to_string(row_labels.size()) + "/" +
                                std::to_string(col_labels.size()) + " labels for a " + std::to_string(rows) + "x" +
                                std::to_string(cols) + " matrix");
  const int px = std::max(o.width, static_cast<int>(cols) * 60 + 200),
            py = std::max(o.height, static_cast<int>(rows) * 60 + 160);
  return draw_png(file, px, py, o.title.empty() ? "matrix" : o.title, o.print_path, [&](std::ostream& s) {
    s << "set title " << quote(o.title) << "\nset xlabel " << quote(o.xlabel) << "\nset ylabel " << quote(o.ylabel)
      << "\n";
    s << "set palette defined (0 'white', 1 '#08306b')\nunset colorbox\nset size ratio -1\n";
    s << "set xrange [-0.5:" << cols - 0.5 << "]\nset yrange [" << rows - 0.5 << ":-0.5]\n";
    s << "set xtics rotate by 45 right (";
    for (size_t c = 0; c < cols; ++c) s << (c ? ", " : "") << quote(col_labels[c]) << " " << c;
    s << ")\nset ytics (";
    for (size_t r = 0; r < rows; ++r) s << (r ? ", " : "") << quote(row_labels[r]) << " " << r;
    s << ")\n$M << EOD\n";
    double mx = 0;
    for (const auto& r : m)
      for (double v : r) mx = std::max(mx, v);
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < cols; ++c) s << c << " " << r << " " << m[r][c] << "\n";
    s << "EOD\n";
    // counts in white on dark cells, black on light ones
    s << "plot $M using 1:2:3 with image notitle, $M using 1:2:(sprintf('%g',$3)):($3 > " << mx / 2
      << " ? 0xffffff : 0) with labels tc rgb variable notitle\n";
  });
}

std::filesystem::path plot_image(const std::filesystem::path& file, const std::vector<std::vector<double>>& m,
                                 const PlotOptions& o) {
  const size_t rows = m.size(), cols = rows ? m[0].size() : 0;
  if (rows == 0 || cols == 0) throw std::invalid_argument("plot_image " + file.string() + ": empty matrix");
  for (const auto& r : m)
    if (r.size() != cols) throw std::invalid_argument("plot_image " + file.string() + ": rows of different lengths");
  return draw_png(file, o.width, o.height, o.title.empty() ? "image" : o.title, o.print_path, [&](std::ostream& s) {
    s << "set title " << quote(o.title) << "\n";
    // viridis at five stops (matplotlib's _viridis_data at 0, 1/4, 1/2, 3/4, 1)
    s << "set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', 3 '#5ec962', 4 '#fde725')\n";
    s << "unset colorbox\nunset border\nunset xtics\nunset ytics\nset margins 1,1,1," << (o.title.empty() ? 1 : 3)
      << "\n";
    s << "set xrange [-0.5:" << cols - 0.5 << "]\nset yrange [-0.5:" << rows - 0.5 << "]\n$M << EOD\n";
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < cols; ++c) s << c << " " << r << " " << m[r][c] << "\n";
    s << "EOD\nplot $M using 1:2:3 with image notitle\n";
  });
}

std::filesystem::path plot_lines(const std::filesystem::path& file, const std::vector<PlotSeries>& series,
                                 const PlotOptions& options) {
  return render(file, {series}, {options});
}

std::filesystem::path plot_panels(const std::filesystem::path& file, const std::vector<std::vector<PlotSeries>>& panels,
                                  const std::vector<PlotOptions>& options) {
  if (options.empty()) return render(file, panels, {PlotOptions{}});
  return render(file, panels, options);
}

}  // namespace fastai
