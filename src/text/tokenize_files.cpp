#include "fastai/text/tokenize_files.h"

#include <exception>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "fastai/core/atomic_file.h"
#include "fastai/data/csv.h"
#include "fastai/data/transforms.h"
#include "fastai/text/tokenize.h"
#include "parallel.h"

namespace fastai {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json read_json(const fs::path& p) {
  std::ifstream f(p);
  if (!f) throw std::runtime_error("cannot read " + p.string() + " (written by tokenize_folder / tokenize_csv)");
  try {
    return json::parse(f);
  } catch (const std::exception& e) {
    throw std::runtime_error(p.string() + " is damaged (" + std::string(e.what()) +
                             "); delete it to tokenize again");
  }
}

void write_text(const fs::path& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary);
  f << s;
  if (!f) throw std::runtime_error("tokenize_folder: cannot write " + p.string());
}

// What made a cache: the tokenizer, the rules and the files (names and sizes).
json recipe(const TextTokenizer& tok, const TokenizerOptions& r, const std::vector<std::string>& rel,
            const std::vector<fs::path>& files) {
  json f = json::array();
  for (size_t i = 0; i < files.size(); ++i) f.push_back({rel[i], fs::file_size(files[i])});
  return {{"tok", tok.describe()}, {"rules", rule_names(r.rules)}, {"post_rules", rule_names(r.post_rules)}, {"files", f}};
}

// A SentencePiece tokenizer still to be trained matches a cache trained with the same options.
bool same_recipe(json want, json have, bool untrained) {
  if (untrained && have.contains("tok")) {
    want["tok"].erase("model");
    have["tok"].erase("model");
  }
  return want == have;
}
}  // namespace

std::vector<std::string> read_tokens(const fs::path& tokenized_file) {
  std::ifstream f(tokenized_file, std::ios::binary);
  if (!f) throw std::runtime_error("read_tokens: cannot read " + tokenized_file.string());
  std::ostringstream s;
  s << f.rdbuf();
  const std::string t = s.str();
  std::vector<std::string> out;  // Python's str.split(' '): empty pieces kept
  for (size_t start = 0;;) {
    const size_t e = t.find(' ', start);
    out.push_back(t.substr(start, e == std::string::npos ? std::string::npos : e - start));
    if (e == std::string::npos) break;
    start = e + 1;
  }
  return out;
}

fs::path tokenize_folder(const fs::path& path, TokenizeFolderOptions o) {
  GetFilesOptions gf{.recurse = true, .folders = o.folders};
  for (const auto& e : o.extensions) gf.extensions.insert(e);
  const auto files = get_files(path, gf);
  const fs::path out = o.output_dir.value_or(path.parent_path() / (path.filename().string() + "_tok"));
  std::vector<std::string> rel;
  rel.reserve(files.size());
  for (const auto& f : files) rel.push_back(f.lexically_relative(path).generic_string());

  const bool untrained = o.tok.needs_setup();
  if (o.skip_if_exists && fs::exists(out / "tokenizer.json") && fs::exists(out / "counter.json") &&
      same_recipe(recipe(o.tok, o.rules, rel, files), read_json(out / "tokenizer.json"), untrained))
    return out;

  fs::path partial = out;
  partial += ".partial";
  fs::remove_all(partial);
  fs::create_directories(partial);
  try {
    if (untrained) {  // fastai's tok.setup on the corpus: SentencePiece trains on every file
      std::vector<std::string> texts;
      for (const auto& f : files) texts.push_back(read_text_file(f));
      o.tok.setup(texts, o.rules.rules);
    }
    // Each worker takes whole files — read, tokenize, write — so the threads never wait for one
    // another and only the files in flight are in memory. Counts are merged in file order (a
    // file's waits until all before it are in), so the counter's first-seen order is the files'
    // whatever the thread count.
    const TokenizeWithRules twr(o.tok.fn(), o.rules.rules, o.rules.post_rules);
    TokenCounter counter;
    json lengths = json::object();
    std::vector<std::optional<TokenCounter>> pending(files.size());
    std::vector<int64_t> n_tokens(files.size());
    size_t merged = 0;
    std::mutex m;
    const auto failed = text_detail::for_each_item(files.size(), o.n_workers, 1, [&](size_t i) {
      const auto toks = twr(read_text_file(files[i]));
      std::string joined;
      for (size_t k = 0; k < toks.size(); ++k) (k ? joined += ' ' : joined) += toks[k];
      const fs::path target = partial / rel[i];
      fs::create_directories(target.parent_path());
      write_text(target, joined);
      TokenCounter c;
      c.update(toks);
      std::lock_guard lock(m);
      pending[i] = std::move(c);
      n_tokens[i] = static_cast<int64_t>(toks.size());
      for (; merged < files.size() && pending[merged]; ++merged) {
        counter.update(*pending[merged]);
        pending[merged].reset();
        lengths[rel[merged]] = n_tokens[merged];
      }
    });
    if (failed) {
      const std::string file = files[failed->index].string();
      try {
        std::rethrow_exception(failed->error);
      } catch (const std::exception& e) {
        const std::string what = e.what();
        if (what.find(file) != std::string::npos) throw;  // it names the file already
        std::throw_with_nested(std::invalid_argument("tokenize_folder: " + file + ": " + what));
      }
    }
    json counts = json::array();
    for (const auto& [tok, n] : counter.items()) counts.push_back({tok, n});
    write_text(partial / "counter.json", counts.dump());
    write_text(partial / "lengths.json", lengths.dump());
    // Written last: its presence says the cache is complete.
    write_text(partial / "tokenizer.json", recipe(o.tok, o.rules, rel, files).dump());
  } catch (...) {
    std::error_code ec;
    fs::remove_all(partial, ec);
    throw;
  }
  fs::remove_all(out);
  fs::rename(partial, out);
  return out;
}

std::string join_text_fields(const std::vector<std::string>& fields, bool mark_fields) {
  std::string text;  // fastai's _join_texts
  for (size_t i = 0; i < fields.size(); ++i) {
    if (mark_fields) text += std::string(i ? " " : "") + FLD + " " + std::to_string(i + 1) + " ";
    else if (i) text += " ";
    text += fields[i];
  }
  return text;
}

TokenizedTexts tokenize_df(const Table& df, const std::vector<Col>& text_cols, TokenizeDfOptions o) {
  if (text_cols.empty()) throw std::invalid_argument("tokenize_df: no text column given");
  std::vector<std::string> names;
  for (const auto& c : text_cols) names.push_back(c.name(df));  // throws naming a missing column
  const bool mark = o.mark_fields.value_or(names.size() > 1);
  std::vector<std::string> texts(df.n_rows());
  std::vector<std::string> fields(names.size());
  for (size_t r = 0; r < df.n_rows(); ++r) {
    for (size_t i = 0; i < names.size(); ++i) fields[i] = df[names[i]].cell(r);
    texts[r] = join_text_fields(fields, mark);
  }
  o.tok.setup(texts, o.rules.rules);
  try {
    return tokenize_texts(texts, o.tok.fn(),
                          {.n_workers = o.n_workers, .rules = o.rules.rules, .post_rules = o.rules.post_rules});
  } catch (const std::invalid_argument& e) {
    std::throw_with_nested(std::invalid_argument("tokenize_df (rows are texts): " + std::string(e.what())));
  }
}

namespace {
fs::path csv_sidecar(const fs::path& outname) {
  fs::path j = outname;
  return j.replace_extension(".json");
}
}  // namespace

fs::path tokenize_csv(const fs::path& csv, const std::vector<Col>& text_cols, TokenizeCsvOptions o) {
  const fs::path out = o.outname.value_or(csv.parent_path() / (csv.stem().string() + "_tok.csv"));
  const fs::path side = csv_sidecar(out);
  json cols = json::array();
  for (const auto& c : text_cols) cols.push_back(c.repr());
  const json made = {{"tok", o.tok.describe()},
                     {"rules", rule_names(o.rules.rules)},
                     {"post_rules", rule_names(o.rules.post_rules)},
                     {"csv", {csv.filename().string(), fs::file_size(csv)}},
                     {"text_cols", cols},
                     {"mark_fields", o.mark_fields ? json(*o.mark_fields) : json(nullptr)}};
  if (o.skip_if_exists && fs::exists(out) && fs::exists(side) &&
      same_recipe(made, read_json(side).value("recipe", json::object()), o.tok.needs_setup()))
    return out;
  const Table df = read_csv(csv);
  TokenizedTexts res = tokenize_df(df, text_cols,
                                   {.n_workers = o.n_workers, .tok = o.tok, .rules = o.rules, .mark_fields = o.mark_fields});
  json recipe = made;
  recipe["tok"] = o.tok.describe();  // a SentencePiece model trained just now is part of it
  Table t = df;
  for (const auto& c : text_cols) t.drop(c.name(df));
  std::vector<std::string> joined;
  std::vector<double> lengths;
  for (const auto& toks : res.tokens) {
    std::string j;
    for (size_t k = 0; k < toks.size(); ++k) (k ? j += ' ' : j) += toks[k];
    joined.push_back(std::move(j));
    lengths.push_back(static_cast<double>(toks.size()));
  }
  t.add(Column::strings("text", std::move(joined)));
  t.add(Column::numbers("text_length", std::move(lengths)));
  json counts = json::array();
  for (const auto& [tok, n] : res.counter.items()) counts.push_back({tok, n});
  fs::create_directories(out.parent_path().empty() ? fs::path(".") : out.parent_path());
  write_csv(t, out);
  write_atomically(side, [&](const fs::path& tmp) { write_text(tmp, json{{"counter", counts}, {"recipe", recipe}}.dump()); });
  return out;
}

TokenCounter load_csv_counter(const fs::path& outname) {
  TokenCounter c;
  const json j = read_json(csv_sidecar(outname));
  for (const auto& e : j.at("counter")) c.add(e.at(0).get<std::string>(), e.at(1).get<int64_t>());
  return c;
}

TokenizedFolder load_tokenized_folder(const fs::path& output_dir) {
  TokenizedFolder r{.output_dir = output_dir};
  for (const auto& c : read_json(output_dir / "counter.json"))
    r.counter.add(c.at(0).get<std::string>(), c.at(1).get<int64_t>());
  const json lengths = read_json(output_dir / "lengths.json");  // a local: items() does not extend a temporary
  for (const auto& [k, v] : lengths.items()) r.lengths[k] = v.get<int64_t>();
  r.tok = TextTokenizer::from_description(read_json(output_dir / "tokenizer.json").at("tok"));
  return r;
}

}  // namespace fastai
