#include "fastai/text/tokenize.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace fastai {

TokenizedTexts tokenize_texts(const std::vector<std::string>& texts, const TokenizerFn& tok, TokenizeOptions o) {
  if (!tok) throw std::invalid_argument("tokenize_texts: no tokenizer given");
  const TokenizeWithRules twr(tok, o.rules, o.post_rules);
  TokenizedTexts out;
  out.tokens.resize(texts.size());
  // Texts are handed out in blocks so threads rarely touch the shared index, small enough that
  // both threads stay busy to the end (a few long documents must not land on one thread); each
  // result goes to its own slot, so the order is the input's whatever the thread count.
  const size_t kBlock = std::clamp<size_t>(texts.size() / (static_cast<size_t>(std::max(1, o.n_workers)) * 16), 1, 64);
  std::atomic<size_t> next{0};
  std::mutex err_m;
  std::exception_ptr err;
  size_t err_at = texts.size();
  auto work = [&] {
    for (size_t b; (b = next.fetch_add(kBlock)) < texts.size();) {
      for (size_t i = b; i < std::min(b + kBlock, texts.size()); ++i) {
        try {
          out.tokens[i] = twr(texts[i]);
        } catch (...) {
          std::lock_guard lock(err_m);
          if (i < err_at) err_at = i, err = std::current_exception();
          next = texts.size();  // stop handing out work
          return;
        }
      }
    }
  };
  const int n = std::max(1, std::min<int>(o.n_workers, static_cast<int>(texts.size())));
  if (n == 1) {
    work();
  } else {
    std::vector<std::jthread> threads;
    for (int t = 0; t < n; ++t) threads.emplace_back(work);
  }
  if (err) {
    try {
      std::rethrow_exception(err);
    } catch (const std::exception& e) {
      std::throw_with_nested(std::invalid_argument("tokenize_texts: text " + std::to_string(err_at) + ": " + e.what()));
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
