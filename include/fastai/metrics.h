#pragma once
/// fastai.metrics: metrics accumulate over the batches of a validation pass and report one
/// value. They see each batch as a MetricBatch (what the Learner fills from its state), so
/// they do not depend on the Learner.
///
///   AvgMetric   — a per-batch function averaged with batch-size weights (accuracy, mse, …)
///   AccumMetric — predictions and targets concatenated, the function applied once (rmse, r2)
///   AvgLoss, AvgSmoothLoss, Perplexity — from the loss
///
/// Thread-safety: a Metric accumulates over one pass: it belongs to one learner, whose passes take turns
/// (learner.h).
#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fastai/losses.h"

namespace fastai {

/// What a metric sees of one batch: the model's output, the targets, the loss, the batch size.
/// Example: `m->accumulate({.pred = out, .yb = {y}, .loss = loss, .bs = 64});`
struct MetricBatch {
  at::Tensor pred;
  std::vector<at::Tensor> yb;
  at::Tensor loss;
  int64_t bs = 0;
  const BaseLoss* loss_func = nullptr;  ///< for LossMetric
  /// The first target (fastai's learn.y).
  const at::Tensor& y() const;
};

/// A metric: reset before a pass, accumulate each batch, read the value after.
///
/// Example:
///   auto m = AvgMetric(accuracy);
///   m->reset(); m->accumulate({.pred = out, .yb = {y}, .bs = 64}); double acc = *m->value();
class Metric {
 public:
  virtual ~Metric() = default;
  virtual void reset() = 0;
  virtual void accumulate(const MetricBatch& b) = 0;
  /// The value, or nothing when no batch was seen.
  virtual std::optional<double> value() const = 0;
  virtual std::string name() const = 0;
};

/// A metric function of (predictions, targets) → scalar tensor, with its name.
/// Example: `MetricFunc mine{"mine", [](const at::Tensor& p, const at::Tensor& t) { return (p - t).abs().max(); }};`
using MetricFn = std::function<at::Tensor(const at::Tensor& pred, const at::Tensor& targ)>;

/// A named metric function; usable directly (`accuracy(pred, targ)`) and as a Learner metric
/// (`.metrics = {accuracy, error_rate}` makes an AvgMetric of it).
struct MetricFunc {
  std::string name;
  MetricFn fn;
  at::Tensor operator()(const at::Tensor& pred, const at::Tensor& targ) const { return fn(pred, targ); }
};

/// Something a Learner can take as a metric: a MetricFunc (averaged per batch) or a ready
/// Metric. `make()` returns a metric with fresh state.
class MetricSpec {
 public:
  MetricSpec(const MetricFunc& f);                               // NOLINT: implicit by design
  MetricSpec(std::function<std::shared_ptr<Metric>()> factory);  // NOLINT
  std::shared_ptr<Metric> make() const { return factory_(); }

 private:
  std::function<std::shared_ptr<Metric>()> factory_;
};

/// Batch-size-weighted average of `f` over batches (fastai's AvgMetric).
/// Example: `auto m = AvgMetric(accuracy);`
std::shared_ptr<Metric> AvgMetric(const MetricFunc& f);

/// What AccumMetric applies to the predictions before storing them.
/// Example: `AccumMetric(f, {.activation = Activation::sigmoid})`
enum class Activation { none, softmax, sigmoid, binary_softmax };

/// Keyword arguments of AccumMetric.
/// Example: `AccumMetric(f, {.dim_argmax = -1})`
struct AccumOptions {
  std::optional<int64_t> dim_argmax;  ///< argmax over this dim (when no activation)
  Activation activation = Activation::none;
  std::optional<double> thresh;  ///< predictions >= thresh
  bool flatten = true;           ///< flatten and check predictions and targets
};
/// Concatenates the (processed) predictions and targets of every batch and applies `f` once
/// (fastai's AccumMetric). Example: `AccumMetric(my_auc, {.activation = Activation::softmax, .flatten = false})`.
std::shared_ptr<Metric> AccumMetric(const MetricFunc& f, AccumOptions options = {});

/// Mean loss weighted by batch size (fastai's AvgLoss, name "loss"). Example: `auto m = AvgLoss();`
std::shared_ptr<Metric> AvgLoss();
/// Exponentially smoothed loss, debiased (fastai's AvgSmoothLoss, beta 0.98). Example: `AvgSmoothLoss(0.9)`.
std::shared_ptr<Metric> AvgSmoothLoss(double beta = 0.98);
/// exp(average loss) (fastai's Perplexity). Example: `.metrics = {MetricSpec([] { return Perplexity(); })}`.
std::shared_ptr<Metric> Perplexity();
/// Batch-size-weighted average of the loss function's part `attr` (fastai's LossMetric).
/// Example: `.metrics = {LossMetric("kl")}` with a loss that sets `parts["kl"]`.
MetricSpec LossMetric(std::string attr, std::string name = "");

/// Flattens both and checks they have the same number of elements; the error names `metric`
/// and both shapes. Example: `auto [p, t] = flatten_check(pred, targ, "mse");`
std::pair<at::Tensor, at::Tensor> flatten_check(const at::Tensor& pred, const at::Tensor& targ,
                                                const std::string& metric = "metric");

// ---------------------------------------------------------------- metric functions

/// Fraction of argmax(pred, -1) equal to targ.
extern const MetricFunc accuracy;
/// 1 − accuracy.
extern const MetricFunc error_rate;
/// Whether targ is among the top-k predictions.
/// Example: `.metrics = {top_k_accuracy(3)}`
MetricFunc top_k_accuracy(int64_t k = 5);
/// Multi-label accuracy: (sigmoid(pred) > thresh) == targ, over all labels.
/// Example: `.metrics = {accuracy_multi(0.3)}`
MetricFunc accuracy_multi(double thresh = 0.5, bool sigmoid = true);
extern const MetricFunc mse;
extern const MetricFunc mae;
extern const MetricFunc msle;
/// √mse over the whole pass (an AccumMetric).
/// Example: `.metrics = {rmse(), exp_rmspe(), R2Score()}`
MetricSpec rmse();
/// √mean(((e^t − e^p)/e^t)²) over the whole pass (an AccumMetric).
MetricSpec exp_rmspe();
/// 1 − Σ(t−p)²/Σ(t−t̄)² over the whole pass.
MetricSpec R2Score();
/// 1 − var(t−p)/var(t) over the whole pass.
MetricSpec ExplainedVariance();
/// Pearson's correlation over the whole pass.
MetricSpec PearsonCorrCoef();

/// Dice coefficient 2·|P∩T|/(|P|+|T|) for binary segmentation (argmax over `axis`).
/// Example: `.metrics = {Dice(), JaccardCoeff()}`
MetricSpec Dice(int64_t axis = 1);
/// Mean over classes of the per-class dice (classes absent from both are skipped).
/// Example: `.metrics = {DiceMulti()}`
MetricSpec DiceMulti(int64_t axis = 1);
/// Jaccard |P∩T|/|P∪T| for binary segmentation.
MetricSpec JaccardCoeff(int64_t axis = 1);
/// Mean over classes of the per-class Jaccard (mIoU; classes absent from both are skipped),
/// fastai's JaccardCoeffMulti. Example: `.metrics = {DiceMulti(), JaccardCoeffMulti()}`
MetricSpec JaccardCoeffMulti(int64_t axis = 1);
/// Accuracy over the pixels whose target is not `bkg_idx` (fastai's foreground_acc; a [N, 1, H, W]
/// target is squeezed). Example: `.metrics = {foreground_acc()}`
MetricFunc foreground_acc(int64_t bkg_idx = 0, int64_t axis = 1);

// ---------------------------------------------------------------- scikit-learn's metrics
// fastai wraps scikit-learn for these (skm_to_fastai); here they are implemented directly and
// tested against scikit-learn's values. Predictions are processed as fastai does: argmax over
// `axis` for label metrics, softmax / sigmoid for the score metrics.

/// How per-class scores are combined (scikit-learn's `average`).
enum class Average { binary, micro, macro, weighted };

/// Keyword arguments of the label-based classification metrics.
/// Example: `Precision({.average = Average::weighted})`
struct ClassOptions {
  int64_t axis = -1;
  Average average = Average::binary;
  int64_t pos_label = 1;
};
/// Precision, recall, F-beta/F1 and Jaccard of the predicted labels (zero_division = 0).
/// Example: `.metrics = {F1Score({.average = Average::macro}), Precision()}`
MetricSpec Precision(ClassOptions options = {});
MetricSpec Recall(ClassOptions options = {});
MetricSpec F1Score(ClassOptions options = {});
MetricSpec FBeta(double beta, ClassOptions options = {});
MetricSpec Jaccard(ClassOptions options = {});
/// Mean recall over the classes present in the targets. Example: `.metrics = {BalancedAccuracy()}`
MetricSpec BalancedAccuracy(int64_t axis = -1);
/// Matthews correlation coefficient (multi-class form; 0 when undefined).
MetricSpec MatthewsCorrCoef(int64_t axis = -1);
/// How CohenKappa weighs disagreements.
/// Example: `CohenKappa(-1, KappaWeights::quadratic)`
enum class KappaWeights { none, linear, quadratic };
/// Cohen's kappa between predicted and true labels.
MetricSpec CohenKappa(int64_t axis = -1, KappaWeights weights = KappaWeights::none);
/// Fraction of wrong labels.
MetricSpec HammingLoss(int64_t axis = -1);
/// scikit-learn's brier_score_loss on the predicted labels, as fastai's BrierScore computes it.
MetricSpec BrierScore(int64_t axis = -1);
/// ROC AUC of a binary classifier (probability of the last class after softmax over `axis`).
/// Example: `.metrics = {RocAucBinary(), APScoreBinary()}`
MetricSpec RocAucBinary(int64_t axis = -1);
/// One-vs-rest ROC AUC of a multi-class classifier (softmax), macro or weighted average.
/// Example: `.metrics = {RocAuc(-1, Average::weighted)}`
MetricSpec RocAuc(int64_t axis = -1, Average average = Average::macro);
/// Average precision of a binary classifier (last class after softmax).
MetricSpec APScoreBinary(int64_t axis = -1);
/// Average precision of a multi-label classifier (sigmoid), macro averaged over labels.
MetricSpec APScoreMulti();
/// Spearman's rank correlation (average ranks for ties).
/// Example: `.metrics = {SpearmanCorrCoef(), PearsonCorrCoef()}`
MetricSpec SpearmanCorrCoef();

}  // namespace fastai
