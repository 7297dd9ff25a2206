#pragma once
/// Line plots written as PNG files with gnuplot (Debian's gnuplot-nox, installed by
/// scripts/setup.sh): the recorder's loss and schedule curves, lr_find's curve. The picture is
/// written atomically and its path printed, since a C++ program has no notebook to show it in.
///
/// Thread-safety: Each call runs its own gnuplot process and writes its file atomically: safe from any thread
/// for different files.
#include <filesystem>
#include <string>
#include <vector>

namespace fastai {

/// One curve (or set of markers when `points`). Example: `PlotSeries s{.label = "train", .x = xs, .y = ys};`
struct PlotSeries {
  std::string label;
  std::vector<double> x, y;
  bool points = false;
};

/// Axes and picture options. Example: `plot_lines("lr.png", {s}, {.xlabel = "lr", .logx = true});`
struct PlotOptions {
  std::string title, xlabel, ylabel;
  bool logx = false, logy = false;
  int width = 800, height = 500;  ///< pixels (per panel for plot_panels)
  bool print_path = true;         ///< print "Saved <title> plot: <file>" on stdout
};

/// Draws `series` on one set of axes into the PNG `file`; returns `file`. Throws when gnuplot is
/// missing (naming the package), when a series' x and y differ in length, or when gnuplot fails.
/// Example: `fastai::plot_lines("loss.png", {{.label = "train", .x = {0, 1}, .y = {2.3, 1.1}}});`
std::filesystem::path plot_lines(const std::filesystem::path& file, const std::vector<PlotSeries>& series,
                                 const PlotOptions& options = {});

/// Several panels side by side (two per row), one PlotOptions per panel.
/// Example: `plot_panels("sched.png", {{lr}, {mom}}, {{.title = "lr"}, {.title = "mom"}});`
std::filesystem::path plot_panels(const std::filesystem::path& file, const std::vector<std::vector<PlotSeries>>& panels,
                                  const std::vector<PlotOptions>& options);

/// A matrix as a heat map with each cell's value written in it (the confusion matrix's
/// picture): rows top to bottom, labelled by `row_labels`, columns by `col_labels`.
/// Example: `plot_matrix("cm.png", {{5, 1}, {0, 7}}, {"cat", "dog"}, {"cat", "dog"}, {.xlabel = "predicted", .ylabel =
/// "actual"});`
std::filesystem::path plot_matrix(const std::filesystem::path& file, const std::vector<std::vector<double>>& m,
                                  const std::vector<std::string>& row_labels,
                                  const std::vector<std::string>& col_labels, const PlotOptions& options = {});

/// A matrix drawn as an image in matplotlib's default viridis colours, smallest value dark blue,
/// largest yellow, with no axes (fastai's `ax.imshow(m, origin='lower'); ax.axis('off')`): row 0 at
/// the bottom. Example: `plot_image("colorful.png", {{0, 1}, {2, 3}}, {.title = "layer 0"});`
std::filesystem::path plot_image(const std::filesystem::path& file, const std::vector<std::vector<double>>& m,
                                 const PlotOptions& options = {});

/// The gnuplot executable found on PATH (or $FASTAI_GNUPLOT), empty when there is none.
/// Example: `if (fastai::gnuplot_path().empty()) skip_plots();`
std::filesystem::path gnuplot_path();

}  // namespace fastai
