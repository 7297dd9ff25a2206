// SentencePieceTokenizer against real fastai 2.7.18 (tests/data/reference/sentencepiece.json and
// spm_unigram.model, tools/gen_sentencepiece_reference.py): fastai's model, loaded here, gives
// fastai's token stream through the rules; trained here with fastai's defaults it has fastai's
// pieces and scores; fastai's vocab-size rule; the model's bytes travel in the description.
#include "fastai/text/sentencepiece.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fastai/text/text_tokenizer.h"
#include "reference.h"
#include "test_config.h"
#include "test_util.h"

using namespace fastai;
using Strings = std::vector<std::string>;

namespace {
const std::filesystem::path kModel = std::filesystem::path(FASTAI_TEST_DATA_DIR) / "reference" / "spm_unigram.model";

// Every text through TokenizeWithRules (fastai's rules and post-rules), as tokenize_texts does.
std::vector<Strings> tokenize_all(const SentencePieceTokenizer& sp, const Strings& texts) {
  TokenizeWithRules tok(sp);
  std::vector<Strings> out;
  for (const auto& t : texts) out.push_back(tok(t));
  return out;
}
}  // namespace

TEST(SentencePiece, FastaisModelGivesFastaisTokens) {
  const auto ref = fastai::testing::load_reference("sentencepiece.json");
  const auto texts = ref["texts"].get<Strings>();
  const auto sp = SentencePieceTokenizer::load(kModel);
  EXPECT_EQ(sp.pieces(), ref["unigram"]["pieces"].get<Strings>());
  const auto got = tokenize_all(sp, texts);
  const auto want = ref["unigram"]["tokens"].get<std::vector<Strings>>();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], want[i]) << "text " << i << ": " << texts[i];
}

TEST(SentencePiece, VocabSizeRuleIsFastais) {
  const auto ref = fastai::testing::load_reference("sentencepiece.json");
  Strings ruled;
  for (auto t : ref["texts"].get<Strings>()) {
    for (const auto& r : default_text_rules()) t = r.fn(t);
    ruled.push_back(t);
  }
  EXPECT_EQ(sentencepiece_vocab_sz(ruled), ref["vocab_sz"].get<int64_t>());
  EXPECT_EQ(sentencepiece_vocab_sz(Strings{"a b"}), 29) << "at least 29";
  EXPECT_EQ(sentencepiece_vocab_sz(Strings{"a b c d e f g h i j k l m n o p q r s t u v w x y z"}, 5), 5)
      << "a quarter past max_vocab_sz gives max_vocab_sz";
}

// Training here with fastai's defaults learns fastai's model: same pieces, same scores.
TEST(SentencePiece, TrainingHereLearnsFastaisModel) {
  const auto ref = fastai::testing::load_reference("sentencepiece.json");
  const auto texts = ref["texts"].get<Strings>();
  fastai::testing::TempDir dir;
  for (const std::string kind : {"unigram", "bpe"}) {
    SentencePieceOptions o{.cache_dir = dir.path / kind};
    if (kind == "bpe") o = {.vocab_sz = 200, .model_type = "bpe", .cache_dir = dir.path / kind};
    SentencePieceTokenizer sp(o);
    const auto model = sp.setup(texts, default_text_rules());
    EXPECT_EQ(model, dir.path / kind / "spm.model");
    EXPECT_TRUE(std::filesystem::exists(model));
    EXPECT_FALSE(std::filesystem::exists(dir.path / kind / "texts.out")) << "fastai removes the training file";
    EXPECT_EQ(sp.pieces(), ref[kind]["pieces"].get<Strings>()) << kind;
    const auto want_scores = ref[kind]["scores"].get<std::vector<float>>();
    const auto scores = sp.scores();
    ASSERT_EQ(scores.size(), want_scores.size());
    for (size_t i = 0; i < scores.size(); ++i) EXPECT_FLOAT_EQ(scores[i], want_scores[i]) << kind << " piece " << i;
    const auto got = tokenize_all(sp, texts);
    EXPECT_EQ(got, ref[kind]["tokens"].get<std::vector<Strings>>()) << kind;
    // setup again leaves the model as it is (fastai: a tokenizer with a model does not retrain)
    EXPECT_TRUE(sp.setup(texts).empty());
  }
}

TEST(SentencePiece, DescriptionCarriesTheModel) {
  const auto sp = SentencePieceTokenizer::load(kModel, {.lang = "ja"});
  EXPECT_DOUBLE_EQ(*sp.options().char_coverage, 0.9998) << "not a European language";
  const auto j = sp.describe();
  const auto again = SentencePieceTokenizer::from_description(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(again.model_bytes(), sp.model_bytes());
  EXPECT_EQ(again.options().lang, "ja");
  EXPECT_EQ(again("xxbos xxmaj this coffee is great"), sp("xxbos xxmaj this coffee is great"));
  const auto untrained = SentencePieceTokenizer::from_description(SentencePieceTokenizer().describe());
  EXPECT_FALSE(untrained.has_model());
}

TEST(SentencePiece, ClearErrors) {
  EXPECT_THROW(SentencePieceTokenizer()("text"), std::logic_error);
  fastai::testing::TempDir dir;
  const auto junk = dir.path / "junk.model";
  { std::ofstream(junk) << "not a model"; }
  try {
    (void)SentencePieceTokenizer::load(junk);
    FAIL() << "a file that is not a model loaded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("junk.model"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)SentencePieceTokenizer::load(dir.path / "missing.model"), std::runtime_error);
  EXPECT_THROW(SentencePieceTokenizer({.cache_dir = dir.path}).setup({}), std::invalid_argument);
  try {
    (void)sentencepiece_vocab_sz(Strings{"fine", std::string("bad \xff byte")});
    FAIL() << "not UTF-8 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("text 1"), std::string::npos) << e.what();
  }
}

TEST(SentencePiece, CacheWordsEncodesWordByWord) {
  // The opt-in word cache: on fastai's 600-review corpus it gives fastai's whole-text token
  // stream (its differences are float ties in long repeats, which these texts do not have), it
  // survives describe(), and it is off by default.
  const auto ref = fastai::testing::load_reference("sentencepiece.json");
  const auto texts = ref["texts"].get<std::vector<std::string>>();
  const auto model = std::filesystem::path(FASTAI_TEST_DATA_DIR) / "reference" / "spm_unigram.model";
  const auto plain = SentencePieceTokenizer::load(model);
  const auto cached = SentencePieceTokenizer::load(model, {.cache_words = true});
  EXPECT_FALSE(plain.options().cache_words);
  const auto rules = default_text_rules();
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string t = apply_rules(texts[i], rules);
    ASSERT_EQ(cached(t), plain(t)) << "text " << i;
    ASSERT_EQ(cached(t), plain(t)) << "text " << i << " a second time, its words from the cache";
  }
  EXPECT_TRUE(SentencePieceTokenizer::from_description(cached.describe()).options().cache_words);
  EXPECT_EQ(cached("  two   spaces  "), plain("  two   spaces  "));
  EXPECT_EQ(cached(""), plain(""));
}
