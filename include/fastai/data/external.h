#pragma once
/// Data sets that ship in Debian packages (fastai.data.external). `untar_data`/URLs build on
/// these loaders in the vision issue.
#include <ATen/core/Tensor.h>

#include <array>
#include <filesystem>
#include <string>
#include <string_view>

namespace fastai {

/// One split of an MNIST-style data set as tensors: `images` uint8 [N, 28, 28],
/// `labels` int64 [N].
struct MnistTensors {
  at::Tensor images;
  at::Tensor labels;
};

/// Fashion-MNIST's class names, indexed by label.
inline constexpr std::array<std::string_view, 10> fashion_mnist_classes = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

/// Where Fashion-MNIST's idx files are: $FASTAI_FASHION_MNIST_DIR if set, else the Debian
/// package's /usr/share/datasets/fashion-mnist.
///
/// Example: `auto dir = fastai::fashion_mnist_dir();`
std::filesystem::path fashion_mnist_dir();

/// Loads the "train" (60k) or "test" (10k) split of an MNIST-layout directory
/// ({train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]). Throws std::runtime_error naming the
/// directory and the package to install when the files are missing, and IdxError when a file
/// is malformed or images and labels disagree in count.
///
/// Example:
///   auto train = fastai::load_mnist_idx(fastai::fashion_mnist_dir(), "train");
///   // train.images.size(0) == 60000
MnistTensors load_mnist_idx(const std::filesystem::path& dir, std::string_view split);

}  // namespace fastai
