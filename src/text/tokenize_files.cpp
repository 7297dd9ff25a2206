#include "fastai/text/tokenize_files.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "fastai/data/transforms.h"
#include "fastai/text/tokenize.h"

namespace fastai {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr size_t kBlock = 512;  // files read, tokenized and written at a time

json read_json(const fs::path& p) {
  std::ifstream f(p);
  if (!f) throw std::runtime_error("tokenize_folder: cannot read " + p.string());
  try {
    return json::parse(f);
  } catch (const std::exception& e) {
    throw std::runtime_error("tokenize_folder: " + p.string() + " is damaged (" + e.what() +
                             "); delete its folder to tokenize again");
  }
}

void write_text(const fs::path& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary);
  f << s;
  if (!f) throw std::runtime_error("tokenize_folder: cannot write " + p.string());
}

json rule_names(const std::vector<TextRule>& rules) {
  json names = json::array();
  for (const auto& r : rules) names.push_back(r.name);
  return names;
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
    TokenCounter counter;
    json lengths = json::object();
    for (size_t b = 0; b < files.size(); b += kBlock) {
      const size_t e = std::min(files.size(), b + kBlock);
      std::vector<std::string> texts;
      for (size_t i = b; i < e; ++i) texts.push_back(read_text_file(files[i]));
      TokenizedTexts res;
      try {
        res = tokenize_texts(texts, o.tok.fn(),
                             {.n_workers = o.n_workers, .rules = o.rules.rules, .post_rules = o.rules.post_rules});
      } catch (const std::invalid_argument& err) {
        std::throw_with_nested(std::invalid_argument("tokenize_folder: a file among " + files[b].string() + " … " +
                                                     files[e - 1].string() + ": " + err.what()));
      }
      for (size_t i = b; i < e; ++i) {
        const auto& toks = res.tokens[i - b];
        std::string joined;
        for (size_t k = 0; k < toks.size(); ++k) (k ? joined += ' ' : joined) += toks[k];
        const fs::path target = partial / rel[i];
        fs::create_directories(target.parent_path());
        write_text(target, joined);
        lengths[rel[i]] = toks.size();
      }
      counter.update(res.counter);
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
