#pragma once
/// fastai.text.data, first part: counting tokens, make_vocab and Numericalize (tokens ↔ ids),
/// with fastai's defaults and ordering (ties in a count keep the order tokens were first seen,
/// as Python's Counter.most_common; tests/text/test_numericalize.cpp compares with real fastai).
///
/// Example:
///   TokenCounter count;
///   for (const auto& doc : docs) count.update(doc);
///   auto vocab = make_vocab(count);                // special tokens first, padded to a multiple of 8
///   auto num = std::make_shared<Numericalize>(vocab);
///   Item ids = (*num)(Tokens(doc));               // TensorText of int64 ids; xxunk (0) for unknown tokens
///
/// Thread-safety: a TokenCounter belongs to the thread filling it (merge counters made on several
/// threads with `update(other)`); Numericalize is a transform: set up once, then safe from many
/// threads at once (core/transform.h).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "fastai/core/semantic.h"
#include "fastai/core/transform.h"

namespace fastai {

/// A tokenized text: its tokens (fastai's L of str).
/// Example: `Item doc = Tokens(std::vector<std::string>{"xxbos", "hello"});`
FASTAI_SEMANTIC_TYPE(Tokens, std::vector<std::string>);

/// Token counts in first-seen order (Python's Counter over token lists).
/// Example: `TokenCounter c; c.update({"a", "b", "a"}); c["a"] == 2`
class TokenCounter {
 public:
  /// Counts every token of one document.
  void update(const std::vector<std::string>& tokens);
  /// Adds another counter's counts (its new tokens come after this one's).
  void update(const TokenCounter& other);
  /// Adds `n` to the count of `token` (a new token goes last). Example: `c.add("the", 5);`
  void add(const std::string& token, int64_t n);
  /// Every (token, count) in first-seen order (what a saved counter stores).
  /// Example: `for (const auto& [tok, n] : c.items()) …`
  const std::vector<std::pair<std::string, int64_t>>& items() const noexcept { return order_; }
  /// The count of `token` (0 when never seen).
  int64_t operator[](const std::string& token) const;
  /// Number of distinct tokens.
  size_t size() const noexcept { return order_.size(); }
  /// The `n` most common (token, count) pairs, most common first; ties in first-seen order
  /// (Counter.most_common). n < 0: all of them.
  std::vector<std::pair<std::string, int64_t>> most_common(int64_t n = -1) const;

 private:
  std::vector<std::pair<std::string, int64_t>> order_;
  std::unordered_map<std::string, size_t> index_;
};

/// fastai's make_vocab: the `max_vocab` most common tokens seen at least `min_freq` times, the
/// special tokens (default text_spec_tok) moved or added to the front, cut to max_vocab, then
/// "xxfake" up to the next multiple of 8 — 8 of them when the size already is one, as fastai does.
/// Example: `auto vocab = make_vocab(count, 3, 60000);`
std::vector<std::string> make_vocab(const TokenCounter& count, int64_t min_freq = 3, int64_t max_vocab = 60000,
                                    std::optional<std::vector<std::string>> special_toks = std::nullopt);

/// fastai's Numericalize: Tokens → TensorText of int64 ids (unknown tokens → 0, xxunk) and back.
/// Without a vocab, setup counts the training items' tokens and calls make_vocab.
/// Example: `auto num = std::make_shared<Numericalize>(); pipeline.add(num, train_docs);`
class Numericalize : public Transform {
 public:
  explicit Numericalize(std::optional<std::vector<std::string>> vocab = std::nullopt, int64_t min_freq = 3,
                        int64_t max_vocab = 60000, std::optional<std::vector<std::string>> special_toks = std::nullopt);
  void setup(const LazyItems& items, bool train_setup) override;
  /// Makes the vocab from counts gathered elsewhere, as setup would from the training items —
  /// fastai's from_df / from_folder count every text of the corpus, validation ones included.
  /// A vocab already set is kept. Example: `num->setup_from(tokenized.counter);`
  void setup_from(const TokenCounter& count);
  /// Where setup takes its counts, when it makes the vocab: fastai's Numericalize uses the
  /// Tokenizer's counter (the whole corpus') when it has one — TextBlock wires it. nullptr from
  /// `source`: count the training items as usual. Example: `num->count_from([tok] { return tok->counter(); });`
  void count_from(std::function<const TokenCounter*()> source) { count_from_ = std::move(source); }
  /// The vocab (throws when not set up yet).
  const std::vector<std::string>& vocab() const;
  /// The id of `token` (0, xxunk's, when it is not in the vocab).
  int64_t id_of(const std::string& token) const;
  std::string type_name() const override { return "Numericalize"; }
  nlohmann::json describe() const override;
  static std::shared_ptr<Numericalize> from_description(const nlohmann::json& j);

 private:
  void set_vocab(std::vector<std::string> vocab, bool skip_fake);
  std::optional<std::vector<std::string>> vocab_;
  std::unordered_map<std::string, int64_t> o2i_;
  bool fake_in_lookup_ = false;  // a vocab given to the constructor maps xxfake too (fastai)
  int64_t min_freq_, max_vocab_;
  std::optional<std::vector<std::string>> special_toks_;
  std::function<const TokenCounter*()> count_from_;
};

/// fastai's reverse_text: a numericalized text backwards (its type kept), for backwards language
/// models; registered as the function "reverse_text", so `func_transform("reverse_text")` is a
/// describable transform. Throws TypeError for an item that is not a 1-D tensor.
/// Example: `Item back = fastai::reverse_text(ids);`
Item reverse_text(const Item& x);

}  // namespace fastai
