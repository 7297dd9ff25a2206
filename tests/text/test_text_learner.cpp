// The text learners' pieces against real fastai 2.7.18 (tools/gen_text_learner_reference.py):
// a classifier and a language model saved by Python's torch.save load by name and give fastai's
// eval outputs (through match_embeds for a new vocab), RNNRegularizer adds fastai's terms, the
// splitters give fastai's groups, decode_spec_tokens decodes as fastai's; then the learners train,
// generate, and pass an encoder from a language model to a classifier.
#include "fastai/text/learner.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>
#include <set>

#include "fastai/core/pickle.h"
#include "fastai/metrics.h"
#include "fastai/text/loaders.h"
#include "json_tensors.h"
#include "reference.h"

using namespace fastai;
using fastai::testing::ids_of;
using fastai::testing::tensor_of;
namespace fs = std::filesystem;

namespace {

fs::path ref_file(const std::string& name) { return fs::path(FASTAI_TEST_DATA_DIR) / "reference" / name; }

void load_into(torch::nn::Module& m, const StateDict& sd) {
  auto params = m.named_parameters();
  auto buffers = m.named_buffers();
  at::NoGradGuard g;
  std::set<std::string> seen;
  for (const auto& [k, v] : sd) {
    seen.insert(k);
    if (auto* p = params.find(k)) p->copy_(v);
    else if (auto* b = buffers.find(k)) b->copy_(v);
    else ADD_FAILURE() << "fastai's " << k << " is not in our model";
  }
  for (const auto& p : params) EXPECT_TRUE(seen.count(p.key())) << p.key() << " is not in fastai's state_dict";
}

int64_t numel_of(const std::vector<at::Tensor>& g) {
  int64_t n = 0;
  for (const auto& t : g) n += t.numel();
  return n;
}

}  // namespace

TEST(TextClassifier, LoadsFastaisTorchSaveAndGivesItsOutputs) {
  const auto ref = fastai::testing::load_reference("text_learner.json");
  const auto c = ref["classifier"];
  auto clas = get_text_classifier(30, 3, {.seq_len = 4, .config = {.emb_sz = 8, .n_hid = 12, .n_layers = 2},
                                          .drop_mult = 0.5, .max_len = 8});
  const StateDict sd = load_torch_state_dict(ref_file("text_classifier.pth"));
  std::vector<std::string> keys;
  for (const auto& [k, v] : sd) keys.push_back(k);
  EXPECT_EQ(keys, c["keys"].get<std::vector<std::string>>()) << "torch.save's order and names";
  load_into(*clas, sd);
  clas->eval();
  at::NoGradGuard g;
  const at::Tensor y = clas->forward(ids_of(c["batch"]));
  const at::Tensor want = tensor_of(c["logits"]);
  EXPECT_TRUE(at::allclose(y, want, 1e-4, 1e-5)) << y << want;
  EXPECT_TRUE(at::allclose(clas->rnn_raw_out(), tensor_of(c["raw_out"]), 1e-4, 1e-5)) << "rows padded with zeros as fastai";
  // A document longer than max_len: only the chunks within the last max_len tokens are pooled.
  const at::Tensor yl = clas->forward(ids_of(c["long"]));
  EXPECT_TRUE(at::allclose(yl, tensor_of(c["long_logits"]), 1e-4, 1e-5)) << yl;
  std::vector<int64_t> sizes;
  for (const auto& grp : awd_lstm_clas_split(Model(clas))) sizes.push_back(numel_of(grp));
  EXPECT_EQ(sizes, c["split_sizes"].get<std::vector<int64_t>>());
}

TEST(TextLearner, MatchEmbedsAndTheLanguageModelAreFastais) {
  const auto ref = fastai::testing::load_reference("text_learner.json");
  const auto l = ref["lm"];
  const auto old_vocab = load_pickle(ref_file("text_lm_itos.pkl")).strings();
  EXPECT_EQ(old_vocab, l["old_vocab"].get<std::vector<std::string>>());
  const auto new_vocab = l["new_vocab"].get<std::vector<std::string>>();
  StateDict wgts = match_embeds(load_torch_state_dict(ref_file("text_lm.pth")), old_vocab, new_vocab);
  auto lm = get_language_model(static_cast<int64_t>(new_vocab.size()), {.emb_sz = 8, .n_hid = 12, .n_layers = 2}, 0.5);
  load_into(*lm, wgts);
  EXPECT_TRUE(at::allclose(lm->encoder->encoder->weight, tensor_of(l["encoder"]))) << "shared rows kept, new ones the mean";
  EXPECT_TRUE(at::allclose(lm->decoder->bias, tensor_of(l["bias"])));
  lm->eval();
  at::NoGradGuard g;
  const at::Tensor y = lm->forward(ids_of(l["x"]));
  EXPECT_TRUE(at::allclose(y, tensor_of(l["logits"]), 1e-4, 1e-5));
  std::vector<int64_t> sizes;
  auto full = get_language_model(20, {.emb_sz = 8, .n_hid = 12, .n_layers = 2});
  for (const auto& grp : awd_lstm_lm_split(Model(full))) sizes.push_back(numel_of(grp));
  EXPECT_EQ(sizes, l["split_sizes"].get<std::vector<int64_t>>()) << "the tied weight counted once";
  // Weights and vocab of different sizes are named.
  try {
    (void)match_embeds(load_torch_state_dict(ref_file("text_lm.pth")), new_vocab, new_vocab);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("20 rows but the vocab 10"), std::string::npos) << e.what();
  }
}

TEST(TextLearner, RNNRegularizerAndDecodeSpecTokensAreFastais) {
  const auto ref = fastai::testing::load_reference("text_learner.json");
  const auto r = ref["regularizer"];
  const at::Tensor h = tensor_of(r["raw_out"]), o = tensor_of(r["out"]);
  // fastai's callbacks on a model that reports those outputs, inside a Learner's state.
  struct Fixed : torch::nn::Module, RNNModel {
    at::Tensor h, o;
    bool was_reset = false;
    at::Tensor forward(const at::Tensor& x) { return x; }
    void reset() override { was_reset = true; }
    at::Tensor rnn_raw_out() const override { return h; }
    at::Tensor rnn_out() const override { return o; }
  };
  auto run = [&](const at::Tensor& hh, const at::Tensor& oo) {
    auto m = std::make_shared<Fixed>();
    m->h = hh, m->o = oo;
    auto x = at::zeros({4, 1});
    Learner learn(DataLoaders::from_tensors(x, x, x, x, {.bs = 2}), m, {.loss_func = MSELossFlat(), .cbs = rnn_cbs(2, 1)});
    learn.training = true;
    learn.loss_grad = at::tensor(1.5);
    learn(Event::after_pred);
    learn(Event::after_loss);
    EXPECT_TRUE(learn.cb<RNNRegularizer>()) << "rnn_cbs(2, 1) adds the regularizer";
    learn(Event::before_validate);
    EXPECT_TRUE(m->was_reset) << "ModelResetter";
    return learn.loss_grad.item<double>();
  };
  EXPECT_NEAR(run(h, o), r["loss"].get<double>(), 1e-5);
  EXPECT_NEAR(run(h.slice(0, 0, 1), o.slice(0, 0, 1)), r["loss_bs1"].get<double>(), 1e-5) << "no TAR on one row";
  EXPECT_EQ(rnn_cbs().size(), 2u) << "no regularizer without alpha or beta";
  const auto d = ref["decode_spec_tokens"];
  EXPECT_EQ(decode_spec_tokens(d["tokens"].get<std::vector<std::string>>()), d["decoded"].get<std::vector<std::string>>());
}
