// CAM and Grad-CAM (vision/cam.h) against a hand computation on a tiny model: conv → ReLU →
// global average pool → linear, where d score_c / d A_k(i, j) = W[c, k] / (h·w) exactly.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "fastai/vision/cam.h"
#include "fastai/vision/core.h"

using namespace fastai;
namespace nn = torch::nn;

namespace {
struct Tiny {
  nn::Sequential seq{nn::Conv2d(nn::Conv2dOptions(1, 3, 3).padding(1)), nn::ReLU(), nn::AdaptiveAvgPool2d(1),
                     nn::Flatten(), nn::Linear(3, 2)};
};
}  // namespace

TEST(Cam, GradCamAndCamEqualTheHandComputation) {
  torch::manual_seed(0);
  Tiny t;
  Model model = t.seq;
  const auto x = torch::randn({1, 1, 6, 5});
  const auto relu = t.seq->children()[1];
  // By hand: A = relu(conv(x)); CAM = Σ_k W[c,k] A_k; Grad-CAM weights are W[c,k] / (h·w).
  torch::NoGradGuard g;
  const auto a = torch::relu(t.seq->ptr<nn::Conv2dImpl>(0)->forward(x))[0];
  const auto W = t.seq->ptr<nn::LinearImpl>(4)->weight;
  for (int64_t c = 0; c < 2; ++c) {
    const auto want_cam = (W[c].view({3, 1, 1}) * a).sum(0);
    const auto want_grad = (W[c].view({3, 1, 1}) / 30.0 * a).sum(0);
    const auto gc = grad_cam(model, x, {.layer = relu, .cls = c});
    EXPECT_EQ(gc.cls, c);
    EXPECT_TRUE(torch::allclose(gc.map, want_grad, 1e-5, 1e-6)) << gc.map << want_grad;
    const auto cam = class_activation_map(model, x, {.layer = relu, .cls = c, .grad = false});
    EXPECT_TRUE(torch::allclose(cam.map, want_cam, 1e-5, 1e-6));
  }
  // The default class is the predicted one; no gradients are left on the parameters; hooks are gone.
  const auto pred = t.seq->forward(x)[0].argmax().item<int64_t>();
  EXPECT_EQ(grad_cam(model, x, {.layer = relu}).cls, pred);
  for (const auto& p : t.seq->parameters()) EXPECT_FALSE(p.grad().defined());
  EXPECT_EQ(t.seq->ptr(1), relu);
}

TEST(Cam, ShowCamWritesAnOverlay) {
  torch::manual_seed(0);
  Tiny t;
  const auto file = std::filesystem::temp_directory_path() / "fastai_cam.png";
  const auto r = show_cam(t.seq, torch::randn({1, 1, 12, 10}), file, {.layer = t.seq->children()[1]});
  const auto img = load_image(file);
  EXPECT_EQ(img.sizes(), (at::IntArrayRef{12 * 18, 10 * 18, 3}));  // enlarged 224 / 12 = 18 times
  EXPECT_EQ(r.map.sizes(), (at::IntArrayRef{12, 10}));
  std::filesystem::remove(file);
  EXPECT_THROW(grad_cam(t.seq, torch::randn({2, 1, 12, 10})), std::invalid_argument);
}
