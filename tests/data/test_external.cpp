#include "fastai/data/external.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>

#include "fastai/data/idx.h"
#include "test_util.h"

using fastai::load_mnist_idx;
using fastai::testing::TempDir;

namespace {
// Sets an environment variable for one scope.
struct ScopedEnv {
  std::string name;
  std::optional<std::string> old;
  ScopedEnv(std::string n, const std::string& value) : name(std::move(n)) {
    if (const char* v = std::getenv(name.c_str())) old = v;
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old)
      ::setenv(name.c_str(), old->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
};
}  // namespace

// The real data set from Debian's dataset-fashion-mnist, which scripts/setup.sh installs.
TEST(FashionMnist, RealFilesHaveThePublishedShapeBalanceAndStatistics) {
  auto dir = fastai::fashion_mnist_dir();
  ASSERT_TRUE(std::filesystem::exists(dir)) << dir << " missing: run scripts/setup.sh";
  auto train = load_mnist_idx(dir, "train");
  auto test = load_mnist_idx(dir, "test");
  EXPECT_EQ(train.images.sizes(), (std::vector<int64_t>{60000, 28, 28}));
  EXPECT_EQ(test.images.sizes(), (std::vector<int64_t>{10000, 28, 28}));
  EXPECT_EQ(train.images.scalar_type(), torch::kUInt8);
  EXPECT_EQ(train.labels.scalar_type(), torch::kLong);
  // Balanced: 6000 / 1000 images per class.
  EXPECT_TRUE(torch::equal(torch::bincount(train.labels), torch::full({10}, 6000, torch::kLong)));
  EXPECT_TRUE(torch::equal(torch::bincount(test.labels), torch::full({10}, 1000, torch::kLong)));
  EXPECT_EQ(train.labels[0].item<int64_t>(), 9);  // the first training image is an ankle boot
  EXPECT_EQ(fastai::fashion_mnist_classes[9], "Ankle boot");
  // The normalisation statistics everyone quotes for Fashion-MNIST: mean 0.2860, std 0.3530.
  auto x = train.images.to(torch::kFloat64) / 255.0;
  EXPECT_NEAR(x.mean().item<double>(), 0.2860, 5e-4);
  EXPECT_NEAR(x.std().item<double>(), 0.3530, 5e-4);
}

TEST(FashionMnist, DirectoryComesFromTheEnvironment) {
  TempDir dir;
  ScopedEnv env("FASTAI_FASHION_MNIST_DIR", dir.path.string());
  EXPECT_EQ(fastai::fashion_mnist_dir(), dir.path);
  fastai::write_idx(dir / "t10k-images-idx3-ubyte.gz", torch::zeros({4, 28, 28}, torch::kUInt8));
  fastai::write_idx(dir / "t10k-labels-idx1-ubyte", torch::arange(4).to(torch::kUInt8));
  auto t = load_mnist_idx(fastai::fashion_mnist_dir(), "test");
  EXPECT_EQ(t.images.size(0), 4);
  EXPECT_TRUE(torch::equal(t.labels, torch::arange(4)));
}

TEST(FashionMnist, MissingFilesSayWhatToInstall) {
  TempDir dir;
  EXPECT_THROW_WITH(load_mnist_idx(dir.path, "train"), std::runtime_error, dir.path.string(), "train-images-idx3-ubyte",
                    "dataset-fashion-mnist");
  EXPECT_THROW_WITH(load_mnist_idx(dir.path, "validation"), std::invalid_argument, "validation");
}

TEST(FashionMnist, ImageAndLabelCountsMustAgree) {
  TempDir dir;
  fastai::write_idx(dir / "train-images-idx3-ubyte.gz", torch::zeros({5, 28, 28}, torch::kUInt8));
  fastai::write_idx(dir / "train-labels-idx1-ubyte.gz", torch::zeros({4}, torch::kUInt8));
  EXPECT_THROW_WITH(load_mnist_idx(dir.path, "train"), fastai::IdxError, "4 labels for 5 images");
  fastai::write_idx(dir / "train-images-idx3-ubyte.gz", torch::zeros({4, 28 * 28}, torch::kUInt8));
  EXPECT_THROW_WITH(load_mnist_idx(dir.path, "train"), fastai::IdxError, "[N, H, W]");
}
