#include "fastai/data/idx.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <iterator>

#include "test_util.h"

using fastai::IdxError;
using fastai::read_idx;
using fastai::write_idx;
using fastai::testing::TempDir;

namespace {
std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}
void spit(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f << bytes;
}
}  // namespace

TEST(Idx, RoundTripsEveryIdxDtypeRawAndGzipped) {
  TempDir dir;
  torch::manual_seed(0);
  for (auto dtype : {torch::kUInt8, torch::kInt8, torch::kInt16, torch::kInt32, torch::kFloat32, torch::kFloat64}) {
    auto t = (torch::randn({3, 4, 5}) * 50).to(dtype);
    for (std::string name : {"t-idx3", "t-idx3.gz"}) {
      write_idx(dir / name, t);
      auto back = read_idx(dir / name);
      EXPECT_EQ(back.scalar_type(), dtype) << name;
      EXPECT_EQ(back.sizes(), t.sizes()) << name;
      EXPECT_TRUE(torch::equal(back, t)) << name << " " << c10::toString(dtype);
    }
  }
}

TEST(Idx, WritesBigEndianHeaderAndValues) {
  TempDir dir;
  write_idx(dir / "x", torch::tensor({1, 256}, torch::kInt32));
  const std::string expected{
      "\x00\x00\x0c\x01\x00\x00\x00\x02"
      "\x00\x00\x00\x01\x00\x00\x01\x00",
      16};
  EXPECT_EQ(slurp(dir / "x"), expected);
}

TEST(Idx, MissingFileNamesThePath) {
  TempDir dir;
  EXPECT_THROW_WITH(read_idx(dir / "nope.gz"), IdxError, "nope.gz", "no such file");
  EXPECT_THROW_WITH(read_idx(dir.path), IdxError, "is a directory");
}

TEST(Idx, WrongMagicShowsTheBytes) {
  TempDir dir;
  spit(dir / "zip", std::string("PK\x03\x04 rest of a zip file", 24));
  EXPECT_THROW_WITH(read_idx(dir / "zip"), IdxError, "zip", "not an idx file", "50 4b 03 04");
  spit(dir / "badtype", std::string("\x00\x00\x07\x01\x00\x00\x00\x01\x05", 9));
  EXPECT_THROW_WITH(read_idx(dir / "badtype"), IdxError, "00 00 07 01");
  spit(dir / "short", std::string("\x00\x00", 2));
  EXPECT_THROW_WITH(read_idx(dir / "short"), IdxError, "truncated", "magic");
}

TEST(Idx, TruncatedHeaderAndDataAreReported) {
  TempDir dir;
  spit(dir / "hdr", std::string("\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00", 10));
  EXPECT_THROW_WITH(read_idx(dir / "hdr"), IdxError, "hdr", "truncated header", "3 dimensions");

  write_idx(dir / "full", torch::arange(100).to(torch::kUInt8).reshape({10, 10}));
  std::string bytes = slurp(dir / "full");
  spit(dir / "cut", bytes.substr(0, bytes.size() - 7));
  EXPECT_THROW_WITH(read_idx(dir / "cut"), IdxError, "cut", "truncated", "announces 100 bytes", "has 93");
}

TEST(Idx, TrailingBytesAreAnError) {
  TempDir dir;
  write_idx(dir / "full", torch::arange(10).to(torch::kUInt8));
  spit(dir / "long", slurp(dir / "full") + "xyz");
  EXPECT_THROW_WITH(read_idx(dir / "long"), IdxError, "long", "unexpected bytes after");
}

TEST(Idx, TruncatedAndCorruptGzipAreReported) {
  TempDir dir;
  torch::manual_seed(1);
  write_idx(dir / "img.gz", torch::randint(0, 256, {50, 28, 28}).to(torch::kUInt8));
  std::string gz = slurp(dir / "img.gz");
  ASSERT_GT(gz.size(), 1000u);
  spit(dir / "cut.gz", gz.substr(0, gz.size() / 2));
  EXPECT_THROW_WITH(read_idx(dir / "cut.gz"), IdxError, "cut.gz", "truncated");

  std::string bad = gz;
  for (size_t i = gz.size() / 3; i < gz.size() / 3 + 64; ++i) bad[i] = static_cast<char>(bad[i] ^ 0x5a);
  spit(dir / "bad.gz", bad);
  EXPECT_THROW_WITH(read_idx(dir / "bad.gz"), IdxError, "bad.gz");
}

TEST(Idx, WriterRejectsUnsupportedDtypeAndKeepsOldFile) {
  TempDir dir;
  write_idx(dir / "keep", torch::arange(3).to(torch::kUInt8));
  const std::string before = slurp(dir / "keep");
  EXPECT_THROW_WITH(write_idx(dir / "keep", torch::arange(3)), IdxError, "keep", "Long");
  EXPECT_EQ(slurp(dir / "keep"), before);
}
