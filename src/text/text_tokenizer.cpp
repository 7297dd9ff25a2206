#include "fastai/text/text_tokenizer.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "unicode.h"

namespace fastai {

std::string apply_rules(std::string t, const std::vector<TextRule>& rules) {
  for (const auto& r : rules) t = r.fn(t);
  return t;
}

nlohmann::json rule_names(const std::vector<TextRule>& rules) {
  nlohmann::json names = nlohmann::json::array();
  for (const auto& r : rules) names.push_back(r.name);
  return names;
}

std::vector<TextRule> rules_from_names(const nlohmann::json& names) {
  std::vector<TextRule> rules;
  for (const auto& n : names) rules.push_back(text_rule(n.get<std::string>()));
  return rules;
}

std::string read_text_file(const std::filesystem::path& file) {
  std::ifstream f(file, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read the text file " + file.string());
  std::ostringstream s;
  s << f.rdbuf();
  std::string text = s.str();
  const std::string what = "the text file " + file.string();
  (void)text_detail::utf8_to_u32(text, what.c_str());  // throws with the byte offset
  return text;
}

TextTokenizer::TextTokenizer(WordTokenizer tok) : tok_(std::move(tok)) {}
TextTokenizer::TextTokenizer(BaseTokenizer tok) : tok_(std::move(tok)) {}
TextTokenizer::TextTokenizer(SentencePieceTokenizer tok)
    : tok_(std::make_shared<SentencePieceTokenizer>(std::move(tok))) {}

std::vector<std::string> TextTokenizer::operator()(const std::string& text) const {
  return std::visit(
      [&](const auto& t) -> std::vector<std::string> {
        if constexpr (std::is_same_v<std::decay_t<decltype(t)>, std::shared_ptr<SentencePieceTokenizer>>)
          return (*t)(text);
        else
          return t(text);
      },
      tok_);
}

bool TextTokenizer::needs_setup() const {
  const auto* sp = std::get_if<std::shared_ptr<SentencePieceTokenizer>>(&tok_);
  return sp && !(*sp)->has_model();
}

void TextTokenizer::setup(const std::vector<std::string>& texts, const std::vector<TextRule>& rules) {
  if (needs_setup()) std::get<std::shared_ptr<SentencePieceTokenizer>>(tok_)->setup(texts, rules);
}

TokenizerFn TextTokenizer::fn() const {
  return [self = *this](const std::string& text) { return self(text); };
}

nlohmann::json TextTokenizer::describe() const {
  if (const auto* w = std::get_if<WordTokenizer>(&tok_)) return w->describe();
  if (const auto* b = std::get_if<BaseTokenizer>(&tok_))
    return {{"type", "BaseTokenizer"}, {"split_char", b->split_char()}};
  return std::get<std::shared_ptr<SentencePieceTokenizer>>(tok_)->describe();
}

TextTokenizer TextTokenizer::from_description(const nlohmann::json& j) {
  const auto type = j.at("type").get<std::string>();
  if (type == "WordTokenizer") return WordTokenizer::from_description(j);
  if (type == "BaseTokenizer") return BaseTokenizer(j.at("split_char").get<std::string>());
  if (type == "SentencePieceTokenizer") return SentencePieceTokenizer::from_description(j);
  throw std::invalid_argument("TextTokenizer: unknown tokenizer type \"" + type +
                              "\" (known: WordTokenizer, BaseTokenizer, SentencePieceTokenizer)");
}

}  // namespace fastai
