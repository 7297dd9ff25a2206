// The README's main job: the paper's first example on Fashion-MNIST — PNG folders from
// untar_data, ImageDataLoaders.from_folder, fastai's simple CNN, fit_one_cycle with progress
// bars and the epoch table, then show_batch/show_results/confusion-matrix pictures, a prediction on one image
// file, the loss curve as a PNG, and export → load_learner → the same prediction. (vision_learner with xresnet18
// replaces the simple CNN as the vision issue goes on.)
//
// Usage: train_fashion_mnist [epochs=1] [batch_size=128] [lr=1e-2]
#include <fastai/vision/all.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

using namespace fastai;

int main(int argc, char** argv) try {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 1;
  const int64_t bs = argc > 2 ? std::atol(argv[2]) : 128;
  const double lr = argc > 3 ? std::atof(argv[3]) : 1e-2;
  set_seed(42);

  auto path = untar_data(URLs::FASHION_MNIST);  // ~/.fastai/data/fashion_mnist: train/ and test/ PNG folders
  auto dls = ImageDataLoaders::from_folder(path, {.valid = "test", .img_cls = ImageCreate::Kind::ImageBW, .bs = bs});
  dls.show_batch({}, {.max_n = 9, .path = path / "show_batch.png"});

  Learner learn(dls, simple_cnn(), {.metrics = {accuracy}, .path = path});
  learn.fit_one_cycle(epochs, lr);

  learn.show_results(1, {.max_n = 9});  // targets, and predictions in green (right) or red (wrong)
  auto interp = ClassificationInterpretation::from_learner(learn);
  try {
    interp.plot_confusion_matrix(learn.path / learn.model_dir / "confusion_matrix.png");
  } catch (const std::exception& e) {
    std::cerr << "(no confusion matrix picture: " << e.what() << ")\n";
  }
  std::cout << "Most confused (actual, predicted, count):\n";
  for (const auto& [actual, predicted, n] : interp.most_confused(100))
    std::printf("  %-12s %-12s %ld\n", actual.c_str(), predicted.c_str(), static_cast<long>(n));
  const auto image = get_image_files(path / "test").front();
  auto [label, idx, probs] = learn.predict(Path(image));
  std::printf("\npredict(%s): %s (p = %.3f)\n", image.string().c_str(), label.get<Category>().c_str(),
              probs[idx.item<int64_t>()].item<double>());
  // Where the model looked for that prediction: Grad-CAM on the second conv block (7×7 maps).
  try {
    show_cam(learn, Path(image), learn.path / learn.model_dir / "grad_cam.png",
             {.layer = learn.model->children().at(1)});
  } catch (const std::exception& e) {
    std::cerr << "(no Grad-CAM picture: " << e.what() << ")\n";
  }
  try {
    learn.recorder->plot_loss();
  } catch (const std::exception& e) {  // a missing gnuplot must not hide the training results
    std::cerr << "(no loss plot: " << e.what() << ")\n";
  }
  // Deployment: one file, reloaded with no training code (build/examples/fastai_predict does the
  // same in a fresh process: fastai_predict <export> <image>).
  const auto exported = path / "export.fai";
  export_learner(learn, exported);
  auto inference = load_learner(exported);
  auto [label2, idx2, probs2] = inference.predict(Path(image));
  std::printf("Exported to %s; reloaded, it predicts %s (p = %.3f) for the same image\n", exported.string().c_str(),
              label2.get<Category>().c_str(), probs2[idx2.item<int64_t>()].item<double>());
  std::printf("Validation accuracy after %d epoch(s): %.2f%%\n", epochs, 100 * learn.recorder->values.back().at(2));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "train_fashion_mnist: %s\n", e.what());
  return 1;
}
