// tokenize_folder: fastai's layout (token files mirroring the folder, counts and lengths), the
// cache that a second call reuses, and the recipe check that rebuilds a cache made another way;
// tokenize_df / tokenize_csv; Tokenizer::from_folder reading the cache.
#include "fastai/text/tokenize_files.h"

#include <gtest/gtest.h>

#include <fstream>

#include "fastai/core/semantic.h"
#include "fastai/data/csv.h"
#include "fastai/text/tokenizer.h"

using namespace fastai;
namespace fs = std::filesystem;

namespace {
struct Corpus {
  fs::path root = fs::temp_directory_path() / ("fastai_tok_folder_" + std::to_string(::getpid())) / "texts";
  fs::path out = root.parent_path() / "texts_tok";
  Corpus() {
    fs::remove_all(root.parent_path());
    write("a/one.txt", "Hello WORLD. Hello again!");
    write("a/two.txt", "I can't stop.");
    write("b/three.txt", "hello");
    write("b/skip.md", "not a text file");
  }
  ~Corpus() { fs::remove_all(root.parent_path()); }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel, std::ios::binary) << text;
  }
};
}  // namespace

TEST(TokenizeFolder, WritesFastaisLayout) {
  Corpus c;
  EXPECT_EQ(tokenize_folder(c.root), c.out);
  EXPECT_EQ(read_tokens(c.out / "a" / "one.txt"),
            (std::vector<std::string>{"xxbos", "xxmaj", "hello", "xxup", "world", ".", "xxmaj", "hello", "again", "!"}));
  EXPECT_EQ(read_tokens(c.out / "a" / "two.txt"), (std::vector<std::string>{"xxbos", "i", "ca", "n't", "stop", "."}));
  EXPECT_FALSE(fs::exists(c.out / "b" / "skip.md"));
  const auto t = load_tokenized_folder(c.out);
  EXPECT_EQ(t.lengths.at("a/one.txt"), 10);
  EXPECT_EQ(t.lengths.at("b/three.txt"), 2);
  EXPECT_EQ(t.counter["hello"], 3);
  EXPECT_EQ(t.counter["xxbos"], 3);
  EXPECT_EQ(t.counter.items().front().first, "xxbos") << "first-seen order is kept";
  EXPECT_EQ(t.tok.describe()["type"], "WordTokenizer");
  EXPECT_FALSE(fs::exists(fs::path(c.out.string() + ".partial")));
}

TEST(TokenizeFolder, ASecondCallReusesTheCache) {
  Corpus c;
  tokenize_folder(c.root);
  // Mark a token file: a second call that tokenized again would overwrite it.
  std::ofstream(c.out / "b" / "three.txt", std::ios::binary) << "xxbos marked";
  tokenize_folder(c.root);
  EXPECT_EQ(read_tokens(c.out / "b" / "three.txt"), (std::vector<std::string>{"xxbos", "marked"}));
  // Other rules, a new file or a changed one make another recipe: the cache is rebuilt.
  tokenize_folder(c.root, {.rules = {.rules = {}}});
  EXPECT_EQ(read_tokens(c.out / "b" / "three.txt"), (std::vector<std::string>{"hello"}));
  c.write("b/three.txt", "hello there");
  tokenize_folder(c.root, {.rules = {.rules = {}}});
  EXPECT_EQ(read_tokens(c.out / "b" / "three.txt"), (std::vector<std::string>{"hello", "there"}));
  tokenize_folder(c.root, {.skip_if_exists = false, .tok = BaseTokenizer()});
  EXPECT_EQ(load_tokenized_folder(c.out).tok.describe()["type"], "BaseTokenizer");
}

TEST(TokenizeFolder, BadFileIsNamedAndNothingIsLeft) {
  Corpus c;
  c.write("b/bad.txt", "ok \xc3\x28 no");
  try {
    tokenize_folder(c.root);
    FAIL() << "a file that is not UTF-8 was tokenized";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("bad.txt"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("byte 3"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(c.out));
  EXPECT_FALSE(fs::exists(fs::path(c.out.string() + ".partial")));
}

TEST(TokenizeDf, JoinsColumnsWithFieldMarkers) {
  Table df = read_csv_string("title,body,label\nnice one,it is good,pos\nbad,not good at all,neg\n");
  const auto res = tokenize_df(df, {"title", "body"});
  EXPECT_EQ(res.tokens[0],
            (std::vector<std::string>{"xxbos", "xxfld", "1", "nice", "one", "xxfld", "2", "it", "is", "good"}));
  EXPECT_EQ(tokenize_df(df, {"body"}).tokens[1], (std::vector<std::string>{"xxbos", "not", "good", "at", "all"}));
  EXPECT_EQ(tokenize_df(df, {"title", "body"}, {.mark_fields = false}).tokens[1],
            (std::vector<std::string>{"xxbos", "bad", "not", "good", "at", "all"}));
  EXPECT_EQ(res.counter["good"], 2);
  EXPECT_THROW((void)tokenize_df(df, {"nope"}), std::exception);
}

TEST(TokenizeCsv, WritesFastaisColumnsAndReusesTheResult) {
  Corpus c;  // for its temporary folder
  const fs::path csv = c.root.parent_path() / "reviews.csv";
  std::ofstream(csv) << "text,label\n\"Great stuff, I loved it.\",pos\n\"Meh.\",neg\n";
  const fs::path out = tokenize_csv(csv, {"text"});
  EXPECT_EQ(out, c.root.parent_path() / "reviews_tok.csv");
  const Table t = read_csv(out);
  EXPECT_EQ(t.names(), (std::vector<std::string>{"label", "text", "text_length"}));
  EXPECT_EQ(t["text"].cell(0), "xxbos xxmaj great stuff , i loved it .");
  EXPECT_EQ(t["text_length"].cell(1), "4");
  EXPECT_EQ(load_csv_counter(out)["xxbos"], 2);
  // A second call reads the result instead of tokenizing: a marked output stays.
  write_csv(t.select({"label"}), out);
  tokenize_csv(csv, {"text"});
  EXPECT_EQ(read_csv(out).names(), (std::vector<std::string>{"label"}));
  // Another recipe (rules) tokenizes again.
  tokenize_csv(csv, {"text"}, {.rules = {.rules = {}}});
  EXPECT_EQ(read_csv(out)["text"].cell(1), "Meh .");
}

TEST(Tokenizer, FromFolderReadsTheCache) {
  Corpus c;
  auto tok = Tokenizer::from_folder(c.root);
  ASSERT_NE(tok->counter(), nullptr);
  EXPECT_EQ((*tok->counter())["hello"], 3);
  EXPECT_EQ(tok->lengths()->at("a/two.txt"), 6);
  // A file of the folder reads its cached tokens (marked here, to see that it does).
  std::ofstream(c.out / "b" / "three.txt", std::ios::binary) << "xxbos cached";
  EXPECT_EQ((*tok)(Item(Path(c.root / "b" / "three.txt"))).get<Tokens>(), (std::vector<std::string>{"xxbos", "cached"}));
  // A file elsewhere is tokenized.
  const fs::path other = c.root.parent_path() / "other.txt";
  std::ofstream(other, std::ios::binary) << "Hi there";
  EXPECT_EQ((*tok)(Item(Path(other))).get<Tokens>(), (std::vector<std::string>{"xxbos", "xxmaj", "hi", "there"}));
}
