// Segmentation as fastai's tutorial does it, on URLs::FMNIST_SEG (64×64 canvases of Fashion-MNIST
// garments, masks with the garment's class): SegmentationDataLoaders.from_label_func,
// unet_learner(xresnet18), fit_one_cycle, then show_batch / show_results pictures and the
// Dice and foreground accuracy of the validation set.
//
// Usage: train_segmentation [epochs=4] [batch_size=64] [lr=3e-3] [--bf16]   (--bf16: bf16 + channels-last)
#include <fastai/vision/all.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

using namespace fastai;
namespace fs = std::filesystem;

int main(int argc, char** argv) try {
  std::vector<const char*> args;
  bool bf16 = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--bf16") == 0)
      bf16 = true;
    else
      args.push_back(argv[i]);
  }
  const int epochs = args.size() > 0 ? std::atoi(args[0]) : 4;
  const int64_t bs = args.size() > 1 ? std::atol(args[1]) : 64;
  const double lr = args.size() > 2 ? std::atof(args[2]) : 3e-3;
  set_seed(42);

  const auto path = untar_data(URLs::FMNIST_SEG);  // images/, labels/*_P.png, codes.txt, valid.txt
  const auto codes = read_codes(path / "codes.txt");
  auto dls = SegmentationDataLoaders::from_label_func(
      path, get_image_files(path / "images"),
      [&](const fs::path& f) { return path / "labels" / (f.stem().string() + "_P.png"); },
      {.codes = codes, .img_cls = ImageCreate::Kind::ImageBW, .splitter = FileSplitter(path / "valid.txt"), .bs = bs});
  dls.show_batch({}, {.max_n = 6, .path = path / "show_batch.png"});

  auto learn = unet_learner(dls, xresnet18, {.metrics = {DiceMulti(), foreground_acc()}, .path = path});
  if (bf16) learn.to_channelslast();  // bf16 MixedPrecision + channels-last
  learn.fit_one_cycle(epochs, lr);
  learn.show_results(1, {.max_n = 6, .path = path / "show_results.png"});
  const auto& last = learn.recorder->values.back();
  std::printf("After %d epoch(s): valid loss %.4f, DiceMulti %.4f, foreground_acc %.4f\n", epochs, last.at(1),
              last.at(2), last.at(3));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "train_segmentation: %s\n", e.what());
  return 1;
}
