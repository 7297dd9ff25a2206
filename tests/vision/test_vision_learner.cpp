#include "fastai/vision/learner.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "fastai/export.h"
#include "fastai/vision/core.h"
#include "fastai/vision/data.h"
#include "test_util.h"

using namespace fastai;
using namespace fastai::testing;

TEST(VisionLearner, CreateHeadMatchesFastaisLayout) {
  auto head = create_head(512, 10);
  std::map<std::string, std::vector<int64_t>> have;
  for (const auto& p : head->named_parameters()) have[p.key()] = p.value().sizes().vec();
  // fastai: AdaptiveConcatPool2d, Flatten, BN(1024), Dropout(.25), Linear(1024,512,no bias), ReLU,
  //         BN(512), Dropout(.5), Linear(512,10,no bias)
  const std::map<std::string, std::vector<int64_t>> want{{"2.weight", {1024}},      {"2.bias", {1024}},
                                                         {"4.weight", {512, 1024}}, {"6.weight", {512}},
                                                         {"6.bias", {512}},         {"8.weight", {10, 512}}};
  EXPECT_EQ(have, want);
  head->eval();
  EXPECT_EQ(head->forward(torch::randn({3, 512, 2, 2})).sizes(), (std::vector<int64_t>{3, 10}));
  auto ranged = create_head(8, 1, {.lin_ftrs = std::vector<int64_t>{}, .y_range = std::pair{0.0, 5.0}});
  ranged->eval();
  const auto y = ranged->forward(torch::randn({16, 8, 1, 1}) * 100);
  EXPECT_GE(y.min().item<double>(), 0.0);
  EXPECT_LE(y.max().item<double>(), 5.0);
}

TEST(VisionLearner, BuildsFromTheDataAndTrains) {
  TempDir dir;
  int n = 0;
  for (const char* split : {"train", "valid"})
    for (const char* cls : {"dark", "light"})
      for (int i = 0; i < 8; ++i) {
        std::filesystem::create_directories(dir.path / split / cls);
        auto img = torch::randint(0, 60, {16, 16, 1}, torch::kUInt8);
        if (std::string(cls) == "light") img += 180;
        save_image(dir.path / split / cls / (std::to_string(n++) + ".png"), img);
      }
  auto dls =
      ImageDataLoaders::from_folder(dir.path, {.img_cls = ImageCreate::Kind::ImageBW, .bs = 8, .num_workers = 0});
  torch::manual_seed(0);
  auto learn = vision_learner(dls, xresnet18, {.metrics = {accuracy}, .path = dir.path, .default_cbs = false});
  learn.add_cbs({TrainEvalCallback(), Recorder()});
  learn.logger = nullptr;
  learn.create_opt();
  EXPECT_EQ(learn.opt->n_groups(), 3u);  // stem, rest of the body, head
  auto seq = learn.model.as<torch::nn::SequentialImpl>();
  ASSERT_TRUE(seq);
  EXPECT_EQ(seq->size(), 2u);
  learn.fit_one_cycle(3, 1e-2);
  EXPECT_GE(learn.recorder->values.back().at(2), 0.9);  // dark vs light is easy
  // frozen: only the head (and BN layers) train
  learn.freeze();
  EXPECT_FALSE(seq->ptr(0)->named_parameters()["0.0.weight"].requires_grad());
  EXPECT_TRUE(seq->ptr(0)->named_parameters()["0.1.weight"].requires_grad());
  EXPECT_TRUE(seq->ptr(1)->named_parameters()["4.weight"].requires_grad());
}

TEST(VisionLearner, PassesArchitectureOptionsAndExportsThem) {
  auto x = torch::rand({8, 1, 16, 16}), y = torch::randint(0, 2, {8});
  auto dls = DataLoaders::from_tensors(x, y, x, y, {.bs = 4, .x_type = &TensorImage::info()});
  auto learn = vision_learner(
      dls, xresnet18,
      {.n_out = 2, .n_in = 1, .model = {.stem_szs = {16, 32, 64}, .sa = true}, .loss_func = CrossEntropyLossFlat()});
  const auto params = learn.model->named_parameters();
  EXPECT_TRUE(params.contains("0.4.1.convpath.2.gamma"));  // self-attention in the body
  EXPECT_EQ(params["0.0.0.weight"].size(0), 16);           // the stem's first conv
  // the export spec rebuilds the same architecture
  auto rebuilt = build_model(nlohmann::json::parse(learn.model_spec));
  const auto again = rebuilt->named_parameters();
  ASSERT_EQ(again.size(), params.size());
  for (const auto& p : params) {
    ASSERT_TRUE(again.contains(p.key())) << p.key();
    EXPECT_EQ(again[p.key()].sizes(), p.value().sizes()) << p.key();
  }
  EXPECT_THROW_WITH(
      vision_learner(dls, xresnet18,
                     {.n_out = 2, .n_in = 1, .model = {.stem_szs = {16, 32}}, .loss_func = CrossEntropyLossFlat()}),
      std::invalid_argument, "stem must end with 64");
}
