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
  encodes<Row>([this](const TableRow& r) -> Item {
    if (text_cols_.empty())
      throw TypeError("Tokenizer: a table row needs a Tokenizer::from_df (which columns hold the text?), "
                      "or a getter such as ColReader(\"text\") before it");
    if (rows_ && r.table.get() == rows_->table && r.index < rows_->tokens.size() && rows_->tokens[r.index])
      return Tokens(*rows_->tokens[r.index]);
    return Tokens(tokenize(row_text(r)));
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

std::string Tokenizer::row_text(const TableRow& r) const {
  std::vector<std::string> fields;
  for (const auto& c : text_cols_) fields.push_back((*r.table)[c.name(*r.table)].cell(r.index));
  return join_text_fields(fields, df_.mark_fields.value_or(text_cols_.size() > 1));
}

void Tokenizer::setup(const LazyItems& items, bool train_setup) {
  if (!text_cols_.empty() && !rows_ && items.size() > 0 && items[0].is<Row>()) {
    // fastai's df mode: every row is tokenized once, here, on threads — the validation rows too.
    auto rows = std::make_shared<Rows>();
    std::vector<size_t> index(items.size());
    std::vector<std::string> texts(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      const Item x = items[i];
      if (!x.is<Row>())
        throw std::invalid_argument("Tokenizer::from_df: item " + std::to_string(i) + " is " +
                                    std::string(x.type().name()) + ", not a table row (use rows_of(df))");
      const TableRow& r = x.get<Row>();
      if (!rows->table) rows->table = r.table.get();
      if (r.table.get() != rows->table)
        throw std::invalid_argument("Tokenizer::from_df: the items are rows of more than one table");
      index[i] = r.index;
      texts[i] = row_text(r);
      if (r.index >= rows->tokens.size()) rows->tokens.resize(r.index + 1);
    }
    tok_.setup(texts, o_.rules);
    TokenizedTexts res = tokenize_texts(texts, tok_.fn(), {.n_workers = df_.n_workers, .rules = o_.rules, .post_rules = o_.post_rules});
    for (size_t i = 0; i < index.size(); ++i) rows->tokens[index[i]] = std::move(res.tokens[i]);
    rows->counter = std::move(res.counter);
    rows_ = std::move(rows);
    return;
  }
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
  if (!text_cols_.empty()) {  // from_df: which columns (the tokens of set-up rows stay behind)
    nlohmann::json cols = nlohmann::json::array();
    for (const auto& c : text_cols_)
      std::visit([&](const auto& v) { cols.push_back(v); }, c.ref);
    j["text_cols"] = cols;
    j["mark_fields"] = df_.mark_fields ? nlohmann::json(*df_.mark_fields) : nlohmann::json(nullptr);
  }
  return j;
}

std::shared_ptr<Tokenizer> Tokenizer::from_description(const nlohmann::json& j) {
  auto t = std::make_shared<Tokenizer>(TextTokenizer::from_description(j.at("tok")),
                                       TokenizerOptions{.rules = rules_from_names(j.at("rules")),
                                                        .post_rules = rules_from_names(j.at("post_rules")),
                                                        .sep = j.at("sep").get<std::string>()});
  if (j.contains("text_cols")) {
    for (const auto& c : j.at("text_cols"))
      t->text_cols_.push_back(c.is_number() ? Col(c.get<int>()) : Col(c.get<std::string>()));
    if (!j.at("mark_fields").is_null()) t->df_.mark_fields = j.at("mark_fields").get<bool>();
  }
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
std::shared_ptr<Tokenizer> Tokenizer::from_df(std::vector<Col> text_cols, TokenizeDfOptions options) {
  if (text_cols.empty()) throw std::invalid_argument("Tokenizer::from_df: no text column given");
  auto t = std::make_shared<Tokenizer>(options.tok, options.rules);
  t->text_cols_ = std::move(text_cols);
  t->df_ = std::move(options);
  return t;
}
FASTAI_REGISTER_TRANSFORM(Tokenizer);

}  // namespace fastai
