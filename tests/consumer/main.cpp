// Built against the *installed* fastai package by the install_consumer test. It also runs the
// README's example, so the example keeps compiling and working.
#include <fastai/fastai.h>
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

using namespace fastai;

namespace {
bool idx_round_trip() {
  auto dir = std::filesystem::temp_directory_path() / "fastai_consumer_test";
  std::filesystem::create_directories(dir);
  auto file = dir / "x-idx1-ubyte.gz";
  write_idx(file, torch::arange(5).to(torch::kUInt8));
  auto back = read_idx(file);
  std::filesystem::remove_all(dir);
  return back.size(0) == 5 && back[4].item<int>() == 4;
}

// The README's "What it looks like" example, verbatim apart from the checks.
int64_t readme_example() {
  init_threads();                                              // one intra-op thread per core
  std::vector<Item> items;                                     // (label text, value) rows
  for (auto [l, v] : {std::pair{"cat", 0.1}, {"dog", 0.9}, {"cat", 0.2}, {"dog", 0.8}, {"cat", 0.3}})
    items.push_back(Tuple({Str(l), Float(v)}));
  DataBlock dblock({.blocks = {RegressionBlock(), CategoryBlock()},
                    .get_x = {[](const Item& r) { return r[1]; }},
                    .get_y = {[](const Item& r) { return r[0]; }},
                    .splitter = RandomSplitter(0.2, 42)});
  auto dls = dblock.dataloaders(items, {.bs = 2});
  int64_t seen = 0;
  for (const Item& b : dls.train()) {
    auto t = batch_tensors(b);                                 // t[0] values, t[1] labels
    seen += t[1].size(0);
  }
  std::ostringstream summary;
  dblock.summary(items, 4, &summary);
  return summary.str().find("Final sample") != std::string::npos ? seen : -1;
}
}  // namespace

int main() {
  if (!idx_round_trip()) {
    std::puts("consumer: idx round trip through the installed library FAILED");
    return 1;
  }
  if (readme_example() != 4) {
    std::puts("consumer: the README example FAILED");
    return 1;
  }
  std::printf("consumer: fastai %s installed package works, README example runs\n", fastai::version);
  return 0;
}
