#pragma once
/// fastai's Tokenizer transform (text/core.py): a text (a Str, or a Path to a UTF-8 file) through
/// the rules, a tokenizer and the post-rules into Tokens; Tokens pass through (texts tokenized
/// ahead, as TextDataLoaders does on its worker threads); decodes joins tokens with `sep`.
/// It holds a TextTokenizer (text/text_tokenizer.h), so an exported learner rebuilds the same
/// tokenization. Tokenizer::from_folder is fastai's folder mode: the files of a tokenized folder
/// read their tokens from tokenize_folder's cache.
///
/// Example:
///   auto tok = std::make_shared<fastai::Tokenizer>();            // WordTokenizer + fastai's rules
///   Item toks = (*tok)(Str("Hello world!"));                       // Tokens{"xxbos", "xxmaj", "hello", "world", "!"}
///   tok->decode(toks)                                              // Str("xxbos xxmaj hello world !")
///   fastai::Tokenizer sp_tok(fastai::SentencePieceTokenizer({.vocab_sz = 200}));  // trained in setup
///
/// Thread-safety: once set up, a Tokenizer is safe to call from many threads at once.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fastai/core/transform.h"
#include "fastai/data/df.h"
#include "fastai/text/core.h"
#include "fastai/text/text_tokenizer.h"
#include "fastai/text/tokenize_files.h"

namespace fastai {

/// fastai's Tokenizer transform; see the file comment. Unlike fastai's, encodes applies the
/// post-rules too (fastai applies them only when tokenizing a whole corpus), so a text is
/// tokenized the same way in training and in predict.
/// Example: `DataBlock({.blocks = {TransformBlock{.type_tfms = [] { return TfmList{std::make_shared<Tokenizer>()}; }}}})`
class Tokenizer : public Transform {
 public:
  explicit Tokenizer(TextTokenizer tok = {}, TokenizerOptions options = {});
  /// Trains an untrained SentencePiece tokenizer on the training items' texts.
  void setup(const LazyItems& items, bool train_setup) override;
  /// Rules, tokenizer and post-rules on one text (fastai's _tokenize1).
  /// Example: `tok.tokenize("Hi there")  // {"xxbos", "xxmaj", "hi", "there"}`
  std::vector<std::string> tokenize(const std::string& text) const;
  /// The tokenizer it holds. Example: `tok.tok().describe()["type"]  // "WordTokenizer"`
  const TextTokenizer& tok() const noexcept { return tok_; }
  /// Its rules, post-rules and separator. Example: `tok.options().sep == " "`
  const TokenizerOptions& options() const noexcept { return o_; }
  std::string type_name() const override { return "Tokenizer"; }
  nlohmann::json describe() const override;
  static std::shared_ptr<Tokenizer> from_description(const nlohmann::json& j);
  /// fastai's Tokenizer.from_folder: tokenize_folder(path, options) (cached), then a Tokenizer
  /// with that tokenizer and rules whose encodes reads a Path under `path` from the cache (a file
  /// not in it, or another path, is tokenized as usual). `counter()` and `lengths()` are the cache's.
  /// Example: `auto tok = Tokenizer::from_folder(path); DataBlock({.blocks = {TextBlock({.tok_tfm = tok})}, …})`
  static std::shared_ptr<Tokenizer> from_folder(const std::filesystem::path& path, TokenizeFolderOptions options = {});
  /// fastai's Tokenizer.from_df: a Tokenizer for table rows (Row items, rows_of(df)) that reads
  /// `text_cols` (several joined with xxfld markers, as tokenize_df does). Its setup tokenizes
  /// every row it is set up on (validation rows too, as fastai's does), on `n_workers` threads,
  /// and keeps the tokens and their counts; a row of another table is tokenized when it comes.
  /// Example: `DataBlock({.blocks = {TextBlock::from_df({"text"}), CategoryBlock()}, .get_y = {ColReader("label")}})`
  static std::shared_ptr<Tokenizer> from_df(std::vector<Col> text_cols, TokenizeDfOptions options = {});
  /// The token counts of the corpus it was set up on (from_folder, from_df), else nullptr.
  const TokenCounter* counter() const noexcept {
    return folder_ ? &folder_->counter : rows_ ? &rows_->counter : nullptr;
  }
  /// Each file's token count, keyed by its path relative to the folder (from_folder), else nullptr.
  const std::map<std::string, int64_t>* lengths() const noexcept { return folder_ ? &folder_->lengths : nullptr; }

 private:
  TextTokenizer tok_;
  TokenizerOptions o_;
  std::string row_text(const TableRow& r) const;
  std::filesystem::path path_;                     // from_folder's folder
  std::shared_ptr<const TokenizedFolder> folder_;  // and its cache
  std::vector<Col> text_cols_;                     // from_df's columns (empty: not a df tokenizer)
  TokenizeDfOptions df_;
  struct Rows {                                    // from_df's rows, tokenized in setup
    const Table* table = nullptr;                  // whose rows (by identity)
    std::vector<std::optional<std::vector<std::string>>> tokens;  // by row index
    TokenCounter counter;
  };
  std::shared_ptr<const Rows> rows_;
};

}  // namespace fastai
