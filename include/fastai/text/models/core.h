#pragma once
/// fastai.text.models.core, language-model half: LinearDecoder (RNNDropout then a linear layer
/// to the vocab, its weight tied to the encoder's embedding), SequentialRNN (encoder then decoder,
/// `reset()` passed on) and get_language_model with fastai's awd_lstm_lm_config and drop_mult.
/// State-dict names are fastai's: "0.encoder.weight", …, "1.decoder.weight" (the same tensor as
/// the embedding when tied), "1.decoder.bias".
///
/// fastai's decoder returns (decoded, raw_out, dropped_out) for its RNN callbacks; here forward
/// returns the decoded logits and the decoder keeps the other two of its last call
/// (`raw_out()`, `dropped_out()`), where a callback reads them.
///
/// Example:
///   auto lm = fastai::get_language_model(text_vocab(dls).size(), {}, 0.3);   // drop_mult 0.3
///   at::Tensor logits = lm->forward(ids);                                    // [bs, seq_len, vocab]
///   lm->reset();
///
/// Thread-safety: one thread at a time (the hidden state and last outputs are the module's).
#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>

#include <cstdint>

#include "fastai/callback/rnn.h"
#include "fastai/model.h"
#include "fastai/text/models/awdlstm.h"

namespace fastai {

/// fastai's LinearDecoder; see the file comment.
/// Example: `LinearDecoder dec(100, 8, 0.1, enc->encoder);   // tied to the embedding`
class LinearDecoderImpl : public torch::nn::Module {
 public:
  LinearDecoderImpl(int64_t n_out, int64_t n_hid, double output_p = 0.1,
                    torch::nn::Embedding tie_encoder = torch::nn::Embedding(nullptr), bool bias = true);
  /// RNNDropout(output_p) then the linear layer: [bs, seq_len, n_hid] → [bs, seq_len, n_out].
  at::Tensor forward(const at::Tensor& input);
  /// The last call's input (fastai's raw_out). Example: `dec->raw_out().size(2) == n_hid`
  const at::Tensor& raw_out() const noexcept { return raw_out_; }
  /// The last call's input after RNNDropout (fastai's dropped out). Example: `dec->dropped_out()`
  const at::Tensor& dropped_out() const noexcept { return dropped_out_; }
  /// The decoder's weight [n_out, n_hid] (the embedding's tensor when tied).
  at::Tensor weight;
  /// Its bias [n_out] (undefined without one).
  at::Tensor bias;

 private:
  double output_p_;
  at::Tensor raw_out_, dropped_out_;
};
TORCH_MODULE(LinearDecoder);

/// fastai's SequentialRNN for a language model: "0" the AWD_LSTM encoder, "1" the decoder.
/// Example: `SequentialRNN lm(enc, dec); lm->reset();`
class SequentialRNNImpl : public torch::nn::Module, public RNNModel {
 public:
  SequentialRNNImpl(AWD_LSTM encoder, LinearDecoder decoder);
  /// The decoder's logits on the encoder's output.
  at::Tensor forward(const at::Tensor& ids);
  /// Resets the encoder's hidden state. Example: `lm->reset();`
  void reset() override;
  /// The decoder's last input (the encoder's output) and that input after the output dropout.
  at::Tensor rnn_raw_out() const override { return decoder->raw_out(); }
  at::Tensor rnn_out() const override { return decoder->dropped_out(); }
  /// The encoder ("0"). Example: `lm->encoder->options().emb_sz`
  AWD_LSTM encoder{nullptr};
  /// The decoder ("1"). Example: `lm->decoder->raw_out()`
  LinearDecoder decoder{nullptr};
};
TORCH_MODULE(SequentialRNN);

/// fastai's awd_lstm_lm_config: the encoder's sizes and the language model's dropouts (not
/// AWD_LSTM's own defaults), the decoder's output_p, tie_weights and out_bias.
/// Example: `AWDLSTMLMConfig{.emb_sz = 400, .n_hid = 1152}`
struct AWDLSTMLMConfig {
  int64_t emb_sz = 400;
  int64_t n_hid = 1152;
  int64_t n_layers = 3;
  int64_t pad_token = 1;
  bool bidir = false;
  double output_p = 0.1;
  double hidden_p = 0.15;
  double input_p = 0.25;
  double embed_p = 0.02;
  double weight_p = 0.2;
  bool tie_weights = true;
  bool out_bias = true;
};

/// fastai's get_language_model(AWD_LSTM, vocab_sz, config, drop_mult): every dropout of `config`
/// multiplied by drop_mult, an AWD_LSTM and a LinearDecoder over emb_sz (tied when asked).
/// Example: `auto lm = get_language_model(60000, {}, 0.3);`
SequentialRNN get_language_model(int64_t vocab_sz, AWDLSTMLMConfig config = {}, double drop_mult = 1.0);

/// fastai's awd_lstm_lm_split: one group per LSTM layer, then [embedding, decoder] (the tied
/// weight once) — for discriminative learning rates and freeze_to.
/// Example: `Learner learn(dls, lm, {.splitter = awd_lstm_lm_split});`
std::vector<std::vector<at::Tensor>> awd_lstm_lm_split(const Model& model);

}  // namespace fastai
