// get_language_model against real fastai 2.7.18's (tests/data/reference/language_model.json,
// tools/gen_language_model_reference.py): the same state_dict names, the decoder tied to the
// embedding, drop_mult applied to every dropout, and with fastai's weights the same eval logits
// on two carried batches.
#include "fastai/text/models/core.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <set>

#include "json_tensors.h"
#include "reference.h"

using namespace fastai;

using fastai::testing::ids_of;
using fastai::testing::tensor_of;

TEST(LanguageModel, IsFastais) {
  const auto ref = fastai::testing::load_reference("language_model.json");  // a local: items() of a temporary dangles
  auto lm = get_language_model(30, {.emb_sz = 8, .n_hid = 12, .n_layers = 2}, 0.5);
  std::set<std::string> ours, theirs;
  for (const auto& p : lm->named_parameters()) ours.insert(p.key());
  for (const auto& [k, v] : ref["state_dict"].items()) theirs.insert(k);
  EXPECT_EQ(ours, theirs);
  EXPECT_TRUE(ref["tied"].get<bool>());
  EXPECT_TRUE(lm->decoder->weight.is_same(lm->encoder->encoder->weight)) << "the decoder's weight is the embedding's";
  const auto& d = ref["dropouts"];
  const auto& o = lm->encoder->options();
  EXPECT_DOUBLE_EQ(o.hidden_p, d["hidden_p"].get<double>());
  EXPECT_DOUBLE_EQ(o.input_p, d["input_p"].get<double>());
  EXPECT_DOUBLE_EQ(o.embed_p, d["embed_p"].get<double>());
  EXPECT_DOUBLE_EQ(o.weight_p, d["weight_p"].get<double>());
  {
    at::NoGradGuard no_grad;
    auto params = lm->named_parameters();
    for (const auto& [k, v] : ref["state_dict"].items()) params[k].copy_(tensor_of(v));
  }
  lm->eval();
  at::NoGradGuard no_grad;
  const auto shape = ref["shape"].get<std::vector<int64_t>>();
  for (const char* which : {"y1", "y2"}) {
    const at::Tensor y = lm->forward(ids_of(ref[which == std::string("y1") ? "x1" : "x2"]));
    const at::Tensor want = at::tensor(ref[which].get<std::vector<float>>()).view(shape);
    ASSERT_EQ(y.sizes().vec(), shape);
    EXPECT_TRUE(at::allclose(y, want, 1e-4, 1e-5)) << which << ": max diff " << (y - want).abs().max().item<float>();
    if (which == std::string("y1")) {
      const at::Tensor raw = at::tensor(ref["raw1"].get<std::vector<float>>()).view({shape[0], shape[1], 8});
      EXPECT_TRUE(at::allclose(lm->decoder->raw_out(), raw, 1e-4, 1e-6)) << "raw_out is the encoder's output";
    }
  }
  EXPECT_THROW(LinearDecoder(31, 8, 0.1, lm->encoder->encoder), std::invalid_argument) << "a tie of the wrong size";
}
