#pragma once
/// fastai's get_c: the number of outputs a model needs for the loaders' targets — the classes of
/// a Categorize or MultiCategorize, the columns of a regression — for the learners that size
/// their heads from the data (vision_learner, text_classifier_learner).
///
/// Example: `int64_t n_out = fastai::get_c(dls).value_or(0);`
///
/// Thread-safety: reads the loaders; call it while nobody changes them.
#include <cstdint>
#include <optional>

#include "fastai/data/core.h"

namespace fastai {

/// The target's number of outputs, or nullopt when the loaders' targets do not say.
/// Example: `auto c = get_c(dls);  // 2 for a pos/neg CategoryBlock`
std::optional<int64_t> get_c(DataLoaders& dls);

}  // namespace fastai
