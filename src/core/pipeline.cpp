#include "fastai/core/pipeline.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "fastai/core/describe.h"
#include "fastai/core/error.h"
#include "fastai/core/semantic.h"
#include "fastai/core/show.h"

namespace fastai {

Pipeline::Pipeline(std::vector<std::shared_ptr<Transform>> tfms, std::optional<int> split)
    : split_idx(split), fs_(std::move(tfms)) {
  for (const auto& f : fs_)
    if (!f) throw std::invalid_argument("Pipeline: null transform");
  sort();
}

void Pipeline::sort() {
  std::stable_sort(fs_.begin(), fs_.end(), [](const auto& a, const auto& b) { return a->order < b->order; });
}

namespace {
// Call from a catch handler. An ItemError keeps its type (core/error.h); others become TransformError.
// `source`: the file the item was read from earlier in the pipeline, named so a bad file can be found.
[[noreturn]] void rethrow_in(const Transform& t, const Item& x, const char* what, const Item* source = nullptr) {
  std::string from;
  if (source && !x.is<Path>()) from = " read from " + source->get<Path>().string();
  rethrow_in_context<TransformError>("transform \"" + t.name + "\" failed to " + what + " " + x.repr() + from + ": ");
}
}  // namespace

Item Pipeline::operator()(const Item& x) const {
  Item cur = x;
  std::optional<Item> source;  // the last Path the pipeline turned into something else
  for (const auto& f : fs_) {
    try {
      if (cur.is<Path>()) source = cur;
      cur = (*f)(cur, split_idx);
    } catch (const TransformError&) {
      throw;
    } catch (const std::exception&) {
      rethrow_in(*f, cur, "encode", source ? &*source : nullptr);
    }
  }
  return cur;
}

Item Pipeline::decode(const Item& x, bool full) const {
  Item cur = x;
  for (auto it = fs_.rbegin(); it != fs_.rend(); ++it) {
    if (!full && is_showable(cur)) return cur;
    try {
      cur = (*it)->decode(cur, split_idx);
    } catch (const TransformError&) {
      throw;
    } catch (const std::exception&) {
      rethrow_in(**it, cur, "decode");
    }
  }
  return cur;
}

void Pipeline::add(std::shared_ptr<Transform> t, const LazyItems& items, bool train_setup) {
  if (!t) throw std::invalid_argument("Pipeline::add: null transform");
  // The items the new transform learns from have been through everything added so far.
  Pipeline so_far = *this;
  LazyItems seen = so_far.empty() ? items : items.map([so_far](const Item& x) { return so_far(x); });
  try {
    t->setup(seen, train_setup);
  } catch (const TransformError&) {
    throw;
  } catch (const std::exception&) {
    rethrow_in_context<TransformError>("setup of transform \"" + t->name + "\" failed: ");
  }
  fs_.push_back(std::move(t));
}

void Pipeline::setup(const LazyItems& items, bool train_setup) {
  auto tfms = std::move(fs_);
  fs_.clear();
  for (auto& t : tfms) add(std::move(t), items, train_setup);
}

void Pipeline::append(std::shared_ptr<Transform> t) {
  if (!t) throw std::invalid_argument("Pipeline::append: null transform");
  fs_.push_back(std::move(t));
  sort();
}

std::string Pipeline::repr() const {
  std::string s = "Pipeline: ";
  for (size_t i = 0; i < fs_.size(); ++i) s += (i ? " -> " : "") + fs_[i]->name;
  return s;
}

nlohmann::json Pipeline::describe() const {
  nlohmann::json j;
  j["split_idx"] = split_idx ? nlohmann::json(*split_idx) : nlohmann::json(nullptr);
  j["transforms"] = nlohmann::json::array();
  for (const auto& f : fs_) j["transforms"].push_back(f->describe());
  return j;
}

Pipeline Pipeline::from_description(const nlohmann::json& j) {
  std::vector<std::shared_ptr<Transform>> tfms;
  for (const auto& t : j.at("transforms")) tfms.push_back(transform_from_description(t));
  std::optional<int> split;
  if (j.contains("split_idx") && !j.at("split_idx").is_null()) split = j.at("split_idx").get<int>();
  Pipeline p;
  p.fs_ = std::move(tfms);  // already in order; keep it exactly
  p.split_idx = split;
  return p;
}

}  // namespace fastai
