#include "fastai/layers.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "fastai/model.h"

using namespace fastai;

TEST(Layers, SimpleCnnHasFastaisShapeAndParameterCount) {
  auto m = simple_cnn();
  EXPECT_EQ(total_params(*m), 30412);
  EXPECT_EQ(m->forward(torch::randn({3, 1, 28, 28})).sizes(), (std::vector<int64_t>{3, 10}));
}

TEST(Layers, ConvLayerInitialisesAsFastai) {
  torch::manual_seed(0);
  auto c = ConvLayer(16, 32, {.ks = 3, .stride = 2});
  ASSERT_EQ(c->size(), 3u);  // conv, BN, ReLU
  auto conv = c->ptr(0)->as<torch::nn::Conv2dImpl>();
  EXPECT_FALSE(conv->bias.defined());  // no bias before a norm layer
  EXPECT_EQ(c->forward(torch::randn({1, 16, 8, 8})).sizes(), (std::vector<int64_t>{1, 32, 4, 4}));  // padding ks//2
  // kaiming_uniform_ (a = 0): bound sqrt(6 / fan_in), fan_in = 16·3·3
  const double bound = std::sqrt(6.0 / (16 * 9));
  EXPECT_LE(conv->weight.abs().max().item<double>(), bound);
  EXPECT_GT(conv->weight.abs().max().item<double>(), 0.9 * bound);
  auto bn = c->ptr(1)->as<torch::nn::BatchNorm2dImpl>();
  EXPECT_TRUE(torch::allclose(bn->bias, torch::full({32}, 1e-3)));
  EXPECT_TRUE(torch::allclose(bn->weight, torch::ones({32})));
  // BatchZero, no activation, a bias without norm, conv after act
  auto z = ConvLayer(4, 4, {.norm_type = NormType::BatchZero, .act = Act::None});
  ASSERT_EQ(z->size(), 2u);
  EXPECT_EQ(z->ptr(1)->as<torch::nn::BatchNorm2dImpl>()->weight.abs().sum().item<double>(), 0.0);
  auto nb = ConvLayer(4, 4, {.norm_type = NormType::None});
  EXPECT_TRUE(nb->ptr(0)->as<torch::nn::Conv2dImpl>()->bias.defined());
  auto a1 = ConvLayer(4, 4, {.bn_1st = false});
  EXPECT_TRUE(a1->ptr(1)->as<torch::nn::ReLUImpl>() != nullptr);
  EXPECT_THROW(ConvLayer(4, 4, {.ndim = 4}), std::invalid_argument);
}
