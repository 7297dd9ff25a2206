#include "fastai/callback/preds.h"

namespace fastai {

void FetchPredsCallback::after_validate() {
  auto& l = learn();
  Callbacks to_rm;
  for (const auto& c : l.cbs())
    if (c->remove_on_fetch) to_rm.push_back(c);
  to_rm.insert(to_rm.end(), opt_.cbs.begin(), opt_.cbs.end());
  Learner::RemovedCbs removed(l, to_rm);
  preds = l.get_preds({.ds_idx = opt_.ds_idx,
                       .dl = opt_.dl,
                       .with_input = opt_.with_input,
                       .with_decoded = opt_.with_decoded,
                       .inner = true});
}

}  // namespace fastai
