// Text learners exported and loaded back (export.h): the tokenizer, vocab and AWD-LSTM model
// are rebuilt in a fresh learner — and in a fresh process by fastai_predict — and predict as the
// original did.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "fastai/core/random.h"
#include "fastai/export.h"
#include "fastai/losses.h"
#include "fastai/metrics.h"
#include "fastai/text/learner.h"
#include "fastai/text/loaders.h"
#include "test_config.h"
#include "test_util.h"

using namespace fastai;
using namespace fastai::testing;
namespace fs = std::filesystem;

namespace {

fs::path corpus() { return fs::path(FASTAI_TEST_DATA_DIR) / "reference" / "text_loaders.csv"; }

const AWDLSTMLMConfig tiny_lm{.emb_sz = 16, .n_hid = 24, .n_layers = 2};
const AWDLSTMClasConfig tiny_clas{.emb_sz = 16, .n_hid = 24, .n_layers = 2};

TextLearner tiny_classifier(const fs::path& root) {
  auto dls = TextDataLoaders::from_csv(corpus(), {.text_col = "text", .label_col = "label", .valid_col = "is_valid",
                                                  .seed = 3, .seq_len = 16, .bs = 16});
  return text_classifier_learner(dls, {.seq_len = 16, .config = tiny_clas, .pretrained = false, .max_len = 48,
                                       .metrics = {accuracy}, .path = root});
}

std::string run(const std::string& cmd) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((cmd + " 2>&1").c_str(), "r"), pclose);
  std::string out;
  char buf[512];
  while (pipe && std::fgets(buf, sizeof buf, pipe.get())) out += buf;
  return out;
}

const char* kTexts[] = {"This tea is wonderful, I drink it every day!", "Stale. Never again.",
                        "The dog food arrived quickly and my dog loves it."};

}  // namespace

TEST(TextExport, ClassifierPredictsAsTheOriginalAfterLoadLearner) {
  TempDir dir;
  auto clas = tiny_classifier(dir.path);
  clas.fit_one_cycle(1, 1e-2);
  const fs::path file = dir.path / "clas.fai";
  export_learner(clas, file);
  auto again = load_learner(file);
  EXPECT_EQ(again.model_spec, clas.model_spec);
  for (const char* text : kTexts) {
    auto [l1, i1, p1] = clas.predict(Str(text));
    auto [l2, i2, p2] = again.predict(Str(text));
    EXPECT_EQ(l1.get<Str>(), l2.get<Str>()) << text;
    EXPECT_TRUE(at::allclose(p1, p2, 1e-6, 1e-7)) << text << p1 << p2;
  }
  // A text of unknown words only is xxbos and xxunk tokens: a prediction, not an error.
  auto [lu, iu, pu] = again.predict(Str("zqxj vvkqz wqpz"));
  EXPECT_NEAR(pu.sum().item<double>(), 1.0, 1e-5);
  // Several texts of different lengths in one batch: padded as the training loaders pad.
  auto test = again.dls.test_dl({Tuple({Str(kTexts[0])}), Tuple({Str(kTexts[1])}), Tuple({Str(kTexts[2])})});
  const auto preds = again.get_preds({.dl = &test}).preds;
  EXPECT_EQ(preds.size(0), 3);
  // As a TextLearner again, it fine-tunes further with the RNN callbacks.
  TextLearner more(std::move(again));
  EXPECT_TRUE(more.cb<ModelResetter>() && more.cb<RNNRegularizer>());
  EXPECT_EQ(more.encoder()->options().n_hid, 24);
}

TEST(TextExport, LanguageModelGeneratesAsTheOriginalAfterLoadLearner) {
  TempDir dir;
  auto dls_lm = TextDataLoaders::from_csv(corpus(), {.text_col = "text", .valid_col = "is_valid", .seed = 3,
                                                     .is_lm = true, .seq_len = 16, .bs = 16});
  auto lm = language_model_learner(dls_lm, {.config = tiny_lm, .drop_mult = 0.3, .pretrained = false, .path = dir.path});
  lm.fit_one_cycle(1, 1e-2);
  const fs::path file = dir.path / "lm.fai";
  export_learner(lm, file);
  LMLearner again(load_learner(file));
  set_seed(7);
  const std::string a = lm.predict("The taste", {.n_words = 8, .temperature = 0.75});
  set_seed(7);
  const std::string b = again.predict("The taste", {.n_words = 8, .temperature = 0.75});
  EXPECT_EQ(a, b);
  EXPECT_EQ(b.rfind("The taste", 0), 0u) << b;
  // A learner over a model with no AWD-LSTM is refused, naming its model.
  Learner plain(lm.dls, Model(torch::nn::Linear(2, 2)), {.loss_func = CrossEntropyLossFlat()});
  EXPECT_THROW_WITH(LMLearner(std::move(plain)), std::invalid_argument, "neither a SequentialRNN nor a TextClassifier");
}

TEST(TextExport, FreshProcessPredictsTextsWithNoUserCode) {
  const std::string bin = FASTAI_PREDICT_BIN;
  if (bin.empty() || !fs::exists(bin)) GTEST_SKIP() << "examples not built";
  TempDir dir;
  auto clas = tiny_classifier(dir.path);
  export_learner(clas, dir.path / "clas.fai");
  auto [label, idx, probs] = clas.predict(Str(kTexts[0]));
  std::string out = run(bin + " '" + (dir.path / "clas.fai").string() + "' '" + kTexts[0] + "'");
  char expected[64];
  std::snprintf(expected, sizeof expected, "%.6f", probs[idx.item<int64_t>()].item<double>());
  EXPECT_NE(out.find(std::string(kTexts[0]) + "\t" + label.get<Str>() + "\t" + expected), std::string::npos) << out;

  auto dls_lm = TextDataLoaders::from_csv(corpus(), {.text_col = "text", .valid_col = "is_valid", .seed = 3,
                                                     .is_lm = true, .seq_len = 16, .bs = 16});
  auto lm = language_model_learner(dls_lm, {.config = tiny_lm, .pretrained = false, .path = dir.path});
  export_learner(lm, dir.path / "lm.fai");
  out = run(bin + " '" + (dir.path / "lm.fai").string() + "' 'The taste' --n-words 5");
  EXPECT_EQ(out.rfind("The taste ", 0), 0u) << out;
  out = run(bin + " '" + (dir.path / "lm.fai").string() + "' 'The taste' --n-words lots");
  EXPECT_NE(out.find("fastai_predict: --n-words takes a number, got 'lots'"), std::string::npos) << out;
}
