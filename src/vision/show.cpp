#include "fastai/vision/show.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include <iostream>

#include "fastai/core/semantic.h"
#include "fastai/core/show.h"
#include "fastai/data/core.h"
#include "fastai/vision/core.h"

namespace fastai {

namespace {
constexpr int kLine = 18, kPad = 6;
const std::array<uint8_t, 3> kBlack{0, 0, 0}, kGreen{0, 140, 0}, kRed{200, 0, 0};
}  // namespace

std::filesystem::path show_image_grid(const std::vector<GridCell>& cells, const std::filesystem::path& file, GridOptions o) {
  if (cells.empty()) throw std::invalid_argument("show_image_grid: no images to draw");
  size_t max_lines = 0;
  for (const auto& c : cells) max_lines = std::max(max_lines, c.lines.size());
  const int cols = std::max(1, std::min<int>(o.ncols, static_cast<int>(cells.size())));
  const int rows = (static_cast<int>(cells.size()) + cols - 1) / cols;
  const int cw = o.cell + 2 * kPad, ch = o.cell + 2 * kPad + static_cast<int>(max_lines) * kLine;
  cv::Mat canvas(rows * ch, cols * cw, CV_8UC3, cv::Scalar(255, 255, 255));
  for (size_t i = 0; i < cells.size(); ++i) {
    const int r = static_cast<int>(i) / cols, c = static_cast<int>(i) % cols;
    at::Tensor hwc = to_hwc_uint8(cells[i].image);
    cv::Mat img(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_8UC(static_cast<int>(hwc.size(2))),
                hwc.data_ptr<uint8_t>());
    cv::Mat rgb;
    if (img.channels() == 1) cv::cvtColor(img, rgb, cv::COLOR_GRAY2RGB);
    else if (img.channels() == 4) cv::cvtColor(img, rgb, cv::COLOR_RGBA2RGB);
    else rgb = img;
    const double scale = static_cast<double>(o.cell) / std::max(rgb.rows, rgb.cols);
    cv::Mat sized;
    cv::resize(rgb, sized, cv::Size(), scale, scale, scale > 1 ? cv::INTER_NEAREST : cv::INTER_AREA);
    const int x0 = c * cw + kPad + (o.cell - sized.cols) / 2, y0 = r * ch + kPad + (o.cell - sized.rows) / 2;
    sized.copyTo(canvas(cv::Rect(x0, y0, sized.cols, sized.rows)));
    for (size_t l = 0; l < cells[i].lines.size(); ++l) {
      const auto& [text, col] = cells[i].lines[l];
      const int baseline_y = r * ch + kPad + o.cell + kLine * static_cast<int>(l + 1) - 4;
      cv::putText(canvas, text, cv::Point(c * cw + kPad, baseline_y), cv::FONT_HERSHEY_SIMPLEX, 0.45,
                  cv::Scalar(col[0], col[1], col[2]), 1, cv::LINE_AA);
    }
  }
  save_image(file, torch::from_blob(canvas.data, {canvas.rows, canvas.cols, 3}, torch::kUInt8));
  if (o.print_path) std::cout << "Saved " << o.what << ": " << file.string() << std::endl;
  return file;
}

namespace {
std::vector<std::string> titles(const Item& x) {
  ShowContext c;
  show(x, c);
  return c.titles;
}
at::Tensor image_of(const Item& sample) {
  ShowContext c;
  show(sample, c);
  if (!c.image.defined()) throw std::runtime_error("show_batch: sample " + sample.repr() + " has no image to draw");
  return c.image;
}

std::string draw_batch(const Item&, const Item&, const std::vector<Item>& samples, const ShowBatchOptions& o) {
  std::vector<GridCell> cells;
  for (const auto& s : samples) {
    GridCell g{image_of(s), {}};
    for (const auto& t : titles(s)) g.lines.push_back({t, kBlack});
    cells.push_back(std::move(g));
  }
  const auto file = o.path.empty() ? std::filesystem::path("show_batch.png") : o.path;
  return show_image_grid(cells, file, {.ncols = o.ncols, .what = "show_batch"}).string();
}

std::string draw_results(const Item&, const Item&, const std::vector<Item>& samples, const std::vector<Item>& outs,
                         const ShowBatchOptions& o) {
  std::vector<GridCell> cells;
  for (size_t i = 0; i < samples.size(); ++i) {
    GridCell g{image_of(samples[i]), {}};
    const auto target = titles(samples[i]);
    const std::string t = target.empty() ? "" : target.back();
    g.lines.push_back({t, kBlack});
    if (i < outs.size()) {
      const auto pred = titles(outs[i]);
      const std::string p = pred.empty() ? "" : pred.back();
      g.lines.push_back({p, p == t ? kGreen : kRed});
    }
    cells.push_back(std::move(g));
  }
  const auto file = o.path.empty() ? std::filesystem::path("show_results.png") : o.path;
  return show_image_grid(cells, file, {.ncols = o.ncols, .what = "show_results"}).string();
}

const bool registered = [] {
  register_show_batch(TensorImageBase::info(), any_type(), draw_batch);
  register_show_results(TensorImageBase::info(), any_type(), draw_results);
  return true;
}();
}  // namespace

}  // namespace fastai
