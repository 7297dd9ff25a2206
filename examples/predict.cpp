// Predictions from an exported Learner in a fresh process: no training code, no user
// functions — load_learner rebuilds the model and the inference pipeline from the file.
//
// Usage: fastai_predict <export file> <item>... [--n-words N] [--temperature T]
// An image (or other file) learner takes paths and prints "<path>\t<label>\t<probability>".
// A text classifier takes texts and prints "<text>\t<label>\t<probability>"; a language model
// takes prompts and prints each one followed by N generated words (default 20, temperature 0.75).
#include <fastai/text/all.h>
#include <fastai/vision/all.h>

#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <vector>

using namespace fastai;

namespace {
// A number argument, or an error naming the option and the value.
template <class T>
T number(const char* option, const std::string& value) {
  size_t used = 0;
  try {
    const T v = std::is_integral_v<T> ? static_cast<T>(std::stoll(value, &used)) : static_cast<T>(std::stod(value, &used));
    if (used == value.size()) return v;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(std::string(option) + " takes a number, got '" + value + "'");
}
}  // namespace

int main(int argc, char** argv) try {
  std::vector<std::string> items;
  LMPredictOptions gen{.n_words = 20, .temperature = 0.75};
  for (int i = 2; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--n-words") && i + 1 < argc) gen.n_words = number<int64_t>("--n-words", argv[++i]);
    else if (!std::strcmp(argv[i], "--temperature") && i + 1 < argc) gen.temperature = number<double>("--temperature", argv[++i]);
    else items.emplace_back(argv[i]);
  }
  if (argc < 3 || items.empty()) {
    std::fprintf(stderr, "usage: %s <export file> <item>... [--n-words N] [--temperature T]\n", argv[0]);
    return 2;
  }
  auto learn = load_learner(argv[1]);
  learn.logger = nullptr;
  // The model's builder says what an item is: text models read the arguments as texts.
  const std::string builder = nlohmann::json::parse(learn.model_spec).value("builder", "");
  if (builder == "get_language_model") {
    LMLearner lm(std::move(learn));
    for (const auto& prompt : items) std::printf("%s\n", lm.predict(prompt, gen).c_str());
    return 0;
  }
  const bool text = builder == "get_text_classifier";
  for (const auto& item : items) {
    auto [label, idx, probs] = text ? learn.predict(Str(item)) : learn.predict(Path(item));
    const std::string name = label.is<Str>() ? label.get<Str>() : label.repr();
    std::printf("%s\t%s\t%.6f\n", item.c_str(), name.c_str(),
                probs.flatten()[idx.flatten()[0].item<int64_t>()].item<double>());
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "fastai_predict: %s\n", e.what());
  return 1;
}
