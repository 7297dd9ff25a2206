#pragma once
/// fastai.losses: loss functions that flatten their inputs (so the same loss serves a
/// classifier's [N, C] output and a segmenter's [N, C, H, W]), and that know their
/// activation (softmax, sigmoid) and how to decode predictions (argmax, threshold) — what
/// get_preds and predict use.
///
/// Thread-safety: Calling one loss from several threads at once is safe while nobody changes `reduction`,
/// except for losses that record `parts` (none built in here do): each call reads only the
/// loss's options.
#include <ATen/core/Tensor.h>

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace fastai {

/// How a loss reduces over the batch.
/// Example: `loss->reduction = Reduction::none;  // per-item losses`
enum class Reduction { none, mean, sum };

/// A loss wrapper (fastai's BaseLoss): moves `axis` last, casts the target (to float when
/// `floatify`, small integer types to int64), flattens (input to [-1, C] when `is_2d`, else
/// [-1]; target to [-1]) and calls the function. Shape mismatches throw std::invalid_argument
/// naming the loss and both shapes.
///
/// Example:
///   auto loss = CrossEntropyLossFlat({.axis = 1});        // segmentation: [N, C, H, W] vs [N, H, W]
///   at::Tensor l = (*loss)(logits, masks);
///   at::Tensor probs = loss->activation(logits), classes = loss->decodes(logits);
class BaseLoss {
 public:
  /// The wrapped function: (flattened input, flattened target, reduction) → loss.
  using Fn = std::function<at::Tensor(const at::Tensor& inp, const at::Tensor& targ, Reduction r)>;
  struct Options {
    int64_t axis = -1;
    bool flatten = true;
    bool floatify = false;
    bool is_2d = true;
  };
  BaseLoss(std::string name, Fn fn, Options options);
  virtual ~BaseLoss() = default;

  /// Virtual so a loss can compute extra parts (see `parts`) around the base computation.
  virtual at::Tensor operator()(const at::Tensor& inp, const at::Tensor& targ) const;
  /// Turns model outputs into probabilities (identity unless overridden).
  virtual at::Tensor activation(const at::Tensor& x) const { return x; }
  /// Turns model outputs into predictions (identity unless overridden).
  virtual at::Tensor decodes(const at::Tensor& x) const { return x; }

  /// The flattening options (axis…), e.g. for describing the loss in an export.
  const Options& options() const noexcept { return opt_; }

  /// {"name": …, "options": the factory's options, "reduction": …}: what loss_from_description
  /// rebuilds (an export stores it). Throws std::logic_error for a loss made without a factory.
  /// Example: `auto same = loss_from_description(CrossEntropyLossFlat({.axis = 1})->describe());`
  nlohmann::json describe() const;
  /// The factory's options as JSON text; set by every registered factory (see FASTAI_LOSS in
  /// losses.cpp), empty for a hand-made BaseLoss.
  std::string options_json;

  std::string name;
  Reduction reduction = Reduction::mean;
  /// True when targets are class indices (fastai's y_int).
  bool y_int = false;
  /// Named components of the last loss computed (e.g. a reconstruction and a KL term), which
  /// LossMetric reports. Written by losses that have parts.
  mutable std::map<std::string, at::Tensor> parts;

 protected:
  Options opt_;

 private:
  Fn fn_;
};

/// Keyword arguments of the cross-entropy family.
/// Example: `CrossEntropyLossFlat({.axis = 1, .weight = class_weights})`
struct CrossEntropyOptions {
  int64_t axis = -1;
  at::Tensor weight = {};  ///< per-class weights
  int64_t ignore_index = -100;
};
/// nn.CrossEntropyLoss, flattened; activation softmax, decodes argmax.
/// Example: `auto loss = CrossEntropyLossFlat(); auto l = (*loss)(logits, labels);`
std::shared_ptr<BaseLoss> CrossEntropyLossFlat(CrossEntropyOptions options = {});

/// Keyword arguments of BCEWithLogitsLossFlat.
/// Example: `BCEWithLogitsLossFlat({.thresh = 0.3})`
struct BCEWithLogitsOptions {
  int64_t axis = -1;
  double thresh = 0.5;         ///< decodes: sigmoid(x) > thresh
  at::Tensor pos_weight = {};  ///< when given the loss is not flattened (as fastai)
};
/// nn.BCEWithLogitsLoss on float targets; activation sigmoid, decodes x > thresh (on the
/// activation, as fastai does once get_preds has applied it).
/// Example: `auto loss = BCEWithLogitsLossFlat({.thresh = 0.3}); auto l = (*loss)(logits, one_hot);`
std::shared_ptr<BaseLoss> BCEWithLogitsLossFlat(BCEWithLogitsOptions options = {});
/// nn.BCELoss on probabilities, flattened. Example: `(*BCELossFlat())(torch::sigmoid(x), y)`.
std::shared_ptr<BaseLoss> BCELossFlat(int64_t axis = -1);
/// nn.MSELoss, flattened, float targets. Example: `(*MSELossFlat())(pred /*[N,1]*/, targ /*[N]*/)`.
std::shared_ptr<BaseLoss> MSELossFlat(int64_t axis = -1);
/// nn.L1Loss, flattened, float targets. Example: `(*L1LossFlat())(pred, targ)`.
std::shared_ptr<BaseLoss> L1LossFlat(int64_t axis = -1);

/// Keyword arguments of the label-smoothing and focal losses.
/// Example: `LabelSmoothingCrossEntropyFlat({.eps = 0.1})`
struct SmoothingOptions {
  int64_t axis = -1;
  double eps = 0.1;    ///< label smoothing
  double gamma = 2.0;  ///< focal loss
  at::Tensor weight = {};
};
/// fastai's LabelSmoothingCrossEntropy on [N, C] outputs (not flattened).
/// Example: `auto loss = LabelSmoothingCrossEntropy({.eps = 0.1});`
std::shared_ptr<BaseLoss> LabelSmoothingCrossEntropy(SmoothingOptions options = {});
/// The same, flattened over `axis`.
std::shared_ptr<BaseLoss> LabelSmoothingCrossEntropyFlat(SmoothingOptions options = {});
/// Focal loss: (1 − p_t)^gamma · CE, on [N, C] outputs. Example: `FocalLoss({.gamma = 2})`.
std::shared_ptr<BaseLoss> FocalLoss(SmoothingOptions options = {});
/// The same, flattened over `axis`.
std::shared_ptr<BaseLoss> FocalLossFlat(SmoothingOptions options = {});

/// Keyword arguments of DiceLoss.
/// Example: `DiceLoss({.smooth = 1e-5, .square_in_union = true})`
struct DiceOptions {
  int64_t axis = 1;
  double smooth = 1e-6;
  Reduction reduction = Reduction::sum;
  bool square_in_union = false;
};
/// Dice loss for segmentation: softmax over `axis`, one-hot targets, 1 − dice per (item, class).
/// Example: `auto l = (*DiceLoss())(logits /*[N,C,H,W]*/, mask /*[N,H,W]*/);`
std::shared_ptr<BaseLoss> DiceLoss(DiceOptions options = {});

/// Builds a loss from its factory's options (JSON). Example: see register_loss.
using LossBuilder = std::function<std::shared_ptr<BaseLoss>(const nlohmann::json& options)>;
/// Registers a loss factory under `name` (its BaseLoss::name) so exports using it load again.
/// Built-in losses are registered already.
/// Example: `register_loss("MyLoss", [](const nlohmann::json& o) { return MyLoss(o.value("k", 1.0)); });`
void register_loss(const std::string& name, LossBuilder builder);
/// Rebuilds a loss from BaseLoss::describe(); throws std::invalid_argument naming an unknown
/// loss and listing the registered ones. Example: `auto l = loss_from_description(j);`
std::shared_ptr<BaseLoss> loss_from_description(const nlohmann::json& description);
/// The registered loss names, sorted. Example: `for (auto& n : registered_losses()) ...`
std::vector<std::string> registered_losses();

}  // namespace fastai
