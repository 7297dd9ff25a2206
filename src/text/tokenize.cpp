#include "fastai/text/tokenize.h"

#include "parallel.h"

#include <algorithm>
#include <exception>
#include <stdexcept>

namespace fastai {

TokenizedTexts tokenize_texts(const std::vector<std::string>& texts, const TokenizerFn& tok, TokenizeOptions o) {
  if (!tok) throw std::invalid_argument("tokenize_texts: no tokenizer given");
  const TokenizeWithRules twr(tok, o.rules, o.post_rules);
  TokenizedTexts out;
  out.tokens.resize(texts.size());
  // Texts are handed out in blocks so threads rarely touch the shared index, small enough that
  // both threads stay busy to the end (a few long documents must not land on one thread); each
  // result goes to its own slot, so the order is the input's whatever the thread count.
  const size_t block = std::clamp<size_t>(texts.size() / (static_cast<size_t>(std::max(1, o.n_workers)) * 16), 1, 64);
  const auto failed =
      text_detail::for_each_item(texts.size(), o.n_workers, block, [&](size_t i) { out.tokens[i] = twr(texts[i]); });
  if (failed) {
    try {
      std::rethrow_exception(failed->error);
    } catch (const std::exception& e) {
      std::throw_with_nested(
          std::invalid_argument("tokenize_texts: text " + std::to_string(failed->index) + ": " + e.what()));
    }
  }
  // Counted in text order after the fact: Counter's first-seen order must not depend on threads.
  for (const auto& t : out.tokens) out.counter.update(t);
  return out;
}

TokenizedTexts tokenize_texts(const std::vector<std::string>& texts, SentencePieceTokenizer& tok, TokenizeOptions o) {
  if (!tok.has_model()) tok.setup(texts, o.rules);
  return tokenize_texts(texts, TokenizerFn(tok), std::move(o));
}

}  // namespace fastai
