// tokenize_texts: fastai's token stream (the SentencePiece reference of test_sentencepiece.cpp)
// on 1 and 2 threads, in the texts' order, with Counter's counts; a bad text is named.
#include "fastai/text/tokenize.h"

#include <gtest/gtest.h>

#include "reference.h"
#include "test_config.h"

using namespace fastai;
using Strings = std::vector<std::string>;

TEST(TokenizeTexts, FastaisStreamOnAnyThreadCount) {
  const auto ref = fastai::testing::load_reference("sentencepiece.json");
  const auto texts = ref["texts"].get<Strings>();
  const auto want = ref["unigram"]["tokens"].get<std::vector<Strings>>();
  auto sp =
      SentencePieceTokenizer::load(std::filesystem::path(FASTAI_TEST_DATA_DIR) / "reference" / "spm_unigram.model");
  TokenCounter want_count;
  for (const auto& t : want) want_count.update(t);
  for (int workers : {0, 1, 2, 3}) {
    const auto res = tokenize_texts(texts, sp, {.n_workers = workers});
    ASSERT_EQ(res.tokens, want) << workers << " workers";
    EXPECT_EQ(res.counter.most_common(), want_count.most_common()) << workers << " workers";
  }
}

TEST(TokenizeTexts, NamesTheTextThatFails) {
  Strings texts(300, "fine text");
  texts[211] = "bad \xc3 byte";
  try {
    (void)tokenize_texts(texts, BaseTokenizer(), {.n_workers = 2});
    FAIL() << "a text that is not UTF-8 was tokenized";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("text 211"), std::string::npos) << e.what();
  }
  const auto res = tokenize_texts({"Hello  WORLD"}, BaseTokenizer(), {.n_workers = 1});
  EXPECT_EQ(res.tokens[0], (Strings{"xxbos", "xxmaj", "hello", "xxup", "world"}));
  EXPECT_EQ(res.counter["hello"], 1);
}
