// bench_text: fastai.cpp's text data pipeline against real fastai 2.7.18 in the same run.
//   1. FINE_FOODS parity: fastai trains a SentencePiece model with its defaults, so does
//      fastai.cpp (pieces and scores compared); then both tokenize the reviews (fastai's rules +
//      that model) with tokenize_folder and every token file is compared.
//   2. BOOKS train speed: tokenize_folder (rules + SentencePiece, one model, 2 workers each side):
//      words/s against fastai's (issue: >= 10x), peak memory against the raw text (<= 3x), and a
//      second, cached run against the first (>= 50x faster).
//   3. LMDataLoader: one epoch of lm_dataloader windows (bs 64, seq_len 72) over the numericalized
//      corpus against a hand-written loop slicing one concatenated tensor (<= 1.05x).
// Run: build/bench/bench_text [--skip-fastai] [--workers N]   (needs scripts/setup.sh's data sets)
#include <ATen/ATen.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "bench_config.h"
#include "fastai/data/csv.h"
#include "fastai/data/external.h"
#include "fastai/text/all.h"
#include "harness.h"

using namespace fastai;
namespace fs = std::filesystem;

namespace {

// ---- fastai's side (bench/fastai_text.py), through ../shared/fastai-src ----
fs::path fastai_src() { return fs::path(FASTAI_BENCH_DIR) / "../../shared/fastai-src"; }

// Runs fastai_text.py with `args`; returns the values after the `keys` in its output ("" for a
// key it did not print).
std::map<std::string, std::string> run_fastai(const std::string& args, const std::vector<std::string>& keys) {
  std::map<std::string, std::string> values;
  if (!fs::exists(fastai_src() / "env.sh")) return values;
  const std::string cmd = "bash -c '. " + fastai_src().string() + "/env.sh && $PY " + FASTAI_BENCH_DIR +
                          "/fastai_text.py " + args + " 2>/tmp/bench_text_fastai.err'";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) return values;
  char line[4096];
  while (fgets(line, sizeof line, pipe.get())) {
    const std::string l(line);
    // fastprogress's bars share the line (no newline after them): find a key anywhere.
    for (const auto& key : keys)
      if (const auto at = l.find(key + " "); at != std::string::npos)
        values[key] = l.substr(at + key.size() + 1, l.find_last_not_of('\n') - at - key.size());
  }
  return values;
}

// ---- memory: the process's peak resident set, resettable (Linux /proc) ----
int64_t status_kb(const std::string& field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  return -1;
}
void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

struct CorpusSize {
  int64_t files = 0, bytes = 0, words = 0;
};
CorpusSize size_of(const fs::path& folder) {
  CorpusSize s;
  for (const auto& f : get_text_files(folder)) {
    const std::string t = read_text_file(f);
    ++s.files;
    s.bytes += static_cast<int64_t>(t.size());
    std::istringstream in(t);
    for (std::string w; in >> w;) ++s.words;
  }
  return s;
}

// Compares the token files of two tokenize_folder outputs; prints and returns whether all equal.
bool same_tokens(const std::string& what, const fs::path& folder, const fs::path& ours, const fs::path& theirs) {
  int64_t files = 0, tokens = 0, differ = 0;
  std::string first;
  for (const auto& f : get_text_files(folder)) {
    const auto rel = f.lexically_relative(folder);
    const auto a = read_tokens(ours / rel), b = read_tokens(theirs / rel);
    ++files;
    tokens += static_cast<int64_t>(a.size());
    if (a != b && differ++ == 0) first = rel.string();
  }
  std::printf("PARITY %s token stream: %lld files, %lld tokens, %s%s\n", what.c_str(), static_cast<long long>(files),
              static_cast<long long>(tokens), differ ? "DIFFERENT in " : "equal to fastai's",
              differ ? (std::to_string(differ) + " files, first " + first).c_str() : "");
  std::fflush(stdout);
  return differ == 0;
}

// FINE_FOODS reviews as a folder of .txt files (train|valid/label/i.txt), for tokenize_folder.
fs::path fine_foods_folder(const fs::path& tmp) {
  const Table df = read_csv(untar_data(URLs::FINE_FOODS) / "reviews.csv");
  const fs::path out = tmp / "fine_foods";
  fs::remove_all(out);
  for (size_t r = 0; r < df.n_rows(); ++r) {
    const bool valid = df["is_valid"].cell(r) == "TRUE";
    const fs::path p = out / (valid ? "valid" : "train") / df["label"].cell(r) / (std::to_string(r) + ".txt");
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << df["text"].cell(r);
  }
  return out;
}

std::vector<std::string> folder_texts(const fs::path& folder) {
  std::vector<std::string> texts;
  for (const auto& f : get_text_files(folder)) texts.push_back(read_text_file(f));
  return texts;
}

void parity_fine_foods(const fs::path& tmp, int workers, bool with_fastai) {
  const fs::path folder = fine_foods_folder(tmp);
  SentencePieceTokenizer ours({.cache_dir = tmp / "ff_sp_ours"});
  ours.setup(folder_texts(folder), default_text_rules());
  if (!with_fastai) return;
  const std::string model =
      run_fastai("train_sp " + folder.string() + " " + (tmp / "ff_sp_fastai").string(), {"MODEL"})["MODEL"];
  if (model.empty()) {
    std::printf("PARITY fine_foods: fastai did not run (see /tmp/bench_text_fastai.err)\n");
    return;
  }
  auto theirs = SentencePieceTokenizer::load(model);
  const bool same_model = ours.pieces() == theirs.pieces() && ours.scores() == theirs.scores();
  std::printf("PARITY fine_foods SentencePiece model (fastai's defaults, trained on both sides): %zu pieces, %s\n",
              theirs.pieces().size(), same_model ? "pieces and scores equal" : "DIFFERENT");
  const fs::path out_ours = tmp / "ff_tok_ours";
  tokenize_folder(folder, {.output_dir = out_ours, .skip_if_exists = false, .n_workers = workers, .tok = theirs});
  auto r = run_fastai("tokenize " + folder.string() + " " + model + " " + std::to_string(workers), {"SECONDS", "OUT"});
  if (r["OUT"].empty()) {
    std::printf("PARITY fine_foods token stream: fastai did not run (see /tmp/bench_text_fastai.err)\n");
    return;
  }
  same_tokens("fine_foods", folder, out_ours, r["OUT"]);
  fs::remove_all(r["OUT"]);
}

void speed_books(const fs::path& tmp, int workers, bool with_fastai) {  // with_fastai: off once it fails
  const fs::path train = untar_data(URLs::BOOKS) / "train";
  const CorpusSize size = size_of(train);
  std::printf("BOOKS train: %lld files, %.1f MB, %lld words\n", static_cast<long long>(size.files), size.bytes / 1e6,
              static_cast<long long>(size.words));
  // One model for both sides, trained here with fastai's defaults (the training is not timed).
  SentencePieceTokenizer sp({.cache_dir = tmp / "books_sp"});
  const double train_s = bench::seconds_of([&] { sp.setup(folder_texts(train), default_text_rules()); });
  std::printf("SentencePiece training on BOOKS train: %.1f s, %zu pieces\n", train_s, sp.pieces().size());
  const fs::path model = tmp / "books_sp" / "spm.model";

  // Three runs each side, interleaved, medians reported: this machine's timings drift by a third
  // between runs. Our first run also gives the memory figure; each run starts from no cache.
  const fs::path out_ours = tmp / "books_tok_ours";
  std::vector<double> ours_s, theirs_s;
  double mem_ratio = 0, peak_mb = 0, base_mb = 0;
  std::string fastai_out;
  for (int rep = 0; rep < 3; ++rep) {
    fs::remove_all(out_ours);
    reset_peak();
    const int64_t base_kb = status_kb("VmRSS");
    ours_s.push_back(
        bench::seconds_of([&] { tokenize_folder(train, {.output_dir = out_ours, .n_workers = workers, .tok = sp}); }));
    if (rep == 0) {
      const int64_t peak_kb = status_kb("VmHWM");
      mem_ratio = static_cast<double>(peak_kb - base_kb) * 1024.0 / static_cast<double>(size.bytes);
      peak_mb = (peak_kb - base_kb) / 1024.0, base_mb = base_kb / 1024.0;
    }
    if (!with_fastai) continue;
    auto r = run_fastai("tokenize " + train.string() + " " + model.string() + " " + std::to_string(workers),
                        {"SECONDS", "OUT"});
    if (r["SECONDS"].empty() || r["OUT"].empty()) {
      std::printf("fastai did not run (see /tmp/bench_text_fastai.err)\n");
      with_fastai = false;
      continue;
    }
    theirs_s.push_back(std::stod(r["SECONDS"]));
    fastai_out = r["OUT"];
  }
  const double first = bench::summarize(ours_s).median_s;
  const double cached =
      bench::seconds_of([&] { tokenize_folder(train, {.output_dir = out_ours, .n_workers = workers, .tok = sp}); });
  std::printf("tokenize_folder BOOKS train, %d workers: median %.2f s of 3 (%.0f words/s); cached second run %.4f s\n",
              workers, first, size.words / first, cached);
  std::printf("MEMORY tokenize_folder peak %.1f MB above the %.1f MB before it: %.2fx the raw text (issue: <= 3x)\n",
              peak_mb, base_mb, mem_ratio);
  std::printf("RESULT text_tokenize_memory_vs_raw ratio=%.4f\n", mem_ratio);
  bench::report("text_cached_rerun_vs_first", {cached, cached}, {first, first});
  if (!theirs_s.empty()) {
    const double theirs = bench::summarize(theirs_s).median_s;
    std::printf("fastai tokenize_folder BOOKS train, %d workers: median %.2f s of %zu (%.0f words/s)\n", workers, theirs,
                theirs_s.size(), size.words / theirs);
    bench::report("text_tokenize_books_vs_fastai", {first, first}, {theirs, theirs});
    same_tokens("books train", train, out_ours, fastai_out);
  }
  // The opt-in word cache (SentencePieceOptions::cache_words): faster, not bit-equal to fastai.
  {
    const auto sp_words = SentencePieceTokenizer::load(model, {.cache_words = true});
    const fs::path out_words = tmp / "books_tok_words";
    fs::remove_all(out_words);
    const double words_s = bench::seconds_of(
        [&] { tokenize_folder(train, {.output_dir = out_words, .n_workers = workers, .tok = sp_words}); });
    std::printf("tokenize_folder BOOKS train with cache_words, %d workers: %.2f s (%.0f words/s)\n", workers, words_s,
                size.words / words_s);
    if (!fastai_out.empty()) {
      bench::report("text_tokenize_books_cache_words_vs_fastai", {words_s, words_s},
                    {bench::summarize(theirs_s).median_s, bench::summarize(theirs_s).median_s});
      same_tokens("books train, cache_words", train, out_words, fastai_out);
    }
    fs::remove_all(out_words);
  }
  if (!fastai_out.empty()) fs::remove_all(fastai_out);  // fastai wrote it beside the data set

  // Where the time goes, one thread each side: the rules, then SentencePiece's encoding (the
  // same library on both sides) over the ruled texts.
  {
    const auto texts = folder_texts(train);
    std::vector<std::string> ruled(texts.size());
    const auto rules = default_text_rules();
    const double rules_s = bench::seconds_of([&] {
      for (size_t i = 0; i < texts.size(); ++i) ruled[i] = apply_rules(texts[i], rules);
    });
    size_t pieces = 0;
    const double encode_s = bench::seconds_of([&] {
      for (const auto& t : ruled) pieces += sp(t).size();
    });
    size_t words = 0;
    const WordTokenizer word_tok;
    const double words_s = bench::seconds_of([&] {
      for (const auto& t : ruled) words += word_tok(t).size();
    });
    std::printf("BREAKDOWN fastai.cpp, 1 thread: rules %.2f s, SentencePiece encode %.2f s (%zu pieces); "
                "WordTokenizer instead of SentencePiece %.2f s (%zu tokens)\n",
                rules_s, encode_s, pieces, words_s, words);
    if (with_fastai) {
      auto r = run_fastai("breakdown " + train.string() + " " + model.string(), {"RULES", "ENCODE", "PIECES"});
      if (!r["ENCODE"].empty())
        std::printf("BREAKDOWN fastai, 1 process: rules %.2f s, SentencePiece encode %.2f s (%s pieces)\n",
                    std::stod(r["RULES"]), std::stod(r["ENCODE"]), r["PIECES"].c_str());
    }
  }

  // ---- 3. the LM loader against a slicing loop over the same numericalized corpus ----
  const auto corpus = load_tokenized_folder(out_ours);
  const auto vocab = make_vocab(corpus.counter);
  Numericalize num(vocab);
  std::vector<at::Tensor> docs;
  for (const auto& f : get_text_files(train))
    docs.push_back(num(Item(Tokens(read_tokens(out_ours / f.lexically_relative(train))))).payload<at::Tensor>());
  const int64_t bs = 64, sl = 72;
  DataLoader lm = lm_dataloader(docs, {.bs = bs, .seq_len = sl});
  const at::Tensor stream = at::cat(docs);
  const int64_t bl = (stream.numel() - 1) / bs;
  const int64_t n_batches = (bl + sl - 1) / sl;
  int64_t sink = 0;
  auto slicing = [&] {
    const int64_t* src = stream.data_ptr<int64_t>();
    for (int64_t j = 0; j < n_batches; ++j) {
      const int64_t len = std::min(sl, bl - j * sl);
      at::Tensor t = at::empty({bs, len + 1}, at::kLong);
      for (int64_t r = 0; r < bs; ++r)
        std::copy_n(src + r * bl + j * sl, len + 1, t.data_ptr<int64_t>() + r * (len + 1));
      const at::Tensor x = t.slice(1, 0, len), y = t.slice(1, 1, len + 1);
      sink += x.size(1) + y.size(1);
    }
  };
  auto loader = [&] {
    for (const Item& b : lm) sink += b[0].payload<at::Tensor>().size(1);
  };
  std::printf("LM epoch: %lld tokens, %lld batches of %lldx%lld\n", static_cast<long long>(stream.numel()),
              static_cast<long long>(lm.size()), static_cast<long long>(bs), static_cast<long long>(sl));
  bench::compare("text_lm_dataloader_epoch_vs_slicing", loader, slicing, {.warmup = 1, .reps = 5});
  if (sink == 42) std::printf(" ");
}

}  // namespace

int main(int argc, char** argv) {
  bool with_fastai = true;
  int workers = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--skip-fastai") with_fastai = false;
    if (a == "--workers" && i + 1 < argc) workers = std::stoi(argv[++i]);
  }
  if (with_fastai && !fs::exists(fastai_src() / "env.sh")) {
    std::printf("fastai is not beside the project (../shared/fastai-src): its side is skipped\n");
    with_fastai = false;
  }
  const fs::path tmp = fs::temp_directory_path() / "fastai_bench_text";
  fs::create_directories(tmp);
  try {
    parity_fine_foods(tmp, workers, with_fastai);
    speed_books(tmp, workers, with_fastai);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_text: %s\n", e.what());
    return 1;
  }
  return 0;
}
