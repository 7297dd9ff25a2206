#pragma once
/// fastai's TextDataLoaders (text/data.py): texts from a table (from_df, from_csv) or from
/// folders of .txt files (from_folder) to language-model or classifier loaders, in one call.
/// The texts are tokenized once, up front, on `n_workers` threads (fastai's tokenize_df /
/// tokenize_folder), then a DataBlock with a TextBlock (and a CategoryBlock for a classifier)
/// numericalizes and loads them; the Tokenizer stays in the pipeline for new texts (test_dl,
/// predict).
///
/// Example (fastai's text tutorial: a language model's loaders, then a classifier's on its vocab):
///   Table df = read_csv("reviews.csv");                      // text,label,is_valid
///   auto dls_lm = TextDataLoaders::from_df(df, {.text_col = "text", .valid_pct = 0.1, .is_lm = true});
///   auto dls = TextDataLoaders::from_df(df, {.text_col = "text", .label_col = "label",
///                                           .valid_col = "is_valid", .text_vocab = text_vocab(dls_lm)});
///   dls.show_batch({}, {.max_n = 3});
///
/// Thread-safety: the builders may run on several threads at once; the loaders are as data/load.h says.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fastai/data/df.h"
#include "fastai/text/block.h"

namespace fastai {

/// TextDataLoaders' keyword arguments (fastai's from_df / from_folder ones, plus the loaders').
/// Example: `TextDataLoadersOptions{.text_col = "review", .label_col = "label", .bs = 32}`
struct TextDataLoadersOptions {
  // ---- where the texts and labels are ----
  Col text_col = 0;                 ///< from_df / from_csv: the text column (fastai's default: the first)
  Col label_col = 1;                ///< from_df / from_csv: the label column (fastai's default: the second)
  std::string label_delim;          ///< from_df: several labels per text, split on it (a MultiCategory target)
  std::optional<Col> valid_col;     ///< from_df: rows whose column is true validate (else valid_pct)
  std::string train = "train";      ///< from_folder: the training folder
  std::string valid = "valid";      ///< from_folder: the validation folder (unless valid_pct is set)
  std::optional<double> valid_pct;  ///< a random share validates (from_df's default: 0.2)
  std::optional<uint64_t> seed;     ///< for valid_pct and the loaders' shuffling
  // ---- the text block ----
  bool is_lm = false;                                ///< a language model's loaders (no labels)
  int64_t seq_len = 72;                              ///< LM window / padding chunk
  bool backwards = false;                            ///< texts reversed (a backwards model)
  TextTokenizer tok = {};                            ///< fastai's tok_tfm (default: WordTokenizer)
  TokenizerOptions tok_options = {};                 ///< rules, post-rules
  std::optional<std::vector<std::string>> text_vocab;  ///< e.g. the language model's vocab
  std::optional<std::vector<std::string>> vocab;       ///< the label vocab (default: sorted labels)
  int64_t min_freq = 3;
  int64_t max_vocab = 60000;
  int n_workers = 2;  ///< tokenizing threads
  // ---- the loaders ----
  int64_t bs = 64;
  std::optional<int64_t> val_bs;
  bool shuffle = true;
  int num_workers = 0;
  std::optional<c10::Device> device;
};

/// fastai's TextDataLoaders; see the file comment.
/// Example: `auto dls = TextDataLoaders::from_folder(path, {.valid = "test"});`
struct TextDataLoaders {
  /// Texts and labels from columns of `df`. A missing column, an empty text column or a text that
  /// is not UTF-8 throws std::invalid_argument naming the column and row.
  static DataLoaders from_df(const Table& df, TextDataLoadersOptions options = {});
  /// from_df on a CSV file (read_csv). Example: `TextDataLoaders::from_csv(path / "texts.csv", {...})`
  static DataLoaders from_csv(const std::filesystem::path& csv, TextDataLoadersOptions options = {});
  /// Texts from the .txt files under path/train and path/valid, labelled by their folder's name
  /// (fastai's parent_label); with valid_pct, every .txt file under `path`, split at random.
  /// A file that is not UTF-8 throws naming it and the byte offset.
  static DataLoaders from_folder(const std::filesystem::path& path, TextDataLoadersOptions options = {});
};

/// The text vocab of text loaders (fastai's dls.vocab for a language model, dls.vocab[0] for a
/// classifier): the Numericalize of the training loader's input pipeline.
/// Example: `auto vocab = text_vocab(dls_lm);  // vocab[0] == "xxunk"`
std::vector<std::string> text_vocab(DataLoaders& dls);

}  // namespace fastai
