#pragma once
/// fastai's tokenize_texts (text/core.py): every text through the rules, a tokenizer and the
/// post-rules, in parallel on `n_workers` threads, results in the texts' order, with the token
/// counts (what Numericalize's make_vocab needs) gathered on the way.
///
/// Example:
///   auto sp = fastai::SentencePieceTokenizer({.cache_dir = "tmp"});
///   auto res = fastai::tokenize_texts(texts, sp, {.n_workers = 2});   // trains sp on texts first
///   res.tokens[0]  // {"▁xxbos", "▁xxmaj", …}
///   auto vocab = fastai::make_vocab(res.counter);
///
/// Thread-safety: tokenize_texts calls `tok` from its worker threads at once: the library's
/// tokenizers are safe for that; a tokenizer of your own must be too.
#include <string>
#include <vector>

#include "fastai/text/core.h"
#include "fastai/text/data.h"
#include "fastai/text/sentencepiece.h"

namespace fastai {

/// tokenize_texts' options (fastai's keywords).
/// Example: `TokenizeOptions{.n_workers = 4, .rules = {}}`
struct TokenizeOptions {
  int n_workers = 2;                                             ///< threads (0 or 1: the calling thread)
  std::vector<TextRule> rules = default_text_rules();            ///< before tokenizing
  std::vector<TextRule> post_rules = default_text_post_rules();  ///< on each token
};

/// Tokenized texts, in the input's order, and the counts of their tokens (first-seen order).
/// Example: `auto [tokens, counter] = tokenize_texts(texts, BaseTokenizer());`
struct TokenizedTexts {
  std::vector<std::vector<std::string>> tokens;
  TokenCounter counter;
};

/// fastai's tokenize_texts with tokenizer `tok`. A text that fails (not UTF-8, a rule's error)
/// throws std::invalid_argument naming its index, the original error nested.
/// Example: `auto res = fastai::tokenize_texts({"Hello world"}, fastai::BaseTokenizer());`
TokenizedTexts tokenize_texts(const std::vector<std::string>& texts, const TokenizerFn& tok,
                              TokenizeOptions options = {});

/// As above with a SentencePieceTokenizer, trained on `texts` (after the rules) first when it has
/// no model, as fastai's parallel_tokenize calls tok.setup.
/// Example: `auto res = fastai::tokenize_texts(texts, sp);`
TokenizedTexts tokenize_texts(const std::vector<std::string>& texts, SentencePieceTokenizer& tok,
                              TokenizeOptions options = {});

}  // namespace fastai
