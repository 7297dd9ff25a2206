#pragma once
/// fastai.callback.preds: predictions on another loader gathered during a fit.
///
/// Thread-safety: A callback: runs inside its learner's passes, one at a time (learner.h).
#include <memory>
#include <vector>

#include "fastai/callback/core.h"
#include "fastai/learner.h"

namespace fastai {

/// Keyword arguments of FetchPredsCallback. Example: `FetchPredsCallback({.ds_idx = 0})`
struct FetchPredsOptions {
  size_t ds_idx = 1;
  TfmdDL* dl = nullptr;
  bool with_input = false;
  bool with_decoded = false;
  Callbacks cbs;  ///< also removed while fetching
};

/// After each validation pass, runs get_preds on another loader (with the callbacks marked
/// remove_on_fetch set aside) and keeps the result in `preds` (fastai's FetchPredsCallback).
/// Example:
///   auto f = std::make_shared<FetchPredsCallback>(FetchPredsOptions{.ds_idx = 0});
///   learn.fit(1, 1e-3, {.cbs = {f}});  auto train_preds = f->preds.preds;
class FetchPredsCallback : public Callback {
 public:
  explicit FetchPredsCallback(FetchPredsOptions options = {}) : opt_(std::move(options)) { remove_on_fetch = true; }
  std::string name() const override { return "FetchPredsCallback"; }
  void after_validate() override;
  Preds preds;

 private:
  FetchPredsOptions opt_;
};

}  // namespace fastai
