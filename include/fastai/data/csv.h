#pragma once
/// Reading tables from CSV (with Debian's libcsv: quoted fields, embedded separators and
/// newlines, CRLF) and from Weka's ARFF, with pandas-like type inference.
///
/// Example:
///   auto t = fastai::read_csv("data.csv", {.dtypes = {{"zip", fastai::ColType::String}},
///                                          .parse_dates = {"saledate"}});
///   auto g = fastai::read_arff("credit-g.arff");
///
/// Thread-safety: Reading and writing files is safe from any thread (no shared state; writes are atomic).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "fastai/data/table.h"

namespace fastai {

/// pandas' default missing-value markers (read_csv's na_values): "", "NA", "NaN", "null", ….
const std::vector<std::string>& default_na_values();

/// Keyword arguments of read_csv.
/// Example: `read_csv(f, {.sep = ';', .dtypes = {{"id", ColType::String}}})`
struct CsvOptions {
  char sep = ',';
  char quote = '"';
  bool header = true;                                        ///< first record names the columns (else 0, 1, …)
  std::map<std::string, ColType> dtypes;                     ///< override the inferred kind of these columns
  std::vector<std::string> parse_dates;                      ///< columns to parse as dates (ISO 8601)
  std::vector<std::string> na_values = default_na_values();  ///< cells read as missing
};

/// Thrown for unreadable or malformed files; the message names the file and the line.
/// Example: `catch (const CsvError& e) { std::cerr << e.what(); }  // "x.csv:7: 3 fields, expected 4"`
class CsvError : public TableError {
 public:
  using TableError::TableError;
  FASTAI_ITEM_ERROR(CsvError)
};

/// Reads a CSV file. A leading UTF-8 byte-order mark is skipped; records may end in LF or CRLF;
/// fields may be quoted ("" inside quotes is a quote; separators and newlines may appear
/// inside). Each column is Int when every cell is a whole number, Float when every non-missing
/// cell is a number, else String (pandas' inference). A record with the wrong number of fields
/// throws CsvError naming the file and line.
/// Example: `Table t = read_csv("credit_data.csv");`
Table read_csv(const std::filesystem::path& file, CsvOptions options = {});
/// The same, from text in memory (`name` is used in error messages).
/// Example: `Table t = read_csv_string("a,b\n1,x\n");`
Table read_csv_string(const std::string& text, CsvOptions options = {}, const std::string& name = "<string>");

/// Writes a table as CSV (header row; strings quoted when needed; missing cells empty),
/// atomically. Example: `write_csv(t, "out.csv");`
void write_csv(const Table& t, const std::filesystem::path& file);

/// Parses a whole cell (surrounding spaces allowed) as a number, as read_csv's inference does;
/// false when it is not one. Example: `double v; parse_number(" 2.5", v);  // v == 2.5`
bool parse_number(const std::string& s, double& value);

/// Parses an ISO 8601 date or date-time ("2011-03-05", "2011-03-05 14:30:00", "…T…") into
/// seconds since the epoch (UTC); false when `s` is not one.
/// Example: `double s; parse_date("1970-01-02", s);  // s == 86400`
bool parse_date(const std::string& s, double& seconds);

/// Reads a Weka ARFF file (dense @data): nominal attributes become String columns, numeric /
/// real / integer Float or Int, string String, date Date; '?' is missing; values may be quoted
/// with ' or ". Sparse data and relational attributes are refused with a clear error.
/// Example: `Table g = read_arff("credit-g.arff");  // 1000 rows, 21 columns`
Table read_arff(const std::filesystem::path& file);

}  // namespace fastai
