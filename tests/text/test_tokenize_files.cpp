// tokenize_folder: fastai's layout (token files mirroring the folder, counts and lengths), the
// cache that a second call reuses, and the recipe check that rebuilds a cache made another way.
#include "fastai/text/tokenize_files.h"

#include <gtest/gtest.h>

#include <fstream>

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
