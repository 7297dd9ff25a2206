#include "fastai/data/get_c.h"

#include "fastai/data/transforms.h"

namespace fastai {

std::optional<int64_t> get_c(DataLoaders& dls) {
  const auto& ds = dls.train().datasets();
  if (!ds) return std::nullopt;
  for (size_t t = static_cast<size_t>(ds->n_inp()); t < ds->tls().size(); ++t)
    for (const auto& tfm : ds->tls()[t].tfms().transforms()) {
      if (auto c = std::dynamic_pointer_cast<Categorize>(tfm)) return c->c();
      if (auto c = std::dynamic_pointer_cast<MultiCategorize>(tfm)) return c->c();
      if (auto c = std::dynamic_pointer_cast<RegressionSetup>(tfm)) return c->c();
    }
  return std::nullopt;
}

}  // namespace fastai
