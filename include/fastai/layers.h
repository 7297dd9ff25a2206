#pragma once
/// fastai.layers (the part the applications need so far): ConvLayer, BatchNorm, LinBnDrop,
/// SigmoidRange and Embedding with fastai's initialisation. libtorch's Sequential cannot hold another Sequential's
/// layers flattened, so ConvLayer returns a Sequential that can be pushed into a bigger one as a module.
///
/// Thread-safety: Modules: forward in eval mode without grad may run on many threads at once (weights are only
/// read); training, init and changing modules are one thread's.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/pimpl.h>

namespace fastai {

/// A Sequential with a concrete forward(Tensor), so it nests inside another Sequential (libtorch's
/// own cannot: its forward is a template). What ConvLayer returns.
/// Example: `torch::nn::Sequential outer(SequentialBlock(torch::nn::Linear(2, 2), torch::nn::ReLU()));`
class SequentialBlockImpl : public torch::nn::SequentialImpl {
 public:
  using torch::nn::SequentialImpl::SequentialImpl;
  at::Tensor forward(at::Tensor x) { return torch::nn::SequentialImpl::forward(std::move(x)); }
};
TORCH_MODULE(SequentialBlock);

/// Which normalisation a layer gets. BatchZero starts the BN weight at 0 (for the last layer of
/// a residual branch); Weight is weight normalisation of the conv (PyTorch's weight_norm: the
/// weight as weight_g · weight_v / ‖weight_v‖, 2-d convs only), which keeps the conv's bias.
/// Example: `ConvLayer(64, 64, {.norm_type = NormType::BatchZero})`
enum class NormType { Batch, BatchZero, None, Weight };

/// A 2-d convolution under weight normalisation (PyTorch's `weight_norm(conv)`, dim 0): parameters
/// `bias`, `weight_g` [nf, 1, 1, 1] and `weight_v`, named as PyTorch's state_dict names them.
/// Example: `WeightNormConv2d c(torch::nn::Conv2dOptions(8, 16, 1)); auto y = c(x);`
class WeightNormConv2dImpl : public torch::nn::Module {
 public:
  explicit WeightNormConv2dImpl(torch::nn::Conv2dOptions options);
  at::Tensor forward(const at::Tensor& x);
  /// weight_g · weight_v / ‖weight_v‖ (the norm over all but dim 0).
  at::Tensor weight() const;
  at::Tensor bias, weight_g, weight_v;

 private:
  torch::nn::Conv2dOptions o_;
};
TORCH_MODULE(WeightNormConv2d);

/// The activation after a ConvLayer. Example: `ConvLayer(64, 10, {.act = Act::None})`
enum class Act { ReLU, Sigmoid, None };

/// The name an export records for an activation ("relu", "sigmoid", "none"), and back (unknown
/// names are ReLU, fastai's default). Example: `act_from_name(act_name(Act::Sigmoid)) == Act::Sigmoid`
const char* act_name(Act a);
Act act_from_name(const std::string& name);

/// Keyword arguments of ConvLayer (fastai's defaults).
/// Example: `ConvLayer(1, 8, {.ks = 5, .stride = 2})`
struct ConvLayerOptions {
  int64_t ks = 3;
  int64_t stride = 1;
  std::optional<int64_t> padding;  ///< default (ks − 1) / 2
  std::optional<bool> bias;        ///< default: no bias when there is a norm layer
  int ndim = 2;                    ///< 1, 2 or 3
  NormType norm_type = NormType::Batch;
  bool bn_1st = true;  ///< conv → BN → act (false: conv → act → BN)
  Act act = Act::ReLU;
  int64_t groups = 1;     ///< grouped convolution (ResNeXt, depthwise)
  double bias_std = 0.01;  ///< the bias starts N(0, bias_std); 0: zeros (fastai's bias_std)
};

/// fastai's ConvLayer: Conv(ni → nf, bias=False when normalised, padding ks//2), BatchNorm (bias
/// 1e-3, weight 1 or 0), ReLU; the conv weight kaiming-uniform initialised when followed by a
/// ReLU (fastai's `__default_init__` for ReLU), its bias N(0, 0.01).
///
/// Example (the simple CNN of the benchmarks, 30,412 parameters):
///   torch::nn::Sequential m(ConvLayer(1, 8, {.ks = 5, .stride = 2}), ConvLayer(8, 16, {.stride = 2}),
///                           ConvLayer(16, 32, {.stride = 2}), ConvLayer(32, 64, {.stride = 2}),
///                           ConvLayer(64, 10, {.stride = 2, .act = Act::None}), torch::nn::Flatten());
SequentialBlock ConvLayer(int64_t ni, int64_t nf, ConvLayerOptions options = {});

/// fastai's BatchNorm: BatchNorm{1,2,3}d with bias 1e-3 and weight 1 (0 for BatchZero), as a module
/// to push into a Sequential. Example: `seq->push_back(BatchNorm(64));`
torch::nn::AnyModule BatchNorm(int64_t nf, int ndim = 2, NormType norm_type = NormType::Batch);

/// Keyword arguments of LinBnDrop (fastai's defaults). Example: `LinBnDrop(64, 32, {.p = 0.1, .act = true})`
struct LinBnDropOptions {
  bool bn = true;
  double p = 0.0;
  bool act = false;  ///< ReLU
  bool lin_first = false;
};

/// fastai's LinBnDrop: [BatchNorm1d (fastai's BatchNorm), Dropout] + [Linear (no bias after a
/// BN), ReLU], the two halves swapped with lin_first. Used by create_head (flattened into the
/// head) and TabularModel (one block per layer).
/// Example: `seq->push_back(LinBnDrop(64, 32, {.p = 0.1, .act = true}));`
SequentialBlock LinBnDrop(int64_t n_in, int64_t n_out, LinBnDropOptions options = {});

/// Scales a sigmoid to (low, high) (fastai's SigmoidRange), for y_range.
/// Example: `seq->push_back(SigmoidRange(0, 5.5));`
class SigmoidRangeImpl : public torch::nn::Module {
 public:
  SigmoidRangeImpl(double low, double high) : low_(low), high_(high) {}
  at::Tensor forward(const at::Tensor& x);

 private:
  double low_, high_;
};
TORCH_MODULE(SigmoidRange);

/// fastai's Embedding: torch's, with weights from a normal of std 0.01 truncated at ±2σ.
/// Example: `auto e = Embedding(100, 8);  // e->weight.abs().max() <= 0.02`
torch::nn::Embedding Embedding(int64_t ni, int64_t nf);

/// fastai's ToTensorBase at the end of a DynamicUnet: returns its input (in fastai it casts the
/// output back to a plain tensor type; libtorch tensors have no subclasses). Kept as a module so
/// state names, summary rows and layer indices equal fastai's.
/// Example: `unet->append(ToTensorBase());`
class ToTensorBaseImpl : public torch::nn::Module {
 public:
  at::Tensor forward(const at::Tensor& x) { return x; }
};
TORCH_MODULE(ToTensorBase);

/// An in-place weight initialisation (`torch::nn::init::kaiming_normal_` and the like).
/// Example: `InitFunc f = [](at::Tensor& w) { torch::nn::init::kaiming_normal_(w); };`
using InitFunc = std::function<void(at::Tensor& weight)>;

/// fastai's init_default: `func` on m's own `weight` (when given), m's own `bias` set to 0.
/// Example: `init_default(*conv);  // kaiming_normal_ weight, zero bias`
void init_default(torch::nn::Module& m, const InitFunc& func = {});

/// fastai's apply_init: init_default with `func` (default kaiming_normal_) on `m` and every module
/// below it that is not a norm layer (BatchNorm, InstanceNorm, LayerNorm) and whose first
/// parameter requires grad (fastai's cond_init).
/// Example: `apply_init(*middle_conv);`
void apply_init(torch::nn::Module& m, const InitFunc& func = {});

/// simple_cnn's result: the Sequential, plus the description a Learner records for export
/// (`{"builder": "simple_cnn", "n_out": …}`), so `export_learner` can rebuild it with no user code.
/// Example: `SimpleCnn m = simple_cnn(3); m->forward(x); m.model_spec();`
struct SimpleCnn : torch::nn::Sequential {
  SimpleCnn(torch::nn::Sequential s, int64_t n_out) : torch::nn::Sequential(std::move(s)), n_out_(n_out) {}
  /// The description the export's model builder "simple_cnn" rebuilds. Example: see SimpleCnn.
  std::string model_spec() const;

 private:
  int64_t n_out_;
};

/// The simple CNN used across the benchmarks and the README example (fastai's
/// `simple_cnn`-style stack above, for 1-channel 28×28 images and `n_out` classes).
/// Example: `Learner learn(dls, fastai::simple_cnn(), {.metrics = {accuracy}});  // 30,412 parameters, exportable`
SimpleCnn simple_cnn(int64_t n_out = 10);

}  // namespace fastai
