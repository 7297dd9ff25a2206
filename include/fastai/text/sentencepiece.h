#pragma once
/// fastai's SentencePieceTokenizer (text/core.py) on Debian's libsentencepiece: trains a subword
/// model on the texts (after the rules) with fastai's defaults — unigram, vocab size from the corpus
/// (a quarter of its distinct words, up to a multiple of 8, 29 at least, max_vocab_sz at most),
/// character coverage 0.99999 for European languages (0.9998 otherwise), the special tokens as
/// user-defined symbols "▁xxbos"…, unknown id after them, no pad/bos/eos ids — or loads a model.
/// The model's bytes are part of the tokenizer: describe() carries them, so an exported learner
/// tokenizes exactly as the one that was trained. tests/text/test_sentencepiece.cpp shows the
/// pieces and the token stream equal to real fastai's (tools/gen_sentencepiece_reference.py).
///
/// Example:
///   fastai::SentencePieceTokenizer sp({.cache_dir = "tmp"});
///   sp.setup(texts, fastai::default_text_rules());   // trains; writes tmp/spm.model
///   fastai::TokenizeWithRules tok(sp);
///   tok("This is GREAT!")  // {"▁xxbos", "▁xxmaj", "▁this", …}: pieces, "▁" marking a word's start
///
/// Thread-safety: setup (training) belongs to one thread; a trained tokenizer's operator() is
/// const and safe from many threads at once (the model is shared, read-only). Copies share it.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "fastai/text/core.h"

namespace fastai {

/// SentencePieceTokenizer's settings, fastai's names and defaults.
/// Example: `SentencePieceOptions{.vocab_sz = 8000, .model_type = "bpe"}`
struct SentencePieceOptions {
  /// Language code: sets char_coverage's default (0.99999 for fastai's eu_langs, else 0.9998).
  std::string lang = "en";
  /// Tokens kept whole, as user-defined symbols "▁" + token (default text_spec_tok()).
  std::optional<std::vector<std::string>> special_toks = std::nullopt;
  /// Vocab size to train; default: fastai's rule (sentencepiece_vocab_sz) on the corpus.
  std::optional<int64_t> vocab_sz = std::nullopt;
  /// Cap on the rule's vocab size.
  int64_t max_vocab_sz = 30000;
  /// "unigram", "bpe", "char" or "word".
  std::string model_type = "unigram";
  /// Share of characters the model covers; default from `lang`.
  std::optional<double> char_coverage = std::nullopt;
  /// Where training writes texts.out (removed after) and spm.model.
  std::filesystem::path cache_dir = "tmp";
  /// Encode each space-separated word once per thread and reuse it (as spaCy caches chunks): ~3x
  /// faster encoding. Off by default because it is not bit-equal to fastai: where two
  /// segmentations of a word tie to float precision, the sums of a whole text's path break the
  /// tie one way and a lone word's the other (BOOKS train, fastai's defaults: 10 of 1,086 files
  /// differ, in repeats such as "wowowow…"; `bench/bench_text` shows both). Used only for models
  /// whose pieces never cross whitespace (sentencepiece's and fastai's defaults).
  bool cache_words = false;
};

/// fastai's _get_vocab_sz: a quarter of the distinct whitespace-separated words of `texts` (after
/// the rules), rounded up to a multiple of 8, at least 29; max_vocab_sz once the quarter passes it.
/// Example: `sentencepiece_vocab_sz(texts) == 136`
int64_t sentencepiece_vocab_sz(const std::vector<std::string>& texts, int64_t max_vocab_sz = 30000);

/// fastai's SentencePieceTokenizer (alias SubwordTokenizer). Example: see the file comment.
class SentencePieceTokenizer {
 public:
  /// Untrained: setup trains it.
  explicit SentencePieceTokenizer(SentencePieceOptions options = {});
  /// Loads a model file (fastai's sp_model=); setup then leaves it as it is.
  /// Example: `auto sp = SentencePieceTokenizer::load("tmp/spm.model");`
  static SentencePieceTokenizer load(const std::filesystem::path& sp_model, SentencePieceOptions options = {});
  /// A model from its bytes (as describe() carries them).
  /// Example: `auto sp = SentencePieceTokenizer::from_model_bytes(bytes);`
  static SentencePieceTokenizer from_model_bytes(std::string bytes, SentencePieceOptions options = {});

  /// fastai's setup: unless a model is loaded, writes `texts` with `rules` applied (one per line)
  /// to cache_dir/texts.out, trains on it, removes it and writes cache_dir/spm.model (atomically).
  /// Returns the new model's path; empty when the tokenizer already had a model (loaded or trained).
  /// Example: `sp.setup(train_texts, default_text_rules());`
  std::filesystem::path setup(const std::vector<std::string>& texts, const std::vector<TextRule>& rules = {});
  /// The pieces of one text (EncodeAsPieces). Throws std::logic_error before setup.
  /// Example: `sp("hello world")  // {"▁hello", "▁world"}`
  std::vector<std::string> operator()(const std::string& text) const;

  /// True once trained or loaded. Example: `if (!sp.has_model()) sp.setup(texts);`
  bool has_model() const noexcept { return model_ != nullptr; }
  /// The serialized model (what spm.model holds). Example: `write(path, sp.model_bytes());`
  const std::string& model_bytes() const;
  /// The model's pieces, by id. Example: `sp.pieces()[9] == "<unk>"`
  std::vector<std::string> pieces() const;
  /// The model's scores, by id (log-probabilities for unigram).
  std::vector<float> scores() const;
  /// The options, defaults filled in. Example: `*sp.options().char_coverage == 0.99999`
  const SentencePieceOptions& options() const noexcept { return o_; }

  /// {"type": "SentencePieceTokenizer", options…, "model": base64 of the model bytes or null}.
  nlohmann::json describe() const;
  /// Rebuilds a tokenizer from describe()'s JSON. Example: `auto sp2 = SentencePieceTokenizer::from_description(j);`
  static SentencePieceTokenizer from_description(const nlohmann::json& j);

 private:
  void set_model(std::string bytes, const std::string& where);
  SentencePieceOptions o_;
  std::shared_ptr<void> model_;  // a model of libfastai_sentencepiece (src/text/spm_shim.h)
  std::shared_ptr<const std::string> bytes_;
  // Whether the model encodes each space-separated word on its own (see operator()), and the
  // identity of its per-thread word cache.
  bool per_word_ = false;
  uint64_t cache_id_ = 0;
};

/// fastai's other name for it. Example: `fastai::SubwordTokenizer sp;`
using SubwordTokenizer = SentencePieceTokenizer;

}  // namespace fastai
