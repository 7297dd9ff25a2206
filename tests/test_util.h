#pragma once
// Helpers shared by the tests.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace fastai::testing {

/// A fresh directory under the system temp dir, removed with everything in it on destruction.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name =
        std::string("fastai_test_") + (info ? info->test_suite_name() + std::string("_") + info->name() : "x");
    path = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path operator/(const std::string& f) const { return path / f; }
};

/// EXPECT that `stmt` throws E whose what() contains every one of `parts`.
#define EXPECT_THROW_WITH(stmt, E, ...)                                               \
  do {                                                                                \
    try {                                                                             \
      stmt;                                                                           \
      ADD_FAILURE() << "expected " #E " from: " #stmt;                                \
    } catch (const E& e) {                                                            \
      for (const std::string& part : std::initializer_list<std::string>{__VA_ARGS__}) \
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos)                \
            << "message \"" << e.what() << "\" lacks \"" << part << "\"";             \
    }                                                                                 \
  } while (0)

}  // namespace fastai::testing
