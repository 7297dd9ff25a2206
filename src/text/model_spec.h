#pragma once
// The descriptions language_model_learner and text_classifier_learner give their models, so
// export_learner can write them and load_learner rebuild them ("get_language_model" and
// "get_text_classifier" model builders, registered in model_spec.cpp). Internal to the library.
#include <cstdint>
#include <string>

#include "fastai/text/models/classifier.h"
#include "fastai/text/models/core.h"

namespace fastai::text_detail {

// {"builder": "get_language_model", "vocab_sz", "config", "drop_mult"}
std::string language_model_spec(int64_t vocab_sz, const AWDLSTMLMConfig& config, double drop_mult);
// {"builder": "get_text_classifier", "vocab_sz", "n_class", "options"}
std::string text_classifier_spec(int64_t vocab_sz, int64_t n_class, const TextClassifierOptions& options);

}  // namespace fastai::text_detail
