// Built against the *installed* fastai package by the install_consumer test.
#include <fastai/fastai.h>
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>

int main() {
  auto dir = std::filesystem::temp_directory_path() / "fastai_consumer_test";
  std::filesystem::create_directories(dir);
  auto file = dir / "x-idx1-ubyte.gz";
  fastai::write_idx(file, torch::arange(5).to(torch::kUInt8));
  auto back = fastai::read_idx(file);
  std::filesystem::remove_all(dir);
  if (back.size(0) != 5 || back[4].item<int>() != 4) {
    std::puts("consumer: round trip through the installed library FAILED");
    return 1;
  }
  std::printf("consumer: fastai %s installed package works\n", fastai::version);
  return 0;
}
