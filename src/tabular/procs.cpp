#include "fastai/tabular/procs.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

namespace fastai {
using json = nlohmann::json;

// ---------------------------------------------------------------- Categorify

std::string Categorify::key(const Column& c, size_t row) {
  return c.is_string() ? c.str[row] : format_number(c.num[row]);
}

void Categorify::setup(TabularPandas& to, const Table& train) {
  classes_.clear();
  for (const auto& n : to.cat_names()) {
    const Column& c = train[n];
    std::vector<std::string> vals;
    vals.reserve(c.size());
    for (size_t i = 0; i < c.size(); ++i)
      if (!c.is_missing(i)) vals.push_back(key(c, i));
    if (vals.empty())
      throw TableError("Categorify: categorical column '" + n + "' has no value in the training rows (all " +
                       std::to_string(c.size()) + " are missing); drop it from cat_names");
    classes_[n] = CategoryMap(vals, true, true, !c.is_string());
  }
}

void Categorify::encode(TabularPandas& to) const {
  Table& t = to.items();
  for (const auto& n : to.cat_names()) {
    auto it = classes_.find(n);
    if (it == classes_.end())
      throw TableError("Categorify: column '" + n + "' was not in the table Categorify was set up on");
    const Column& c = t[n];
    const CategoryMap& voc = it->second;
    std::vector<double> codes(c.size());
    for (size_t i = 0; i < c.size(); ++i)
      codes[i] = c.is_missing(i) ? 0.0 : static_cast<double>(voc.index_of(key(c, i)));
    Column out = Column::numbers(n, std::move(codes));
    out.type = ColType::Int;
    t.add(std::move(out));
  }
}

void Categorify::decode(Table& t, const TabularPandas&) const {
  for (const auto& [n, voc] : classes_) {
    if (!t.has(n)) continue;
    const Column& c = t[n];
    std::vector<std::string> s(c.size());
    for (size_t i = 0; i < c.size(); ++i) {
      const auto code = static_cast<int64_t>(c.num[i]);
      s[i] = code >= 0 && code < static_cast<int64_t>(voc.size()) ? voc[code] : "#na#";
    }
    t.add(Column::strings(n, std::move(s)));
  }
}

json Categorify::describe() const {
  json c = json::object();
  for (const auto& [n, voc] : classes_) c[n] = voc.items();
  return {{"name", "Categorify"}, {"classes", c}};
}

// ---------------------------------------------------------------- FillMissing

namespace {
const char* strategy_name(FillStrategy s) {
  switch (s) {
    case FillStrategy::Median:
      return "median";
    case FillStrategy::Mode:
      return "mode";
    case FillStrategy::Constant:
      return "constant";
  }
  return "median";
}

double fill_value(const Column& c, FillStrategy s, double constant) {
  std::vector<double> v;
  for (double x : c.num)
    if (!std::isnan(x)) v.push_back(x);
  if (s == FillStrategy::Constant) return constant;
  if (v.empty()) return constant;  // pandas gives NaN; a fill of NaN would fill nothing
  std::sort(v.begin(), v.end());
  if (s == FillStrategy::Median) {
    const size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  }
  // Mode: the most frequent value; among ties the smallest.
  double best = v[0];
  size_t best_n = 0;
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j < v.size() && v[j] == v[i]) ++j;
    if (j - i > best_n) {
      best_n = j - i;
      best = v[i];
    }
    i = j;
  }
  return best;
}
}  // namespace

void FillMissing::setup(TabularPandas& to, const Table& train) {
  na_dict_.clear();
  for (const auto& n : to.cont_names()) {
    const Column& c = train[n];
    if (c.n_missing() == 0) continue;
    auto fv = o_.fill_vals.find(n);
    na_dict_[n] = fill_value(c, o_.fill_strategy, fv == o_.fill_vals.end() ? 0.0 : fv->second);
  }
}

void FillMissing::encode(TabularPandas& to) const {
  Table& t = to.items();
  for (const auto& n : to.cont_names()) {
    if (na_dict_.count(n)) continue;
    const Column& c = t[n];
    for (size_t i = 0; i < c.size(); ++i)
      if (std::isnan(c.num[i]))
        throw TableError("FillMissing: continuous column '" + n + "' is missing at row " + std::to_string(i) +
                         " but had no missing value in the training rows, so there is no fill value for it");
  }
  // In cont_names order, as fastai (its na_dict keeps setup's order): the *_na columns are
  // appended to cat_names in this order, and a model's embeddings follow cat_names.
  for (const auto& n : to.cont_names()) {
    const auto found = na_dict_.find(n);
    if (found == na_dict_.end()) continue;
    const double v = found->second;
    Column& c = t[n];
    std::vector<std::string> flag(c.size(), "False");
    for (size_t i = 0; i < c.size(); ++i)
      if (std::isnan(c.num[i])) {
        c.num[i] = v;
        flag[i] = "True";
      }
    if (c.type == ColType::Int || std::all_of(c.num.begin(), c.num.end(), [](double x) { return x == std::floor(x); }))
      c.type = ColType::Int;
    if (o_.add_col) {
      t.add(Column::strings(n + "_na", std::move(flag)));
      auto& cats = to.cat_names();
      if (std::find(cats.begin(), cats.end(), n + "_na") == cats.end()) cats.push_back(n + "_na");
    }
  }
}

json FillMissing::describe() const {
  return {{"name", "FillMissing"},
          {"fill_strategy", strategy_name(o_.fill_strategy)},
          {"add_col", o_.add_col},
          {"fill_vals", o_.fill_vals},
          {"na_dict", na_dict_}};
}

// ---------------------------------------------------------------- Normalize

void TabularNormalize::setup(TabularPandas& to, const Table& train) {
  means_.clear();
  stds_.clear();
  whole_.clear();
  for (const auto& n : to.cont_names()) {
    const Column& c = train[n];
    double sum = 0;
    size_t k = 0;
    for (double x : c.num)
      if (!std::isnan(x)) {
        sum += x;
        ++k;
      }
    const double mean = k ? sum / static_cast<double>(k) : 0.0;
    double ss = 0;
    for (double x : c.num)
      if (!std::isnan(x)) ss += (x - mean) * (x - mean);
    means_[n] = mean;
    stds_[n] = (k ? std::sqrt(ss / static_cast<double>(k)) : 0.0) + 1e-7;
    whole_[n] = std::all_of(c.num.begin(), c.num.end(), [](double x) { return std::isnan(x) || x == std::floor(x); });
  }
}

void TabularNormalize::encode(TabularPandas& to) const {
  Table& t = to.items();
  for (const auto& n : to.cont_names()) {
    auto m = means_.find(n);
    if (m == means_.end())
      throw TableError("Normalize: column '" + n + "' was not in the table Normalize was set up on");
    Column& c = t[n];
    const double s = stds_.at(n);
    for (double& x : c.num) x = (x - m->second) / s;
    c.type = ColType::Float;
  }
}

void TabularNormalize::decode(Table& t, const TabularPandas&) const {
  for (const auto& [n, m] : means_) {
    if (!t.has(n)) continue;
    Column& c = t[n];
    const double s = stds_.at(n);
    const auto w = whole_.find(n);
    const bool round = w != whole_.end() && w->second;
    for (double& x : c.num) x = round ? std::round(x * s + m) : x * s + m;
  }
}

json TabularNormalize::describe() const {
  return {{"name", "Normalize"}, {"means", means_}, {"stds", stds_}, {"whole", whole_}};
}

std::shared_ptr<Categorify> Categorify::from_description(const json& j) {
  auto p = std::make_shared<Categorify>();
  for (const auto& [n, items] : j.at("classes").items())
    p->classes_[n] = CategoryMap::from_items(items.get<std::vector<std::string>>(), true);
  return p;
}

std::shared_ptr<FillMissing> FillMissing::from_description(const json& j) {
  const std::string s = j.value("fill_strategy", "median");
  auto p = std::make_shared<FillMissing>(
      FillMissingOptions{.fill_strategy = s == "mode"       ? FillStrategy::Mode
                                          : s == "constant" ? FillStrategy::Constant
                                                            : FillStrategy::Median,
                         .add_col = j.value("add_col", true),
                         .fill_vals = j.value("fill_vals", std::map<std::string, double>{})});
  p->na_dict_ = j.at("na_dict").get<std::map<std::string, double>>();
  return p;
}

std::shared_ptr<TabularNormalize> TabularNormalize::from_description(const json& j) {
  auto p = std::make_shared<TabularNormalize>();
  p->means_ = j.at("means").get<std::map<std::string, double>>();
  p->stds_ = j.at("stds").get<std::map<std::string, double>>();
  p->whole_ = j.value("whole", std::map<std::string, bool>{});
  return p;
}

namespace {
const bool registered = [] {
  register_proc("Categorify", [](const json& j) { return Categorify::from_description(j); });
  register_proc("FillMissing", [](const json& j) { return FillMissing::from_description(j); });
  register_proc("Normalize", [](const json& j) { return TabularNormalize::from_description(j); });
  return true;
}();
}  // namespace

}  // namespace fastai
