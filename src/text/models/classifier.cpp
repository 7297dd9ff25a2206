#include "fastai/text/models/classifier.h"

#include <ATen/ATen.h>

#include <limits>
#include <stdexcept>

#include "encoder_options.h"
#include <string>

#include "fastai/layers.h"

namespace fastai {

using at::indexing::Slice;

SentenceEncoderImpl::SentenceEncoderImpl(int64_t bptt_, AWD_LSTM m, int64_t pad_idx_, std::optional<int64_t> max_len_)
    : bptt(bptt_), pad_idx(pad_idx_), max_len(max_len_) {
  if (bptt <= 0) throw std::invalid_argument("SentenceEncoder: bptt must be positive, got " + std::to_string(bptt));
  module = register_module("module", std::move(m));
}

std::pair<at::Tensor, at::Tensor> SentenceEncoderImpl::forward(const at::Tensor& ids) {
  if (ids.dim() != 2) throw std::invalid_argument("SentenceEncoder: expects token ids [bs, seq_len], got " + std::to_string(ids.dim()) + " dims");
  const int64_t bs = ids.size(0), sl = ids.size(1);
  reset();  // every document starts from a zero state
  const at::Tensor mask = ids == pad_idx;
  std::vector<at::Tensor> outs, masks;
  for (int64_t i = 0; i < sl; i += bptt) {
    const int64_t end = std::min(i + bptt, sl);
    // Rows are sorted longest first and padded at the start: the ones with text at column i come first.
    const int64_t real_bs = (ids.index({Slice(), i}) != pad_idx).sum().item<int64_t>();
    if (real_bs == 0) {
      // fastai would call the LSTM on zero rows; nothing of it is kept but the zeros padded below.
      if (!max_len || sl - i <= *max_len) {
        outs.push_back(at::zeros({bs, end - i, module->options().emb_sz}, module->encoder->weight.options()));
        masks.push_back(mask.index({Slice(), Slice(i, end)}));
      }
      continue;
    }
    at::Tensor o = module->forward(ids.index({Slice(0, real_bs), Slice(i, end)}));
    if (!max_len || sl - i <= *max_len) {
      if (o.size(0) < bs) o = at::cat({o, o.new_zeros({bs - o.size(0), o.size(1), o.size(2)})});
      outs.push_back(o);
      masks.push_back(mask.index({Slice(), Slice(i, end)}));
    }
  }
  return {at::cat(outs, 1), at::cat(masks, 1)};
}

at::Tensor masked_concat_pool(const at::Tensor& output, const at::Tensor& mask, int64_t bptt) {
  const at::Tensor lens = output.size(1) - mask.to(at::kLong).sum(1);
  const at::Tensor last_lens = mask.index({Slice(), Slice(-bptt)}).to(at::kLong).sum(1);
  const at::Tensor m3 = mask.unsqueeze(2);
  const at::Tensor avg_pool = output.masked_fill(m3, 0).sum(1) / lens.to(output.scalar_type()).unsqueeze(1);
  const at::Tensor max_pool = std::get<0>(output.masked_fill(m3, -std::numeric_limits<float>::infinity()).max(1));
  const at::Tensor rows = at::arange(output.size(0), lens.options());
  const at::Tensor last = output.index({rows, output.size(1) - last_lens - 1});
  return at::cat({last, max_pool, avg_pool}, 1);
}

PoolingLinearClassifierImpl::PoolingLinearClassifierImpl(const std::vector<int64_t>& dims, const std::vector<double>& ps,
                                                         int64_t bptt_, std::optional<std::pair<double, double>> y_range)
    : bptt(bptt_) {
  if (dims.size() < 2 || ps.size() != dims.size() - 1)
    throw std::invalid_argument("PoolingLinearClassifier: " + std::to_string(dims.size()) + " sizes need " +
                                std::to_string(dims.empty() ? 0 : dims.size() - 1) + " dropouts, got " +
                                std::to_string(ps.size()) + " (fastai: Number of layers and dropout values do not match)");
  layers = torch::nn::Sequential();
  for (size_t i = 0; i + 1 < dims.size(); ++i)
    layers->push_back(LinBnDrop(dims[i], dims[i + 1], {.p = ps[i], .act = i + 2 < dims.size()}));
  if (y_range) layers->push_back(SigmoidRange(y_range->first, y_range->second));
  register_module("layers", layers);
}

at::Tensor PoolingLinearClassifierImpl::forward(const at::Tensor& output, const at::Tensor& mask) {
  return layers->forward(masked_concat_pool(output, mask, bptt));
}

TextClassifierImpl::TextClassifierImpl(SentenceEncoder enc, PoolingLinearClassifier h) {
  encoder = register_module("0", std::move(enc));
  head = register_module("1", std::move(h));
}

at::Tensor TextClassifierImpl::forward(const at::Tensor& ids) {
  auto [out, mask] = encoder->forward(ids);
  last_out_ = out;
  return head->forward(out, mask);
}

TextClassifier get_text_classifier(int64_t vocab_sz, int64_t n_class, TextClassifierOptions o) {
  const auto& c = o.config;
  const double dm = o.drop_mult;
  AWD_LSTM enc(text_detail::encoder_options(vocab_sz, c, dm));
  std::vector<int64_t> lin_ftrs = o.lin_ftrs.empty() ? std::vector<int64_t>{50} : o.lin_ftrs;
  std::vector<double> ps = o.ps.empty() ? std::vector<double>(lin_ftrs.size(), 0.1) : o.ps;
  std::vector<int64_t> dims{c.emb_sz * 3};  // fastai's hid_name for AWD_LSTM is emb_sz
  dims.insert(dims.end(), lin_ftrs.begin(), lin_ftrs.end());
  dims.push_back(n_class);
  ps.insert(ps.begin(), c.output_p * dm);  // fastai multiplies output_p too (it ends in _p)
  SentenceEncoder se(o.seq_len, std::move(enc), o.pad_idx, o.max_len);
  return TextClassifier(std::move(se), PoolingLinearClassifier(dims, ps, o.seq_len, o.y_range));
}

namespace {

std::vector<at::Tensor> params_of(const torch::nn::Module& m) { return m.parameters(); }

template <class M>
std::shared_ptr<M> model_as(const Model& model, const char* split, const char* want) {
  auto m = model.as<M>();
  if (!m) throw std::invalid_argument(std::string(split) + ": the model is " + model->name() + ", not " + want);
  return m;
}

}  // namespace

std::vector<std::vector<at::Tensor>> awd_lstm_clas_split(const Model& model) {
  auto m = model_as<TextClassifierImpl>(model, "awd_lstm_clas_split", "a TextClassifier (get_text_classifier)");
  const auto& enc = m->encoder->module;
  std::vector<std::vector<at::Tensor>> groups{params_of(*enc->encoder)};
  for (const auto& rnn : *enc->rnns) groups.push_back(params_of(*rnn));
  groups.push_back(params_of(*m->head));
  return groups;
}

}  // namespace fastai
