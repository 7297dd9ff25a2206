#pragma once
/// fastai.tabular.core: TabularPandas — a table with categorical, continuous and target columns,
/// preprocessed once by procs (Categorify, FillMissing, Normalize) and stored as three tensors
/// (an int64 matrix of category codes, a float matrix of continuous values, the targets), which
/// the tabular loader indexes a whole batch at a time.
///
/// Example (the paper's tabular example):
///   auto df = fastai::read_csv(path / "adult.csv");
///   auto splits = fastai::RandomSplitter(0.2, 42)(fastai::range_of(df.n_rows()));
///   fastai::TabularPandas to(df, {.procs = {fastai::Categorify(), fastai::FillMissing(), fastai::Normalize()},
///                                 .cat_names = {"workclass", "education"}, .cont_names = {"age", "fnlwgt"},
///                                 .y_names = {"salary"}, .splits = splits});
///   std::cout << to.cats().sizes();      // [n, 2 + FillMissing's *_na columns]
///
/// Thread-safety: A processed TabularPandas is read-only for the loaders: `new_` (test_dl) and reads are safe
/// from many threads at once (the procs' encode is const); setting it up is one thread's.
#include <ATen/core/Tensor.h>

#include <concepts>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fastai/data/block.h"
#include "fastai/data/table.h"
#include "fastai/data/transforms.h"

namespace fastai {

class TabularPandas;

/// `n` items Int(0) … Int(n-1), for splitters (fastai's range_of).
/// Example: `auto splits = RandomSplitter(0.2, 42)(range_of(df.n_rows()));`
std::vector<Item> range_of(size_t n);

/// A preprocessing step run once over a whole table (fastai's TabularProc): `setup` learns
/// state from the training rows only, `encode` transforms the table in place, `decode` undoes
/// it on a decoded batch. Procs run sorted by `order` (FillMissing 0, Categorify 1, Normalize
/// 99, as in fastai), each set up on the output of the previous ones.
/// Example: subclass it, then `.procs = {MyProc()}`.
class TabularProc {
 public:
  virtual ~TabularProc() = default;
  virtual std::string name() const = 0;
  virtual int order() const { return 0; }
  /// Learns state from `train` (the training rows, already processed by earlier procs); may
  /// add column names to `to` (FillMissing's *_na columns).
  virtual void setup(TabularPandas& to, const Table& train) = 0;
  /// Processes `to`'s table in place. Errors name the column (and row).
  virtual void encode(TabularPandas& to) const = 0;
  /// Undoes encode on a table of decoded batch values (no-op by default).
  virtual void decode(Table& t, const TabularPandas& to) const;
  /// This proc and its learned state as JSON ({"name": …, …}); rebuilt by proc_from_description.
  virtual nlohmann::json describe() const = 0;
  /// A copy (procs are shared by TabularPandas::new_ copies; clone before setting up again).
  virtual std::shared_ptr<TabularProc> clone() const = 0;
};

/// Rebuilds a proc from its description (built-in procs and those registered with
/// register_proc). Example: `auto p = proc_from_description(cat.describe());`
std::shared_ptr<TabularProc> proc_from_description(const nlohmann::json& j);
/// Registers a rebuilder for your own proc's descriptions.
/// Example: `register_proc("MyProc", [](const nlohmann::json& j) { return std::make_shared<MyProc>(j); });`
void register_proc(const std::string& name, std::function<std::shared_ptr<TabularProc>(const nlohmann::json&)> make);

/// One entry of TabularOptions::procs: any TabularProc value (Categorify(), FillMissing(…)) or
/// fastai::Normalize() (which means the tabular Normalize: training mean/std per continuous
/// column, as fastai's Normalize does for Tabular).
/// Example: `std::vector<Proc> procs = {Categorify(), FillMissing(), Normalize()};`
class Proc {
 public:
  template <class P>
  requires std::derived_from<P, TabularProc> Proc(P p)  // NOLINT: implicit, so procs read as in fastai
      : p_(std::make_shared<P>(std::move(p))) {}
  Proc(const Normalize&);                                     // NOLINT
  Proc(std::shared_ptr<TabularProc> p) : p_(std::move(p)) {}  // NOLINT
  const std::shared_ptr<TabularProc>& get() const noexcept { return p_; }

 private:
  std::shared_ptr<TabularProc> p_;
};

/// Keyword arguments of TabularPandas (fastai's names and defaults).
/// Example: `{.procs = {Categorify(), Normalize()}, .cat_names = {"a"}, .cont_names = {"x"}, .y_names = {"y"}}`
struct TabularOptions {
  std::vector<Proc> procs;
  std::vector<std::string> cat_names;
  std::vector<std::string> cont_names;
  std::vector<std::string> y_names;
  /// CategoryBlock() or RegressionBlock(); default: CategoryBlock for a string target,
  /// RegressionBlock for a numeric one (fastai infers the same way from the dtype).
  std::optional<TransformBlock> y_block;
  /// Train indices then valid indices (RandomSplitter(…)(range_of(n))). Empty: all rows train.
  Splits splits;
  bool do_setup = true;
  /// Batches carry the continuous tensor (fastai's with_cont). Collaborative filtering turns it
  /// off: batches are (cats, y) and models take one input.
  bool with_cont = true;
};

/// A processed table (fastai's TabularPandas).
///
/// Example:
///   fastai::TabularPandas to(df, {.procs = {fastai::Categorify(), fastai::FillMissing(), fastai::Normalize()},
///                                 .cat_names = {"Home", "Job"}, .cont_names = {"Age", "Income"},
///                                 .y_names = {"Status"}, .splits = splits});
///   auto [cats, conts, ys] = std::tuple(to.cats(), to.conts(), to.ys());
///   auto valid = to.valid();                       // rows of split 1
///   auto test = to.new_(other_df);                 // processed with the same vocabs and stats
class TabularPandas {
 public:
  TabularPandas(Table df, TabularOptions options);

  /// Processed table (cat columns hold codes, continuous columns are filled and normalised).
  const Table& items() const noexcept { return items_; }
  Table& items() noexcept { return items_; }
  const std::vector<std::string>& cat_names() const noexcept { return cat_names_; }
  const std::vector<std::string>& cont_names() const noexcept { return cont_names_; }
  const std::vector<std::string>& y_names() const noexcept { return y_names_; }
  std::vector<std::string>& cat_names() noexcept { return cat_names_; }
  /// Category codes, int64 [n, n_cat].
  const at::Tensor& cats() const noexcept { return cats_; }
  /// Continuous values, float32 [n, n_cont].
  const at::Tensor& conts() const noexcept { return conts_; }
  /// Targets: int64 [n] for a category, float32 [n, n_y] for regression; undefined when the
  /// table has no target columns (a test set).
  const at::Tensor& ys() const noexcept { return ys_; }
  bool has_y() const noexcept { return ys_.defined(); }
  /// Whether batches carry the continuous tensor (TabularOptions::with_cont).
  bool with_cont() const noexcept { return with_cont_; }
  size_t size() const noexcept { return items_.n_rows(); }
  const Splits& splits() const noexcept { return splits_; }
  /// The rows of split i (0 train, 1 valid) as a TabularPandas sharing the procs.
  TabularPandas subset(size_t i) const;
  TabularPandas train() const { return subset(0); }
  TabularPandas valid() const { return subset(1); }
  /// True for a category target.
  bool is_classification() const noexcept { return y_vocab_.has_value(); }
  /// The target's classes (sorted), for a category target.
  const CategoryMap& y_vocab() const;
  /// Number of model outputs: classes for a category, y columns for regression.
  int64_t c() const;
  const std::vector<std::shared_ptr<TabularProc>>& procs() const noexcept { return procs_; }
  /// The proc with this name ("Categorify", "FillMissing", "Normalize"), or nullptr.
  std::shared_ptr<TabularProc> proc(const std::string& name) const;
  /// Category vocabularies by column (Categorify's classes; "#na#" first).
  const std::map<std::string, CategoryMap>& classes() const;

  /// `df` processed with these (already set-up) procs: the same vocabs, fill values and
  /// statistics (fastai's to.new(df).process(), used by test_dl and predict). The target is
  /// encoded when its columns are present. Errors name the column and row.
  TabularPandas new_(const Table& df) const;
  /// Rows `rows` (sharing procs and vocabs).
  TabularPandas take(const std::vector<int64_t>& rows) const;
  /// A decoded table (category names, unnormalised values, target labels) from batch tensors;
  /// `ys` may be undefined. Columns: cat_names, cont_names, then y_names.
  Table decode(const at::Tensor& cats, const at::Tensor& conts, const at::Tensor& ys = {}) const;
  /// The first max_n rows decoded (fastai's to.show()).
  std::string show(size_t max_n = 10) const;

  /// Everything needed to process new rows (procs with their state, names, target vocab) as
  /// JSON; `from_description` rebuilds an empty, set-up TabularPandas for new_().
  nlohmann::json describe() const;
  static TabularPandas from_description(const nlohmann::json& j);

 private:
  TabularPandas() = default;
  TabularPandas empty_like() const;  // names, procs and vocab; no rows
  void check_columns(const Table& df, bool need_y) const;
  void encode_y();
  void to_tensors();
  Table items_;
  std::vector<std::string> cat_names_, cont_names_, y_names_;
  std::vector<std::shared_ptr<TabularProc>> procs_;
  std::optional<CategoryMap> y_vocab_;
  Splits splits_;
  bool with_cont_ = true;
  at::Tensor cats_, conts_, ys_;
};

/// Splits column names into continuous and categorical ones (fastai's cont_cat_split): float
/// columns, and integer columns with more than `max_card` distinct values, are continuous;
/// the rest categorical. `dep_var` is left out.
/// Example: `auto [cont, cat] = cont_cat_split(df, 20, "salary");`
std::pair<std::vector<std::string>, std::vector<std::string>> cont_cat_split(const Table& df, size_t max_card = 20,
                                                                             const std::string& dep_var = "");

/// Keyword arguments of add_datepart.
/// Example: `add_datepart(df, "saledate", {.time = true})`
struct DatepartOptions {
  std::optional<std::string> prefix;  ///< default: the field name without a trailing "date"/"Date"
  bool drop = true;                   ///< remove the date column
  bool time = false;                  ///< also Hour, Minute, Second
};
/// Replaces date column `field` by its parts (fastai's add_datepart): Year, Month, Week (ISO),
/// Day, Dayofweek (Monday 0), Dayofyear, Is_month_end, Is_month_start, Is_quarter_end,
/// Is_quarter_start, Is_year_end, Is_year_start (as "False"/"True"), [Hour, Minute, Second,]
/// Elapsed (seconds since the epoch). Missing dates give missing parts. A String column is
/// parsed as ISO dates first (an unparsable cell is an error naming the row).
/// Example: `add_datepart(df, "saledate");  // saleYear, saleMonth, …, saleElapsed`
void add_datepart(Table& df, const std::string& field, DatepartOptions options = {});

}  // namespace fastai
