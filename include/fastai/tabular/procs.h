#pragma once
/// The built-in tabular procs: Categorify, FillMissing (and the tabular Normalize, made from
/// fastai::Normalize() in a procs list). Each learns from the training rows only.
///
/// Example:
///   TabularPandas to(df, {.procs = {Categorify(), FillMissing({.fill_strategy = FillStrategy::Mode}), Normalize()},
///   …}); auto cat = std::dynamic_pointer_cast<Categorify>(to.proc("Categorify")); cat->classes().at("Home").items();
///   // {"#na#", "ignore", "other", …}
///
/// Thread-safety: setup is one thread's; encode/decode are const and safe from many threads at once.
#include <map>
#include <string>

#include "fastai/tabular/core.h"

namespace fastai {

/// Categorical columns to codes (fastai's Categorify, order 1): the vocab of each column is its
/// training values, sorted (numerically for numeric columns), with "#na#" first; missing and
/// unseen values encode to 0 ("#na#"). A column with no value in the training rows is an
/// error naming it.
/// Example: `Categorify()`
class Categorify : public TabularProc {
 public:
  std::string name() const override { return "Categorify"; }
  int order() const override { return 1; }
  void setup(TabularPandas& to, const Table& train) override;
  void encode(TabularPandas& to) const override;
  void decode(Table& t, const TabularPandas& to) const override;
  nlohmann::json describe() const override;
  std::shared_ptr<TabularProc> clone() const override { return std::make_shared<Categorify>(*this); }
  const std::map<std::string, CategoryMap>& classes() const noexcept { return classes_; }
  /// Rebuilds a described Categorify (its classes).
  static std::shared_ptr<Categorify> from_description(const nlohmann::json& j);
  /// The text used as a numeric cell's category ("3", "2.5").
  static std::string key(const Column& c, size_t row);

 private:
  std::map<std::string, CategoryMap> classes_;
};

/// How FillMissing chooses a column's fill value (fastai's FillStrategy).
enum class FillStrategy { Median, Mode, Constant };

/// Keyword arguments of FillMissing (fastai's defaults).
/// Example: `FillMissing({.fill_strategy = FillStrategy::Constant, .fill_vals = {{"Income", 0}}})`
struct FillMissingOptions {
  FillStrategy fill_strategy = FillStrategy::Median;
  bool add_col = true;                      ///< add a "<col>_na" category column
  std::map<std::string, double> fill_vals;  ///< Constant's values (default 0)
};

/// Fills missing continuous values (fastai's FillMissing, order 0): for each continuous column
/// with missing values in the training rows, the fill value is the training median (or mode, or
/// a constant) and a "<col>_na" column ("False"/"True") joins the categorical columns. Missing
/// values in a column that had none in training are an error naming the column and row (fastai
/// asserts the same).
/// Example: `FillMissing()`
class FillMissing : public TabularProc {
 public:
  explicit FillMissing(FillMissingOptions options = {}) : o_(std::move(options)) {}
  std::string name() const override { return "FillMissing"; }
  int order() const override { return 0; }
  void setup(TabularPandas& to, const Table& train) override;
  void encode(TabularPandas& to) const override;
  nlohmann::json describe() const override;
  std::shared_ptr<TabularProc> clone() const override { return std::make_shared<FillMissing>(*this); }
  static std::shared_ptr<FillMissing> from_description(const nlohmann::json& j);
  /// The fill value of each column that had missing training values.
  const std::map<std::string, double>& na_dict() const noexcept { return na_dict_; }

 private:
  FillMissingOptions o_;
  std::map<std::string, double> na_dict_;
};

/// Continuous columns to zero mean, unit variance with the training rows' statistics
/// (fastai's Normalize for Tabular, order 99: std with ddof 0, plus 1e-7). In a procs list,
/// write fastai::Normalize(). Decoding rounds columns whose training values were all whole
/// numbers, so float32 round-off does not show as 6.2e-05 where the data had 0.
/// Example: `TabularNormalize()` or, in procs, `Normalize()`
class TabularNormalize : public TabularProc {
 public:
  std::string name() const override { return "Normalize"; }
  int order() const override { return 99; }
  void setup(TabularPandas& to, const Table& train) override;
  void encode(TabularPandas& to) const override;
  void decode(Table& t, const TabularPandas& to) const override;
  nlohmann::json describe() const override;
  std::shared_ptr<TabularProc> clone() const override { return std::make_shared<TabularNormalize>(*this); }
  static std::shared_ptr<TabularNormalize> from_description(const nlohmann::json& j);
  const std::map<std::string, double>& means() const noexcept { return means_; }
  const std::map<std::string, double>& stds() const noexcept { return stds_; }

 private:
  std::map<std::string, double> means_, stds_;
  std::map<std::string, bool> whole_;  // training values all whole numbers: decode rounds
};

}  // namespace fastai
