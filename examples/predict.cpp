// Predictions from an exported Learner in a fresh process: no training code, no user
// functions — load_learner rebuilds the model and the inference pipeline from the file.
//
// Usage: fastai_predict <export file> <image or item path>...
// Prints one line per input: "<path>\t<label>\t<probability>".
#include <fastai/vision/all.h>

#include <cstdio>

using namespace fastai;

int main(int argc, char** argv) try {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <export file> <path>...\n", argv[0]);
    return 2;
  }
  auto learn = load_learner(argv[1]);
  learn.logger = nullptr;
  for (int i = 2; i < argc; ++i) {
    auto [label, idx, probs] = learn.predict(Path(argv[i]));
    const std::string text = label.is<Str>() ? label.get<Str>() : label.repr();
    std::printf("%s\t%s\t%.6f\n", argv[i], text.c_str(),
                probs.flatten()[idx.flatten()[0].item<int64_t>()].item<double>());
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "fastai_predict: %s\n", e.what());
  return 1;
}
