#include "fastai/text/loaders.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "fastai/data/csv.h"
#include "fastai/data/transforms.h"
#include "fastai/text/data.h"
#include "fastai/text/tokenize.h"
#include "fastai/text/tokenize_files.h"

namespace fastai {
namespace {

// Texts (and, for a classifier, their labels) gathered from a table or folders; `where(i)` names
// text i in errors (a row, a file).
struct Corpus {
  std::vector<std::string> texts;
  std::vector<Item> labels;  // Str, or MultiCategory (from_df with label_delim)
  std::vector<int64_t> valid_idx;  // used when `split` is unset
  Splitter split;
  std::function<std::string(size_t)> where;
};

// The loaders over tokenized texts: items (Tokens[, label]) into a DataBlock with a TextBlock
// whose vocab comes from `counter` (the whole corpus', as fastai's).
DataLoaders make_loaders(std::vector<std::vector<std::string>> tokens, TokenCounter counter, TextTokenizer tok,
                         const Corpus& c, const TextDataLoadersOptions& o) {
  std::vector<Item> items;
  items.reserve(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    Item x = Tokens(std::move(tokens[i]));
    if (o.is_lm)
      items.push_back(Tuple({std::move(x)}));
    else
      items.push_back(Tuple({std::move(x), c.labels[i]}));
  }
  std::vector<TransformBlock> blocks{TextBlock({.tok = std::move(tok),
                                               .tok_options = o.tok_options,
                                               .vocab = o.text_vocab,
                                               .is_lm = o.is_lm,
                                               .seq_len = o.seq_len,
                                               .backwards = o.backwards,
                                               .min_freq = o.min_freq,
                                               .max_vocab = o.max_vocab,
                                               .counter = std::make_shared<const TokenCounter>(std::move(counter))})};
  DataBlockOptions dbo{.get_x = {ItemGetter(0)}, .splitter = c.split ? c.split : IndexSplitter(c.valid_idx), .n_inp = 1};
  if (!o.is_lm) {
    const bool multi = !c.labels.empty() && c.labels.front().is<MultiCategory>();
    blocks.push_back(multi ? MultiCategoryBlock({.vocab = o.vocab}) : CategoryBlock({.vocab = o.vocab}));
    dbo.get_y = {ItemGetter(1)};
  }
  dbo.blocks = std::move(blocks);
  return DataBlock(std::move(dbo))
      .dataloaders(items, {.bs = o.bs,
                           .val_bs = o.val_bs,
                           .shuffle = o.shuffle,
                           .num_workers = o.num_workers,
                           .seed = o.seed,
                           .device = o.device});
}

// Tokenizes the corpus in memory (fastai's tokenize_df), then makes the loaders.
DataLoaders build(Corpus c, const TextDataLoadersOptions& o) {
  for (size_t i = 0; i < c.texts.size(); ++i)
    if (c.texts[i].find_first_not_of(" \t\r\n") == std::string::npos)
      throw std::invalid_argument("TextDataLoaders: " + c.where(i) + " is empty; remove it or give it text");
  TextTokenizer tok = o.tok;
  // fastai trains a SentencePiece model on every text of the corpus (tokenize_df's tok.setup).
  tok.setup(c.texts, o.tok_options.rules);
  TokenizedTexts toks;
  try {
    toks = tokenize_texts(c.texts, tok.fn(),
                          {.n_workers = o.n_workers, .rules = o.tok_options.rules, .post_rules = o.tok_options.post_rules});
  } catch (const std::invalid_argument& e) {
    // tokenize_texts names the text's index; say where it came from.
    std::string msg = e.what();
    const auto at = msg.find("text ");
    size_t idx = 0;
    if (at != std::string::npos && std::istringstream(msg.substr(at + 5)) >> idx && idx < c.texts.size())
      msg = "TextDataLoaders: " + c.where(idx) + ": " + msg.substr(msg.find(':', at) + 2);
    throw std::invalid_argument(msg);
  }
  c.texts = {};  // the tokens replace them: the corpus is not held twice over
  return make_loaders(std::move(toks.tokens), std::move(toks.counter), std::move(tok), c, o);
}

}  // namespace

DataLoaders TextDataLoaders::from_df(const Table& df, TextDataLoadersOptions o) {
  const std::string text_col = o.text_col.name(df);  // throws naming a missing column
  Corpus c;
  c.texts.reserve(df.n_rows());
  for (size_t r = 0; r < df.n_rows(); ++r) c.texts.push_back(df[text_col].cell(r));
  if (!o.is_lm) {
    const std::string label_col = o.label_col.name(df);
    // ColReader reads the labels as a getter would: a Str, or split on label_delim.
    const ColReader labels(Col(label_col), {.label_delim = o.label_delim});
    const auto rows = rows_of(df);
    for (size_t r = 0; r < df.n_rows(); ++r) {
      if (df[label_col].cell(r).empty())
        throw std::invalid_argument("TextDataLoaders.from_df: row " + std::to_string(r) + " has no label in column \"" +
                                    label_col + "\"");
      c.labels.push_back(labels(rows[r]));
    }
  }
  if (o.valid_col) {
    c.valid_idx = ColSplitter(*o.valid_col)(rows_of(df))[1];  // fastai's ColSplitter decides what is true
  } else {
    c.split = RandomSplitter(o.valid_pct.value_or(0.2), o.seed);
  }
  c.where = [text_col](size_t i) { return "row " + std::to_string(i) + " of column \"" + text_col + "\""; };
  return build(std::move(c), o);
}

DataLoaders TextDataLoaders::from_csv(const std::filesystem::path& csv, TextDataLoadersOptions o) {
  return from_df(read_csv(csv), std::move(o));
}

DataLoaders TextDataLoaders::from_folder(const std::filesystem::path& path, TextDataLoadersOptions o) {
  const std::vector<std::string> folders =
      o.valid_pct ? std::vector<std::string>{} : std::vector<std::string>{o.train, o.valid};
  const auto files = get_text_files(path, true, folders);
  if (files.empty())
    throw std::invalid_argument("TextDataLoaders.from_folder: no .txt files under " + path.string() +
                                (o.valid_pct ? std::string() : " in \"" + o.train + "\" or \"" + o.valid + "\""));
  Corpus c;
  for (size_t i = 0; i < files.size(); ++i) {
    if (std::filesystem::file_size(files[i]) == 0)
      throw std::invalid_argument("TextDataLoaders.from_folder: the text file " + files[i].string() +
                                  " is empty; remove it or give it text");
    if (!o.is_lm) c.labels.push_back(Str(files[i].parent_path().filename().string()));
    // fastai's GrandparentSplitter: path/valid/<label>/x.txt validates. A language model's
    // documents may sit right in path/valid/ (BOOKS): those validate too, where fastai's
    // splitter would leave the validation set empty.
    const auto parent = files[i].parent_path();
    const bool in_valid = parent.parent_path().filename() == o.valid ||
                          (o.is_lm && parent.filename() == o.valid && std::filesystem::equivalent(parent.parent_path(), path));
    if (!o.valid_pct && in_valid) c.valid_idx.push_back(static_cast<int64_t>(i));
  }
  if (o.valid_pct) c.split = RandomSplitter(*o.valid_pct, o.seed);
  // fastai's from_folder goes through tokenize_folder: the tokens are cached beside the folder
  // ("<name>_tok") and a second call reads them instead of tokenizing again.
  const auto out = tokenize_folder(path, {.folders = folders, .n_workers = o.n_workers, .tok = o.tok, .rules = o.tok_options});
  TokenizedFolder corpus = load_tokenized_folder(out);
  std::vector<std::vector<std::string>> tokens;
  tokens.reserve(files.size());
  for (const auto& f : files) tokens.push_back(read_tokens(out / f.lexically_relative(path)));
  return make_loaders(std::move(tokens), std::move(corpus.counter), std::move(corpus.tok), c, o);
}

std::vector<std::string> text_vocab(DataLoaders& dls) {
  const auto& ds = dls.train().datasets();
  if (ds && !ds->tls().empty())
    for (const auto& t : ds->tls()[0].tfms().transforms())
      if (const auto* num = dynamic_cast<const Numericalize*>(t.get())) return num->vocab();
  throw std::invalid_argument("text_vocab: these loaders have no Numericalize in their input pipeline");
}

}  // namespace fastai
