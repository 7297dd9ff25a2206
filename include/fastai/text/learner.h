#pragma once
/// fastai.text.learner: Learners for text. TextLearner adds the RNN callbacks (ModelResetter,
/// RNNCallback, RNNRegularizer with alpha 2 / beta 1), fastai's text momentums (0.8, 0.7, 0.8),
/// save_encoder / load_encoder and load_pretrained (fastai's weights format: a torch.save'd
/// state_dict and a pickled itos list, matched to this data's vocab by match_embeds). LMLearner
/// generates text (predict). language_model_learner and text_classifier_learner build the
/// AWD-LSTM models from the loaders, as fastai's functions of those names.
///
/// Pretrained weights: fastai downloads WikiText-103 ones; here `examples/pretrain_lm` trains them
/// on URLs::BOOKS and stores them in pretrained_lm_dir() (lstm_fwd.pth, itos.pkl, config.json),
/// in fastai's format, so `pretrained = true` (the default, as in fastai) finds them.
///
/// Example (fastai's ULMFiT tutorial):
///   auto learn = language_model_learner(dls_lm, {.drop_mult = 0.3, .metrics = {accuracy, MetricSpec([] { return Perplexity(); })}});
///   learn.fit_one_cycle(1, 2e-2);
///   learn.save_encoder("finetuned");
///   std::cout << learn.predict("I liked this movie because", {.n_words = 40, .temperature = 0.75});
///   auto clas = text_classifier_learner(dls_clas, {.drop_mult = 0.5, .metrics = {accuracy}});
///   clas.load_encoder("finetuned");
///   clas.fit_one_cycle(1, 2e-2);
///
/// Thread-safety: as Learner (learner.h); predict of an LMLearner is one thread's (it carries the
/// model's hidden state).
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fastai/callback/rnn.h"
#include "fastai/core/state_dict.h"
#include "fastai/learner.h"
#include "fastai/text/models/classifier.h"
#include "fastai/text/models/core.h"

namespace fastai {

/// Keyword arguments of TextLearner: alpha, beta, then the Learner's (moms default 0.8, 0.7, 0.8).
/// Example: `TextLearner learn(dls, model, {.alpha = 2, .beta = 1, .metrics = {accuracy}});`
struct TextLearnerOptions {
  double alpha = 2;  ///< RNNRegularizer's AR weight
  double beta = 1;   ///< RNNRegularizer's TAR weight
  static constexpr Moms default_moms{0.8, 0.7, 0.8};
  FASTAI_LEARNER_OPTIONS(FASTAI_DECLARE_OPTION)
};

/// fastai's TextLearner; see the file comment. Its model is a SequentialRNN or a TextClassifier.
/// Note: fastai 2.7.18's TextLearner accepts alpha and beta but never adds the regularizer (it
/// calls rnn_cbs() without them); here they apply, as ULMFiT intends — pass 0 for fastai's behaviour.
/// Example: `TextLearner learn(dls, get_language_model(vocab_sz), {.splitter = awd_lstm_lm_split});`
class TextLearner : public Learner {
 public:
  TextLearner(DataLoaders dls, Model model, TextLearnerOptions options = {});
  /// A text learner from a Learner over an AWD-LSTM model — what load_learner gives back for an
  /// exported text learner (fastai's load_learner keeps the class; here say which one you want).
  /// Adds the RNN callbacks and the text momentums; throws when the model has no AWD_LSTM.
  /// Example: `LMLearner lm(load_learner("lm.fai")); lm.predict("The movie", {.n_words = 20});`
  explicit TextLearner(Learner&& learn, double alpha = 2, double beta = 1);
  /// The AWD_LSTM inside the model (a language model's "0", a classifier's "0.module").
  /// Example: `learn.encoder()->options().emb_sz`
  AWD_LSTM encoder() const;
  /// Writes the encoder's weights to <path>/<model_dir>/<name>.pth atomically; returns the file.
  /// Example: `lm_learn.save_encoder("finetuned");`
  std::filesystem::path save_encoder(const std::string& name);
  /// Reads what save_encoder wrote into this model's encoder (names and shapes checked, both
  /// sizes named when they differ), then freezes all but the last group.
  /// Example: `clas_learn.load_encoder("finetuned");`
  TextLearner& load_encoder(const std::string& name);
  /// Loads fastai-format pretrained weights (`wgts`: a torch.save'd state_dict of a language model;
  /// `vocab`: its pickled itos list), rows of the embedding and decoder bias matched to this data's
  /// vocab (match_embeds), then freezes. A classifier takes the encoder's part.
  /// Example: `learn.load_pretrained(dir / "lstm_fwd.pth", dir / "itos.pkl");`
  TextLearner& load_pretrained(const std::filesystem::path& wgts, const std::filesystem::path& vocab);
};

/// Keyword arguments of LMLearner::predict (fastai's defaults).
/// Example: `learn.predict("The movie", {.n_words = 20, .temperature = 0.75})`
struct LMPredictOptions {
  int64_t n_words = 1;
  bool no_unk = true;                ///< never sample xxunk
  double temperature = 1.0;          ///< probabilities raised to 1/temperature before sampling
  std::optional<double> min_p;       ///< drop tokens below this probability
  bool only_last_word = false;       ///< feed back only the new word (fastai's option)
};

/// A TextLearner over a language model (fastai's LMLearner).
/// Example: `LMLearner learn = language_model_learner(dls_lm, {.pretrained = false});`
class LMLearner : public TextLearner {
 public:
  using TextLearner::TextLearner;
  /// `text` and `n_words` sampled after it, tokens decoded (decode_spec_tokens) and joined with
  /// spaces. The prompt goes through the loaders' Tokenizer and Numericalize (an empty text is
  /// just xxbos under the default rules); a prompt with no tokens at all throws.
  /// Example: `learn.predict("I liked this movie because", {.n_words = 40, .temperature = 0.75});`
  std::string predict(const std::string& text, LMPredictOptions options = {});
};

/// Undoes the special-token rules on a token list: xxmaj w → W…, xxup w → W, xxrep n c → c×n,
/// xxwrep n w → w ×n (fastai's decode_spec_tokens).
/// Example: `decode_spec_tokens({"xxmaj", "hello", "xxrep", "3", "!"}) == {"Hello", "!!!"}`
std::vector<std::string> decode_spec_tokens(const std::vector<std::string>& tokens);

/// Re-indexes a language model's "0.encoder.weight" (and "0.encoder_dp.emb.weight",
/// "1.decoder.weight", "1.decoder.bias") from `old_vocab` to `new_vocab`: a shared token keeps its
/// row, a new one gets the mean row (fastai's match_embeds).
/// Example: `wgts = match_embeds(std::move(wgts), old_itos, text_vocab(dls));`
StateDict match_embeds(StateDict wgts, const std::vector<std::string>& old_vocab,
                       const std::vector<std::string>& new_vocab);

/// Where pretrained AWD-LSTM weights live: <fastai_home()>/models/awd_lstm_books[_bwd]
/// (lstm_fwd.pth or lstm_bwd.pth, itos.pkl, config.json), written by examples/pretrain_lm.
/// Example: `auto dir = pretrained_lm_dir();`
std::filesystem::path pretrained_lm_dir(bool backwards = false);

/// Keyword arguments of language_model_learner (fastai's), then TextLearner's and the Learner's.
/// Example: `{.drop_mult = 0.3, .pretrained = false, .metrics = {accuracy, MetricSpec([] { return Perplexity(); })}}`
struct LanguageModelLearnerOptions {
  /// default: awd_lstm_lm_config, with the pretrained weights' sizes when pretrained
  std::optional<AWDLSTMLMConfig> config;
  double drop_mult = 1.0;
  bool backwards = false;
  bool pretrained = true;
  /// (weights .pth, vocab .pkl) of your own, in fastai's format (instead of pretrained_lm_dir()).
  std::optional<std::pair<std::filesystem::path, std::filesystem::path>> pretrained_fnames;
  double alpha = 2;
  double beta = 1;
  static constexpr Moms default_moms{0.8, 0.7, 0.8};
  FASTAI_LEARNER_OPTIONS(FASTAI_DECLARE_OPTION)
};

/// fastai's language_model_learner: get_language_model over the loaders' vocab, CrossEntropyLossFlat,
/// awd_lstm_lm_split, and pretrained weights when asked (absent ones: an error naming the
/// command that makes them).
/// Example: `auto learn = language_model_learner(dls_lm, {.drop_mult = 0.3, .pretrained = false});`
LMLearner language_model_learner(DataLoaders dls, LanguageModelLearnerOptions options = {});

/// Keyword arguments of text_classifier_learner (fastai's), then TextLearner's and the Learner's.
/// Example: `{.drop_mult = 0.5, .pretrained = false, .metrics = {accuracy}}`
struct TextClassifierLearnerOptions {
  int64_t seq_len = 72;
  /// default: awd_lstm_clas_config, with the pretrained weights' sizes when pretrained
  std::optional<AWDLSTMClasConfig> config;
  bool backwards = false;
  bool pretrained = true;
  double drop_mult = 0.5;
  std::optional<int64_t> n_out;  ///< default: the loaders' number of classes
  std::vector<int64_t> lin_ftrs;
  std::vector<double> ps;
  std::optional<int64_t> max_len = 72 * 20;
  std::optional<std::pair<double, double>> y_range;
  double alpha = 2;
  double beta = 1;
  static constexpr Moms default_moms{0.8, 0.7, 0.8};
  FASTAI_LEARNER_OPTIONS(FASTAI_DECLARE_OPTION)
};

/// fastai's text_classifier_learner: get_text_classifier over the loaders' vocab and classes,
/// awd_lstm_clas_split, the pretrained encoder when asked, frozen but for the head.
/// Example: `auto learn = text_classifier_learner(dls, {.pretrained = false, .metrics = {accuracy}});`
TextLearner text_classifier_learner(DataLoaders dls, TextClassifierLearnerOptions options = {});

}  // namespace fastai
