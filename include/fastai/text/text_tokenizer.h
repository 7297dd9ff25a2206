#pragma once
/// TextTokenizer: one of the library's tokenizers — the word tokenizer (the default),
/// BaseTokenizer or a SentencePieceTokenizer — held so that it can be described and rebuilt (a
/// SentencePiece model travels as its bytes). What the Tokenizer transform, TextBlock,
/// TextDataLoaders and tokenize_folder take as `tok`, with TokenizerOptions (the rules around it).
/// Also read_text_file.
///
/// Example:
///   fastai::TextTokenizer t = fastai::BaseTokenizer();
///   t("a b")                                                   // {"a", "b"}
///   auto again = fastai::TextTokenizer::from_description(t.describe());
///
/// Thread-safety: calling one is safe from many threads; setup (training SentencePiece) is not.
#include <filesystem>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

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

/// `rules` applied in order to `text`. Example: `apply_rules("Hi", default_text_rules())  // "xxbos xxmaj hi"`
std::string apply_rules(std::string text, const std::vector<TextRule>& rules);
/// The rules' names, as descriptions store them. Example: `rule_names(default_text_rules())[0] == "fix_html"`
nlohmann::json rule_names(const std::vector<TextRule>& rules);
/// The registered rules of those names (text_rule each; an unknown name throws, listing the known).
/// Example: `auto rules = rules_from_names(j.at("rules"));`
std::vector<TextRule> rules_from_names(const nlohmann::json& names);

/// The text of a file, checked to be UTF-8 (an error names the file and the byte offset).
/// Example: `std::string t = fastai::read_text_file("train/pos/0.txt");`
std::string read_text_file(const std::filesystem::path& file);

}  // namespace fastai
