// WordTokenizer against spaCy's own expectations: the cases below are spaCy 3's English tokenizer
// tests (spacy/tests/lang/en/test_exceptions.py, test_prefix_suffix_infix.py, test_punct.py,
// spacy/tests/tokenizer/test_urls.py and test_whitespace.py), with the token texts spaCy
// asserts, plus fastai's own SpacyTokenizer example from text/core.py's notebook.
#include "fastai/text/word_tokenizer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace fastai;
using Strings = std::vector<std::string>;

namespace {
const WordTokenizer& en() {
  static const WordTokenizer tok;
  return tok;
}
size_t n_tokens(const std::string& s) { return en()(s).size(); }
}  // namespace

TEST(WordTokenizer, FastaisExample) {
  EXPECT_EQ(en()("This isn't the easiest text to tokenize!"),
            (Strings{"This", "is", "n't", "the", "easiest", "text", "to", "tokenize", "!"}));
}

TEST(WordTokenizer, Contractions) {
  EXPECT_EQ(en()("don't giggle"), (Strings{"do", "n't", "giggle"}));
  EXPECT_EQ(en()("i said don't!"), (Strings{"i", "said", "do", "n't", "!"}));
  for (const char* t : {"`ain't", "\"isn't", "can't!"}) EXPECT_EQ(n_tokens(t), 3u) << t;
  EXPECT_EQ(en()("Robin's"), (Strings{"Robin", "'s"}));
  EXPECT_EQ(en()("Alexis's"), (Strings{"Alexis", "'s"}));
  EXPECT_EQ(en()("schools'"), (Strings{"schools", "'"}));
  EXPECT_EQ(en()("Alexis'"), (Strings{"Alexis", "'"}));
  for (const char* t : {"'em", "nothin'", "ol'"}) EXPECT_EQ(en()(t), (Strings{t})) << t;
  for (const char* t : {"we'll", "You'll", "there'll", "this'll", "those'll"}) {
    const auto toks = en()(t);
    ASSERT_EQ(toks.size(), 2u) << t;
    EXPECT_EQ(toks[1], "'ll") << t;
  }
  EXPECT_EQ(en()("Can't"), (Strings{"Ca", "n't"}));
  EXPECT_EQ(en()("ain't"), (Strings{"ai", "n't"}));
  for (const char* pron : {"I", "You", "He", "She", "It", "We", "They"})
    for (const char* c : {"'ll", "'d"}) EXPECT_EQ(en()(std::string(pron) + c), (Strings{pron, c}));
  for (const char* t : {"Ill", "ill", "Hell", "hell", "Well", "well", "Shell", "shell", "Shed", "shed"})
    EXPECT_EQ(en()(t), (Strings{t})) << t;
  EXPECT_EQ(en()("We Were Scared"), (Strings{"We", "Were", "Scared"}));
  EXPECT_EQ(n_tokens("We've"), 2u);
  EXPECT_EQ(n_tokens("`We've"), 3u);
  EXPECT_EQ(n_tokens("couldn't"), 2u);
  EXPECT_EQ(n_tokens("couldn't)"), 3u);
  EXPECT_EQ(n_tokens("would've"), 2u);
  EXPECT_EQ(en()("shan't"), (Strings{"sha", "n't"}));
  EXPECT_EQ(en()("gonna"), (Strings{"gon", "na"}));
  EXPECT_EQ(en()("I'm"), (Strings{"I", "'m"}));
}

TEST(WordTokenizer, AbbreviationsAndTimes) {
  for (const char* t : {"e.g.", "p.m.", "Jan.", "Dec.", "Inc.", "U.S."}) EXPECT_EQ(en()(t), (Strings{t})) << t;
  EXPECT_EQ(en()("It's mediocre i.e. bad."), (Strings{"It", "'s", "mediocre", "i.e.", "bad", "."}));
  for (const char* t : {"1am", "12a.m.", "11p.m.", "4pm"}) EXPECT_EQ(n_tokens(t), 2u) << t;
  EXPECT_EQ(en()("7am"), (Strings{"7", "am"}));
  EXPECT_EQ(en()("11p.m."), (Strings{"11", "p.m."}));
  EXPECT_EQ(n_tokens("us."), 2u);
  EXPECT_EQ(n_tokens("(U.S."), 2u);
  EXPECT_EQ(n_tokens("U.S.)"), 2u);
  EXPECT_EQ(n_tokens("(U.S.)"), 3u);
  EXPECT_EQ(n_tokens("(U.S.?)"), 4u);
  // "Mr." is cut into "Mr" + "." by the affix rules and merged back as spaCy 3 does.
  EXPECT_EQ(en()("Today is Tuesday.Mr."), (Strings{"Today", "is", "Tuesday", ".", "Mr."}));
}

TEST(WordTokenizer, PrefixesSuffixesInfixes) {
  EXPECT_EQ(n_tokens("(can)"), 3u);
  EXPECT_EQ(n_tokens("can't"), 2u);
  EXPECT_EQ(n_tokens("(can't"), 3u);
  EXPECT_EQ(n_tokens("can't)"), 3u);
  EXPECT_EQ(n_tokens("(can't)"), 4u);
  EXPECT_EQ(n_tokens("(can't?)"), 5u);
  EXPECT_EQ(en()("best-known"), (Strings{"best", "-", "known"}));
  for (const char* t : {"0.1-13.5", "0.0-0.1", "103.27-300"}) EXPECT_EQ(n_tokens(t), 3u) << t;
  for (const char* t : {"best.Known", "Hello.World", "best...Known", "best...known"}) EXPECT_EQ(n_tokens(t), 3u) << t;
  EXPECT_EQ(en()("Hello,world"), (Strings{"Hello", ",", "world"}));
  EXPECT_EQ(en()("No decent--let alone well-bred--people."),
            (Strings{"No", "decent", "--", "let", "alone", "well", "-", "bred", "--", "people", "."}));
  EXPECT_EQ(n_tokens("_MATH_"), 3u);
  EXPECT_EQ(n_tokens("_MATH_."), 4u);
  for (const char* t : {"3/4/2012", "01/12/1900"}) EXPECT_EQ(en()(t), (Strings{t})) << t;
  EXPECT_EQ(en()("want/need"), (Strings{"want", "/", "need"}));
  EXPECT_GT(n_tokens("$45...............Asking"), 2u);
  // test_punct.py: open and close punctuation, quotes, ellipses.
  EXPECT_EQ(en()("(Hello)"), (Strings{"(", "Hello", ")"}));
  EXPECT_EQ(en()("\"Hello\""), (Strings{"\"", "Hello", "\""}));
  EXPECT_EQ(en()("Hello..."), (Strings{"Hello", "..."}));
  EXPECT_EQ(en()("'The"), (Strings{"'", "The"}));
  EXPECT_EQ(en()("Hello''"), (Strings{"Hello", "''"}));
  EXPECT_EQ(en()("\"Mr."), (Strings{"\"", "Mr."}));
  EXPECT_EQ(en()("$100"), (Strings{"$", "100"}));
  EXPECT_EQ(en()("100km"), (Strings{"100", "km"}));
  EXPECT_EQ(en()("5%"), (Strings{"5", "%"}));
}

TEST(WordTokenizer, UrlsAndEmails) {
  // test_urls.py's URLS_FULL, and test_exceptions.py's e-mail addresses.
  for (const char* url :
       {"http://www.nytimes.com/2016/04/20/us/politics/new-york-primary-preview.html?hp&action=click&pgtype=Homepage&"
        "clickSource=story-heading&module=span-ab-top-region&region=top-news&WT.nav=top-news&_r=0",
        "www.red-stars.com", "mailto:foo.bar@baz.com", "mailto:foo-bar@baz-co.com",
        "mailto:foo-bar@baz-co.com?subject=hi", "www.google.com?q=google", "http://foo.com/blah_(wikipedia)#cite-1",
        "test@example.com", "john.doe@example.co.uk"}) {
    EXPECT_EQ(en()(url), (Strings{url})) << url;
    EXPECT_EQ(en()(std::string("(") + url + ")"), (Strings{"(", url, ")"})) << url;
    EXPECT_EQ(en()(std::string(url) + "."), (Strings{url, "."})) << url;
  }
}

TEST(WordTokenizer, Whitespace) {
  // One space between tokens is dropped; any other whitespace run is a token (spaCy's rule).
  EXPECT_EQ(en()("hello possums"), (Strings{"hello", "possums"}));
  EXPECT_EQ(en()("hello  possums"), (Strings{"hello", " ", "possums"}));
  EXPECT_EQ(en()("hello\npossums"), (Strings{"hello", "\n", "possums"}));
  EXPECT_EQ(en()("hello \n possums"), (Strings{"hello", "\n ", "possums"}));
  EXPECT_EQ(en()("   This is a cat."), (Strings{"   ", "This", "is", "a", "cat", "."}));
  EXPECT_EQ(en()("This is a string "), (Strings{"This", "is", "a", "string"}));
  EXPECT_TRUE(en()("").empty());
}

TEST(WordTokenizer, SpecialTokensAndCases) {
  // fastai adds its special tokens as special cases; after the rules they stay whole.
  EXPECT_EQ(en()("xxbos xxmaj hello xxup world !"), (Strings{"xxbos", "xxmaj", "hello", "xxup", "world", "!"}));
  const TokenizeWithRules tok(en());
  EXPECT_EQ(tok("Hello WORLD, I can't (really)!"),
            (Strings{"xxbos", "xxmaj", "hello", "xxup", "world", ",", "i", "ca", "n't", "(", "really", ")", "!"}));
  WordTokenizer custom;
  custom.add_special_case("lol!", {"lol", "!"});
  custom.add_special_case("xx-yy", {"xx-yy"});
  EXPECT_EQ(custom("lol! xx-yy"), (Strings{"lol", "!", "xx-yy"}));
  EXPECT_EQ(en()("xx-yy"), (Strings{"xx", "-", "yy"})) << "a copy's special case leaked into another tokenizer";
  EXPECT_THROW(custom.add_special_case("abc", {"ab"}), std::invalid_argument);
  EXPECT_THROW(WordTokenizer({.lang = "de"}), std::invalid_argument);
  EXPECT_THROW((void)en()("bad \xff byte"), std::invalid_argument);
}

TEST(WordTokenizer, SameResultsFromManyThreads) {
  const std::string text = "Mr. Smith's car (a '67 Mustang) can't go 100km/h -- e.g. www.cars.com says so...";
  const auto want = en()(text);
  std::vector<std::jthread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i)
        if (en()(text) != want) ++bad;
    });
  threads.clear();
  EXPECT_EQ(bad.load(), 0);
}
