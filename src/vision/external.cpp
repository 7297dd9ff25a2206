// Data sets the vision module materialises for untar_data (fastai.data.external's URLs).
#include <torch/torch.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <random>

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

void write_file(const std::filesystem::path& file, const std::vector<uint8_t>& bytes) {
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("untar_data: cannot write " + file.string() + " (disk full?)");
}

// URLs::FMNIST_SEG. The generator is seeded and draws with `% n`, so the files do not depend
// on the standard library's distributions or on torch's generator.
void make_fmnist_seg(const std::filesystem::path& dest) {
  constexpr int64_t canvas = 64, side = 28, threshold = 25;
  const auto dir = fashion_mnist_dir();
  const auto train = load_mnist_idx(dir, "train"), test = load_mnist_idx(dir, "test");
  std::filesystem::create_directories(dest / "images");
  std::filesystem::create_directories(dest / "labels");
  std::mt19937_64 gen(20261204);
  const std::array<std::pair<const char*, int64_t>, 2> splits{{{"train", 10000}, {"valid", 2000}}};
  ProgressBar pb(12000, {.label = "untar_data fmnist_seg", .unit = "img"});
  std::ofstream valid_list(dest / "valid.txt");
  int64_t done = 0;
  for (const auto& [split, n] : splits) {
    const MnistTensors& src = std::string_view(split) == "train" ? train : test;
    const auto images = src.images.contiguous();
    const auto labels = src.labels.contiguous();
    const uint8_t* img = images.data_ptr<uint8_t>();
    const int64_t* lbl = labels.data_ptr<int64_t>();
    const auto n_src = static_cast<uint64_t>(images.size(0));
    for (int64_t k = 0; k < n; ++k) {
      auto x = torch::zeros({canvas, canvas, 1}, torch::kUInt8), y = torch::zeros({canvas, canvas, 1}, torch::kUInt8);
      uint8_t* xp = x.data_ptr<uint8_t>();
      uint8_t* yp = y.data_ptr<uint8_t>();
      const int n_garments = 2 + static_cast<int>(gen() % 3);
      for (int g = 0; g < n_garments; ++g) {
        const auto idx = static_cast<int64_t>(gen() % n_src);
        const auto r0 = static_cast<int64_t>(gen() % (canvas - side + 1));
        const auto c0 = static_cast<int64_t>(gen() % (canvas - side + 1));
        const uint8_t* garment = img + idx * side * side;
        const auto code = static_cast<uint8_t>(lbl[idx] + 1);
        for (int64_t i = 0; i < side; ++i)
          for (int64_t j = 0; j < side; ++j)
            if (const uint8_t v = garment[i * side + j]; v > threshold) {
              xp[(r0 + i) * canvas + c0 + j] = v;
              yp[(r0 + i) * canvas + c0 + j] = code;
            }
      }
      char stem[32];
      std::snprintf(stem, sizeof stem, "%s_%05lld", split, static_cast<long long>(k));
      write_file(dest / "images" / (std::string(stem) + ".png"), encode_image(x, ".png"));
      write_file(dest / "labels" / (std::string(stem) + "_P.png"), encode_image(y, ".png"));
      if (std::string_view(split) == "valid") valid_list << stem << ".png\n";
      pb.update(++done);
    }
  }
  std::ofstream codes(dest / "codes.txt");
  codes << "background\n";
  for (const auto& c : fashion_mnist_classes) codes << c << "\n";
  if (!codes || !valid_list) throw std::runtime_error("untar_data: cannot write " + dest.string() + " (disk full?)");
}

const bool registered = [] {
  register_dataset(URLs::FASHION_MNIST, make_fashion_mnist);
  register_dataset(URLs::FMNIST_SEG, make_fmnist_seg);
  return true;
}();

}  // namespace
}  // namespace fastai
