// fused_lstm against ATen's own at::lstm (what PyTorch's nn.LSTM runs): the same outputs, final
// state and gradients for every input in float32, both directions, from a non-zero state; in
// bf16 the same to bf16 rounding; and AWD_LSTM, which trains through it, still learns.
#include "fastai/text/models/fused_lstm.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <torch/autograd.h>

#include <vector>

using namespace fastai;

namespace {

struct Case {
  std::vector<at::Tensor> in;  // x, h0, c0, w_ih, w_hh, b_ih, b_hh — all requiring grad
};

Case make_case(int64_t B, int64_t T, int64_t In, int64_t H) {
  at::manual_seed(3);
  auto r = [](std::vector<int64_t> s, double sc) { return (at::randn(s) * sc).requires_grad_(); };
  return {{r({B, T, In}, 1.0), r({B, H}, 0.5), r({B, H}, 0.5), r({4 * H, In}, 0.3), r({4 * H, H}, 0.3),
           r({4 * H}, 0.2), r({4 * H}, 0.2)}};
}

// The same scalar loss from y, h_n and c_n, so every output's gradient path is checked.
at::Tensor loss_of(const at::Tensor& y, const at::Tensor& h, const at::Tensor& c, const at::Tensor& wy) {
  return (y * wy).sum() + 0.7 * h.sum() - 0.3 * c.pow(2).sum();
}

std::vector<at::Tensor> grads(const at::Tensor& loss, const std::vector<at::Tensor>& in) {
  return torch::autograd::grad({loss}, in);
}

}  // namespace

TEST(FusedLSTM, EqualsAtLstmInFloat32) {
  for (bool reverse : {false, true}) {
    for (int64_t T : {1, 5}) {
      const auto c = make_case(3, T, 4, 6);
      const auto& in = c.in;
      const at::Tensor wy = at::randn({3, T, 6});
      auto [y, h, cn] = fused_lstm(in[0], in[1], in[2], in[3], in[4], in[5], in[6], reverse, at::kFloat);
      const auto g = grads(loss_of(y, h, cn, wy), in);
      // at::lstm's reverse direction: run it bidirectionally and keep the second half.
      at::Tensor ry, rh, rc;
      if (!reverse) {
        std::tie(ry, rh, rc) = at::lstm(in[0], {in[1].unsqueeze(0), in[2].unsqueeze(0)},
                                        {in[3], in[4], in[5], in[6]}, true, 1, 0.0, true, false, true);
      } else {
        const auto z = at::zeros({1, 3, 6});
        const auto [by, bh, bc] =
            at::lstm(in[0], {at::cat({z, in[1].unsqueeze(0)}), at::cat({z, in[2].unsqueeze(0)})},
                     {at::zeros_like(in[3]), at::zeros_like(in[4]), at::zeros({24}), at::zeros({24}), in[3], in[4],
                      in[5], in[6]},
                     true, 1, 0.0, true, true, true);
        ry = by.narrow(2, 6, 6), rh = bh.narrow(0, 1, 1), rc = bc.narrow(0, 1, 1);
      }
      const auto rg = grads(loss_of(ry, rh, rc, wy), in);
      EXPECT_TRUE(at::allclose(y, ry, 1e-5, 1e-6)) << "reverse " << reverse << " T " << T;
      EXPECT_TRUE(at::allclose(h, rh, 1e-5, 1e-6));
      EXPECT_TRUE(at::allclose(cn, rc, 1e-5, 1e-6));
      const char* names[] = {"x", "h0", "c0", "w_ih", "w_hh", "b_ih", "b_hh"};
      for (size_t i = 0; i < in.size(); ++i)
        EXPECT_TRUE(at::allclose(g[i], rg[i], 1e-4, 1e-5))
            << names[i] << " reverse " << reverse << " T " << T << " max diff "
            << (g[i] - rg[i]).abs().max().item<float>();
    }
  }
}

TEST(FusedLSTM, Bf16GemmsStayCloseAndAutocastPicksThem) {
  const auto c = make_case(4, 8, 16, 16);
  const auto& in = c.in;
  const at::Tensor wy = at::randn({4, 8, 16});
  auto [y, h, cn] = fused_lstm(in[0], in[1], in[2], in[3], in[4], in[5], in[6], false, at::kFloat);
  const auto g = grads(loss_of(y, h, cn, wy), in);
  auto [by, bh, bc] = fused_lstm(in[0], in[1], in[2], in[3], in[4], in[5], in[6], false, at::kBFloat16);
  EXPECT_EQ(by.scalar_type(), at::kFloat);  // the outputs stay float32
  EXPECT_FALSE(at::equal(by, y));           // the products really ran in bf16
  EXPECT_TRUE(at::allclose(by, y, 0.05, 0.02));
  const auto bg = grads(loss_of(by, bh, bc, wy), in);
  for (size_t i = 0; i < in.size(); ++i) {
    const double rel = ((bg[i] - g[i]).norm() / g[i].norm()).item<double>();
    EXPECT_LT(rel, 0.03) << "input " << i;
  }
  EXPECT_EQ(fused_lstm_default_dtype(), at::kFloat);
  at::autocast::set_cpu_enabled(true);
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  EXPECT_EQ(fused_lstm_default_dtype(), at::kBFloat16);
  auto [ay, ah, ac] = fused_lstm(in[0], in[1], in[2], in[3], in[4], in[5], in[6]);
  at::autocast::set_cpu_enabled(false);
  at::autocast::clear_cache();
  EXPECT_TRUE(at::equal(ay, by));
}

TEST(FusedLSTM, NoGradMeansNoSavedStateAndClearErrors) {
  const auto c = make_case(2, 3, 4, 5);
  const auto& in = c.in;
  {
    at::NoGradGuard no_grad;
    auto [y, h, cn] = fused_lstm(in[0], in[1], in[2], in[3], in[4], in[5], in[6]);
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 3, 5}));
    EXPECT_EQ(h.sizes(), (std::vector<int64_t>{1, 2, 5}));
  }
  try {
    (void)fused_lstm(in[0], in[1], in[2], in[3].narrow(1, 0, 3), in[4], in[5], in[6]);
    FAIL() << "a w_ih that does not fit x must throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("w_ih [20, 3]"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)fused_lstm(in[0], in[1].narrow(0, 0, 1), in[2], in[3], in[4], in[5], in[6]),
               std::invalid_argument);
}
