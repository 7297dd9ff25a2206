#pragma once
/// fastai.text.models.core, classifier half: SentenceEncoder (the AWD_LSTM run over a whole padded
/// document in bptt-token chunks, outputs kept for the last max_len tokens), masked_concat_pool
/// ([last hidden, max pool, mean pool] over the real tokens), PoolingLinearClassifier (that pool
/// then LinBnDrop layers), TextClassifier ("0" the SentenceEncoder, "1" the head — fastai's
/// SequentialRNN, with its state_dict names "0.module.encoder.weight", "1.layers.0.0.weight", …)
/// and get_text_classifier with fastai's awd_lstm_clas_config.
///
/// Batches come from a classifier's TextDataLoaders: padded at the start in whole bptt chunks
/// (pad_input_chunk) and sorted longest first, so the rows that still have text at a chunk are
/// the first ones and each chunk runs on those rows only (fastai's real_bs).
///
/// Example:
///   auto clas = fastai::get_text_classifier(vocab.size(), 2, {.seq_len = 72, .drop_mult = 0.5});
///   at::Tensor logits = clas->forward(ids);                 // [bs, 2]
///
/// Thread-safety: one thread at a time (the encoder's hidden state and the last outputs are the module's).
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "fastai/callback/rnn.h"
#include "fastai/model.h"
#include "fastai/text/models/awdlstm.h"

namespace fastai {

/// fastai's SentenceEncoder; see the file comment. forward returns (outputs [bs, kept_len, emb_sz],
/// pad mask [bs, kept_len]); kept_len covers the chunks that start within the last max_len tokens.
/// Example: `SentenceEncoder enc(72, AWD_LSTM(AWDLSTMOptions{.vocab_sz = 100}), 1, 1440);`
class SentenceEncoderImpl : public torch::nn::Module {
 public:
  SentenceEncoderImpl(int64_t bptt, AWD_LSTM module, int64_t pad_idx = 1, std::optional<int64_t> max_len = std::nullopt);
  std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& ids);
  /// Resets the AWD_LSTM. Example: `enc->reset();`
  void reset() { module->reset(); }
  /// The wrapped AWD_LSTM ("module").
  AWD_LSTM module{nullptr};
  int64_t bptt, pad_idx;
  std::optional<int64_t> max_len;
};
TORCH_MODULE(SentenceEncoder);

/// [last real token's output, max pool, mean pool] of `output` [bs, sl, n] over the positions
/// where `mask` [bs, sl] is false: [bs, 3n] (fastai's masked_concat_pool; "last" is found from
/// the padding within the last bptt positions, which is where pad_input_chunk puts it).
/// Example: `at::Tensor x = masked_concat_pool(out, mask, 72);`
at::Tensor masked_concat_pool(const at::Tensor& output, const at::Tensor& mask, int64_t bptt);

/// fastai's PoolingLinearClassifier: masked_concat_pool then one LinBnDrop per pair of `dims`
/// (ReLU between, dropout ps[i]), then SigmoidRange when y_range is given.
/// Example: `PoolingLinearClassifier head({1200, 50, 2}, {0.4, 0.1}, 72);`
class PoolingLinearClassifierImpl : public torch::nn::Module {
 public:
  PoolingLinearClassifierImpl(const std::vector<int64_t>& dims, const std::vector<double>& ps, int64_t bptt,
                              std::optional<std::pair<double, double>> y_range = std::nullopt);
  at::Tensor forward(const at::Tensor& output, const at::Tensor& mask);
  /// The layers ("layers": LinBnDrop blocks, maybe a SigmoidRange).
  torch::nn::Sequential layers{nullptr};
  int64_t bptt;
};
TORCH_MODULE(PoolingLinearClassifier);

/// A text classifier: "0" the SentenceEncoder, "1" the PoolingLinearClassifier (fastai's
/// SequentialRNN of the two). rnn_raw_out/rnn_out are the encoder's last outputs (fastai's head
/// returns them twice: there is no output dropout before the pooling).
/// Example: `TextClassifier m(enc, head); at::Tensor logits = m->forward(ids);`
class TextClassifierImpl : public torch::nn::Module, public RNNModel {
 public:
  TextClassifierImpl(SentenceEncoder encoder, PoolingLinearClassifier head);
  at::Tensor forward(const at::Tensor& ids);
  void reset() override { encoder->reset(); }
  at::Tensor rnn_raw_out() const override { return last_out_; }
  at::Tensor rnn_out() const override { return last_out_; }
  SentenceEncoder encoder{nullptr};      ///< "0"
  PoolingLinearClassifier head{nullptr};  ///< "1"

 private:
  at::Tensor last_out_;
};
TORCH_MODULE(TextClassifier);

/// fastai's awd_lstm_clas_config: the encoder's sizes and the classifier's dropouts (output_p is
/// the head's first dropout).
/// Example: `AWDLSTMClasConfig{.emb_sz = 400, .n_hid = 1152}`
struct AWDLSTMClasConfig {
  int64_t emb_sz = 400;
  int64_t n_hid = 1152;
  int64_t n_layers = 3;
  int64_t pad_token = 1;
  bool bidir = false;
  double output_p = 0.4;
  double hidden_p = 0.3;
  double input_p = 0.4;
  double embed_p = 0.05;
  double weight_p = 0.5;
};

/// Keyword arguments of get_text_classifier (fastai's defaults).
/// Example: `get_text_classifier(vocab_sz, 2, {.drop_mult = 0.5, .lin_ftrs = {50}})`
struct TextClassifierOptions {
  int64_t seq_len = 72;  ///< bptt of the SentenceEncoder
  AWDLSTMClasConfig config;
  double drop_mult = 1.0;        ///< multiplies every dropout of config
  std::vector<int64_t> lin_ftrs;  ///< default {50}
  std::vector<double> ps;         ///< default 0.1 for each of lin_ftrs
  int64_t pad_idx = 1;
  std::optional<int64_t> max_len = 72 * 20;
  std::optional<std::pair<double, double>> y_range;
};

/// fastai's get_text_classifier(AWD_LSTM, vocab_sz, n_class, …): dims [emb_sz·3, lin_ftrs…, n_class],
/// dropouts [output_p, ps…] (all of config's times drop_mult).
/// Example: `auto m = get_text_classifier(60000, 2);`
TextClassifier get_text_classifier(int64_t vocab_sz, int64_t n_class, TextClassifierOptions options = {});

/// fastai's awd_lstm_clas_split: [embedding], one group per LSTM layer, [head] — for
/// discriminative learning rates and freeze_to. Example: `{.splitter = awd_lstm_clas_split}`
std::vector<std::vector<at::Tensor>> awd_lstm_clas_split(const Model& model);

}  // namespace fastai
