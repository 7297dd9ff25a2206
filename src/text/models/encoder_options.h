#pragma once
// The AWD_LSTM options of a language-model or classifier config (AWDLSTMLMConfig,
// AWDLSTMClasConfig: fastai's two config dicts), every dropout times drop_mult — the one place
// get_language_model and get_text_classifier build their encoder from (internal to the library).
#include "fastai/text/models/awdlstm.h"

namespace fastai::text_detail {

template <class Config>
AWDLSTMOptions encoder_options(int64_t vocab_sz, const Config& c, double drop_mult) {
  return AWDLSTMOptions{.vocab_sz = vocab_sz,
                        .emb_sz = c.emb_sz,
                        .n_hid = c.n_hid,
                        .n_layers = c.n_layers,
                        .pad_token = c.pad_token,
                        .hidden_p = c.hidden_p * drop_mult,
                        .input_p = c.input_p * drop_mult,
                        .embed_p = c.embed_p * drop_mult,
                        .weight_p = c.weight_p * drop_mult,
                        .bidir = c.bidir};
}

}  // namespace fastai::text_detail
