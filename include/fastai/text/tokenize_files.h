#pragma once
/// fastai's tokenize_folder, tokenize_df and tokenize_csv (text/core.py). tokenize_folder has fastai's on-disk cache: every text file under a
/// folder tokenized on `n_workers` threads, file by file (a corpus is never all in memory),
/// each written as its tokens joined by spaces to the same relative path under output_dir
/// (default: the folder's sibling "<name>_tok"), with the counts of all tokens (counter.json,
/// in first-seen order, for make_vocab) and each file's length (lengths.json). A second call
/// finds the cache and does no work. Unlike fastai, the cache also records the tokenizer and
/// rules that made it (tokenizer.json): a cache made another way is rebuilt, not silently used,
/// and it appears whole or not at all (built in "<output_dir>.partial", then renamed).
///
/// Example:
///   auto out = fastai::tokenize_folder(path / "train");        // path/train_tok
///   auto corpus = fastai::load_tokenized_folder(out);
///   auto vocab = fastai::make_vocab(corpus.counter);
///   auto toks = fastai::read_tokens(out / "pos" / "0.txt");
///
/// Thread-safety: two calls on the same folder at once race for the cache directory; others are
/// independent.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fastai/data/df.h"
#include "fastai/text/data.h"
#include "fastai/text/tokenize.h"
#include "fastai/text/text_tokenizer.h"

namespace fastai {

/// tokenize_folder's keyword arguments (fastai's).
/// Example: `tokenize_folder(path, {.folders = {"train", "test"}, .n_workers = 4})`
struct TokenizeFolderOptions {
  std::vector<std::string> extensions = {".txt"};
  std::vector<std::string> folders;               ///< only these first-level folders (default: all)
  std::optional<std::filesystem::path> output_dir;  ///< default: path.parent / (path.name + "_tok")
  bool skip_if_exists = true;                     ///< reuse a cache made with the same tokenizer and rules
  int n_workers = 2;
  TextTokenizer tok = {};                          ///< default WordTokenizer; a SentencePiece one is trained first
  TokenizerOptions rules = {};                     ///< rules and post-rules
};

/// fastai's tokenize_folder; returns output_dir. A file that is not UTF-8 throws naming it.
/// Example: `auto out = tokenize_folder("imdb/train");`
std::filesystem::path tokenize_folder(const std::filesystem::path& path, TokenizeFolderOptions options = {});

/// What tokenize_folder left in output_dir: the token counts, each file's length keyed by its
/// path relative to the tokenized folder (generic form, '/' separated), and the tokenizer.
/// Example: `auto c = load_tokenized_folder(out); c.lengths.at("pos/0.txt")`
struct TokenizedFolder {
  std::filesystem::path output_dir;
  TokenCounter counter;
  std::map<std::string, int64_t> lengths;
  TextTokenizer tok;  ///< the tokenizer that made it (a trained SentencePiece model included)
};
/// Reads counter.json and lengths.json of a tokenize_folder output; a missing or damaged file
/// throws naming it. Example: `auto corpus = load_tokenized_folder(out);`
TokenizedFolder load_tokenized_folder(const std::filesystem::path& output_dir);

/// tokenize_df's keyword arguments (fastai's).
/// Example: `tokenize_df(df, {"title", "body"}, {.n_workers = 4})`
struct TokenizeDfOptions {
  int n_workers = 2;
  TextTokenizer tok = {};
  TokenizerOptions rules = {};
  std::optional<bool> mark_fields;  ///< "xxfld i" before each column's text; default: several columns
};

/// One row's text from its text columns, as fastai's tokenize_df joins them: with `mark_fields`
/// "xxfld 1 <a> xxfld 2 <b>", else "<a> <b>". Example: `join_text_fields({"a", "b"}, true)`
std::string join_text_fields(const std::vector<std::string>& fields, bool mark_fields);

/// fastai's tokenize_df: each row's text column(s) — several joined as fastai joins them,
/// "xxfld 1 <a> xxfld 2 <b>" — through the rules and the tokenizer on threads, with the counts.
/// A missing column throws naming it. Example: `auto res = tokenize_df(df, {"text"});`
TokenizedTexts tokenize_df(const Table& df, const std::vector<Col>& text_cols, TokenizeDfOptions options = {});

/// tokenize_csv's keyword arguments: tokenize_df's, where to write, and the cache switch.
/// Example: `tokenize_csv("texts.csv", {"text"}, {.outname = "out/texts_tok.csv"})`
struct TokenizeCsvOptions {
  std::optional<std::filesystem::path> outname;  ///< default: <csv's folder>/<stem>_tok.csv
  bool skip_if_exists = true;                    ///< reuse a result made with the same recipe
  int n_workers = 2;
  TextTokenizer tok = {};
  TokenizerOptions rules = {};
  std::optional<bool> mark_fields;
};

/// fastai's tokenize_csv: writes `outname` — the other columns, then "text" (the tokens joined by
/// spaces) and "text_length" — and beside it <outname stem>.json with the token counts (first-seen
/// order) and the recipe that made them (tokenizer, rules, the CSV's size), which a second call
/// with the same recipe reuses without tokenizing. Both are written atomically. Returns outname.
/// Example: `auto out = tokenize_csv(path / "reviews.csv", {"text"});`
std::filesystem::path tokenize_csv(const std::filesystem::path& csv, const std::vector<Col>& text_cols,
                                   TokenizeCsvOptions options = {});
/// The counts tokenize_csv saved beside `outname`. Example: `auto count = load_csv_counter(out);`
TokenCounter load_csv_counter(const std::filesystem::path& outname);

/// The tokens of one tokenized file (its text split on single spaces).
/// Example: `read_tokens(out / "pos" / "0.txt")  // {"xxbos", "xxmaj", …}`
std::vector<std::string> read_tokens(const std::filesystem::path& tokenized_file);

}  // namespace fastai
