#include "fastai/data/table.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

namespace fastai {

std::string to_string(ColType t) {
  switch (t) {
    case ColType::Int:
      return "int";
    case ColType::Float:
      return "float";
    case ColType::String:
      return "string";
    case ColType::Date:
      return "date";
  }
  return "?";
}

std::string format_number(double v) {
  if (v == 0) v = 0;  // no "-0"
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

namespace {
std::string format_date(double s) {
  if (std::isnan(s)) return "NaT";
  using namespace std::chrono;
  const auto secs = static_cast<int64_t>(std::floor(s));
  const sys_days day{days{static_cast<int64_t>(std::floor(static_cast<double>(secs) / 86400.0))}};
  const year_month_day ymd{day};
  const int64_t rem = secs - static_cast<int64_t>(day.time_since_epoch().count()) * 86400;
  char buf[40];
  if (rem == 0)
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
  else
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(rem / 3600),
                  static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  return buf;
}
}  // namespace

Column Column::numbers(std::string name, std::vector<double> values) {
  Column c;
  c.name = std::move(name);
  const bool ints =
      std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v) && v == std::floor(v); });
  c.type = ints ? ColType::Int : ColType::Float;
  c.num = std::move(values);
  return c;
}

Column Column::strings(std::string name, std::vector<std::string> values, std::vector<uint8_t> missing) {
  if (!missing.empty() && missing.size() != values.size())
    throw TableError("Column::strings: '" + name + "' has " + std::to_string(values.size()) + " values but " +
                     std::to_string(missing.size()) + " missing flags");
  Column c;
  c.name = std::move(name);
  c.type = ColType::String;
  c.na = missing.empty() ? std::vector<uint8_t>(values.size(), 0) : std::move(missing);
  c.str = std::move(values);
  return c;
}

Column Column::dates(std::string name, std::vector<double> seconds) {
  Column c;
  c.name = std::move(name);
  c.type = ColType::Date;
  c.num = std::move(seconds);
  return c;
}

bool Column::is_missing(size_t i) const { return is_string() ? na.at(i) != 0 : std::isnan(num.at(i)); }

size_t Column::n_missing() const {
  if (is_string()) return static_cast<size_t>(std::count(na.begin(), na.end(), uint8_t{1}));
  return static_cast<size_t>(std::count_if(num.begin(), num.end(), [](double v) { return std::isnan(v); }));
}

std::string Column::cell(size_t i) const {
  if (is_string()) return na.at(i) ? "" : str.at(i);
  if (type == ColType::Date) return format_date(num.at(i));
  return format_number(num.at(i));
}

Column Column::take(const std::vector<int64_t>& rows) const {
  Column c;
  c.name = name;
  c.type = type;
  const auto n = static_cast<int64_t>(size());
  for (int64_t r : rows)
    if (r < 0 || r >= n)
      throw TableError("row " + std::to_string(r) + " is out of range for column '" + name + "' (" + std::to_string(n) +
                       " rows)");
  if (is_string()) {
    c.str.reserve(rows.size());
    c.na.reserve(rows.size());
    for (int64_t r : rows) {
      c.str.push_back(str[static_cast<size_t>(r)]);
      c.na.push_back(na[static_cast<size_t>(r)]);
    }
  } else {
    c.num.reserve(rows.size());
    for (int64_t r : rows) c.num.push_back(num[static_cast<size_t>(r)]);
  }
  return c;
}

Table::Table(std::vector<Column> columns) {
  for (auto& c : columns) add(std::move(c));
}

std::vector<std::string> Table::names() const {
  std::vector<std::string> out;
  out.reserve(cols_.size());
  for (const auto& c : cols_) out.push_back(c.name);
  return out;
}

namespace {
[[noreturn]] void no_column(const std::string& name, const std::vector<std::string>& names) {
  std::string known;
  for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
  throw TableError("no column '" + name + "' in the table (columns: " + known + ")");
}
}  // namespace

const Column& Table::operator[](const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) no_column(name, names());
  return cols_[it->second];
}

Column& Table::operator[](const std::string& name) {
  auto it = index_.find(name);
  if (it == index_.end()) no_column(name, names());
  return cols_[it->second];
}

void Table::add(Column c) {
  if (c.is_string() && c.na.size() != c.str.size()) c.na.resize(c.str.size(), 0);
  if (!cols_.empty() && !(cols_.size() == 1 && index_.count(c.name)) && c.size() != n_rows_)
    throw TableError("column '" + c.name + "' has " + std::to_string(c.size()) + " rows but the table has " +
                     std::to_string(n_rows_));
  n_rows_ = c.size();
  if (auto it = index_.find(c.name); it != index_.end()) {
    cols_[it->second] = std::move(c);
    return;
  }
  index_[c.name] = cols_.size();
  cols_.push_back(std::move(c));
}

void Table::drop(const std::string& name) {
  auto it = index_.find(name);
  if (it == index_.end()) no_column(name, names());
  cols_.erase(cols_.begin() + static_cast<std::ptrdiff_t>(it->second));
  index_.clear();
  for (size_t i = 0; i < cols_.size(); ++i) index_[cols_[i].name] = i;
  if (cols_.empty()) n_rows_ = 0;
}

Table Table::select(const std::vector<std::string>& names) const {
  Table t;
  for (const auto& n : names) t.add((*this)[n]);
  return t;
}

Table Table::take(const std::vector<int64_t>& rows) const {
  Table t;
  for (const auto& c : cols_) t.add(c.take(rows));
  return t;
}

Table Table::slice(size_t from, size_t to) const {
  to = std::min(to, n_rows_);
  std::vector<int64_t> rows;
  for (size_t i = from; i < to; ++i) rows.push_back(static_cast<int64_t>(i));
  return take(rows);
}

Table Table::head(size_t n) const { return slice(0, n); }

Table Table::concat(const Table& other) const {
  if (cols_.empty()) return other;
  Table t;
  for (const auto& c : cols_) {
    const Column& o = other[c.name];
    if (o.is_string() != c.is_string())
      throw TableError("concat: column '" + c.name + "' is " + fastai::to_string(c.type) + " in one table and " +
                       fastai::to_string(o.type) + " in the other");
    Column r = c;
    if (c.is_string()) {
      r.str.insert(r.str.end(), o.str.begin(), o.str.end());
      r.na.insert(r.na.end(), o.na.begin(), o.na.end());
    } else {
      r.num.insert(r.num.end(), o.num.begin(), o.num.end());
      if (o.type == ColType::Float) r.type = c.type == ColType::Date ? ColType::Date : ColType::Float;
    }
    t.add(std::move(r));
  }
  return t;
}

std::string Table::to_string(size_t max_rows) const {
  const size_t n = std::min(max_rows, n_rows_);
  std::vector<std::vector<std::string>> cells(cols_.size() + 1);
  cells[0].push_back("");
  for (size_t r = 0; r < n; ++r) cells[0].push_back(std::to_string(r));
  for (size_t c = 0; c < cols_.size(); ++c) {
    cells[c + 1].push_back(cols_[c].name);
    for (size_t r = 0; r < n; ++r)
      cells[c + 1].push_back(cols_[c].is_missing(r) && cols_[c].is_string() ? "NaN" : cols_[c].cell(r));
  }
  std::vector<size_t> width(cells.size(), 0);
  for (size_t c = 0; c < cells.size(); ++c)
    for (const auto& s : cells[c]) width[c] = std::max(width[c], s.size());
  std::ostringstream os;
  for (size_t r = 0; r <= n; ++r) {
    for (size_t c = 0; c < cells.size(); ++c) {
      const auto& s = cells[c][r];
      os << (c ? "  " : "") << std::string(width[c] - s.size(), ' ') << s;
    }
    os << '\n';
  }
  if (n < n_rows_) os << "... (" << n_rows_ << " rows x " << cols_.size() << " columns)\n";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Table& t) { return os << t.to_string(); }

}  // namespace fastai
