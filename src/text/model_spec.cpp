#include "model_spec.h"

#include "fastai/core/json.h"
#include "fastai/export.h"

namespace fastai {

// Every field of the configs, listed once: what an export stores and a fresh process rebuilds.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AWDLSTMLMConfig, emb_sz, n_hid, n_layers, pad_token, bidir, output_p,
                                                hidden_p, input_p, embed_p, weight_p, tie_weights, out_bias)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AWDLSTMClasConfig, emb_sz, n_hid, n_layers, pad_token, bidir, output_p,
                                                hidden_p, input_p, embed_p, weight_p)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TextClassifierOptions, seq_len, config, drop_mult, lin_ftrs, ps,
                                                pad_idx, max_len, y_range)

namespace text_detail {

using json = nlohmann::json;

std::string language_model_spec(int64_t vocab_sz, const AWDLSTMLMConfig& config, double drop_mult) {
  return json{{"builder", "get_language_model"}, {"vocab_sz", vocab_sz}, {"config", config}, {"drop_mult", drop_mult}}
      .dump();
}

std::string text_classifier_spec(int64_t vocab_sz, int64_t n_class, const TextClassifierOptions& options) {
  return json{{"builder", "get_text_classifier"}, {"vocab_sz", vocab_sz}, {"n_class", n_class}, {"options", options}}
      .dump();
}

namespace {
const bool registered = [] {
  register_model_builder("get_language_model", [](const json& j) {
    return Model(get_language_model(j.at("vocab_sz").get<int64_t>(), j.at("config").get<AWDLSTMLMConfig>(),
                                    j.at("drop_mult").get<double>()));
  });
  register_model_builder("get_text_classifier", [](const json& j) {
    return Model(get_text_classifier(j.at("vocab_sz").get<int64_t>(), j.at("n_class").get<int64_t>(),
                                     j.at("options").get<TextClassifierOptions>()));
  });
  return true;
}();
}  // namespace

}  // namespace text_detail
}  // namespace fastai
