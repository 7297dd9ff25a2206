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

// A mask's codes blended over the image drawn at (x0, y0) with size `sz`.
void draw_mask(cv::Mat& canvas, const Overlay& ov, int x0, int y0, cv::Size sz) {
  auto m = ov.mask.to(torch::kInt).contiguous();
  while (m.dim() > 2) m = m.squeeze(0);
  if (m.dim() != 2) throw std::invalid_argument("show: a mask has to be [H, W], got " + c10::str(ov.mask.sizes()));
  cv::Mat codes(static_cast<int>(m.size(0)), static_cast<int>(m.size(1)), CV_32SC1, m.data_ptr<int>()), sized;
  cv::resize(codes, sized, sz, 0, 0, cv::INTER_NEAREST);
  for (int r = 0; r < sized.rows; ++r)
    for (int c = 0; c < sized.cols; ++c) {
      const int code = sized.at<int>(r, c);
      if (code == 0) continue;
      const auto col = code_colour(code);
      auto& px = canvas.at<cv::Vec3b>(y0 + r, x0 + c);
      for (int k = 0; k < 3; ++k)
        px[k] = static_cast<uint8_t>(std::lround((1 - ov.alpha) * px[k] + ov.alpha * col[static_cast<size_t>(k)]));
    }
}

// Image pixel coordinates → canvas: the image's top-left is at (x0, y0), scaled by `scale`.
void draw_overlay(cv::Mat& canvas, const Overlay& ov, int x0, int y0, double scale, cv::Size sz) {
  if (ov.mask.defined()) draw_mask(canvas, ov, x0, y0, sz);
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

std::array<uint8_t, 3> code_colour(int64_t code) {
  static constexpr std::array<std::array<uint8_t, 3>, 20> kTab20{{{31, 119, 180},  {174, 199, 232}, {255, 127, 14},
                                                                   {255, 187, 120}, {44, 160, 44},   {152, 223, 138},
                                                                   {214, 39, 40},   {255, 152, 150}, {148, 103, 189},
                                                                   {197, 176, 213}, {140, 86, 75},   {196, 156, 148},
                                                                   {227, 119, 194}, {247, 182, 210}, {127, 127, 127},
                                                                   {199, 199, 199}, {188, 189, 34},  {219, 219, 141},
                                                                   {23, 190, 207},  {158, 218, 229}}};
  if (code <= 0) return kTab20[14];
  return kTab20[static_cast<size_t>((code - 1) % 20)];
}

std::filesystem::path show_image_grid(const std::vector<GridCell>& cells, const std::filesystem::path& file,
                                      GridOptions o) {
  if (cells.empty()) throw std::invalid_argument("show_image_grid: no images to draw");
  size_t max_lines = 0;
  for (const auto& c : cells) max_lines = std::max(max_lines, c.lines.size());
  const int cols = std::max(1, std::min<int>(o.ncols, static_cast<int>(cells.size())));
  const int rows = (static_cast<int>(cells.size()) + cols - 1) / cols;
  const int cw = o.cell + 2 * kPad, ch = o.cell + 2 * kPad + static_cast<int>(max_lines) * kLine;
  // The legend: swatch + name, as many per row as fit the grid's width.
  const int legend_w = 150, per_row = std::max(1, cols * cw / legend_w);
  const int legend_rows = o.legend.empty() ? 0 : (static_cast<int>(o.legend.size()) + per_row - 1) / per_row;
  cv::Mat canvas(rows * ch + legend_rows * kLine + (legend_rows ? kPad : 0), cols * cw, CV_8UC3,
                 cv::Scalar(255, 255, 255));
  for (size_t i = 0; i < o.legend.size(); ++i) {
    const int lr = static_cast<int>(i) / per_row, lc = static_cast<int>(i) % per_row;
    const int x = kPad + lc * legend_w, y = rows * ch + lr * kLine;
    const auto& [name, col] = o.legend[i];
    cv::rectangle(canvas, cv::Rect(x, y + 3, 12, 12), cv::Scalar(col[0], col[1], col[2]), cv::FILLED);
    cv::rectangle(canvas, cv::Rect(x, y + 3, 12, 12), cv::Scalar(90, 90, 90), 1);
    cv::putText(canvas, name, cv::Point(x + 16, y + 14), cv::FONT_HERSHEY_SIMPLEX, 0.42, cv::Scalar(0, 0, 0), 1,
                cv::LINE_AA);
  }
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
    for (const auto& ov : cells[i].overlays) draw_overlay(canvas, ov, x0, y0, scale, sized.size());
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
  bool is_mask = false;
};

// A mask's legend: the codes that have names (ShowBatchOptions::class_names), background first.
std::vector<std::pair<std::string, std::array<uint8_t, 3>>> legend_of(const ShowBatchOptions& o) {
  std::vector<std::pair<std::string, std::array<uint8_t, 3>>> l;
  // Code 0 is left clear in the pictures, so its swatch is white.
  for (size_t i = 0; i < o.class_names.size(); ++i)
    l.push_back({std::to_string(i) + " " + o.class_names[i],
                 i == 0 ? std::array<uint8_t, 3>{255, 255, 255} : code_colour(static_cast<int64_t>(i))});
  return l;
}

// A prediction as a mask: a TensorMask element, or a plain 2-d tensor of codes.
at::Tensor predicted_mask(const Item& out) {
  if (out.is<TensorMask>()) return out.get<TensorMask>();
  if (out.is_tuple())
    for (const auto& e : out.elements())
      if (e.is<TensorMask>()) return e.get<TensorMask>();
  if (out.is<TensorBase>() && out.get<TensorBase>().dim() == 2) return out.get<TensorBase>();
  return {};
}
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
    } else if (e.is<TensorMask>()) {
      m.overlay.mask = e.get<TensorMask>(), m.any = m.is_mask = true;
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
  bool masks = false;
  for (const auto& s : samples) {
    auto m = marks_of(s, kRed);
    masks |= m.is_mask;
    GridCell g{image_of(m.any ? m.rest : s), {}, {}};
    for (const auto& t : titles(m.any ? m.rest : s)) g.lines.push_back({t, kBlack});
    if (m.any) g.overlays.push_back(std::move(m.overlay));
    cells.push_back(std::move(g));
  }
  const auto file = o.path.empty() ? std::filesystem::path("show_batch.png") : o.path;
  GridOptions g{.ncols = o.ncols, .what = "show_batch"};
  if (masks) g.legend = legend_of(o);
  return show_image_grid(cells, file, g).string();
}

std::string draw_results(const Item&, const Item&, const std::vector<Item>& samples, const std::vector<Item>& outs,
                         const ShowBatchOptions& o) {
  std::vector<GridCell> cells;
  bool masks = false;
  for (size_t i = 0; i < samples.size(); ++i) {
    auto target_marks = marks_of(samples[i], kGreen);
    // Masks: the target and the prediction side by side (fastai shows them in two rows).
    if (target_marks.is_mask) {
      masks = true;
      const auto img = image_of(target_marks.rest);
      cells.push_back({img, {{"target", kBlack}}, {target_marks.overlay}});
      Overlay pred;
      if (i < outs.size()) pred.mask = predicted_mask(outs[i]);
      cells.push_back({img, {{"prediction", kBlack}}, {}});
      if (pred.mask.defined()) cells.back().overlays.push_back(pred);
      continue;
    }
    // Points and boxes: targets in green, predictions in red, over the same image.
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
  GridOptions g{.ncols = masks ? 2 * std::max(1, o.ncols / 2) : o.ncols, .what = "show_results"};
  if (masks) g.legend = legend_of(o);
  return show_image_grid(cells, file, g).string();
}

const bool registered = [] {
  register_show_batch(TensorImageBase::info(), any_type(), draw_batch);
  register_show_results(TensorImageBase::info(), any_type(), draw_results);
  return true;
}();
}  // namespace

}  // namespace fastai
