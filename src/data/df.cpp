#include "fastai/data/df.h"

#include <nlohmann/json.hpp>

#include "fastai/core/describe.h"

namespace fastai {
using json = nlohmann::json;

std::vector<Item> rows_of(Table df) {
  auto shared = std::make_shared<const Table>(std::move(df));
  std::vector<Item> items;
  items.reserve(shared->n_rows());
  for (size_t i = 0; i < shared->n_rows(); ++i) items.emplace_back(Row(TableRow{shared, i}));
  return items;
}

std::string Col::name(const Table& t) const {
  if (const auto* s = std::get_if<std::string>(&ref)) {
    (void)t[*s];  // throws naming the column and listing the table's
    return *s;
  }
  const auto i = std::get<int64_t>(ref);
  if (i < 0 || static_cast<size_t>(i) >= t.n_cols())
    throw TableError("column " + std::to_string(i) + " does not exist (the table has " + std::to_string(t.n_cols()) +
                     " columns)");
  return t.col(static_cast<size_t>(i)).name;
}

std::string Col::repr() const {
  if (const auto* s = std::get_if<std::string>(&ref)) return "'" + *s + "'";
  return std::to_string(std::get<int64_t>(ref));
}

namespace {
json col_json(const Col& c) {
  if (const auto* s = std::get_if<std::string>(&c.ref)) return *s;
  return std::get<int64_t>(c.ref);
}
Col col_from(const json& j) {
  return j.is_string() ? Col(j.get<std::string>()) : Col(static_cast<int>(j.get<int64_t>()));
}
}  // namespace

ColReader::ColReader(std::vector<Col> cols, ColReaderOptions o) : cols_(std::move(cols)), o_(std::move(o)) {
  if (cols_.empty()) throw std::invalid_argument("ColReader: give at least one column");
  name = "ColReader";
  encodes<Row>([this](const TableRow& r) -> Item {
    if (cols_.size() == 1) return read(r, cols_[0]);
    std::vector<Item> v;
    for (const auto& c : cols_) v.push_back(read(r, c));
    return Tuple(std::move(v));
  });
}

Item ColReader::read(const TableRow& r, const Col& c) const {
  const Column& col = (*r.table)[c.name(*r.table)];
  if (col.is_missing(r.index))
    throw TableError("ColReader: column '" + col.name + "' is missing at row " + std::to_string(r.index));
  const std::string text = col.cell(r.index);
  if (!o_.label_delim.empty()) {
    std::vector<std::string> labels;
    size_t start = 0;
    while (start <= text.size()) {
      const size_t end = text.find(o_.label_delim, start);
      const std::string part = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!part.empty()) labels.push_back(part);
      if (end == std::string::npos) break;
      start = end + o_.label_delim.size();
    }
    return MultiCategory(std::move(labels));
  }
  if (!o_.pref.empty() || !o_.suff.empty()) return Path(std::filesystem::path(o_.pref + text + o_.suff));
  return Str(text);
}

json ColReader::describe() const {
  json j = describe_base();
  j["cols"] = json::array();
  for (const auto& c : cols_) j["cols"].push_back(col_json(c));
  j["pref"] = o_.pref;
  j["suff"] = o_.suff;
  j["label_delim"] = o_.label_delim;
  return j;
}

std::shared_ptr<ColReader> ColReader::from_description(const json& j) {
  std::vector<Col> cols;
  for (const auto& c : j.at("cols")) cols.push_back(col_from(c));
  auto r = std::make_shared<ColReader>(std::move(cols), ColReaderOptions{.pref = j.value("pref", ""),
                                                                         .suff = j.value("suff", ""),
                                                                         .label_delim = j.value("label_delim", "")});
  r->apply_base(j);
  return r;
}

Splitter ColSplitter(Col col) {
  return [col = std::move(col)](const std::vector<Item>& items) {
    std::vector<int64_t> train, valid;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is<Row>())
        throw std::invalid_argument("ColSplitter: item " + std::to_string(i) + " is a " +
                                    std::string(items[i].type().name()) + ", not a table row (use rows_of(df))");
      const TableRow& r = items[i].get<Row>();
      const Column& c = (*r.table)[col.name(*r.table)];
      bool v;
      if (c.is_string()) {
        const std::string& s = c.str[r.index];
        v = !c.na[r.index] && (s == "True" || s == "true" || s == "TRUE" || s == "1");
      } else {
        v = !std::isnan(c.num[r.index]) && c.num[r.index] != 0;
      }
      (v ? valid : train).push_back(static_cast<int64_t>(i));
    }
    return Splits{train, valid};
  };
}

namespace {
const bool registered = [] {
  register_transform("ColReader", [](const json& j) { return ColReader::from_description(j); });
  return true;
}();
}  // namespace

}  // namespace fastai
