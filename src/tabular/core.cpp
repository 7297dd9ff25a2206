#include "fastai/tabular/core.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>

#include "fastai/core/registry.h"
#include "fastai/data/csv.h"
#include "fastai/tabular/procs.h"

namespace fastai {
using json = nlohmann::json;

std::vector<Item> range_of(size_t n) {
  std::vector<Item> v;
  v.reserve(n);
  for (size_t i = 0; i < n; ++i) v.emplace_back(Int(static_cast<int64_t>(i)));
  return v;
}

void TabularProc::decode(Table&, const TabularPandas&) const {}

// ---------------------------------------------------------------- proc registry

namespace {
using ProcMaker = std::function<std::shared_ptr<TabularProc>(const json&)>;
Registry<ProcMaker>& proc_registry() {
  static Registry<ProcMaker> r("proc", "register_proc(name, make) for your own TabularProc");
  return r;
}
}  // namespace

void register_proc(const std::string& name, ProcMaker make) { proc_registry().add(name, std::move(make)); }

std::shared_ptr<TabularProc> proc_from_description(const json& j) {
  return proc_registry().get(j.value("name", ""), "proc_from_description")(j);
}

Proc::Proc(const Normalize& n) : p_(std::make_shared<TabularNormalize>()) {
  // The tabular Normalize learns per-column statistics from the training rows; image
  // statistics given to fastai::Normalize would be silently ignored, so refuse them.
  if (n.mean().defined() || n.stdev().defined())
    throw std::invalid_argument(
        "procs: the tabular Normalize learns its statistics from the training rows; pass Normalize() "
        "without statistics");
}

// ---------------------------------------------------------------- TabularPandas

namespace {

bool wants_category(const TransformBlock& b) {
  if (!b.type_tfms) return false;
  for (const auto& t : b.type_tfms()) {
    if (std::dynamic_pointer_cast<Categorize>(t)) return true;
    if (std::dynamic_pointer_cast<MultiCategorize>(t))
      throw std::invalid_argument(
          "TabularPandas: MultiCategoryBlock targets are not supported yet; use one target column "
          "with CategoryBlock()");
  }
  return false;
}

// The first cell of a text column that is not a number, or nullopt when all of them are.
std::optional<size_t> first_text(const Column& c) {
  double v;
  for (size_t i = 0; i < c.size(); ++i)
    if (!c.na[i] && !parse_number(c.str[i], v)) return i;
  return std::nullopt;
}

}  // namespace

void TabularPandas::check_columns(const Table& df, bool need_y) const {
  auto need = [&](const std::vector<std::string>& names, const char* what) {
    for (const auto& n : names)
      if (!df.has(n)) {
        std::string known;
        for (const auto& k : df.names()) known += (known.empty() ? "" : ", ") + k;
        throw TableError(std::string("TabularPandas: ") + what + " names column '" + n +
                         "', which the table does not have (columns: " + known + ")");
      }
  };
  std::vector<std::string> raw_cats;
  for (const auto& n : cat_names_)
    if (!(n.size() > 3 && n.ends_with("_na") &&
          std::find(cont_names_.begin(), cont_names_.end(), n.substr(0, n.size() - 3)) != cont_names_.end()))
      raw_cats.push_back(n);
  need(raw_cats, "cat_names");
  need(cont_names_, "cont_names");
  if (need_y) need(y_names_, "y_names");
  for (const auto& n : cont_names_) {
    const Column& c = df[n];
    if (c.is_string()) {
      if (const auto row = first_text(c))
        throw TableError("TabularPandas: continuous column '" + n + "' has a non-numeric value '" + c.str[*row] +
                         "' at row " + std::to_string(*row) + " (list it in cat_names, or fix the data)");
      throw TableError("TabularPandas: continuous column '" + n +
                       "' holds text, though every value reads as a number; read it as "
                       "numbers (CsvOptions.dtypes) or list it in cat_names");
    }
    if (c.type == ColType::Date)
      throw TableError("TabularPandas: continuous column '" + n + "' holds dates; use add_datepart(df, \"" + n +
                       "\") first");
  }
}

TabularPandas::TabularPandas(Table df, TabularOptions o)
    : items_(std::move(df)),
      cat_names_(o.cat_names),
      cont_names_(o.cont_names),
      y_names_(o.y_names),
      splits_(o.splits),
      with_cont_(o.with_cont) {
  std::set<std::string> seen;
  for (const auto* names : {&cat_names_, &cont_names_, &y_names_})
    for (const auto& n : *names)
      if (!seen.insert(n).second)
        throw std::invalid_argument("TabularPandas: column '" + n + "' is listed twice in cat/cont/y names");
  check_columns(items_, true);
  const auto n = static_cast<int64_t>(items_.n_rows());
  if (splits_.empty()) {
    splits_.emplace_back();
    for (int64_t i = 0; i < n; ++i) splits_[0].push_back(i);
  }
  for (const auto& s : splits_)
    for (int64_t i : s)
      if (i < 0 || i >= n)
        throw std::out_of_range("TabularPandas: split index " + std::to_string(i) + " is outside the table's " +
                                std::to_string(n) + " rows");
  if (!y_names_.empty()) {
    bool category;
    if (o.y_block) {
      category = wants_category(*o.y_block);
    } else {
      category =
          std::any_of(y_names_.begin(), y_names_.end(), [&](const std::string& y) { return items_[y].is_string(); });
    }
    if (category) {
      if (y_names_.size() != 1)
        throw std::invalid_argument("TabularPandas: a category target needs exactly one y column");
      const Column& y = items_[y_names_[0]];
      std::vector<std::string> vals;
      const bool numeric = !y.is_string();
      for (int64_t i : splits_[0])
        if (!y.is_missing(static_cast<size_t>(i))) vals.push_back(Categorify::key(y, static_cast<size_t>(i)));
      if (vals.empty())
        throw TableError("TabularPandas: target '" + y_names_[0] + "' has no value in the training rows");
      y_vocab_ = CategoryMap(vals, true, false, numeric);
    }
  }
  for (const auto& p : o.procs) procs_.push_back(p.get()->clone());
  std::stable_sort(procs_.begin(), procs_.end(), [](const auto& a, const auto& b) { return a->order() < b->order(); });
  if (o.do_setup)
    for (const auto& p : procs_) {
      p->setup(*this, items_.take(splits_[0]));
      p->encode(*this);
    }
  encode_y();
  to_tensors();
}

void TabularPandas::encode_y() {
  ys_ = at::Tensor();
  if (y_names_.empty() || !std::all_of(y_names_.begin(), y_names_.end(), [&](const auto& y) { return items_.has(y); }))
    return;
  const size_t n = items_.n_rows();
  if (y_vocab_) {
    const Column& y = items_[y_names_[0]];
    ys_ = at::empty({static_cast<int64_t>(n)}, at::kLong);
    auto* p = ys_.data_ptr<int64_t>();
    for (size_t i = 0; i < n; ++i) {
      if (y.is_missing(i))
        throw TableError("TabularPandas: target '" + y.name + "' is missing at row " + std::to_string(i));
      const std::string k = Categorify::key(y, i);
      if (!y_vocab_->contains(k)) {
        std::string known;
        for (size_t j = 0; j < std::min<size_t>(y_vocab_->size(), 8); ++j)
          known += (j ? ", " : "") + y_vocab_->items()[j];
        throw TableError("TabularPandas: target '" + y.name + "' has value '" + k + "' at row " + std::to_string(i) +
                         ", a class never seen in the training rows (classes: " + known + ")");
      }
      p[i] = y_vocab_->index_of(k);
    }
    return;
  }
  ys_ = at::empty({static_cast<int64_t>(n), static_cast<int64_t>(y_names_.size())}, at::kFloat);
  auto* p = ys_.data_ptr<float>();
  for (size_t j = 0; j < y_names_.size(); ++j) {
    const Column& y = items_[y_names_[j]];
    if (!y.is_numeric())
      throw TableError("TabularPandas: regression target '" + y.name + "' is " + to_string(y.type) +
                       "; pass .y_block = CategoryBlock() for a class target");
    for (size_t i = 0; i < n; ++i) {
      if (std::isnan(y.num[i]))
        throw TableError("TabularPandas: target '" + y.name + "' is missing at row " + std::to_string(i));
      p[i * y_names_.size() + j] = static_cast<float>(y.num[i]);
    }
  }
}

void TabularPandas::to_tensors() {
  const auto n = static_cast<int64_t>(items_.n_rows());
  cats_ = at::empty({n, static_cast<int64_t>(cat_names_.size())}, at::kLong);
  auto* c = cats_.data_ptr<int64_t>();
  const size_t nc = cat_names_.size();
  for (size_t j = 0; j < nc; ++j) {
    const Column& col = items_[cat_names_[j]];
    // Boolean columns (FillMissing's *_na without Categorify) are 0/1, as bools are in fastai.
    if (col.is_string() &&
        std::all_of(col.str.begin(), col.str.end(), [](const std::string& v) { return v == "False" || v == "True"; })) {
      for (size_t i = 0; i < static_cast<size_t>(n); ++i) c[i * nc + j] = col.str[i] == "True";
      continue;
    }
    if (!col.is_numeric())
      throw TableError("TabularPandas: categorical column '" + col.name + "' holds " + to_string(col.type) +
                       " values; add Categorify() to procs to turn them into codes");
    for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
      const double v = col.num[i];
      if (std::isnan(v))
        throw TableError("TabularPandas: categorical column '" + col.name + "' is missing at row " + std::to_string(i) +
                         "; add Categorify() to procs");
      c[i * nc + j] = static_cast<int64_t>(v);
    }
  }
  const size_t nf = cont_names_.size();
  conts_ = at::empty({n, static_cast<int64_t>(nf)}, at::kFloat);
  auto* f = conts_.data_ptr<float>();
  for (size_t j = 0; j < nf; ++j) {
    const Column& col = items_[cont_names_[j]];
    for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
      const double v = col.num[i];
      if (std::isnan(v))
        throw TableError("TabularPandas: continuous column '" + col.name + "' is missing at row " + std::to_string(i) +
                         "; add FillMissing() to procs");
      f[i * nf + j] = static_cast<float>(v);
    }
  }
}

TabularPandas TabularPandas::empty_like() const {
  TabularPandas t;
  t.cat_names_ = cat_names_;
  t.cont_names_ = cont_names_;
  t.y_names_ = y_names_;
  t.with_cont_ = with_cont_;
  t.procs_ = procs_;
  t.y_vocab_ = y_vocab_;
  return t;
}

TabularPandas TabularPandas::take(const std::vector<int64_t>& rows) const {
  TabularPandas t = empty_like();
  t.items_ = items_.take(rows);
  t.splits_ = {{}};
  for (size_t i = 0; i < rows.size(); ++i) t.splits_[0].push_back(static_cast<int64_t>(i));
  auto idx = at::tensor(rows, at::kLong);
  t.cats_ = cats_.index_select(0, idx);
  t.conts_ = conts_.index_select(0, idx);
  if (ys_.defined()) t.ys_ = ys_.index_select(0, idx);
  return t;
}

TabularPandas TabularPandas::subset(size_t i) const {
  if (i >= splits_.size())
    throw std::out_of_range("TabularPandas: no split " + std::to_string(i) + " (there are " +
                            std::to_string(splits_.size()) + ")");
  return take(splits_[i]);
}

const CategoryMap& TabularPandas::y_vocab() const {
  if (!y_vocab_) throw std::logic_error("TabularPandas: the target is not a category (regression), so it has no vocab");
  return *y_vocab_;
}

int64_t TabularPandas::c() const {
  return y_vocab_ ? static_cast<int64_t>(y_vocab_->size()) : static_cast<int64_t>(y_names_.size());
}

std::shared_ptr<TabularProc> TabularPandas::proc(const std::string& name) const {
  for (const auto& p : procs_)
    if (p->name() == name) return p;
  return nullptr;
}

const std::map<std::string, CategoryMap>& TabularPandas::classes() const {
  static const std::map<std::string, CategoryMap> none;
  auto c = std::dynamic_pointer_cast<Categorify>(proc("Categorify"));
  return c ? c->classes() : none;
}

TabularPandas TabularPandas::new_(const Table& df) const {
  TabularPandas t = empty_like();
  t.check_columns(df, false);
  // Only the columns the model needs travel (and the targets when present).
  Table items;
  for (const auto& n : df.names()) items.add(df[n]);
  t.items_ = std::move(items);
  t.splits_ = {{}};
  for (size_t i = 0; i < df.n_rows(); ++i) t.splits_[0].push_back(static_cast<int64_t>(i));
  for (const auto& p : t.procs_) p->encode(t);
  t.encode_y();
  t.to_tensors();
  return t;
}

Table TabularPandas::decode(const at::Tensor& cats, const at::Tensor& conts, const at::Tensor& ys) const {
  Table t;
  const auto c = cats.defined() ? cats.to(at::kCPU).to(at::kLong).contiguous() : at::Tensor();
  const auto f = conts.defined() ? conts.to(at::kCPU).to(at::kDouble).contiguous() : at::Tensor();
  const int64_t n = c.defined() ? c.size(0) : f.size(0);
  for (size_t j = 0; j < cat_names_.size(); ++j) {
    std::vector<double> v(static_cast<size_t>(n));
    const auto* p = c.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i)
      v[static_cast<size_t>(i)] = static_cast<double>(p[i * c.size(1) + static_cast<int64_t>(j)]);
    Column col = Column::numbers(cat_names_[j], std::move(v));
    col.type = ColType::Int;
    t.add(std::move(col));
  }
  for (size_t j = 0; j < cont_names_.size(); ++j) {
    std::vector<double> v(static_cast<size_t>(n));
    const auto* p = f.data_ptr<double>();
    for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = p[i * f.size(1) + static_cast<int64_t>(j)];
    Column col = Column::numbers(cont_names_[j], std::move(v));
    col.type = ColType::Float;
    t.add(std::move(col));
  }
  for (auto it = procs_.rbegin(); it != procs_.rend(); ++it) (*it)->decode(t, *this);
  if (ys.defined() && !y_names_.empty()) {
    auto y = ys.to(at::kCPU);
    if (y_vocab_) {
      y = y.to(at::kLong).reshape({-1});
      std::vector<std::string> labels;
      for (int64_t i = 0; i < y.size(0); ++i) labels.push_back((*y_vocab_)[y[i].item<int64_t>()]);
      t.add(Column::strings(y_names_[0], std::move(labels)));
    } else {
      y = y.to(at::kDouble).reshape({n, -1}).contiguous();
      for (size_t j = 0; j < y_names_.size() && static_cast<int64_t>(j) < y.size(1); ++j) {
        std::vector<double> v;
        for (int64_t i = 0; i < n; ++i) v.push_back(y[i][static_cast<int64_t>(j)].item<double>());
        Column col = Column::numbers(y_names_[j], std::move(v));
        col.type = ColType::Float;
        t.add(std::move(col));
      }
    }
  }
  return t;
}

std::string TabularPandas::show(size_t max_n) const {
  const auto n = std::min<int64_t>(static_cast<int64_t>(max_n), static_cast<int64_t>(size()));
  return decode(cats_.slice(0, 0, n), conts_.slice(0, 0, n), ys_.defined() ? ys_.slice(0, 0, n) : at::Tensor())
      .to_string(max_n);
}

json TabularPandas::describe() const {
  json j;
  j["cat_names"] = cat_names_;
  j["cont_names"] = cont_names_;
  j["y_names"] = y_names_;
  j["y_vocab"] = y_vocab_ ? json(y_vocab_->items()) : json(nullptr);
  j["with_cont"] = with_cont_;
  j["procs"] = json::array();
  for (const auto& p : procs_) j["procs"].push_back(p->describe());
  return j;
}

TabularPandas TabularPandas::from_description(const json& j) {
  TabularPandas t;
  t.cat_names_ = j.at("cat_names").get<std::vector<std::string>>();
  t.cont_names_ = j.at("cont_names").get<std::vector<std::string>>();
  t.y_names_ = j.at("y_names").get<std::vector<std::string>>();
  t.with_cont_ = j.value("with_cont", true);
  if (!j.at("y_vocab").is_null())
    t.y_vocab_ = CategoryMap::from_items(j.at("y_vocab").get<std::vector<std::string>>(), false);
  for (const auto& p : j.at("procs")) t.procs_.push_back(proc_from_description(p));
  t.splits_ = {{}};
  t.cats_ = at::empty({0, static_cast<int64_t>(t.cat_names_.size())}, at::kLong);
  t.conts_ = at::empty({0, static_cast<int64_t>(t.cont_names_.size())}, at::kFloat);
  return t;
}

// ---------------------------------------------------------------- helpers

std::pair<std::vector<std::string>, std::vector<std::string>> cont_cat_split(const Table& df, size_t max_card,
                                                                             const std::string& dep_var) {
  std::vector<std::string> cont, cat;
  for (const auto& c : df.columns()) {
    if (c.name == dep_var) continue;
    bool is_cont = c.type == ColType::Float;
    if (c.type == ColType::Int) {
      std::unordered_set<double> u(c.num.begin(), c.num.end());
      is_cont = u.size() > max_card;
    }
    (is_cont ? cont : cat).push_back(c.name);
  }
  return {cont, cat};
}

void add_datepart(Table& df, const std::string& field, DatepartOptions o) {
  Column& src = df[field];
  std::vector<double> secs = src.num;
  if (src.is_string()) {
    secs.assign(src.size(), std::nan(""));
    for (size_t i = 0; i < src.size(); ++i)
      if (!src.na[i] && !parse_date(src.str[i], secs[i]))
        throw TableError("add_datepart: column '" + field + "' has '" + src.str[i] + "' at row " + std::to_string(i) +
                         ", which is not an ISO date");
  } else if (src.type != ColType::Date) {
    throw TableError("add_datepart: column '" + field + "' holds " + to_string(src.type) + " values, not dates");
  }
  std::string prefix = o.prefix.value_or(field);
  if (!o.prefix && (prefix.ends_with("date") || prefix.ends_with("Date"))) prefix.resize(prefix.size() - 4);
  const size_t n = secs.size();
  const double nan = std::nan("");
  std::vector<std::string> num_names = {"Year", "Month", "Week", "Day", "Dayofweek", "Dayofyear"};
  std::vector<std::string> flag_names = {"Is_month_end",     "Is_month_start", "Is_quarter_end",
                                         "Is_quarter_start", "Is_year_end",    "Is_year_start"};
  std::vector<std::string> time_names = {"Hour", "Minute", "Second"};
  std::vector<std::vector<double>> nums(num_names.size(), std::vector<double>(n, nan)),
      times(3, std::vector<double>(n, nan));
  std::vector<std::vector<std::string>> flags(flag_names.size(), std::vector<std::string>(n));
  std::vector<uint8_t> missing(n, 0);
  std::vector<double> elapsed(n, nan);
  using namespace std::chrono;
  for (size_t i = 0; i < n; ++i) {
    if (std::isnan(secs[i])) {
      missing[i] = 1;
      continue;
    }
    const auto s = static_cast<int64_t>(std::floor(secs[i]));
    const sys_days d{days{static_cast<int64_t>(std::floor(static_cast<double>(s) / 86400.0))}};
    const year_month_day ymd{d};
    const int yr = static_cast<int>(ymd.year());
    const unsigned mo = static_cast<unsigned>(ymd.month()), dy = static_cast<unsigned>(ymd.day());
    const unsigned wd = (weekday{d}.c_encoding() + 6) % 7;  // Monday 0, as pandas
    const sys_days thursday = d - days{wd} + days{3};
    const year_month_day th{thursday};
    const auto week = (thursday - sys_days{th.year() / January / 1}).count() / 7 + 1;
    const auto doy = (d - sys_days{ymd.year() / January / 1}).count() + 1;
    const unsigned last_day = static_cast<unsigned>(year_month_day_last{ymd.year(), month_day_last{ymd.month()}}.day());
    nums[0][i] = yr;
    nums[1][i] = mo;
    nums[2][i] = static_cast<double>(week);
    nums[3][i] = dy;
    nums[4][i] = wd;
    nums[5][i] = static_cast<double>(doy);
    const bool month_end = dy == last_day, month_start = dy == 1;
    const bool flag[6] = {month_end,
                          month_start,
                          month_end && mo % 3 == 0,
                          month_start && mo % 3 == 1,
                          month_end && mo == 12,
                          month_start && mo == 1};
    for (size_t k = 0; k < 6; ++k) flags[k][i] = flag[k] ? "True" : "False";
    const int64_t rem = s - d.time_since_epoch().count() * 86400;
    times[0][i] = static_cast<double>(rem / 3600);
    times[1][i] = static_cast<double>(rem / 60 % 60);
    times[2][i] = static_cast<double>(rem % 60);
    elapsed[i] = static_cast<double>(s);
  }
  for (size_t k = 0; k < num_names.size(); ++k) df.add(Column::numbers(prefix + num_names[k], nums[k]));
  for (size_t k = 0; k < flag_names.size(); ++k) df.add(Column::strings(prefix + flag_names[k], flags[k], missing));
  if (o.time)
    for (size_t k = 0; k < 3; ++k) df.add(Column::numbers(prefix + time_names[k], times[k]));
  df.add(Column::numbers(prefix + "Elapsed", elapsed));
  if (o.drop) df.drop(field);
}

}  // namespace fastai
