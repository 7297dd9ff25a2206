// The README's main job, until the vision application lands: fastai's simple CNN trained on
// Fashion-MNIST with the data block API and the Learner — fit_one_cycle with progress bars and
// the epoch table, then show_results, a prediction, and the loss curve as a PNG.
//
// Usage: train_fashion_mnist [epochs=1] [batch_size=128] [lr=1e-2]
#include <fastai/fastai.h>
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

using namespace fastai;

int main(int argc, char** argv) try {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 1;
  const int64_t bs = argc > 2 ? std::atol(argv[2]) : 128;
  const double lr = argc > 3 ? std::atof(argv[3]) : 1e-2;
  set_seed(42);

  // Debian's idx files (dataset-fashion-mnist): 60,000 training and 10,000 test images.
  const auto dir = fashion_mnist_dir();
  const auto train = load_mnist_idx(dir, "train"), test = load_mnist_idx(dir, "test");
  const auto images = torch::cat({train.images, test.images}), labels = torch::cat({train.labels, test.labels});
  const int64_t n_train = train.images.size(0), n = images.size(0);
  std::vector<Item> items;
  std::vector<int64_t> valid_idx;
  for (int64_t i = 0; i < n; ++i) {
    items.push_back(Int(i));
    if (i >= n_train) valid_idx.push_back(i);
  }

  DataBlock dblock({.blocks = {TransformBlock{.batch_tfms = [] { return TfmList{std::make_shared<IntToFloatTensor>()}; }},
                               CategoryBlock()},
                    .get_x = {[&](const Item& i) { return Item(TensorImageBW(images[i.get<Int>()].unsqueeze(0))); }},
                    .get_y = {[&](const Item& i) {
                      return Item(Str(std::string(fashion_mnist_classes[labels[i.get<Int>()].item<int64_t>()])));
                    }},
                    .splitter = IndexSplitter(valid_idx),
                    .batch_tfms = {Normalize::from_stats(fashion_stats.mean, fashion_stats.std)}});
  auto dls = dblock.dataloaders(items, {.bs = bs, .num_workers = 2});
  std::cout << "A training batch (labels):\n";
  dls.show_batch({}, {.max_n = 4});

  Learner learn(dls, simple_cnn(), {.metrics = {accuracy}, .path = "fashion_mnist"});
  learn.fit_one_cycle(epochs, lr);

  std::cout << "\nSome validation predictions (target → prediction):\n";
  learn.show_results(1, {.max_n = 8});
  auto [label, idx, probs] = learn.predict(items[n_train]);
  std::printf("\npredict(first test image): %s (p = %.3f; actually %s)\n", label.get<Category>().c_str(),
              probs[idx.item<int64_t>()].item<double>(),
              std::string(fashion_mnist_classes[labels[n_train].item<int64_t>()]).c_str());
  try {
    learn.recorder->plot_loss();
  } catch (const std::exception& e) {  // a missing gnuplot must not hide the training results
    std::cerr << "(no loss plot: " << e.what() << ")\n";
  }
  const auto saved = learn.save("simple_cnn");
  std::printf("Validation accuracy after %d epoch(s): %.2f%%. Weights saved to %s\n", epochs,
              100 * learn.recorder->values.back().at(2), saved.string().c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "train_fashion_mnist: %s\n", e.what());
  return 1;
}
