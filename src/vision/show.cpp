#include "fastai/vision/show.h"

#include <torch/torch.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <iostream>

#include "fastai/core/semantic.h"
#include "fastai/core/show.h"
#include "fastai/data/core.h"
#include "fastai/vision/core.h"

namespace fastai {

namespace {
constexpr int kLine = 18, kPad = 6;
const std::array<uint8_t, 3> kBlack{0, 0, 0}, kGreen{0, 140, 0}, kRed{200, 0, 0};

// Image pixel coordinates → canvas: the image's top-left is at (x0, y0), scaled by `scale`.
void draw_overlay(cv::Mat& canvas, const Overlay& ov, int x0, int y0, double scale) {
  const cv::Scalar col(ov.colour[0], ov.colour[1], ov.colour[2]);
  auto at = [&](float x, float y) {
    return cv::Point(x0 + static_cast<int>(std::lround(x * scale)), y0 + static_cast<int>(std::lround(y * scale)));
  };
  if (ov.points.defined() && ov.points.numel() > 0) {
    const auto p = ov.points.to(torch::kFloat).reshape({-1, 2}).contiguous();
    const auto a = p.accessor<float, 2>();
    for (int64_t i = 0; i < p.size(0); ++i) cv::circle(canvas, at(a[i][0], a[i][1]), 3, col, cv::FILLED, cv::LINE_AA);
  }
  if (ov.boxes.defined() && ov.boxes.numel() > 0) {
    const auto b = ov.boxes.to(torch::kFloat).reshape({-1, 4}).contiguous();
    const auto a = b.accessor<float, 2>();
    for (int64_t i = 0; i < b.size(0); ++i) {
      cv::rectangle(canvas, at(a[i][0], a[i][1]), at(a[i][2], a[i][3]), col, 2, cv::LINE_AA);
      if (static_cast<size_t>(i) < ov.labels.size())
        cv::putText(canvas, ov.labels[static_cast<size_t>(i)], at(a[i][0], a[i][1]) + cv::Point(3, 14),
                    cv::FONT_HERSHEY_SIMPLEX, 0.45, col, 1, cv::LINE_AA);
    }
  }
}
}  // namespace

std::filesystem::path show_image_grid(const std::vector<GridCell>& cells, const std::filesystem::path& file,
                                      GridOptions o) {
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
    if (img.channels() == 1)
      cv::cvtColor(img, rgb, cv::COLOR_GRAY2RGB);
    else if (img.channels() == 4)
      cv::cvtColor(img, rgb, cv::COLOR_RGBA2RGB);
    else
      rgb = img;
    const double scale = static_cast<double>(o.cell) / std::max(rgb.rows, rgb.cols);
    cv::Mat sized;
    cv::resize(rgb, sized, cv::Size(), scale, scale, scale > 1 ? cv::INTER_NEAREST : cv::INTER_AREA);
    const int x0 = c * cw + kPad + (o.cell - sized.cols) / 2, y0 = r * ch + kPad + (o.cell - sized.rows) / 2;
    sized.copyTo(canvas(cv::Rect(x0, y0, sized.cols, sized.rows)));
    for (const auto& ov : cells[i].overlays) draw_overlay(canvas, ov, x0, y0, scale);
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

// A sample's points and boxes (with the labels that follow the boxes) as an overlay, and the
// sample without them for the titles.
struct Marks {
  Overlay overlay;
  Item rest;
  bool any = false;
};
Marks marks_of(const Item& sample, std::array<uint8_t, 3> colour) {
  Marks m;
  m.overlay.colour = colour;
  if (!sample.is_tuple()) {
    m.rest = sample;
    return m;
  }
  std::vector<Item> rest;
  bool after_boxes = false;
  for (const auto& e : sample.elements()) {
    if (e.is<TensorBBox>()) {
      m.overlay.boxes = e.get<TensorBBox>(), m.any = after_boxes = true;
    } else if (e.is<TensorPoint>()) {
      m.overlay.points = e.get<TensorPoint>(), m.any = true;
    } else if (after_boxes && e.is<MultiCategory>()) {
      m.overlay.labels = e.get<MultiCategory>();
    } else {
      rest.push_back(e);
    }
  }
  m.rest = rest.size() == 1 ? rest[0] : Item(Tuple(std::move(rest)));
  return m;
}

std::string draw_batch(const Item&, const Item&, const std::vector<Item>& samples, const ShowBatchOptions& o) {
  std::vector<GridCell> cells;
  for (const auto& s : samples) {
    auto m = marks_of(s, kRed);
    GridCell g{image_of(s), {}, {}};
    for (const auto& t : titles(m.any ? m.rest : s)) g.lines.push_back({t, kBlack});
    if (m.any) g.overlays.push_back(std::move(m.overlay));
    cells.push_back(std::move(g));
  }
  const auto file = o.path.empty() ? std::filesystem::path("show_batch.png") : o.path;
  return show_image_grid(cells, file, {.ncols = o.ncols, .what = "show_batch"}).string();
}

std::string draw_results(const Item&, const Item&, const std::vector<Item>& samples, const std::vector<Item>& outs,
                         const ShowBatchOptions& o) {
  std::vector<GridCell> cells;
  for (size_t i = 0; i < samples.size(); ++i) {
    // Points and boxes: targets in green, predictions in red, over the same image.
    auto target_marks = marks_of(samples[i], kGreen);
    if (target_marks.any) {
      GridCell g{image_of(samples[i]), {{"target", kGreen}}, {target_marks.overlay}};
      if (i < outs.size())
        if (auto pred_marks = marks_of(outs[i], kRed); pred_marks.any) {
          g.overlays.push_back(pred_marks.overlay);
          g.lines.push_back({"prediction", kRed});
        }
      cells.push_back(std::move(g));
      continue;
    }
    GridCell g{image_of(samples[i]), {}, {}};
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
