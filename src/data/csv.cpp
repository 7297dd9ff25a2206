#include "fastai/data/csv.h"

#include <csv.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "fastai/core/atomic_file.h"

namespace fastai {
namespace fs = std::filesystem;

const std::vector<std::string>& default_na_values() {
  static const std::vector<std::string> v = {"",     "#N/A",   "#N/A N/A", "#NA",  "-1.#IND", "-1.#QNAN", "-NaN",
                                             "-nan", "1.#IND", "1.#QNAN",  "<NA>", "N/A",     "NA",       "NULL",
                                             "NaN",  "None",   "n/a",      "nan",  "null"};
  return v;
}

namespace {

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

}  // namespace

bool parse_number(const std::string& raw, double& v) {
  const std::string s = trim(raw);
  if (s.empty()) return false;
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

namespace {

// Raw cells of a file, column by column, with the line each record started on.
struct Raw {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> cells;  // [col][row]
  std::vector<std::vector<uint8_t>> missing;    // [col][row]
};

struct ParseState {
  std::vector<std::string> row;
  std::vector<std::vector<std::string>> rows;
  std::vector<size_t> row_lines;
  size_t line = 1;       // physical line being fed
  size_t row_start = 0;  // line of the current record's first field
};

void on_field(void* s, size_t len, void* data) {
  auto* st = static_cast<ParseState*>(data);
  if (st->row.empty()) st->row_start = st->line;
  st->row.emplace_back(s ? static_cast<const char*>(s) : "", s ? len : 0);
}

void on_row(int, void* data) {
  auto* st = static_cast<ParseState*>(data);
  if (st->row.empty()) st->row_start = st->line;
  st->rows.push_back(std::move(st->row));
  st->row_lines.push_back(st->row_start);
  st->row.clear();
}

int no_space(unsigned char) { return 0; }

Raw tokenize(const std::string& text, const CsvOptions& o, const std::string& name) {
  csv_parser p;
  if (csv_init(&p, CSV_APPEND_NULL) != 0) throw CsvError(name + ": cannot start the CSV parser");
  std::unique_ptr<csv_parser, void (*)(csv_parser*)> guard(&p, csv_free);
  csv_set_delim(&p, static_cast<unsigned char>(o.sep));
  csv_set_quote(&p, static_cast<unsigned char>(o.quote));
  csv_set_space_func(&p, no_space);  // keep spaces, as pandas does
  ParseState st;
  size_t pos = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;  // UTF-8 byte-order mark
  // Fed line by line so every record knows the line it started on (for error messages).
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    const size_t end = nl == std::string::npos ? text.size() : nl + 1;
    if (csv_parse(&p, text.data() + pos, end - pos, on_field, on_row, &st) != end - pos)
      throw CsvError(name + ":" + std::to_string(st.line) + ": " + csv_strerror(csv_error(&p)));
    ++st.line;
    pos = end;
  }
  csv_fini(&p, on_field, on_row, &st);
  Raw raw;
  if (st.rows.empty()) return raw;
  size_t first = 0;
  const size_t ncol = st.rows[0].size();
  if (o.header) {
    raw.header = st.rows[0];
    first = 1;
  } else {
    for (size_t c = 0; c < ncol; ++c) raw.header.push_back(std::to_string(c));
  }
  std::set<std::string> seen;
  for (auto& h : raw.header) {
    if (!seen.insert(h).second)
      throw CsvError(name + ":" + std::to_string(st.row_lines[0]) + ": column '" + h + "' appears twice in the header");
  }
  raw.cells.assign(ncol, {});
  raw.missing.assign(ncol, {});
  const std::set<std::string> na(o.na_values.begin(), o.na_values.end());
  for (size_t r = first; r < st.rows.size(); ++r) {
    auto& row = st.rows[r];
    if (row.size() != ncol)
      throw CsvError(name + ":" + std::to_string(st.row_lines[r]) + ": " + std::to_string(row.size()) +
                     " fields, expected " + std::to_string(ncol) + " (as in " +
                     (o.header ? "the header" : "the first record") + ")");
    for (size_t c = 0; c < ncol; ++c) {
      raw.missing[c].push_back(na.count(row[c]) ? 1 : 0);
      raw.cells[c].push_back(std::move(row[c]));
    }
  }
  return raw;
}

Column make_column(const std::string& col, std::vector<std::string>& cells, const std::vector<uint8_t>& missing,
                   std::optional<ColType> want, const std::string& name) {
  const size_t n = cells.size();
  if (want == ColType::String) return Column::strings(col, std::move(cells), missing);
  if (want == ColType::Date) {
    std::vector<double> v(n, std::nan(""));
    for (size_t i = 0; i < n; ++i)
      if (!missing[i] && !parse_date(trim(cells[i]), v[i]))
        throw CsvError(name + ": column '" + col + "', row " + std::to_string(i) + ": '" + cells[i] +
                       "' is not a date");
    return Column::dates(col, std::move(v));
  }
  std::vector<double> v(n, std::nan(""));
  bool numeric = true;
  size_t bad = 0;
  for (size_t i = 0; i < n && numeric; ++i)
    if (!missing[i] && !parse_number(cells[i], v[i])) {
      numeric = false;
      bad = i;
    }
  if (!numeric) {
    if (want)
      throw CsvError(name + ": column '" + col + "', row " + std::to_string(bad) + ": '" + cells[bad] +
                     "' is not a number");
    return Column::strings(col, std::move(cells), missing);
  }
  Column c = Column::numbers(col, std::move(v));
  if (want == ColType::Float) c.type = ColType::Float;
  if (want == ColType::Int && c.type != ColType::Int)
    throw CsvError(name + ": column '" + col + "' was asked to be int but has missing or fractional values");
  return c;
}

std::string read_file(const fs::path& file, const char* what) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw CsvError(std::string(what) + ": " + file.string() +
                   (fs::exists(file) ? " cannot be opened" : " does not exist"));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

bool parse_date(const std::string& s, double& seconds) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  double sec = 0;
  char sep = 0;
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3 || consumed != 10) return false;
  if (s.size() > 10) {
    if (std::sscanf(s.c_str() + 10, "%c%2d:%2d%n", &sep, &h, &mi, &consumed) != 3 || (sep != ' ' && sep != 'T'))
      return false;
    size_t at = 10 + static_cast<size_t>(consumed);
    if (at < s.size() && s[at] == ':') {
      int c2 = 0;
      if (std::sscanf(s.c_str() + at, ":%lf%n", &sec, &c2) != 1) return false;
      at += static_cast<size_t>(c2);
    }
    if (at < s.size() && s.substr(at) != "Z") return false;
  }
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec >= 61) return false;
  seconds = static_cast<double>(sys_days{ymd}.time_since_epoch().count()) * 86400.0 + h * 3600.0 + mi * 60.0 + sec;
  return true;
}

Table read_csv_string(const std::string& text, CsvOptions o, const std::string& name) {
  Raw raw = tokenize(text, o, name);
  for (const auto& d : o.parse_dates) o.dtypes[d] = ColType::Date;
  for (const auto& [col, _] : o.dtypes)
    if (std::find(raw.header.begin(), raw.header.end(), col) == raw.header.end())
      throw CsvError(name + ": dtypes/parse_dates name column '" + col + "', which the file does not have");
  Table t;
  for (size_t c = 0; c < raw.header.size(); ++c) {
    std::optional<ColType> want;
    if (auto it = o.dtypes.find(raw.header[c]); it != o.dtypes.end()) want = it->second;
    t.add(make_column(raw.header[c], raw.cells[c], raw.missing[c], want, name));
  }
  return t;
}

Table read_csv(const fs::path& file, CsvOptions options) {
  return read_csv_string(read_file(file, "read_csv"), std::move(options), file.string());
}

void write_csv(const Table& t, const fs::path& file) {
  auto quote = [](const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return q + "\"";
  };
  std::ostringstream os;
  const auto names = t.names();
  for (size_t c = 0; c < names.size(); ++c) os << (c ? "," : "") << quote(names[c]);
  os << '\n';
  for (size_t r = 0; r < t.n_rows(); ++r) {
    for (size_t c = 0; c < t.n_cols(); ++c) {
      const Column& col = t.col(c);
      os << (c ? "," : "");
      if (col.is_missing(r)) continue;
      if (col.is_numeric()) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", col.num[r]);
        os << buf;
      } else {
        os << quote(col.cell(r));
      }
    }
    os << '\n';
  }
  const std::string text = os.str();
  write_atomically(file, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    out.flush();
    if (!out) throw TableError("write_csv: writing " + file.string() + " failed (disk full?)");
  });
}

// ---------------------------------------------------------------- ARFF

namespace {

// Splits one ARFF data line into values: ',' separated, ' or " quoted with backslash escapes.
std::vector<std::pair<std::string, bool>> split_arff(const std::string& line, const std::string& where) {
  std::vector<std::pair<std::string, bool>> out;  // value, quoted
  size_t i = 0;
  while (true) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    std::string v;
    bool quoted = false;
    if (i < line.size() && (line[i] == '\'' || line[i] == '"')) {
      const char q = line[i++];
      quoted = true;
      while (i < line.size() && line[i] != q) {
        if (line[i] == '\\' && i + 1 < line.size()) ++i;
        v += line[i++];
      }
      if (i >= line.size()) throw CsvError(where + ": unterminated quoted value");
      ++i;
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    } else {
      while (i < line.size() && line[i] != ',') v += line[i++];
      v = trim(v);
    }
    out.emplace_back(std::move(v), quoted);
    if (i >= line.size()) break;
    if (line[i] != ',') throw CsvError(where + ": expected ',' after a quoted value");
    ++i;
  }
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

Table read_arff(const fs::path& file) {
  const std::string text = read_file(file, "read_arff");
  std::istringstream in(text);
  std::string line;
  size_t lineno = 0;
  struct Attr {
    std::string name, kind;
  };
  std::vector<Attr> attrs;
  std::vector<std::vector<std::string>> cells;
  std::vector<std::vector<uint8_t>> missing;
  bool data = false;
  auto where = [&] { return file.string() + ":" + std::to_string(lineno); };
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string t = trim(line);
    if (t.empty() || t[0] == '%') continue;
    if (!data) {
      const std::string l = lower(t);
      if (l.rfind("@relation", 0) == 0) continue;
      if (l.rfind("@data", 0) == 0) {
        data = true;
        cells.assign(attrs.size(), {});
        missing.assign(attrs.size(), {});
        continue;
      }
      if (l.rfind("@attribute", 0) != 0) throw CsvError(where() + ": expected @attribute, @relation or @data");
      std::string rest = trim(t.substr(10));
      std::string name;
      if (!rest.empty() && (rest[0] == '\'' || rest[0] == '"')) {
        const size_t close = rest.find(rest[0], 1);
        if (close == std::string::npos) throw CsvError(where() + ": unterminated attribute name");
        name = rest.substr(1, close - 1);
        rest = trim(rest.substr(close + 1));
      } else {
        size_t sp = 0;
        while (sp < rest.size() && !std::isspace(static_cast<unsigned char>(rest[sp]))) ++sp;
        name = rest.substr(0, sp);
        rest = trim(rest.substr(sp));
      }
      const std::string kind = lower(rest);
      if (kind.rfind("relational", 0) == 0) throw CsvError(where() + ": relational attributes are not supported");
      std::string k = kind[0] == '{'                                                ? "nominal"
                      : kind.rfind("numeric", 0) == 0 || kind.rfind("real", 0) == 0 ? "numeric"
                      : kind.rfind("integer", 0) == 0                               ? "integer"
                      : kind.rfind("string", 0) == 0                                ? "string"
                      : kind.rfind("date", 0) == 0                                  ? "date"
                                                                                    : "";
      if (k.empty()) throw CsvError(where() + ": unknown attribute type '" + rest + "' for '" + name + "'");
      attrs.push_back({name, k});
      continue;
    }
    if (t[0] == '{') throw CsvError(where() + ": sparse ARFF data is not supported");
    auto vals = split_arff(t, where());
    if (vals.size() != attrs.size())
      throw CsvError(where() + ": " + std::to_string(vals.size()) + " values, expected " +
                     std::to_string(attrs.size()));
    for (size_t c = 0; c < vals.size(); ++c) {
      const bool na = !vals[c].second && vals[c].first == "?";
      missing[c].push_back(na ? 1 : 0);
      cells[c].push_back(na ? std::string() : std::move(vals[c].first));
    }
  }
  if (!data) throw CsvError(file.string() + ": no @data section (is this an ARFF file?)");
  Table out;
  for (size_t c = 0; c < attrs.size(); ++c) {
    const auto& k = attrs[c].kind;
    std::optional<ColType> want;
    if (k == "nominal" || k == "string")
      want = ColType::String;
    else if (k == "date")
      want = ColType::Date;
    else if (k == "numeric")
      want = ColType::Float;
    Column col = make_column(attrs[c].name, cells[c], missing[c], want, file.string());
    if (k == "integer" && col.type != ColType::Int && col.is_numeric()) col.type = ColType::Float;
    out.add(std::move(col));
  }
  return out;
}

}  // namespace fastai
