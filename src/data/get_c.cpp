#include "fastai/data/get_c.h"

#include "fastai/core/transform.h"

namespace fastai {

std::optional<int64_t> get_c(DataLoaders& dls) {
  const auto& ds = dls.train().datasets();
  if (!ds) return std::nullopt;
  for (size_t t = static_cast<size_t>(ds->n_inp()); t < ds->tls().size(); ++t)
    for (const auto& tfm : ds->tls()[t].tfms().transforms())
      if (auto c = tfm->target_c()) return c;
  return std::nullopt;
}

}  // namespace fastai
