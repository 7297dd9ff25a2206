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

namespace {

struct TempDir {
  fs::path root = fs::temp_directory_path() / ("fastai_text_learner_" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(root); }
  ~TempDir() { fs::remove_all(root); }
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

const AWDLSTMLMConfig tiny_lm{.emb_sz = 16, .n_hid = 24, .n_layers = 2};
const AWDLSTMClasConfig tiny_clas{.emb_sz = 16, .n_hid = 24, .n_layers = 2};

}  // namespace

TEST(TextLearner, ULMFiTStepsEndToEndOnATinyCorpus) {
  TempDir tmp;
  const fs::path csv = ref_file("text_loaders.csv");
  auto dls_lm = TextDataLoaders::from_csv(csv, {.text_col = "text", .valid_col = "is_valid", .seed = 3, .is_lm = true,
                                                .seq_len = 16, .bs = 16});
  auto learn = language_model_learner(dls_lm, {.config = tiny_lm, .drop_mult = 0.3, .pretrained = false,
                                               .metrics = {accuracy, MetricSpec([] { return Perplexity(); })},
                                               .path = tmp.root, .default_cbs = true});
  EXPECT_EQ(learn.moms, (Moms{0.8, 0.7, 0.8})) << "fastai's TextLearner momentums";
  EXPECT_TRUE(learn.cb<ModelResetter>() && learn.cb<RNNCallback>() && learn.cb<RNNRegularizer>());
  const double before = learn.validate()[0];
  learn.fit_one_cycle(2, 1e-2);
  const auto after = learn.validate();
  EXPECT_LT(after[0], before - 0.5) << "the language model learns the corpus' word frequencies at least";
  EXPECT_NEAR(after[2], std::exp(after[0]), 1e-3 * std::exp(after[0])) << "perplexity is exp(loss)";
  // Generation: the prompt, then n_words more (special tokens decoded away).
  const std::string text = learn.predict("The taste", {.n_words = 5, .temperature = 0.75});
  EXPECT_EQ(text.rfind("The taste", 0), 0u) << text;
  EXPECT_GT(text.size(), std::string("The taste").size()) << text;
  EXPECT_NE(learn.predict("", {.n_words = 3}), "") << "an empty prompt is xxbos: generation starts from it";
  const fs::path enc_file = learn.save_encoder("finetuned");
  EXPECT_TRUE(fs::exists(enc_file));

  // The classifier on the language model's vocab, with its fine-tuned encoder.
  auto dls = TextDataLoaders::from_csv(csv, {.text_col = "text", .label_col = "label", .valid_col = "is_valid", .seed = 3,
                                             .seq_len = 16, .text_vocab = text_vocab(dls_lm), .bs = 16});
  auto clas = text_classifier_learner(dls, {.seq_len = 16, .config = tiny_clas, .pretrained = false,
                                            .metrics = {accuracy}, .path = tmp.root});
  clas.load_encoder("finetuned");
  EXPECT_TRUE(at::equal(clas.encoder()->encoder->weight, learn.encoder()->encoder->weight));
  EXPECT_FALSE(clas.encoder()->encoder->weight.requires_grad()) << "load_encoder freezes";
  clas.fit_one_cycle(1, 2e-2);
  clas.freeze_to(-2);
  clas.fit_one_cycle(1, Slice{1e-2 / std::pow(2.6, 4), 1e-2});
  clas.unfreeze();
  EXPECT_TRUE(clas.encoder()->encoder->weight.requires_grad());
  const auto v = clas.validate();
  EXPECT_TRUE(std::isfinite(v[0])) << v[0];
  EXPECT_GE(v[1], 0.0);

  // Bad input: an encoder of other sizes names both shapes; absent pretrained weights name the command.
  auto other = text_classifier_learner(dls, {.seq_len = 16, .config = AWDLSTMClasConfig{.emb_sz = 8, .n_hid = 24, .n_layers = 2},
                                             .pretrained = false, .path = tmp.root});
  auto msg = error_of([&] { other.load_encoder("finetuned"); });
  EXPECT_NE(msg.find("in the file but"), std::string::npos) << msg;
  ::setenv("FASTAI_HOME", (tmp.root / "home").c_str(), 1);
  msg = error_of([&] { (void)language_model_learner(dls_lm, {.config = tiny_lm}); });
  ::unsetenv("FASTAI_HOME");
  EXPECT_NE(msg.find("pretrain_lm"), std::string::npos) << msg;
}

TEST(TextLearner, PretrainedWeightsRoundTripInFastaisFormat) {
  TempDir tmp;
  const fs::path csv = ref_file("text_loaders.csv");
  auto dls_lm = TextDataLoaders::from_csv(csv, {.text_col = "text", .valid_col = "is_valid", .seed = 3, .is_lm = true,
                                                .seq_len = 16, .bs = 16});
  auto learn = language_model_learner(dls_lm, {.config = tiny_lm, .pretrained = false, .path = tmp.root});
  // What examples/pretrain_lm stores: the whole language model's state_dict and its vocab.
  StateDict sd;
  for (const auto& p : learn.model->named_parameters()) sd.emplace_back(p.key(), p.value());
  save_torch_state_dict(tmp.root / "models" / "lm.pth", sd);
  save_pickle_strings(tmp.root / "models" / "lm_itos.pkl", text_vocab(dls_lm));
  auto again = language_model_learner(dls_lm, {.config = tiny_lm, .pretrained_fnames = std::pair<fs::path, fs::path>{"lm", "lm_itos"},
                                               .path = tmp.root});
  EXPECT_TRUE(at::equal(again.encoder()->rnns[0]->named_parameters()["weight_hh_l0_raw"],
                        learn.encoder()->rnns[0]->named_parameters()["weight_hh_l0_raw"]));
  EXPECT_TRUE(at::equal(again.model->named_parameters()["1.decoder.bias"], learn.model->named_parameters()["1.decoder.bias"]));
  EXPECT_TRUE(again.encoder()->encoder->weight.is_same(again.model.as<SequentialRNNImpl>()->decoder->weight)) << "still tied";
  // The same weights into a classifier: its encoder part.
  auto dls = TextDataLoaders::from_csv(csv, {.text_col = "text", .label_col = "label", .valid_col = "is_valid", .seed = 3,
                                             .seq_len = 16, .text_vocab = text_vocab(dls_lm), .bs = 16});
  auto clas = text_classifier_learner(dls, {.seq_len = 16, .config = tiny_clas, .pretrained = false, .path = tmp.root});
  EXPECT_EQ(text_vocab(dls), text_vocab(dls_lm));
  clas.load_pretrained(tmp.root / "models" / "lm.pth", tmp.root / "models" / "lm_itos.pkl");
  // Every token's row, but the repeated xxfake padding's (all of which take the last one's, as fastai).
  const auto vocab = text_vocab(dls);
  for (size_t i = 0; i < vocab.size(); ++i) {
    if (vocab[i] == "xxfake") continue;
    ASSERT_TRUE(at::equal(clas.encoder()->encoder->weight[static_cast<int64_t>(i)],
                          learn.encoder()->encoder->weight[static_cast<int64_t>(i)]))
        << vocab[i];
  }
}
