#pragma once
/// fastai's tokenize_folder (text/core.py) with its on-disk cache: every text file under a
/// folder tokenized on `n_workers` threads, block by block (a corpus is never all in memory),
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

#include "fastai/text/data.h"
#include "fastai/text/tokenizer.h"

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

/// The tokens of one tokenized file (its text split on single spaces).
/// Example: `read_tokens(out / "pos" / "0.txt")  // {"xxbos", "xxmaj", …}`
std::vector<std::string> read_tokens(const std::filesystem::path& tokenized_file);

}  // namespace fastai
