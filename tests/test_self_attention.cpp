// SimpleSelfAttention and its spectrally normalised conv against PyTorch's spectral_norm
// (tests/data/reference/simple_self_attention.json from tools/gen_attention_reference.py), and
// XResNet's sa option putting it where fastai does.
#include "fastai/self_attention.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "fastai/vision/models/xresnet.h"
#include "reference.h"

using namespace fastai;

namespace {
at::Tensor tensor(const nlohmann::json& j, std::vector<int64_t> shape = {-1}) {
  return torch::tensor(j.get<std::vector<float>>()).reshape(shape);
}
}  // namespace

TEST(SelfAttention, MatchesPyTorchSpectralNormAndFastaisFormula) {
  const auto ref = fastai::testing::load_reference("simple_self_attention.json");
  const auto shape = ref["x_shape"].get<std::vector<int64_t>>();
  const int64_t n = shape[1];
  SimpleSelfAttention sa(n);
  {
    torch::NoGradGuard g;
    sa->conv->weight_orig.copy_(tensor(ref["weight_orig"], {n, n, 1}));
    sa->conv->weight_u.copy_(tensor(ref["u0"]));
    sa->conv->weight_v.copy_(tensor(ref["v0"]));
    sa->gamma.fill_(ref["gamma"].get<double>());
  }
  const auto x = tensor(ref["x"], shape);
  sa->train();
  const auto y = sa(x);
  EXPECT_TRUE(torch::allclose(y.flatten(), tensor(ref["y_train"]), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(sa->conv->weight_u, tensor(ref["u1"]), 1e-5, 1e-6));  // one power-iteration step
  EXPECT_TRUE(torch::allclose(sa->conv->weight_v, tensor(ref["v1"]), 1e-5, 1e-6));
  y.pow(2).sum().backward();
  EXPECT_TRUE(torch::allclose(sa->conv->weight_orig.grad().flatten(), tensor(ref["grad_weight_orig"]), 1e-4, 1e-5));
  EXPECT_TRUE(torch::allclose(sa->gamma.grad(), tensor(ref["grad_gamma"]), 1e-4, 1e-5));
  sa->eval();  // no update of u and v
  const auto u1 = sa->conv->weight_u.clone();
  EXPECT_TRUE(torch::allclose(sa(x).flatten(), tensor(ref["y_eval"]), 1e-5, 1e-5));
  EXPECT_TRUE(torch::equal(sa->conv->weight_u, u1));
}

TEST(SelfAttention, StartsAsIdentityAndSymMakesTheWeightSymmetric) {
  torch::manual_seed(1);
  SimpleSelfAttention sa(8, 1, /*sym=*/true);
  const auto x = torch::randn({3, 8, 4, 4});
  EXPECT_TRUE(torch::equal(sa(x), x));  // γ = 0
  // with sym, the attention equals the one computed with the symmetrised normalised weight
  {
    torch::NoGradGuard g;
    sa->gamma.fill_(0.1);
  }
  sa->eval();
  const auto w = sa->conv->weight().view({8, 8});
  const auto ws = ((w + w.t()) / 2).view({8, 8, 1});
  const auto flat = x.reshape({3, 8, -1});
  const auto expected =
      (0.1 * torch::bmm(torch::bmm(flat, flat.transpose(1, 2)), torch::conv1d(flat, ws)) + flat).view(x.sizes());
  EXPECT_TRUE(torch::allclose(sa(x), expected, 1e-4, 1e-5));
  // after many training steps the normalised weight's largest singular value is 1
  sa->train();
  for (int i = 0; i < 30; ++i) (void)sa->conv->weight();
  EXPECT_NEAR(torch::linalg_svdvals(sa->conv->weight().view({8, 8}).detach())[0].item<double>(), 1.0, 1e-3);
}

TEST(SelfAttention, XResNetSaPutsItInTheLastBlockOfTheFirstStage) {
  auto m = xresnet18({.c_in = 1, .n_out = 10, .sa = true});
  const auto params = m->named_parameters();
  const auto buffers = m->named_buffers();
  EXPECT_TRUE(params.contains("4.1.convpath.2.gamma"));  // fastai's state_dict names
  EXPECT_TRUE(params.contains("4.1.convpath.2.conv.weight_orig"));
  EXPECT_TRUE(buffers.contains("4.1.convpath.2.conv.weight_u"));
  EXPECT_TRUE(buffers.contains("4.1.convpath.2.conv.weight_v"));
  int64_t attention_blocks = 0;
  for (const auto& p : params)
    if (p.key().find("gamma") != std::string::npos) ++attention_blocks;
  EXPECT_EQ(attention_blocks, 1);
  EXPECT_EQ(m->forward(torch::randn({2, 1, 28, 28})).sizes(), (std::vector<int64_t>{2, 10}));
}
