#pragma once
/// A small columnar table: the project's stand-in for the pandas DataFrame that fastai's tabular
/// application is written on. Columns hold numbers (integer or float, NaN for missing), strings
/// (with a missing flag) or dates (seconds since the Unix epoch, NaN for missing). Values are
/// stored column by column so the tabular procs and the tensor conversion walk contiguous memory.
///
/// Example:
///   fastai::Table t = fastai::read_csv("adult.csv");
///   std::cout << t.head(5);
///   auto ages = t["age"].num;                       // std::vector<double>
///   fastai::Table valid = t.take({0, 5, 9});        // rows by index
///
/// Thread-safety: Const access (reading columns, take, select, concat into a new table) is safe from many
/// threads at once; changing a Table or Column is one thread's.
#include <cstdint>
#include <iosfwd>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "fastai/core/error.h"

namespace fastai {

/// The kind of values a column holds (pandas' dtype, coarsely): Int and Float are both stored as
/// doubles; Int means every value was an integer and none was missing (as pandas' int64).
enum class ColType { Int, Float, String, Date };

/// "int", "float", "string" or "date". Example: `to_string(ColType::Float) == "float"`
std::string to_string(ColType t);

/// Thrown for a missing column, a bad value or mismatched lengths; the message names the column
/// (and the row where one applies).
/// An ItemError: it keeps its type through loaders and pipelines (core/error.h).
/// Example: `try { t["nope"]; } catch (const TableError& e) { /* "no column 'nope' (columns: a, b)" */ }`
class TableError : public ItemError {
 public:
  using ItemError::ItemError;
  FASTAI_ITEM_ERROR(TableError)
};

/// One named column. Numeric and date values live in `num` (NaN = missing); strings in `str`
/// with `na[i] != 0` marking a missing cell.
/// Example: `Column c = Column::numbers("age", {31, 45, NAN});  // Float, one missing`
struct Column {
  std::string name;
  ColType type = ColType::Float;
  std::vector<double> num;
  std::vector<std::string> str;
  std::vector<uint8_t> na;

  /// A numeric column (Int when every value is a whole number and none is NaN, else Float).
  static Column numbers(std::string name, std::vector<double> values);
  /// A string column; `missing` (optional, same length) flags missing cells.
  static Column strings(std::string name, std::vector<std::string> values, std::vector<uint8_t> missing = {});
  /// A date column from seconds since the epoch (NaN = missing).
  static Column dates(std::string name, std::vector<double> seconds);

  size_t size() const noexcept { return is_string() ? str.size() : num.size(); }
  bool is_string() const noexcept { return type == ColType::String; }
  bool is_numeric() const noexcept { return type == ColType::Int || type == ColType::Float; }
  bool is_missing(size_t i) const;
  /// Number of missing cells.
  size_t n_missing() const;
  /// Cell i as text: strings as stored, whole numbers without a decimal point, dates as
  /// YYYY-MM-DD[ HH:MM:SS], missing cells as "NaN" (numbers) or "#na#"-free "" (strings).
  std::string cell(size_t i) const;
  /// The rows `rows` of this column, in that order.
  Column take(const std::vector<int64_t>& rows) const;
};

/// Formats a number as pandas prints it in a table: integers without ".0", otherwise up to 6
/// significant digits; NaN as "NaN". Example: `format_number(3.0) == "3"`
std::string format_number(double v);

/// A table of equally long named columns (fastai's DataFrame).
///
/// Example:
///   fastai::Table t;
///   t.add(fastai::Column::numbers("x", {1, 2, 3}));
///   t.add(fastai::Column::strings("y", {"a", "b", "a"}));
///   fastai::Table first = t.take({0});
///   std::cout << t;                               // an aligned text table
class Table {
 public:
  Table() = default;
  explicit Table(std::vector<Column> columns);

  size_t n_rows() const noexcept { return n_rows_; }
  size_t n_cols() const noexcept { return cols_.size(); }
  std::vector<std::string> names() const;
  bool has(const std::string& name) const { return index_.count(name) != 0; }
  /// The column called `name`; throws TableError naming it and listing the columns.
  const Column& operator[](const std::string& name) const;
  Column& operator[](const std::string& name);
  const Column& col(size_t i) const { return cols_.at(i); }
  Column& col(size_t i) { return cols_.at(i); }
  const std::vector<Column>& columns() const noexcept { return cols_; }

  /// Adds a column (or replaces the one with its name); its length must match the table's.
  void add(Column c);
  /// Removes a column; throws when it does not exist.
  void drop(const std::string& name);
  /// The named columns, in that order (pandas' df[[…]]).
  Table select(const std::vector<std::string>& names) const;
  /// The rows `rows`, in that order (pandas' df.iloc[rows]); throws naming an out-of-range row.
  Table take(const std::vector<int64_t>& rows) const;
  /// The first n rows.
  Table head(size_t n = 5) const;
  /// Rows [from, to).
  Table slice(size_t from, size_t to) const;
  /// Rows of this table followed by rows of `other` (same column names and kinds).
  Table concat(const Table& other) const;
  /// An aligned text rendering of the first `max_rows` rows (pandas' repr), with a row index.
  std::string to_string(size_t max_rows = 10) const;

 private:
  std::vector<Column> cols_;
  std::map<std::string, size_t> index_;
  size_t n_rows_ = 0;
};

/// Prints `t.to_string()`. Example: `std::cout << t.head(3);`
std::ostream& operator<<(std::ostream& os, const Table& t);

}  // namespace fastai
