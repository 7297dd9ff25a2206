#include "fastai/export.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "fastai/layers.h"
#include "fastai/vision/core.h"
#include "fastai/vision/data.h"
#include "image_folders.h"
#include "test_config.h"
#include "test_util.h"

using namespace fastai;
using namespace fastai::testing;

namespace {
// The two-class image folders (image_folders.h) and a Learner on simple_cnn.
struct ExportFixture {
  TempDir dir;
  std::vector<std::filesystem::path> valid_files = write_dark_light_folders(dir.path).valid;
  Learner learner() {
    auto learn = dark_light_learner(dir.path);
    EXPECT_EQ(learn.model_spec, R"({"builder":"simple_cnn","n_out":2})");  // simple_cnn describes itself
    return learn;
  }
};
}  // namespace

TEST(Export, LoadLearnerPredictsExactlyAsTheOriginal) {
  ExportFixture f;
  auto learn = f.learner();
  learn.fit(2, 1e-2);
  const auto file = f.dir.path / "export.fai";
  export_learner(learn, file);
  auto again = load_learner(file);
  again.logger = nullptr;
  for (const auto& img : f.valid_files) {
    auto [l1, i1, p1] = learn.predict(Path(img));
    auto [l2, i2, p2] = again.predict(Path(img));
    EXPECT_EQ(l1.get<Category>(), l2.get<Category>());
    EXPECT_TRUE(torch::equal(p1, p2)) << img;
  }
  auto [label, idx, probs] = again.predict(Path(f.valid_files.back()));
  EXPECT_EQ(label.get<Category>(), "light");
}

TEST(Export, TruncatedOrModifiedFilesAreRefused) {
  ExportFixture f;
  auto learn = f.learner();
  const auto file = f.dir.path / "export.fai";
  export_learner(learn, file);
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto write = [&](const std::string& b, const char* name) {
    std::ofstream(f.dir.path / name, std::ios::binary) << b;
    return f.dir.path / name;
  };
  auto tampered = bytes;
  tampered[tampered.size() / 2] ^= 0x5a;
  EXPECT_THROW_WITH(load_learner(write(tampered, "t.fai")), ExportError, "t.fai", "checksum");
  EXPECT_THROW_WITH(load_learner(write(bytes.substr(0, bytes.size() - 100), "c.fai")), ExportError, "c.fai",
                    "truncated");
  EXPECT_THROW_WITH(load_learner(write("not an export at all, just text", "x.fai")), ExportError, "x.fai",
                    "not a fastai.cpp export");
  EXPECT_THROW_WITH(load_learner(f.dir.path / "none.fai"), ExportError, "none.fai", "does not exist");
  // A learner whose model no builder knows cannot be exported, and says what to do.
  learn.model_spec.clear();
  EXPECT_THROW_WITH(export_learner(learn, f.dir.path / "y.fai"), std::invalid_argument, "register_model_builder");
}

TEST(Export, FreshProcessPredictsWithNoUserCode) {
  const std::string bin = FASTAI_PREDICT_BIN;
  if (bin.empty() || !std::filesystem::exists(bin)) GTEST_SKIP() << "examples not built";
  ExportFixture f;
  auto learn = f.learner();
  learn.fit(2, 1e-2);
  export_learner(learn, f.dir.path / "export.fai");
  const auto img = f.valid_files.front();
  auto [label, idx, probs] = learn.predict(Path(img));
  const std::string cmd = bin + " '" + (f.dir.path / "export.fai").string() + "' '" + img.string() + "' 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  ASSERT_TRUE(pipe);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe.get())) out += buf;
  char expected[64];
  std::snprintf(expected, sizeof expected, "%.6f", probs[idx.item<int64_t>()].item<double>());
  EXPECT_NE(out.find("\t" + label.get<Category>() + "\t" + expected), std::string::npos) << out;
}
