#pragma once
/// The hand-written libtorch training loop on Fashion-MNIST tensors: the reference every
/// Learner benchmark is compared with. No fastai machinery beyond reading the idx files; the
/// same model and loop exist in Python (bench/reference_loop.py) for the PyTorch comparison.
#include <torch/nn/modules/container/sequential.h>

#include "fastai/data/external.h"

namespace fastai::bench {

/// Settings of the reference loop; the Python twin takes the same ones on its command line.
struct LoopConfig {
  int64_t bs = 128;
  int epochs = 1;
  double lr = 1e-3;
  int64_t max_batches = -1;  ///< per epoch; -1 = the whole training set
  uint64_t seed = 42;
};

/// What one run of the loop measured.
struct LoopResult {
  double train_seconds = 0;    ///< wall time of the training epochs only
  double last_train_loss = 0;  ///< mean loss over the last epoch
  double valid_accuracy = 0;
  int64_t batches = 0;
};

/// The reference CNN: three stride-2 conv+BN+ReLU blocks (1→32→64→128), global average pool,
/// linear 128→10. Example: `auto m = fastai::bench::reference_model();`
torch::nn::Sequential reference_model();

/// Trains reference_model() with Adam on `train` (images scaled to [0,1] then normalised with
/// Fashion-MNIST's mean/std), shuffled each epoch, and evaluates accuracy on `valid`.
///
/// Example:
///   auto r = fastai::bench::reference_train_loop(train, valid, {.epochs = 1});
LoopResult reference_train_loop(const MnistTensors& train, const MnistTensors& valid, const LoopConfig& cfg);

}  // namespace fastai::bench
