#pragma once
/// Pictures of images with their labels: the PNG grids behind show_batch and show_results for
/// image data (fastai draws them with matplotlib; here OpenCV draws and writes a PNG, and the
/// path is printed). Registered for TensorImage inputs when the library loads.
///
/// Thread-safety: Each call draws into its own picture and writes its file atomically: safe from any thread
/// for different files.
#include <ATen/core/Tensor.h>

#include <array>
#include <filesystem>
#include <string>
#include <vector>

namespace fastai {

/// Marks drawn over a grid image, in the image's pixel coordinates: points [n, 2] (x, y) as
/// dots, boxes [n, 4] (x1, y1, x2, y2) as rectangles with an optional label each.
/// Example: `Overlay{.points = pts, .colour = {0, 140, 0}}`
struct Overlay {
  at::Tensor points;
  at::Tensor boxes;
  std::vector<std::string> labels;  ///< one per box (or none)
  std::array<uint8_t, 3> colour = {230, 30, 30};
  /// A segmentation mask [H, W] (or [1, H, W]) of codes the image's size: each code but 0
  /// (background, left clear) blended over the image in code_colour(code) at `alpha`.
  at::Tensor mask;
  double alpha = 0.5;
};

/// The colour of mask code `code` in pictures and legends (matplotlib's tab20, which fastai's
/// masks use; code 1 gets its first colour; code 0, the background, is left clear in pictures).
/// Example: `auto rgb = code_colour(3);`
std::array<uint8_t, 3> code_colour(int64_t code);

/// One cell of a grid: an image ([C, H, W] in [0, 255] or [0, 1], or [H, W]), lines of text
/// under it, each with an RGB colour, and marks drawn over it.
/// Example: `GridCell c{img, {{"cat", {0, 0, 0}}, {"dog", {200, 0, 0}}}};`
struct GridCell {
  at::Tensor image;
  std::vector<std::pair<std::string, std::array<uint8_t, 3>>> lines;
  std::vector<Overlay> overlays;
};

/// Keyword arguments of show_image_grid. Example: `show_image_grid(cells, "grid.png", {.ncols = 4})`
struct GridOptions {
  int ncols = 3;
  int cell = 160;          ///< pixels of the longer side of each image
  bool print_path = true;  ///< print "Saved <what>: <file>"
  std::string what = "images";
  /// Coloured names under the grid (a mask's codes: code_colour(i) and its name).
  std::vector<std::pair<std::string, std::array<uint8_t, 3>>> legend;
};

/// Draws `cells` in a grid (images scaled to `cell` pixels, nearest-neighbour when enlarging so
/// small images stay crisp, their points and boxes over them, text under each) and writes it to `file` atomically.
/// Returns `file`. Example: `fastai::show_image_grid({{img, {{"cat", {0, 0, 0}}}}}, "cat.png");`
std::filesystem::path show_image_grid(const std::vector<GridCell>& cells, const std::filesystem::path& file,
                                      GridOptions options = {});

}  // namespace fastai
