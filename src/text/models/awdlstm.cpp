#include "fastai/text/models/awdlstm.h"

#include "fastai/text/models/fused_lstm.h"

#include <ATen/ATen.h>
#include <torch/nn/init.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "../../random_mask.h"

namespace fastai {

at::Tensor rnn_dropout(const at::Tensor& x, double p, bool training) {
  if (!training || p == 0.0) return x;
  std::vector<int64_t> sz = x.sizes().vec();
  sz[1] = 1;  // the same mask on every step of a sequence
  if (p >= 1.0) return x * at::zeros({}, x.options());
  return x * detail::keep_mask(sz, 1.0 - p).to(x.scalar_type());  // src/random_mask.h: why not bernoulli_
}

// ---------------------------------------------------------------- WeightDropLSTM

WeightDropLSTMImpl::WeightDropLSTMImpl(int64_t n_in, int64_t n_out, bool bidir, double weight_p)
    : weight_p_(weight_p), bidir_(bidir), module_(std::make_shared<torch::nn::Module>()) {
  // nn.LSTM's init: every weight and bias uniform in ±1/sqrt(hidden_size).
  const double stdv = 1.0 / std::sqrt(static_cast<double>(n_out));
  auto uniform = [&](std::vector<int64_t> shape) { return at::empty(shape).uniform_(-stdv, stdv); };
  // fastai's WeightDropout keeps the dropped weight's original as <name>_raw on itself; the other
  // parameters stay on the wrapped LSTM ("module").
  weight_hh_raw_ = register_parameter("weight_hh_l0_raw", uniform({4 * n_out, n_out}));
  module_->register_parameter("weight_ih_l0", uniform({4 * n_out, n_in}));
  module_->register_parameter("bias_ih_l0", uniform({4 * n_out}));
  module_->register_parameter("bias_hh_l0", uniform({4 * n_out}));
  if (bidir) {
    module_->register_parameter("weight_ih_l0_reverse", uniform({4 * n_out, n_in}));
    module_->register_parameter("weight_hh_l0_reverse", uniform({4 * n_out, n_out}));
    module_->register_parameter("bias_ih_l0_reverse", uniform({4 * n_out}));
    module_->register_parameter("bias_hh_l0_reverse", uniform({4 * n_out}));
  }
  register_module("module", module_);
}

std::vector<at::Tensor> WeightDropLSTMImpl::weights() const {
  const auto& p = module_->named_parameters(/*recurse=*/false);
  // F.dropout on the raw weight, drawn for this call (fastai's _setweights).
  const at::Tensor hh = is_training() ? detail::dropout(weight_hh_raw_, weight_p_) : weight_hh_raw_;
  std::vector<at::Tensor> w{p["weight_ih_l0"], hh, p["bias_ih_l0"], p["bias_hh_l0"]};
  if (bidir_)
    for (const char* n : {"weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse"})
      w.push_back(p[n]);
  return w;
}

std::pair<at::Tensor, std::pair<at::Tensor, at::Tensor>> WeightDropLSTMImpl::forward(
    const at::Tensor& x, const std::pair<at::Tensor, at::Tensor>& hidden) {
  // fused_lstm, not at::lstm: its backward does the weight gradients as one GEMM each and its
  // products follow MixedPrecision's bf16 autocast (see fused_lstm.h).
  const auto w = weights();
  const auto& [h0, c0] = hidden;
  auto [y, h, c] = fused_lstm(x, h0.select(0, 0), c0.select(0, 0), w[0], w[1], w[2], w[3]);
  if (!bidir_) return {y, {h, c}};
  auto [yr, hr, cr] = fused_lstm(x, h0.select(0, 1), c0.select(0, 1), w[4], w[5], w[6], w[7], /*reverse=*/true);
  return {at::cat({y, yr}, 2), {at::cat({h, hr}, 0), at::cat({c, cr}, 0)}};
}

// ---------------------------------------------------------------- AWD_LSTM

AWD_LSTMImpl::AWD_LSTMImpl(AWDLSTMOptions o) : o_(o) {
  if (o.vocab_sz < 1 || o.emb_sz < 1 || o.n_hid < 1 || o.n_layers < 1)
    throw std::invalid_argument("AWD_LSTM: vocab_sz, emb_sz, n_hid and n_layers must be positive (vocab_sz " +
                                std::to_string(o.vocab_sz) + ")");
  if (o.bidir && (o.n_hid % 2 || o.emb_sz % 2))
    throw std::invalid_argument("AWD_LSTM: a bidirectional model splits n_hid and emb_sz in two: both must be even");
  encoder = register_module(
      "encoder", torch::nn::Embedding(torch::nn::EmbeddingOptions(o.vocab_sz, o.emb_sz).padding_idx(o.pad_token)));
  // fastai's EmbeddingDropout wraps the same Embedding: its weight is in the state_dict twice.
  auto encoder_dp = std::make_shared<torch::nn::Module>();
  encoder_dp->register_module("emb", encoder);
  register_module("encoder_dp", encoder_dp);
  rnns = register_module("rnns", torch::nn::ModuleList());
  for (int64_t l = 0; l < o.n_layers; ++l)
    rnns->push_back(WeightDropLSTM(l == 0 ? o.emb_sz : o.n_hid, layer_out(l), o.bidir, o.weight_p));
  {
    at::NoGradGuard no_grad;
    encoder->weight.uniform_(-0.1, 0.1);  // fastai's initrange, after nn.Embedding's own init
  }
  reset();
}

int64_t AWD_LSTMImpl::layer_out(int64_t l) const {
  return (l != o_.n_layers - 1 ? o_.n_hid : o_.emb_sz) / (o_.bidir ? 2 : 1);
}

std::pair<at::Tensor, at::Tensor> AWD_LSTMImpl::zero_hidden(int64_t l, int64_t bs) const {
  const auto opts = encoder->weight.options().requires_grad(false);
  const int64_t dirs = o_.bidir ? 2 : 1;
  return {at::zeros({dirs, bs, layer_out(l)}, opts), at::zeros({dirs, bs, layer_out(l)}, opts)};
}

void AWD_LSTMImpl::reset() {
  hidden_.clear();
  for (int64_t l = 0; l < o_.n_layers; ++l) hidden_.push_back(zero_hidden(l, bs_));
}

at::Tensor AWD_LSTMImpl::forward(const at::Tensor& ids) {
  if (ids.dim() != 2)
    throw std::invalid_argument("AWD_LSTM: expects token ids of shape [bs, seq_len], got " +
                                std::to_string(ids.dim()) + "-D");
  const int64_t bs = ids.size(0);
  if (bs != bs_) {  // fastai's _change_hidden: grow with zeros, or keep the first rows
    for (int64_t l = 0; l < o_.n_layers; ++l) {
      auto& [h, c] = hidden_[static_cast<size_t>(l)];
      if (bs_ < bs) {
        const auto extra = zero_hidden(l, bs - bs_);
        h = at::cat({h, extra.first}, 1), c = at::cat({c, extra.second}, 1);
      } else {
        h = h.slice(1, 0, bs).contiguous(), c = c.slice(1, 0, bs).contiguous();
      }
    }
    bs_ = bs;
  }
  // EmbeddingDropout: whole rows of the embedding dropped (and rescaled) during training.
  at::Tensor weight = encoder->weight;
  if (is_training() && o_.embed_p != 0.0) {
    weight = o_.embed_p >= 1.0 ? weight * at::zeros({}, weight.options())
                               : weight * detail::keep_mask({weight.size(0), 1}, 1.0 - o_.embed_p);
  }
  at::Tensor out = at::embedding(weight, ids, o_.pad_token);
  out = rnn_dropout(out, o_.input_p, is_training());
  for (int64_t l = 0; l < o_.n_layers; ++l) {
    auto [y, h] = rnns[static_cast<size_t>(l)]->as<WeightDropLSTMImpl>()->forward(out, hidden_[static_cast<size_t>(l)]);
    hidden_[static_cast<size_t>(l)] = {h.first.detach(), h.second.detach()};  // carried, not backpropagated into
    out = l != o_.n_layers - 1 ? rnn_dropout(y, o_.hidden_p, is_training()) : y;
  }
  return out;
}

}  // namespace fastai
