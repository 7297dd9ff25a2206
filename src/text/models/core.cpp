#include "fastai/text/models/core.h"

#include <ATen/ATen.h>

#include <stdexcept>

#include "../../linear.h"
#include "encoder_options.h"
#include <string>

namespace fastai {

LinearDecoderImpl::LinearDecoderImpl(int64_t n_out, int64_t n_hid, double output_p, torch::nn::Embedding tie_encoder,
                                     bool bias)
    : output_p_(output_p) {
  // A module of its own named "decoder" holding weight and bias, as fastai's nn.Linear: a tied
  // weight is the embedding's tensor registered here too (libtorch's Linear cannot swap its own).
  auto decoder = std::make_shared<torch::nn::Module>();
  if (tie_encoder) {
    const auto& w = tie_encoder->weight;
    if (w.size(0) != n_out || w.size(1) != n_hid)
      throw std::invalid_argument("LinearDecoder: tied to an embedding of " + std::to_string(w.size(0)) + "x" +
                                  std::to_string(w.size(1)) + ", but the decoder is " + std::to_string(n_out) + "x" +
                                  std::to_string(n_hid));
    weight = decoder->register_parameter("weight", w);
  } else {
    weight = decoder->register_parameter("weight", at::empty({n_out, n_hid}).uniform_(-0.1, 0.1));
  }
  if (bias) this->bias = decoder->register_parameter("bias", at::zeros({n_out}));
  register_module("decoder", decoder);
}

at::Tensor LinearDecoderImpl::forward(const at::Tensor& input) {
  raw_out_ = input;
  dropped_out_ = rnn_dropout(input, output_p_, is_training());
  // detail::linear, not at::linear: its backward is ~4x faster in bf16, and the logits come out
  // in float32 without a cast (src/linear.h).
  return detail::linear(dropped_out_, weight, bias, /*float_out=*/true);
}

SequentialRNNImpl::SequentialRNNImpl(AWD_LSTM enc, LinearDecoder dec) {
  encoder = register_module("0", std::move(enc));
  decoder = register_module("1", std::move(dec));
}

at::Tensor SequentialRNNImpl::forward(const at::Tensor& ids) { return decoder->forward(encoder->forward(ids)); }

void SequentialRNNImpl::reset() { encoder->reset(); }

SequentialRNN get_language_model(int64_t vocab_sz, AWDLSTMLMConfig c, double drop_mult) {
  AWD_LSTM enc(text_detail::encoder_options(vocab_sz, c, drop_mult));
  // fastai's hid_name for AWD_LSTM is emb_sz: the last layer's output size.
  LinearDecoder dec(vocab_sz, c.emb_sz, c.output_p * drop_mult,
                    c.tie_weights ? enc->encoder : torch::nn::Embedding(nullptr), c.out_bias);
  return SequentialRNN(std::move(enc), std::move(dec));
}

std::vector<std::vector<at::Tensor>> awd_lstm_lm_split(const Model& model) {
  auto m = model.as<SequentialRNNImpl>();
  if (!m)
    throw std::invalid_argument("awd_lstm_lm_split: the model is " + model->name() +
                                ", not a SequentialRNN (get_language_model)");
  std::vector<std::vector<at::Tensor>> groups;
  for (const auto& rnn : *m->encoder->rnns) groups.push_back(rnn->parameters());
  std::vector<at::Tensor> last = m->encoder->encoder->parameters();
  for (const auto& p : m->decoder->parameters()) {  // the tied weight is the embedding's: once
    bool seen = false;
    for (const auto& q : last) seen = seen || q.is_same(p);
    if (!seen) last.push_back(p);
  }
  groups.push_back(std::move(last));
  return groups;
}

}  // namespace fastai
