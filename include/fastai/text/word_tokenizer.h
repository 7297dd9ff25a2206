#pragma once
/// fastai's default word tokenizer (WordTokenizer = SpacyTokenizer in text/core.py), rebuilt
/// without spaCy: spaCy 3's English tokenizer algorithm — split on whitespace as spaCy does
/// (one ' ' between tokens is dropped, any other run of whitespace is a token), then per chunk
/// special cases, prefixes, suffixes, the URL matcher and infixes — with spaCy's English rule
/// tables (contractions "do"+"n't", "ca"+"n't", "gon"+"na", times "5"+"pm", abbreviations
/// "Dr.", "e.g.", emoticons, units and currencies after numbers) and fastai's special tokens
/// added as special cases. Character classes come from ICU (docs/text.md lists where they differ
/// from spaCy's hand-written ranges: ALPHA is Unicode's letters, ICONS is category So).
///
/// Example:
///   fastai::WordTokenizer tok;
///   tok("This isn't the easiest text to tokenize!")
///   // {"This", "is", "n't", "the", "easiest", "text", "to", "tokenize", "!"}
///   fastai::TokenizeWithRules rules_tok(tok);   // fastai's Tokenizer default: rules + words
///
/// Thread-safety: calling a WordTokenizer is const and safe from many threads at once (its
/// tables are immutable; the URL matcher is created per call); add_special_case is not.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "fastai/text/core.h"

namespace fastai {

/// WordTokenizer's options (fastai's SpacyTokenizer keywords).
/// Example: `WordTokenizer tok({.special_toks = {"xxbos", "xxcustom"}});`
struct WordTokenizerOptions {
  std::string lang = "en";                            ///< only "en" is built in
  std::vector<std::string> special_toks = text_spec_tok();  ///< kept whole, as spaCy special cases
};

/// spaCy-3-style English word tokenizer; see the file comment.
/// Example: `auto toks = fastai::WordTokenizer()("Don't stop.");  // {"Do", "n't", "stop", "."}`
class WordTokenizer {
 public:
  explicit WordTokenizer(WordTokenizerOptions options = {});
  /// Tokens of `text` (UTF-8; invalid UTF-8 throws std::invalid_argument with the byte offset).
  std::vector<std::string> operator()(const std::string& text) const;
  /// spaCy's tokenizer.add_special_case: `chunk` always becomes `pieces` (which must concatenate
  /// to `chunk`; otherwise std::invalid_argument). Example: `tok.add_special_case("lol", {"lol"});`
  void add_special_case(const std::string& chunk, const std::vector<std::string>& pieces);
  /// Its language and special tokens. Example: `tok.options().lang == "en"`
  const WordTokenizerOptions& options() const noexcept { return options_; }
  /// {"type": "WordTokenizer", "lang", "special_toks", "special_cases": the added ones}.
  nlohmann::json describe() const;
  /// Rebuilds a tokenizer from describe()'s JSON. Example: `auto t = WordTokenizer::from_description(j);`
  static WordTokenizer from_description(const nlohmann::json& j);

  struct Impl;  ///< the rule tables (src/text/word_tokenizer.cpp)

 private:
  WordTokenizerOptions options_;
  std::vector<std::pair<std::string, std::vector<std::string>>> added_;  // add_special_case's, for describe()
  std::shared_ptr<Impl> impl_;  // shared by copies; copy-on-write in add_special_case
};

/// fastai's name for the same class. Example: `fastai::SpacyTokenizer tok;`
using SpacyTokenizer = WordTokenizer;

}  // namespace fastai
