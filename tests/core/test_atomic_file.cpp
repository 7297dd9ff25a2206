#include "fastai/core/atomic_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "test_util.h"

using fastai::write_atomically;
using fastai::testing::TempDir;

namespace {
std::string read_text(const std::filesystem::path& p) {
  std::ifstream f(p);
  return {std::istreambuf_iterator<char>(f), {}};
}
void write_text(const std::filesystem::path& p, const std::string& s) { std::ofstream(p) << s; }
size_t files_in(const std::filesystem::path& d) {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(d), {}));
}
}  // namespace

TEST(AtomicFile, ReplacesTargetAndCreatesParents) {
  TempDir dir;
  auto target = dir.path / "a" / "b" / "model.bin";
  write_atomically(target, [](const auto& tmp) { write_text(tmp, "one"); });
  EXPECT_EQ(read_text(target), "one");
  write_atomically(target, [](const auto& tmp) { write_text(tmp, "two"); });
  EXPECT_EQ(read_text(target), "two");
  EXPECT_EQ(files_in(target.parent_path()), 1u);  // no temporary left behind
}

TEST(AtomicFile, FailedWriteKeepsThePreviousFile) {
  TempDir dir;
  auto target = dir / "model.bin";
  write_text(target, "good");
  EXPECT_THROW(write_atomically(target,
                                [](const auto& tmp) {
                                  write_text(tmp, "half writ");
                                  throw std::runtime_error("interrupted");
                                }),
               std::runtime_error);
  EXPECT_EQ(read_text(target), "good");
  EXPECT_EQ(files_in(dir.path), 1u);
}

TEST(AtomicFile, WriterThatProducesNothingIsAnError) {
  TempDir dir;
  EXPECT_THROW_WITH(write_atomically(dir / "x", [](const auto&) {}), std::runtime_error, "no file", "x");
  EXPECT_FALSE(std::filesystem::exists(dir / "x"));
}
