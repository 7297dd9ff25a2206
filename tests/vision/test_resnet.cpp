// torchvision's ResNet: parameter names and counts equal torchvision's (so a PyTorch state_dict
// maps 1:1), forward shapes, the body shares the model's weights.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

#include "fastai/export.h"
#include "fastai/vision/core.h"
#include "fastai/vision/data.h"
#include "fastai/vision/learner.h"
#include "fastai/vision/models/resnet.h"
#include "test_util.h"

using namespace fastai;

namespace {
int64_t count(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}
}  // namespace

TEST(ResNet, ParameterCountsEqualTorchvision) {
  // torchvision.models.resnet18/34/50() with 1000 classes.
  EXPECT_EQ(count(*resnet18()), 11689512);
  EXPECT_EQ(count(*resnet34()), 21797672);
  EXPECT_EQ(count(*resnet50()), 25557032);
}

TEST(ResNet, NamesEqualTorchvisionStateDictKeys) {
  auto m = resnet18({.num_classes = 10});
  std::map<std::string, std::vector<int64_t>> p;
  for (const auto& kv : m->named_parameters()) p[kv.key()] = kv.value().sizes().vec();
  std::map<std::string, std::vector<int64_t>> b;
  for (const auto& kv : m->named_buffers()) b[kv.key()] = kv.value().sizes().vec();
  EXPECT_EQ(p.at("conv1.weight"), (std::vector<int64_t>{64, 3, 7, 7}));
  EXPECT_EQ(p.at("bn1.weight"), (std::vector<int64_t>{64}));
  EXPECT_EQ(p.at("layer1.0.conv1.weight"), (std::vector<int64_t>{64, 64, 3, 3}));
  EXPECT_EQ(p.at("layer2.0.downsample.0.weight"), (std::vector<int64_t>{128, 64, 1, 1}));
  EXPECT_EQ(p.at("layer2.0.downsample.1.bias"), (std::vector<int64_t>{128}));
  EXPECT_EQ(p.at("layer4.1.bn2.weight"), (std::vector<int64_t>{512}));
  EXPECT_EQ(p.at("fc.weight"), (std::vector<int64_t>{10, 512}));
  EXPECT_EQ(p.count("layer1.0.downsample.0.weight"), 0u);  // same shape in layer1: no downsample
  EXPECT_EQ(b.at("layer3.0.downsample.1.running_var"), (std::vector<int64_t>{256}));
  EXPECT_EQ(b.count("bn1.num_batches_tracked"), 1u);
  EXPECT_EQ(p.size(), 62u);  // torchvision resnet18: 62 parameter tensors
  auto r50 = resnet50();
  int64_t n50 = 0;
  for (const auto& kv : r50->named_parameters()) {
    (void)kv;
    ++n50;
  }
  EXPECT_EQ(n50, 161);  // and resnet50: 161
  EXPECT_EQ(r50->named_parameters().find("layer1.0.conv3.weight")->sizes(), (std::vector<int64_t>{256, 64, 1, 1}));
  EXPECT_EQ(r50->named_parameters().find("layer4.0.conv2.weight")->sizes(),
            (std::vector<int64_t>{512, 512, 3, 3}));  // stride on the 3×3
}

TEST(ResNet, ForwardAndBodyShareWeights) {
  torch::manual_seed(0);
  auto m = resnet34({.num_classes = 7, .c_in = 1});
  m->eval();
  auto x = torch::rand({2, 1, 64, 64});
  EXPECT_EQ(m->forward(x).sizes(), (std::vector<int64_t>{2, 7}));
  auto body = m->body();
  auto f = body->forward(x);
  EXPECT_EQ(f.sizes(), (std::vector<int64_t>{2, 512, 2, 2}));
  // The body is the model's own modules: pooled and through fc it gives the model's output.
  auto y = m->fc(torch::adaptive_avg_pool2d(f, {1, 1}).flatten(1));
  EXPECT_TRUE(torch::allclose(y, m->forward(x), 1e-5, 1e-6));
  EXPECT_EQ(resnet50()->num_features(), 2048);
}

TEST(ResNet, VisionLearnerLoadsWeightsFreezesAndNormalises) {
  fastai::testing::TempDir dir;
  for (const char* split : {"train", "valid"})
    for (const char* cls : {"a", "b"})
      for (int i = 0; i < 2; ++i) {
        std::filesystem::create_directories(dir.path / split / cls);
        save_image(dir.path / split / cls / (std::to_string(i) + ".png"),
                   torch::randint(0, 255, {32, 32, 3}, torch::kUInt8));
      }
  auto dls = ImageDataLoaders::from_folder(dir.path, {.bs = 2, .num_workers = 0});
  // "Pretrained" weights: a resnet18 saved under torchvision's names.
  torch::manual_seed(3);
  auto pre = resnet18();
  Model pm(pre.ptr(), [p = pre.ptr()](const std::vector<at::Tensor>& xb) { return p->forward(xb.at(0)); });
  torch::serialize::OutputArchive ar;
  save_model_state(pm, ar);
  ar.save_to((dir.path / "r18.pt").string());
  auto learn = vision_learner(dls, resnet18, {.weights = dir.path / "r18.pt"});
  learn.logger = nullptr;
  auto body = learn.model.as<torch::nn::SequentialImpl>()->ptr(0);
  // The body holds the file's tensors (conv1 is the body's first module).
  EXPECT_TRUE(torch::equal(body->named_parameters().find("0.weight")->detach(), pre->conv1->weight.detach()));
  EXPECT_TRUE(torch::equal(body->named_parameters().find("4.0.conv1.weight")->detach(),
                           pre->layer1[0]->as<BasicBlockImpl>()->conv1->weight.detach()));
  // Frozen body (BN stays trainable), trainable head; three parameter groups.
  EXPECT_FALSE(body->named_parameters().find("0.weight")->requires_grad());
  EXPECT_TRUE(body->named_parameters().find("1.weight")->requires_grad());
  for (const auto& p : learn.model.as<torch::nn::SequentialImpl>()->ptr(1)->parameters())
    EXPECT_TRUE(p.requires_grad());
  EXPECT_EQ(resnet_split(learn.model).size(), 3u);
  bool normalised = false;
  for (const auto& t : learn.dls.train().after_batch_tfms().transforms())
    normalised |= static_cast<bool>(std::dynamic_pointer_cast<Normalize>(t));
  EXPECT_TRUE(normalised);
  learn.fit(1, 1e-3);
  // Export → load_learner rebuilds the same model.
  export_learner(learn, dir.path / "r.fai");
  auto again = load_learner(dir.path / "r.fai");
  again.logger = nullptr;
  auto img = get_image_files(dir.path / "valid").front();
  EXPECT_TRUE(torch::allclose(learn.predict(Path(img)).probs, again.predict(Path(img)).probs, 1e-5, 1e-6));
  EXPECT_THROW_WITH(vision_learner(dls, resnet18, {.weights = dir.path / "missing.pt"}), std::invalid_argument,
                    "missing.pt");
}
