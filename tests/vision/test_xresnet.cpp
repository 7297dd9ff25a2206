#include "fastai/vision/models/xresnet.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

#include "fastai/model.h"
#include "reference.h"

using namespace fastai;

namespace {
std::map<std::string, std::vector<int64_t>> state_shapes(torch::nn::Module& m) {
  std::map<std::string, std::vector<int64_t>> s;
  for (const auto& p : m.named_parameters()) s[p.key()] = p.value().sizes().vec();
  for (const auto& b : m.named_buffers()) s[b.key()] = b.value().sizes().vec();
  return s;
}
}  // namespace

TEST(XResNet, NamesAndShapesEqualFastaisStateDict) {
  const auto ref = fastai::testing::load_reference("xresnet.json");
  const std::map<std::string, torch::nn::Sequential (*)(XResNetOptions)> variants{
      {"xresnet18", xresnet18},           {"xresnet34", xresnet34},       {"xresnet50", xresnet50},
      {"xresnet18_deep", xresnet18_deep}, {"xse_resnet18", xse_resnet18}, {"xresnext50", xresnext50},
      {"xse_resnext50", xse_resnext50}};
  for (const auto& [name, make] : variants) {
    auto m = make({.c_in = 1, .n_out = 10});
    EXPECT_EQ(total_params(*m), ref[name]["params"].get<int64_t>()) << name;
    const auto want = ref[name]["state"].get<std::map<std::string, std::vector<int64_t>>>();
    const auto have = state_shapes(*m);
    EXPECT_EQ(have.size(), want.size()) << name;
    for (const auto& [k, shape] : want) {
      auto it = have.find(k);
      ASSERT_NE(it, have.end()) << name << " lacks " << k;
      EXPECT_EQ(it->second, shape) << name << " " << k;
    }
  }
}

TEST(XResNet, ForwardShapesAndFastaiInit) {
  torch::manual_seed(0);
  auto m = xresnet18({.c_in = 1, .n_out = 10});
  m->eval();
  EXPECT_EQ(m->forward(torch::randn({2, 1, 28, 28})).sizes(), (std::vector<int64_t>{2, 10}));
  auto p = m->named_parameters();
  // the last BN of every residual branch starts at zero, biases are zero (init_cnn)
  EXPECT_EQ(p["4.0.convpath.1.1.weight"].abs().sum().item<double>(), 0.0);
  EXPECT_EQ(p["0.1.bias"].abs().sum().item<double>(), 0.0);
  EXPECT_EQ(p["0.1.weight"].sum().item<double>(), 32.0);
  // kaiming_normal_ (fan_in): std ≈ sqrt(2 / fan_in) on a big conv
  const auto w = p["7.0.convpath.0.0.weight"];
  EXPECT_NEAR(w.std().item<double>(), std::sqrt(2.0 / (256 * 9)), 0.002);
  EXPECT_THROW(XResNet(1, {2, 2, 2, 2}, {.ks = 4}), std::invalid_argument);
}
