// Data sets the vision module materialises for untar_data (fastai.data.external's URLs).
#include <torch/torch.h>

#include <fstream>

#include "fastai/core/progress.h"
#include "fastai/data/external.h"
#include "fastai/vision/core.h"

namespace fastai {
namespace {

// "T-shirt/top" cannot be a folder name.
std::string folder_name(std::string_view cls) {
  std::string s(cls);
  for (char& c : s)
    if (c == '/') c = '_';
  return s;
}

void make_fashion_mnist(const std::filesystem::path& dest) {
  const auto dir = fashion_mnist_dir();
  const auto train = load_mnist_idx(dir, "train"), test = load_mnist_idx(dir, "test");
  ProgressBar pb(train.images.size(0) + test.images.size(0), {.label = "untar_data fashion_mnist", .unit = "img"});
  int64_t done = 0;
  for (const auto& [split, data] : {std::pair<const char*, const MnistTensors*>{"train", &train}, {"test", &test}}) {
    for (const auto& cls : fashion_mnist_classes) std::filesystem::create_directories(dest / split / folder_name(cls));
    const auto labels = data->labels.contiguous();
    for (int64_t i = 0; i < data->images.size(0); ++i) {
      const auto cls = folder_name(fashion_mnist_classes.at(static_cast<size_t>(labels[i].item<int64_t>())));
      const auto bytes = encode_image(data->images[i].unsqueeze(-1), ".png");
      const auto file = dest / split / cls / (std::to_string(i) + ".png");
      std::ofstream out(file, std::ios::binary);
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      if (!out) throw std::runtime_error("untar_data: cannot write " + file.string() + " (disk full?)");
      pb.update(++done);
    }
  }
}

const bool registered = [] {
  register_dataset(URLs::FASHION_MNIST, make_fashion_mnist);
  return true;
}();

}  // namespace
}  // namespace fastai
