#pragma once
// A small two-class image data set on disk and a quiet simple-CNN learner over it, shared by
// the tests that need real image files (export, inference from threads).
#include <torch/torch.h>

#include <filesystem>
#include <string>
#include <vector>

#include "fastai/callback/core.h"
#include "fastai/callback/recorder.h"
#include "fastai/layers.h"
#include "fastai/learner.h"
#include "fastai/vision/core.h"
#include "fastai/vision/data.h"

namespace fastai::testing {

struct ImageFolders {
  std::vector<std::filesystem::path> train, valid;
};

/// 28×28 grey PNGs of two classes under root/{train,valid}/{dark,light}, `per_class` each
/// (dark: 0–59, light: 180–239), the same for every call.
inline ImageFolders write_dark_light_folders(const std::filesystem::path& root, int per_class = 8) {
  ImageFolders out;
  int n = 0;
  torch::manual_seed(0);
  for (const char* split : {"train", "valid"})
    for (const char* cls : {"dark", "light"})
      for (int i = 0; i < per_class; ++i) {
        std::filesystem::create_directories(root / split / cls);
        auto img = torch::randint(0, 60, {28, 28, 1}, torch::kUInt8);
        if (std::string(cls) == "light") img += 180;
        const auto f = root / split / cls / (std::to_string(n++) + ".png");
        save_image(f, img);
        (std::string(split) == "valid" ? out.valid : out.train).push_back(f);
      }
  return out;
}

/// simple_cnn(2) over the folders (grey, bs 8, no workers) with TrainEvalCallback + Recorder
/// and no table, its weights seeded.
inline Learner dark_light_learner(const std::filesystem::path& root) {
  auto dls = ImageDataLoaders::from_folder(root, {.img_cls = ImageCreate::Kind::ImageBW, .bs = 8, .num_workers = 0});
  torch::manual_seed(1);
  Learner learn(dls, simple_cnn(2), {.path = root, .default_cbs = false});
  learn.add_cbs({TrainEvalCallback(), Recorder()});
  learn.logger = nullptr;
  return learn;
}

}  // namespace fastai::testing
