#include "fastai/text/tokenizer.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "fastai/core/describe.h"
#include "fastai/core/semantic.h"
#include "fastai/text/data.h"
#include "fastai/text/tokenize.h"
#include "fastai/text/tokenize_files.h"
#include "unicode.h"

namespace fastai {

// ---------------------------------------------------------------- Tokenizer


Tokenizer::Tokenizer(TextTokenizer tok, TokenizerOptions options)
    : Transform({.name = "Tokenizer"}), tok_(std::move(tok)), o_(std::move(options)) {
  encodes<Str>([this](const std::string& text) -> Item { return Tokens(tokenize(text)); });
  encodes<Path>([this](const std::filesystem::path& p) -> Item {
    if (folder_) {  // fastai's folder mode: a file of the tokenized folder reads its cached tokens
      const auto rel = p.lexically_relative(path_);
      if (!rel.empty() && *rel.begin() != "..") {
        const auto cached = folder_->output_dir / rel;
        if (std::filesystem::exists(cached)) return Tokens(read_tokens(cached));
      }
    }
    return Tokens(tokenize(read_text_file(p)));
  });
  decodes<Tokens>([this](const std::vector<std::string>& toks) -> Item {
    std::string out;
    for (size_t i = 0; i < toks.size(); ++i) out += (i ? o_.sep : "") + toks[i];
    return Str(std::move(out));
  });
}

std::vector<std::string> Tokenizer::tokenize(const std::string& text) const {
  auto toks = tok_(apply_rules(text, o_.rules));
  for (auto& t : toks) t = apply_rules(std::move(t), o_.post_rules);
  return toks;
}

void Tokenizer::setup(const LazyItems& items, bool train_setup) {
  if (!tok_.needs_setup()) return;
  const auto src = train_setup ? items.train() : items;
  std::vector<std::string> texts;
  texts.reserve(src.size());
  for (size_t i = 0; i < src.size(); ++i) {
    const Item x = src[i];
    if (x.is<Str>())
      texts.push_back(x.get<Str>());
    else if (x.is<Path>())
      texts.push_back(read_text_file(x.get<Path>()));
    else
      throw std::invalid_argument("Tokenizer: training a SentencePiece model needs texts, but item " +
                                  std::to_string(i) + " is " + std::string(x.type().name()));
  }
  tok_.setup(texts, o_.rules);
}

nlohmann::json Tokenizer::describe() const {
  auto j = describe_base();
  j["tok"] = tok_.describe();
  j["rules"] = rule_names(o_.rules);
  j["post_rules"] = rule_names(o_.post_rules);
  j["sep"] = o_.sep;
  return j;
}

std::shared_ptr<Tokenizer> Tokenizer::from_description(const nlohmann::json& j) {
  auto t = std::make_shared<Tokenizer>(TextTokenizer::from_description(j.at("tok")),
                                       TokenizerOptions{.rules = rules_from_names(j.at("rules")),
                                                        .post_rules = rules_from_names(j.at("post_rules")),
                                                        .sep = j.at("sep").get<std::string>()});
  t->apply_base(j);
  return t;
}
std::shared_ptr<Tokenizer> Tokenizer::from_folder(const std::filesystem::path& path, TokenizeFolderOptions options) {
  const auto out = tokenize_folder(path, options);
  auto folder = std::make_shared<TokenizedFolder>(load_tokenized_folder(out));
  // The cache's tokenizer: a SentencePiece model trained (or found) there comes with it.
  auto t = std::make_shared<Tokenizer>(folder->tok, options.rules);
  t->path_ = path;
  t->folder_ = std::move(folder);
  return t;
}
FASTAI_REGISTER_TRANSFORM(Tokenizer);

}  // namespace fastai
