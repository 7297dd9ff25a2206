#pragma once
/// Rows of a Table as pipeline items, and fastai's DataFrame helpers of data.transforms:
/// ColReader (a getter reading columns of a row) and ColSplitter (train/valid from a column).
/// With them a DataBlock reads its items from a CSV file, as fastai's from_df / from_csv do.
///
/// Example:
///   Table df = read_csv(path / "labels.csv");              // name,label,is_valid
///   DataBlock dblock({.blocks = {ImageBlock(), CategoryBlock()},
///                     .get_x = {std::make_shared<ColReader>("name", ColReaderOptions{.pref = (path /
///                     "train/").string()})}, .get_y = {std::make_shared<ColReader>("label")}, .splitter =
///                     ColSplitter("is_valid")});
///   auto dls = dblock.dataloaders(rows_of(df));
///
/// Thread-safety: ColReader and ColSplitter are const functions of their rows: safe from any thread.
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "fastai/core/semantic.h"
#include "fastai/core/transform.h"
#include "fastai/data/table.h"
#include "fastai/data/transforms.h"

namespace fastai {

/// One row of a shared table (what pandas' df.iloc[i] is to fastai's getters).
/// Example: `const TableRow& r = item.get<Row>(); r.cell("label");`
struct TableRow {
  std::shared_ptr<const Table> table;
  size_t index = 0;
  /// The text of column `col` in this row (Column::cell).
  std::string cell(const std::string& col) const { return (*table)[col].cell(index); }
};

/// The semantic type of a table row item.
/// Example: `Item r = Row(TableRow{std::make_shared<const Table>(df), 0});  // rows_of(df) makes these`
FASTAI_SEMANTIC_TYPE(Row, TableRow);

/// Every row of `df` as a Row item (sharing one copy of the table): a DataBlock's items.
/// Example: `auto items = rows_of(df);  // items[3].get<Row>().index == 3`
std::vector<Item> rows_of(Table df);

/// A column named or numbered (fastai's ColReader and ColSplitter take either).
/// Example: `Col c = 0;  Col d = "label";`
struct Col {
  std::variant<int64_t, std::string> ref;
  Col(int i) : ref(static_cast<int64_t>(i)) {}       // NOLINT: implicit, as fastai's int/str
  Col(std::string name) : ref(std::move(name)) {}    // NOLINT
  Col(const char* name) : ref(std::string(name)) {}  // NOLINT
  /// The column's name in `t`; throws naming the index or name when `t` has no such column.
  std::string name(const Table& t) const;
  std::string repr() const;
};

/// Keyword arguments of ColReader (fastai's).
/// Example: `ColReaderOptions{.pref = "images/", .suff = ".jpg"}` or `{.label_delim = " "}`
struct ColReaderOptions {
  std::string pref;         ///< prepended to the text (a folder); the result is then a Path
  std::string suff;         ///< appended to the text (an extension)
  std::string label_delim;  ///< split the text into labels (a MultiCategory)
};

/// Reads `cols` of a Row item (fastai's ColReader): one column → Str (Path when `pref` or
/// `suff` is given), several → a Tuple, `label_delim` → MultiCategory. Items that are not rows
/// pass through unchanged (predict on a file path skips it). Describable.
/// Example: `auto get_x = std::make_shared<ColReader>("fname", ColReaderOptions{.pref = "imgs/"});`
class ColReader : public Transform {
 public:
  explicit ColReader(std::vector<Col> cols, ColReaderOptions options = {});
  explicit ColReader(Col col, ColReaderOptions options = {})
      : ColReader(std::vector<Col>{std::move(col)}, std::move(options)) {}
  std::string type_name() const override { return "ColReader"; }
  nlohmann::json describe() const override;
  static std::shared_ptr<ColReader> from_description(const nlohmann::json& j);

 private:
  Item read(const TableRow& r, const Col& c) const;
  std::vector<Col> cols_;
  ColReaderOptions o_;
};

/// Rows whose `col` is true ("True", "true", "1", or a non-zero number) are valid (fastai's
/// ColSplitter). The items must be Row items.
/// Example: `.splitter = ColSplitter("is_valid")`
Splitter ColSplitter(Col col = "is_valid");

}  // namespace fastai
