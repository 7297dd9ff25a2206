#pragma once
/// fastai's Tokenizer transform (text/core.py): a text (a Str, or a Path to a UTF-8 file) through
/// the rules, a tokenizer and the post-rules into Tokens; Tokens pass through (texts tokenized
/// ahead, as TextDataLoaders does on its worker threads); decodes joins tokens with `sep`.
/// TextTokenizer is the tokenizer it holds: the word tokenizer (the default), BaseTokenizer or a
/// SentencePieceTokenizer — each describable, so an exported learner rebuilds the same
/// tokenization (a SentencePiece model travels as its bytes).
///
/// Example:
///   auto tok = std::make_shared<fastai::Tokenizer>();            // WordTokenizer + fastai's rules
///   Item toks = (*tok)(Str("Hello world!"));                       // Tokens{"xxbos", "xxmaj", "hello", "world", "!"}
///   tok->decode(toks)                                              // Str("xxbos xxmaj hello world !")
///   fastai::Tokenizer sp_tok(fastai::SentencePieceTokenizer({.vocab_sz = 200}));  // trained in setup
///
/// Thread-safety: once set up, a Tokenizer is safe to call from many threads at once.
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "fastai/core/transform.h"
#include "fastai/text/core.h"
#include "fastai/text/sentencepiece.h"
#include "fastai/text/word_tokenizer.h"

namespace fastai {

/// One of the library's tokenizers, held so that it can be described and rebuilt.
/// Example: `TextTokenizer t = BaseTokenizer(); t("a b")  // {"a", "b"}`
class TextTokenizer {
 public:
  TextTokenizer() : TextTokenizer(WordTokenizer()) {}
  TextTokenizer(WordTokenizer tok);          // NOLINT: implicit, as fastai's `tok=` takes any of them
  TextTokenizer(BaseTokenizer tok);          // NOLINT
  TextTokenizer(SentencePieceTokenizer tok);  // NOLINT
  /// The tokens of one text (the rules already applied).
  std::vector<std::string> operator()(const std::string& text) const;
  /// True for a SentencePieceTokenizer without a model: setup must train it first.
  bool needs_setup() const;
  /// Trains an untrained SentencePieceTokenizer on `texts` with `rules` applied (fastai's
  /// tok.setup); nothing for the others. Copies made before share the trained model.
  void setup(const std::vector<std::string>& texts, const std::vector<TextRule>& rules);
  /// The tokenizer as a function (for tokenize_texts). Example: `tokenize_texts(texts, t.fn())`
  TokenizerFn fn() const;
  /// The held tokenizer's description (its "type" says which).
  nlohmann::json describe() const;
  /// Rebuilds any of the three from its description; an unknown "type" throws, naming it.
  static TextTokenizer from_description(const nlohmann::json& j);

 private:
  std::variant<WordTokenizer, BaseTokenizer, std::shared_ptr<SentencePieceTokenizer>> tok_;
};

/// Tokenizer's keyword arguments (fastai's rules=, sep=; the post-rules of TokenizeWithRules).
/// Example: `Tokenizer tok(WordTokenizer(), {.rules = {text_rule("lowercase")}});`
struct TokenizerOptions {
  std::vector<TextRule> rules = default_text_rules();
  std::vector<TextRule> post_rules = default_text_post_rules();
  std::string sep = " ";  ///< decodes joins tokens with it
};

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
  const TextTokenizer& tok() const noexcept { return tok_; }
  const TokenizerOptions& options() const noexcept { return o_; }
  std::string type_name() const override { return "Tokenizer"; }
  nlohmann::json describe() const override;
  static std::shared_ptr<Tokenizer> from_description(const nlohmann::json& j);

 private:
  TextTokenizer tok_;
  TokenizerOptions o_;
};

/// The text of a file, checked to be UTF-8 (an error names the file and the byte offset).
/// Example: `std::string t = fastai::read_text_file("train/pos/0.txt");`
std::string read_text_file(const std::filesystem::path& file);

}  // namespace fastai
