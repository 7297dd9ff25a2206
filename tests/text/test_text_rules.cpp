// fastai.text.core's rules, special tokens and BaseTokenizer against real fastai 2.7.18's output
// on tricky strings (tests/data/reference/text_rules.json, tools/gen_text_rules_reference.py).
#include "fastai/text/core.h"

#include <gtest/gtest.h>

#include "reference.h"
#include "test_util.h"

using namespace fastai;

namespace {
std::string shown(const std::string& s) {  // for failure messages
  std::string o;
  for (unsigned char c : s) o += c == '\n' ? std::string("\\n") : std::string(1, static_cast<char>(c));
  return o;
}
}  // namespace

TEST(TextRules, SpecialTokensAndDefaultsAreFastais) {
  const auto ref = fastai::testing::load_reference("text_rules.json");
  EXPECT_EQ(text_spec_tok(), ref["special_tokens"].get<std::vector<std::string>>());
  std::vector<std::string> names, post;
  for (const auto& r : default_text_rules()) names.push_back(r.name);
  for (const auto& r : default_text_post_rules()) post.push_back(r.name);
  EXPECT_EQ(names, ref["default_rules"].get<std::vector<std::string>>());
  EXPECT_EQ(post, ref["default_post_rules"].get<std::vector<std::string>>());
}

TEST(TextRules, EachRuleGivesWhatFastaisGives) {
  const auto ref = fastai::testing::load_reference("text_rules.json");
  int checked = 0;
  for (const auto& c : ref["cases"]) {
    const std::string in = c["input"];
    for (const auto& [name, want] : c["rules"].items()) {
      EXPECT_EQ(shown(text_rule(name).fn(in)), shown(want.get<std::string>())) << name << " on \"" << shown(in) << "\"";
      ++checked;
    }
    EXPECT_EQ(lowercase(in, false, true), c["lowercase_eos"].get<std::string>()) << shown(in);
  }
  EXPECT_GT(checked, 300);
}

TEST(TextRules, DefaultRulesAndBaseTokenizerGiveFastaisTokens) {
  const auto ref = fastai::testing::load_reference("text_rules.json");
  TokenizeWithRules tok(BaseTokenizer{});
  for (const auto& c : ref["cases"])
    EXPECT_EQ(tok(c["input"].get<std::string>()), c["tokens"].get<std::vector<std::string>>())
        << shown(c["input"].get<std::string>());
  EXPECT_EQ(tok("Hello WORLD!!!"),
            (std::vector<std::string>{"xxbos", "xxmaj", "hello", "xxup", "world", "xxrep", "3", "!"}));
}

TEST(TextRules, BadInputIsRefusedWithWhereAndWhat) {
  EXPECT_THROW_WITH(replace_maj("ok \xff here"), std::invalid_argument, "replace_maj", "not valid UTF-8", "byte 3");
  EXPECT_THROW_WITH(lowercase("caf\xc3"), std::invalid_argument, "lowercase", "byte 3");
  EXPECT_THROW_WITH(fix_html("\xed\xa0\x80"), std::invalid_argument, "fix_html", "byte 0");  // a surrogate
  EXPECT_THROW_WITH(text_rule("no_such_rule"), std::exception, "no_such_rule", "fix_html");
  EXPECT_THROW(BaseTokenizer(""), std::invalid_argument);
  register_text_rule("shout", [](const std::string& t) { return t + "!"; });
  EXPECT_EQ(text_rule("shout").fn("hi"), "hi!");
}
