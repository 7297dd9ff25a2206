#include "fastai/callback/rnn.h"

#include <ATen/ATen.h>

#include <stdexcept>

#include "fastai/learner.h"

namespace fastai {
namespace {

RNNModel& rnn_model(Learner& l, const char* who) {
  auto* m = dynamic_cast<RNNModel*>(l.model.module().get());
  if (!m)
    throw std::invalid_argument(std::string(who) + ": the model (" + l.model->name() +
                                ") is not an RNNModel (SequentialRNN, TextClassifier or your own deriving from it)");
  return *m;
}

}  // namespace

void ModelResetter::before_train() { rnn_model(learn(), "ModelResetter").reset(); }
void ModelResetter::before_validate() { rnn_model(learn(), "ModelResetter").reset(); }
void ModelResetter::after_fit() { rnn_model(learn(), "ModelResetter").reset(); }

void RNNCallback::after_pred() {
  const auto& m = rnn_model(learn(), "RNNCallback");
  raw_out = m.rnn_raw_out();
  out = m.rnn_out();
}

void RNNRegularizer::after_loss() {
  auto& l = learn();
  if (!l.training) return;
  auto* rnn = l.cb<RNNCallback>();
  if (!rnn) throw std::logic_error("RNNRegularizer needs RNNCallback (rnn_cbs adds both)");
  if (alpha != 0) l.loss_grad = l.loss_grad + alpha * rnn->out.to(at::kFloat).pow(2).mean();
  if (beta != 0) {
    const at::Tensor& h = rnn->raw_out;
    if (h.size(0) > 1) {
      using at::indexing::Slice;
      l.loss_grad = l.loss_grad + beta * (h.index({Slice(), Slice(1)}) - h.index({Slice(), Slice(at::indexing::None, -1)}))
                                              .to(at::kFloat)
                                              .pow(2)
                                              .mean();
    }
  }
}

Callbacks rnn_cbs(double alpha, double beta) {
  Callbacks cbs{ModelResetter(), RNNCallback()};
  if (alpha != 0 || beta != 0) cbs.push_back(RNNRegularizer(alpha, beta));
  return cbs;
}

}  // namespace fastai
