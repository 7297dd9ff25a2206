#pragma once
/// fastai.interpret: what a trained classifier (or segmenter) gets wrong — the confusion matrix (text and PNG),
/// the most confused pairs, and the items with the largest losses (as a PNG grid for images).
///
/// Thread-safety: ClassificationInterpretation::from_learner runs get_preds (safe beside other inference on
/// the learner, learner.h); the object it returns holds its own tensors, read-only afterwards.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "fastai/learner.h"

namespace fastai {

/// Predictions, targets, decoded predictions and per-item losses of one loader, with the
/// class names (fastai's ClassificationInterpretation).
///
/// Example:
///   auto interp = ClassificationInterpretation::from_learner(learn);
///   std::cout << interp.confusion_matrix_text();
///   for (auto& [actual, predicted, n] : interp.most_confused(5)) ...
///   interp.plot_top_losses(9, "top_losses.png");
class ClassificationInterpretation {
 public:
  /// Runs get_preds (with losses and decoded predictions) on dls[ds_idx].
  /// Example: `auto interp = ClassificationInterpretation::from_learner(learn, 1);`
  static ClassificationInterpretation from_learner(Learner& learn, size_t ds_idx = 1);

  /// [C, C] counts: row = actual class, column = predicted class.
  /// Example: `auto cm = interp.confusion_matrix(); int64_t right = cm.diagonal().sum().item<int64_t>();`
  at::Tensor confusion_matrix() const;
  /// The matrix as a table with class names. Example: `std::cout << interp.confusion_matrix_text();`
  std::string confusion_matrix_text() const;
  /// The matrix as a PNG heat map with counts (written atomically, path printed).
  /// Example: `interp.plot_confusion_matrix("cm.png");`
  std::filesystem::path plot_confusion_matrix(const std::filesystem::path& file) const;
  /// (actual, predicted, count) off the diagonal with count ≥ min_val, most frequent first.
  /// Example: `auto worst = interp.most_confused(10);`
  std::vector<std::tuple<std::string, std::string, int64_t>> most_confused(int64_t min_val = 1) const;
  /// The k largest (or smallest) losses and their item indices.
  /// Example: `auto [losses, idx] = interp.top_losses(9);`
  std::pair<at::Tensor, at::Tensor> top_losses(int64_t k, bool largest = true) const;
  /// The k worst images with "predicted/actual/loss/probability" under each (PNG). Inputs that
  /// are no pictures (texts) get show_top_losses' table instead, and an empty path back.
  /// Example: `interp.plot_top_losses(9, "top_losses.png");`
  std::filesystem::path plot_top_losses(int64_t k, const std::filesystem::path& file) const;
  /// The k largest losses as a table, fastai's for texts: | input | target | predicted |
  /// probability | loss |, inputs decoded from the dataset (texts cut to `trunc_at` words).
  /// Printed to options.out (default std::cout) and returned.
  /// Example: `interp.show_top_losses(5);`
  std::string show_top_losses(int64_t k, ShowBatchOptions options = {}, size_t trunc_at = 150) const;

  const std::vector<std::string>& vocab() const noexcept { return vocab_; }
  const Preds& preds() const noexcept { return p_; }

 private:
  ClassificationInterpretation(Learner& learn, size_t ds_idx, Preds p, std::vector<std::string> vocab)
      : learn_(&learn), ds_idx_(ds_idx), p_(std::move(p)), vocab_(std::move(vocab)) {}
  Learner* learn_;
  size_t ds_idx_;
  Preds p_;
  std::vector<std::string> vocab_;
};

/// fastai's SegmentationInterpretation: predictions, targets, decoded masks and per-item losses
/// (each item's mean over its pixels) of one loader, and its worst items as pictures.
/// Example:
///   auto interp = SegmentationInterpretation::from_learner(learn);
///   interp.plot_top_losses(4, "worst.png");  // image, target and predicted masks, a legend of the codes
class SegmentationInterpretation {
 public:
  /// Runs get_preds (with inputs, losses and decoded masks) on dls[ds_idx].
  /// Example: `auto interp = SegmentationInterpretation::from_learner(learn);`
  static SegmentationInterpretation from_learner(Learner& learn, size_t ds_idx = 1);
  /// The k largest (or smallest) per-item losses and their item indices.
  /// Example: `auto [losses, idx] = interp.top_losses(4);`
  std::pair<at::Tensor, at::Tensor> top_losses(int64_t k, bool largest = true) const;
  /// The k worst items, target and prediction side by side (PNG); prints each one's loss and
  /// pixel accuracy. Example: `interp.plot_top_losses(4, "worst.png");`
  std::filesystem::path plot_top_losses(int64_t k, const std::filesystem::path& file) const;
  const Preds& preds() const noexcept { return p_; }

 private:
  SegmentationInterpretation(Learner& learn, size_t ds_idx, Preds p)
      : learn_(&learn), ds_idx_(ds_idx), p_(std::move(p)) {}
  Learner* learn_;
  size_t ds_idx_;
  Preds p_;
};

}  // namespace fastai
