// AWD_LSTM against real fastai 2.7.18's (tests/data/reference/awd_lstm.json,
// tools/gen_awd_lstm_reference.py): the same state_dict names and shapes, and with fastai's
// weights loaded by name the same eval-mode outputs on two consecutive batches (the hidden state
// carried) and after reset(); plain and bidirectional. Then dropout only in training.
#include "fastai/text/models/awdlstm.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <set>

#include "json_tensors.h"
#include "reference.h"

using namespace fastai;

using fastai::testing::ids_of;
using fastai::testing::tensor_of;

TEST(AWD_LSTM, IsFastais) {
  const auto ref = fastai::testing::load_reference("awd_lstm.json");  // a local: range-for over a temporary dangles
  for (const char* kind : {"plain", "bidir"}) {
    const auto& c = ref[kind];
    AWD_LSTM m(AWDLSTMOptions{
        .vocab_sz = 30, .emb_sz = 8, .n_hid = 12, .n_layers = 2, .bidir = std::string(kind) == "bidir"});
    std::set<std::string> ours, theirs;
    for (const auto& p : m->named_parameters()) ours.insert(p.key());
    for (const auto& [k, v] : c["state_dict"].items()) theirs.insert(k);
    EXPECT_EQ(ours, theirs) << kind;
    {
      at::NoGradGuard no_grad;
      auto params = m->named_parameters();
      for (const auto& [k, v] : c["state_dict"].items()) {
        ASSERT_TRUE(params.contains(k)) << k;
        ASSERT_EQ(params[k].sizes(), tensor_of(v).sizes()) << k;
        params[k].copy_(tensor_of(v));
      }
    }
    m->eval();
    at::NoGradGuard no_grad;
    const auto shape = c["shape"].get<std::vector<int64_t>>();
    auto expect = [&](const at::Tensor& y, const char* which) {
      ASSERT_EQ(y.sizes().vec(), shape) << kind << " " << which;
      const at::Tensor want = at::tensor(c[which].get<std::vector<float>>()).view(shape);
      EXPECT_TRUE(at::allclose(y, want, 1e-4, 1e-6)) << kind << " " << which << ": max diff "
                                                     << (y - want).abs().max().item<float>();
    };
    const at::Tensor x1 = ids_of(c["x1"]), x2 = ids_of(c["x2"]);
    expect(m->forward(x1), "y1");
    expect(m->forward(x2), "y2");  // the hidden state from x1 carried over
    m->reset();
    expect(m->forward(x1), "y3");
  }
}

TEST(AWD_LSTM, DropoutOnlyInTrainingAndHiddenFollowsTheBatch) {
  AWD_LSTM m(AWDLSTMOptions{.vocab_sz = 20, .emb_sz = 6, .n_hid = 10, .n_layers = 2});
  const at::Tensor x = at::randint(0, 20, {4, 7}, at::kLong);
  m->eval();
  m->reset();
  const at::Tensor a = m->forward(x);
  m->reset();
  EXPECT_TRUE(at::equal(m->forward(x), a)) << "eval is deterministic";
  m->train();
  m->reset();
  const at::Tensor b = m->forward(x);
  m->reset();
  EXPECT_FALSE(at::equal(m->forward(x), b)) << "training draws new dropout masks";
  b.sum().backward();  // gradients reach the raw weights through the dropped copy
  auto params = m->named_parameters();
  EXPECT_TRUE(params["rnns.0.weight_hh_l0_raw"].grad().defined());
  EXPECT_GT(params["rnns.0.weight_hh_l0_raw"].grad().abs().sum().item<float>(), 0.0f);
  m->eval();
  EXPECT_EQ(m->forward(x.slice(0, 0, 2)).size(0), 2) << "a smaller batch keeps the first rows' state";
  EXPECT_EQ(m->forward(x).size(0), 4) << "a bigger one adds zero state";
  EXPECT_THROW(AWD_LSTM(AWDLSTMOptions{.vocab_sz = 0}), std::invalid_argument);
}
