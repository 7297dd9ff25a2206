#pragma once
/// fastai.text.models.awdlstm: AWD_LSTM (Merity et al.) with fastai's layout, init, defaults and
/// state_dict names — encoder.weight, encoder_dp.emb.weight (the same tensor),
/// rnns.<l>.weight_hh_l0_raw, rnns.<l>.module.weight_ih_l0, …bias_ih_l0, …bias_hh_l0 (and the
/// *_reverse ones when bidirectional) — so fastai's weights load by name. The pieces:
/// EmbeddingDropout (whole embedding rows dropped), RNNDropout (one mask per sequence, the same on
/// every step), WeightDropout (dropout on each layer's hidden-to-hidden weights, drawn per call);
/// the hidden state is carried from batch to batch (detached) and `reset()` zeroes it.
///
/// Example:
///   fastai::AWD_LSTM enc(fastai::AWDLSTMOptions{.vocab_sz = 60000});   // awd_lstm_lm_config sizes
///   at::Tensor out = enc->forward(ids);                         // [bs, seq_len, emb_sz]
///   enc->reset();                                               // a new document
///
/// Thread-safety: one thread at a time (the hidden state is the module's).
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace fastai {

/// AWD_LSTM's arguments, with fastai's defaults (awd_lstm_lm_config: emb_sz 400, n_hid 1152,
/// n_layers 3; its dropouts).
/// Example: `AWD_LSTM(AWDLSTMOptions{.vocab_sz = 100, .emb_sz = 8, .n_hid = 12, .n_layers = 2})`
struct AWDLSTMOptions {
  int64_t vocab_sz = 0;
  int64_t emb_sz = 400;
  int64_t n_hid = 1152;
  int64_t n_layers = 3;
  int64_t pad_token = 1;
  double hidden_p = 0.2;  ///< RNNDropout between layers
  double input_p = 0.6;   ///< RNNDropout on the embeddings
  double embed_p = 0.1;   ///< EmbeddingDropout (whole rows)
  double weight_p = 0.5;  ///< WeightDropout on weight_hh_l0
  bool bidir = false;
};

/// fastai's RNNDropout mask: one Bernoulli(1-p)/(1-p) draw per (batch, feature), the same along
/// the sequence (dim 1). Identity when not training or p is 0.
/// Example: `x = rnn_dropout(x, 0.2, is_training());`
at::Tensor rnn_dropout(const at::Tensor& x, double p, bool training);

/// One AWD-LSTM layer: an LSTM (batch first) whose weight_hh_l0 is dropped out per call during
/// training (fastai's WeightDropout around nn.LSTM), with fastai's parameter names.
/// Example: `WeightDropLSTM rnn(8, 12, false, 0.5); auto [y, h] = rnn->forward(x, {h0, c0});`
class WeightDropLSTMImpl : public torch::nn::Module {
 public:
  WeightDropLSTMImpl(int64_t n_in, int64_t n_out, bool bidir, double weight_p);
  /// (output [bs, sl, n_out * dirs], (h, c) each [dirs, bs, n_out]).
  std::pair<at::Tensor, std::pair<at::Tensor, at::Tensor>> forward(const at::Tensor& x,
                                                                   const std::pair<at::Tensor, at::Tensor>& hidden);

 private:
  std::vector<at::Tensor> weights() const;  // nn.LSTM's flat weight list, weight_hh_l0 dropped
  double weight_p_;
  bool bidir_;
  at::Tensor weight_hh_raw_;
  std::shared_ptr<torch::nn::Module> module_;  // "module": the wrapped LSTM's other parameters
};
TORCH_MODULE(WeightDropLSTM);

/// fastai's AWD_LSTM; see the file comment.
/// Example: `AWD_LSTM m(AWDLSTMOptions{.vocab_sz = 100}); auto out = m->forward(ids);`
class AWD_LSTMImpl : public torch::nn::Module {
 public:
  explicit AWD_LSTMImpl(AWDLSTMOptions options);
  /// ids [bs, seq_len] (int64) → the last layer's output [bs, seq_len, emb_sz]. A batch size
  /// other than the last one's grows the hidden state with zeros or keeps its first rows, as fastai.
  at::Tensor forward(const at::Tensor& ids);
  /// Zeroes the hidden state (a new text).
  void reset();
  /// Its sizes and dropouts. Example: `m->options().emb_sz`
  const AWDLSTMOptions& options() const noexcept { return o_; }

  /// The token embedding ("encoder"; a language model's decoder ties its weight to it).
  torch::nn::Embedding encoder{nullptr};
  /// The WeightDropLSTM layers ("rnns.<l>"). Example: `m->rnns->size() == 3`
  torch::nn::ModuleList rnns{nullptr};

 private:
  std::pair<at::Tensor, at::Tensor> zero_hidden(int64_t layer, int64_t bs) const;
  int64_t layer_out(int64_t layer) const;
  AWDLSTMOptions o_;
  int64_t bs_ = 1;
  std::vector<std::pair<at::Tensor, at::Tensor>> hidden_;
};
TORCH_MODULE(AWD_LSTM);

}  // namespace fastai
