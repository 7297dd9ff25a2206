#include "fastai/data/external.h"

#include <ATen/ATen.h>

#include <cstdlib>
#include <map>
#include <stdexcept>

#include "fastai/core/registry.h"
#include "fastai/data/idx.h"

namespace fastai {
namespace fs = std::filesystem;

fs::path fashion_mnist_dir() {
  if (const char* env = std::getenv("FASTAI_FASHION_MNIST_DIR"); env && *env) return env;
  return "/usr/share/datasets/fashion-mnist";
}

namespace {
// Accepts both the gzipped files Debian ships and already-decompressed ones.
fs::path find_idx(const fs::path& dir, const std::string& stem) {
  for (const char* suffix : {".gz", ""}) {
    fs::path p = dir / (stem + suffix);
    if (fs::exists(p)) return p;
  }
  throw std::runtime_error("MNIST-style data not found: " + (dir / (stem + ".gz")).string() +
                           " is missing. For Fashion-MNIST install Debian's dataset-fashion-mnist "
                           "(scripts/setup.sh does), or set FASTAI_FASHION_MNIST_DIR to a folder holding " +
                           stem + "[.gz]");
}
}  // namespace

MnistTensors load_mnist_idx(const fs::path& dir, std::string_view split) {
  std::string prefix;
  if (split == "train")
    prefix = "train";
  else if (split == "test" || split == "valid")
    prefix = "t10k";
  else
    throw std::invalid_argument("load_mnist_idx: split must be \"train\" or \"test\", got \"" + std::string(split) +
                                "\"");
  const fs::path images_file = find_idx(dir, prefix + "-images-idx3-ubyte");
  const fs::path labels_file = find_idx(dir, prefix + "-labels-idx1-ubyte");
  MnistTensors out{read_idx(images_file), read_idx(labels_file)};
  if (out.images.dim() != 3 || out.images.scalar_type() != at::kByte)
    throw IdxError(images_file, "expected uint8 images of shape [N, H, W], got " + std::to_string(out.images.dim()) +
                                    " dimensions of " + c10::toString(out.images.scalar_type()));
  if (out.labels.dim() != 1)
    throw IdxError(labels_file, "expected one dimension of labels, got " + std::to_string(out.labels.dim()));
  if (out.labels.size(0) != out.images.size(0))
    throw IdxError(labels_file, std::to_string(out.labels.size(0)) + " labels for " +
                                    std::to_string(out.images.size(0)) + " images in " + images_file.string());
  out.labels = out.labels.to(at::kLong);
  return out;
}

}  // namespace fastai

namespace fastai {
namespace fs = std::filesystem;

fs::path fastai_home() {
  if (const char* env = std::getenv("FASTAI_HOME"); env && *env) return env;
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : ".") / ".fastai";
}

namespace {
Registry<DatasetMaker>& datasets() {
  static Registry<DatasetMaker> r("data set", "register_dataset(name, make) adds one");
  return r;
}
}  // namespace

void register_dataset(const std::string& name, DatasetMaker make) { datasets().add(name, std::move(make)); }

fs::path untar_data(const std::string& name, UntarOptions o) {
  const DatasetMaker make = datasets().get(name, "untar_data");
  const fs::path dir = (o.data_dir.empty() ? fastai_home() / "data" : o.data_dir) / name;
  if (fs::exists(dir) && !o.force) return dir;
  fs::create_directories(dir.parent_path());
  const fs::path tmp = dir.parent_path() / (name + ".partial");
  fs::remove_all(tmp);  // left by an interrupted run
  fs::create_directories(tmp);
  try {
    make(tmp);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
  if (fs::exists(dir)) fs::remove_all(dir);  // force: the new one replaces it
  fs::rename(tmp, dir);
  return dir;
}

}  // namespace fastai
