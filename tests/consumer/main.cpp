// Built against the *installed* fastai package by the install_consumer test. It also runs the
// README's example, so the example keeps compiling and working.
#include <fastai/fastai.h>
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>

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
bool readme_example() {
  std::vector<Item> items;  // (label, value) rows
  for (int i = 0; i < 400; ++i)
    items.push_back(Tuple({Str(i % 200 >= 100 ? "big" : "small"), Float((i % 200) / 200.0)}));
  DataBlock dblock({.blocks = {RegressionBlock(), CategoryBlock()},
                    .get_x = {[](const Item& r) { return r[1]; }},
                    .get_y = {[](const Item& r) { return r[0]; }},
                    .splitter = RandomSplitter(0.2, 42)});
  auto dls = dblock.dataloaders(items, {.bs = 16});
  torch::manual_seed(0);
  auto model = torch::nn::Sequential(torch::nn::Unflatten(torch::nn::UnflattenOptions(0, {-1, 1})),
                                     torch::nn::Linear(1, 16), torch::nn::ReLU(), torch::nn::Linear(16, 2));
  Learner learn(dls, model, {.metrics = {accuracy}});  // loss: cross-entropy, from the category target
  learn.fit_one_cycle(4, 5e-2);                        // progress bars and fastai's epoch table
  auto [label, idx, probs] = learn.predict(Tuple({Str(""), Float(0.9)}));  // label: "big"
  return label.get<Category>() == "big" && learn.recorder->values.back().at(2) > 0.9;
}
}  // namespace

int main() {
  if (!idx_round_trip()) {
    std::puts("consumer: idx round trip through the installed library FAILED");
    return 1;
  }
  if (!readme_example()) {
    std::puts("consumer: the README example FAILED");
    return 1;
  }
  std::printf("consumer: fastai %s installed package works, README example runs\n", fastai::version);
  return 0;
}
