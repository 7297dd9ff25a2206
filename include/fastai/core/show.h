#pragma once
/// Showing items: a per-type registry of show functions that write into a ShowContext (the
/// role of a matplotlib axis in fastai). Text-like items add titles; image items set the image
/// the vision module draws. Pipeline::decode(x, false) decodes until is_showable(x).
///
/// Thread-safety: The show registry is locked; a ShowContext belongs to the thread filling it.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fastai/core/item.h"

namespace fastai {

/// Where an item is shown: titles (labels, predictions) and at most one image.
/// Example: `ShowContext c; show(Tuple({img, Category("cat")}), c);  // c.image set, c.title() == "cat"`
struct ShowContext {
  std::vector<std::string> titles;
  at::Tensor image;  ///< set by image types; drawn by the vision module
  /// Titles joined with " / ", e.g. "Ankle boot / Sneaker".
  std::string title() const;
};

/// A show function writes `x` into `ctx`.
using ShowFn = std::function<void(const Item& x, ShowContext& ctx)>;

/// Registers how items of type `t` (and its descendants without their own) are shown.
/// Example: `register_show(Category::info(), [](const Item& x, ShowContext& c) { c.titles.push_back(x.get<Category>());
/// });`
void register_show(const TypeInfo& t, ShowFn fn);

/// True when `x` (every element, for a tuple) has a show function.
bool is_showable(const Item& x);

/// Shows `x` (each showable element of a tuple) into `ctx`; returns whether anything was shown.
/// Example: `ShowContext c; show(Category("cat"), c);  // c.title() == "cat"`
bool show(const Item& x, ShowContext& ctx);

/// `text` as one cell of a markdown table (show_batch, show_results, top-losses tables): its
/// first `max_words` space-separated words (fastai's TitledStr.truncate), then newlines and
/// pipes turned into spaces so a sample stays one row.
/// Example: `table_cell("a b|c d", 2) == "a b c"`
std::string table_cell(std::string text, size_t max_words = SIZE_MAX);

}  // namespace fastai
