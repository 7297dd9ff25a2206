#pragma once
/// fastai.callback.rnn: the callbacks that train recurrent models. ModelResetter zeroes the
/// model's hidden state before training, before validation and after the fit; RNNCallback keeps
/// the model's raw and dropped-out last-layer outputs of each batch; RNNRegularizer adds AR
/// (alpha · mean(out²), on the dropped-out output) and TAR (beta · mean((h[:,1:] − h[:,:-1])²),
/// on the raw output) to the training loss; rnn_cbs gives all of them.
///
/// A model takes part by deriving from RNNModel (SequentialRNN, TextClassifier do): fastai's
/// models return (pred, raw_out, out) tuples, but a Learner's model returns one tensor, so the
/// other two are read from the module after its forward.
///
/// Example:
///   Learner learn(dls, get_language_model(vocab_sz), {.cbs = rnn_cbs(2, 1)});
///
/// Thread-safety: as every callback (callback/core.h): one learner's, one pass at a time.
#include <ATen/core/Tensor.h>

#include "fastai/callback/core.h"

namespace fastai {

/// What the RNN callbacks need from a model: a hidden state to reset, and the last forward's
/// last-layer outputs before (raw_out) and after (out) the output dropout.
/// Example: `class MyRNNImpl : public torch::nn::Module, public fastai::RNNModel { … };`
class RNNModel {
 public:
  virtual ~RNNModel() = default;
  /// Zeroes the hidden state. Example: `model->reset();`
  virtual void reset() = 0;
  /// The last forward's output of the last recurrent layer [bs, seq_len, n_hid].
  virtual at::Tensor rnn_raw_out() const = 0;
  /// The same after the output dropout (what the decoder or head saw).
  virtual at::Tensor rnn_out() const = 0;
};

/// Resets the model (an RNNModel) before training, before validation and after the fit
/// (fastai's ModelResetter). Example: `learn.add_cb(ModelResetter());`
class ModelResetter : public Callback {
 public:
  void before_train() override;
  void before_validate() override;
  void after_fit() override;
};

/// Keeps the raw and dropped-out outputs of each batch's forward, for RNNRegularizer (fastai's
/// RNNCallback). Example: `learn.cb<RNNCallback>()->raw_out`
class RNNCallback : public Callback {
 public:
  void after_pred() override;
  at::Tensor raw_out;  ///< the last layer's output, [bs, seq_len, n_hid]
  at::Tensor out;      ///< the same after the output dropout
};

/// AR and TAR regularization (fastai's RNNRegularizer; order RNNCallback's + 1, training only):
/// loss_grad += alpha · out².mean() + beta · (raw_out[:,1:] − raw_out[:,:-1])².mean(); the TAR
/// term only when the batch has more than one row (fastai tests len(h) > 1).
/// Example: `learn.add_cb(RNNRegularizer(2, 1));`
class RNNRegularizer : public Callback {
 public:
  explicit RNNRegularizer(double alpha = 0, double beta = 0) : alpha(alpha), beta(beta) {
    order = 1;
    run_valid = false;
  }
  void after_loss() override;
  double alpha, beta;
};

/// ModelResetter, RNNCallback and, when alpha or beta is not 0, RNNRegularizer (fastai's rnn_cbs).
/// Example: `Learner learn(dls, model, {.cbs = rnn_cbs(2, 1)});`
Callbacks rnn_cbs(double alpha = 0, double beta = 0);

}  // namespace fastai
