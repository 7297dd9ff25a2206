#include "fastai/optimizer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "reference.h"
#include "test_util.h"

using namespace fastai;
using nlohmann::json;

namespace {
const json& reference() {
  static const json j = fastai::testing::load_reference("optimizers.json");
  return j;
}

torch::Tensor from_json(const json& values, const json& shape) {
  return torch::tensor(values.get<std::vector<float>>()).view(shape.get<std::vector<int64_t>>());
}

// Runs 20 steps with the reference gradients and compares every step's parameters.
void expect_trajectory(const std::string& name,
                       const std::function<std::unique_ptr<Optimizer>(std::vector<torch::Tensor>)>& make) {
  const json& r = reference();
  std::vector<torch::Tensor> ps;
  for (size_t i = 0; i < r["params"].size(); ++i)
    ps.push_back(from_json(r["params"][i], r["shapes"][i]).requires_grad_(true));
  auto opt = make(ps);
  const json& expected = r["cases"].at(name);
  for (size_t t = 0; t < r["grads"].size(); ++t) {
    for (size_t i = 0; i < ps.size(); ++i) ps[i].mutable_grad() = from_json(r["grads"][t][i], r["shapes"][i]);
    opt->step();
    for (size_t i = 0; i < ps.size(); ++i) {
      auto want = from_json(expected[t][i], r["shapes"][i]);
      ASSERT_TRUE(torch::allclose(ps[i].detach(), want, 1e-5, 1e-6))
          << name << ": step " << t + 1 << ", param " << i << "\n got " << ps[i].detach().flatten().slice(0, 0, 4)
          << "\n want " << want.flatten().slice(0, 0, 4);
    }
  }
}
}  // namespace

TEST(OptimizerParity, SgdMatchesTorchOptim) {
  expect_trajectory("sgd", [](auto ps) { return SGD(ps, {.lr = 0.1}); });
  expect_trajectory("sgd_mom", [](auto ps) { return SGD(ps, {.lr = 0.1, .mom = 0.9}); });
  // torch's weight_decay is L2 regularisation: fastai's decouple_wd = false.
  expect_trajectory("sgd_mom_l2",
                    [](auto ps) { return SGD(ps, {.lr = 0.1, .mom = 0.9, .wd = 0.01, .decouple_wd = false}); });
  expect_trajectory("sgd_decoupled_wd", [](auto ps) { return SGD(ps, {.lr = 0.1, .wd = 0.1}); });
}

TEST(OptimizerParity, AdamAdamWAndRmsPropMatchTorchOptim) {
  // fastai's mom / sqr_mom are torch's betas; fastai's default decoupled wd is AdamW.
  expect_trajectory("adam", [](auto ps) { return Adam(ps, {.lr = 1e-2, .wd = 0.0}); });
  expect_trajectory("adam_l2", [](auto ps) { return Adam(ps, {.lr = 1e-2, .wd = 0.01, .decouple_wd = false}); });
  expect_trajectory("adamw", [](auto ps) { return Adam(ps, {.lr = 1e-2}); });
  expect_trajectory("rmsprop", [](auto ps) { return RMSProp(ps, {.lr = 1e-2}); });
}

TEST(OptimizerParity, RAdamQHAdamLarcLarsLambRangerMatchTheirFormulas) {
  expect_trajectory("radam", [](auto ps) { return RAdam(ps, {.lr = 1e-2}); });
  expect_trajectory("qhadam", [](auto ps) { return QHAdam(ps, {.lr = 1e-2}); });
  expect_trajectory("larc", [](auto ps) { return Larc(ps, {.lr = 0.1}); });
  expect_trajectory("lars", [](auto ps) { return Larc(ps, {.lr = 0.1, .clip = false}); });
  expect_trajectory("lamb", [](auto ps) { return Lamb(ps, {.lr = 1e-2}); });
  expect_trajectory("ranger", [](auto ps) { return ranger(ps, {.lr = 1e-2}); });
}

TEST(Optimizer, FastaiDefaults) {
  auto p = torch::zeros({2}, torch::requires_grad());
  auto adam = Adam({p});
  EXPECT_DOUBLE_EQ(adam->hyper("mom"), 0.9);
  EXPECT_DOUBLE_EQ(adam->hyper("sqr_mom"), 0.99);
  EXPECT_DOUBLE_EQ(adam->hyper("eps"), 1e-5);
  EXPECT_DOUBLE_EQ(adam->hyper("wd"), 0.01);
  EXPECT_EQ(adam->callbacks().front().name, "weight_decay");
  EXPECT_DOUBLE_EQ(RMSProp({p})->hyper("eps"), 1e-8);
  EXPECT_DOUBLE_EQ(QHAdam({p})->hyper("mom"), 0.999);
  EXPECT_THROW_WITH(adam->hyper("nope"), std::out_of_range, "\"nope\"");
}

TEST(Optimizer, HypersPerGroupSlicesAndFreezing) {
  std::vector<std::vector<torch::Tensor>> groups;
  for (int i = 0; i < 3; ++i) groups.push_back({torch::ones({2}, torch::requires_grad())});
  auto opt = SGD(groups, {.lr = 0.1});
  opt->set_hyper("lr", Slice{1e-5, 1e-3});
  EXPECT_NEAR(opt->hyper("lr", 0), 1e-5, 1e-12);
  EXPECT_NEAR(opt->hyper("lr", 1), 1e-4, 1e-12);
  EXPECT_NEAR(opt->hyper("lr", 2), 1e-3, 1e-12);
  opt->set_hyper("lr", Slice{std::nullopt, 1e-3});
  EXPECT_NEAR(opt->hyper("lr", 0), 1e-4, 1e-12);
  EXPECT_NEAR(opt->hyper("lr", 2), 1e-3, 1e-12);
  EXPECT_THROW_WITH(opt->set_hyper("lr", std::vector<double>{1, 2}), std::invalid_argument, "2 values for lr",
                    "3 parameter groups");
  // Batch-norm weights keep training when frozen (force_train).
  opt->state(groups[0][0]).values["force_train"] = 1;
  opt->freeze();
  EXPECT_TRUE(groups[0][0].requires_grad());
  EXPECT_FALSE(groups[1][0].requires_grad());
  EXPECT_TRUE(groups[2][0].requires_grad());
  opt->unfreeze();
  EXPECT_TRUE(groups[1][0].requires_grad());
  auto single = SGD(std::vector<torch::Tensor>{torch::ones({1}, torch::requires_grad())});
  EXPECT_THROW_WITH(single->freeze(), std::logic_error, "two parameter groups");
}

TEST(Optimizer, DoWdFalseSkipsWeightDecayAndZeroGradKeepsTensors) {
  auto a = torch::ones({2}, torch::requires_grad()), b = torch::ones({2}, torch::requires_grad());
  auto opt = SGD(std::vector<torch::Tensor>{a, b}, {.lr = 0.1, .wd = 0.5});
  opt->state(b).values["do_wd"] = 0;  // e.g. a bias when wd_bn_bias is false
  a.mutable_grad() = torch::zeros({2});
  b.mutable_grad() = torch::zeros({2});
  opt->step();
  EXPECT_TRUE(torch::allclose(a.detach(), torch::full({2}, 0.95)));
  EXPECT_TRUE(torch::allclose(b.detach(), torch::ones({2})));
  a.mutable_grad().fill_(3);
  opt->zero_grad();
  EXPECT_TRUE(a.grad().defined());
  EXPECT_EQ(a.grad().abs().sum().item<float>(), 0);
  EXPECT_THROW_WITH(opt->state(torch::ones({1})), std::invalid_argument, "not among");
}

TEST(Optimizer, SaveLoadRestoresHypersAndStateExactly) {
  fastai::testing::TempDir dir;
  auto make_params = [] { return std::vector<torch::Tensor>{torch::ones({3}, torch::requires_grad())}; };
  auto p1 = make_params();
  auto opt = Adam(p1, {.lr = 1e-2});
  for (int i = 0; i < 3; ++i) {
    p1[0].mutable_grad() = torch::full({3}, 0.1 * (i + 1));
    opt->step();
  }
  opt->set_hyper("lr", 0.005);
  torch::serialize::OutputArchive out;
  opt->save(out);
  out.save_to((dir / "opt.pt").string());

  auto p2 = std::vector<torch::Tensor>{p1[0].detach().clone().requires_grad_(true)};
  auto again = Adam(p2, {.lr = 1e-2});
  torch::serialize::InputArchive in;
  in.load_from((dir / "opt.pt").string());
  again->load(in);
  EXPECT_DOUBLE_EQ(again->hyper("lr"), 0.005);
  EXPECT_DOUBLE_EQ(again->state(p2[0]).values.at("step"), 3);
  // One more identical step on both gives identical weights.
  p1[0].mutable_grad() = torch::full({3}, 0.7);
  p2[0].mutable_grad() = torch::full({3}, 0.7);
  opt->step();
  again->step();
  EXPECT_TRUE(torch::equal(p1[0].detach(), p2[0].detach()));
  auto wrong = Adam(std::vector<std::vector<torch::Tensor>>{make_params(), make_params()});
  torch::serialize::InputArchive in2;
  in2.load_from((dir / "opt.pt").string());
  EXPECT_THROW_WITH(wrong->load(in2), std::runtime_error, "1 parameter groups", "this optimizer 2");
}

TEST(Optimizer, ClearStateKeepsForceTrainAndDoWd) {
  auto p = torch::ones({2}, torch::requires_grad());
  auto opt = Adam({p});
  p.mutable_grad() = torch::ones({2});
  opt->state(p).values["do_wd"] = 0;
  opt->step();
  EXPECT_TRUE(opt->state(p).tensors.count("grad_avg"));
  opt->clear_state();
  EXPECT_FALSE(opt->state(p).tensors.count("grad_avg"));
  EXPECT_FALSE(opt->state(p).values.count("step"));
  EXPECT_EQ(opt->state(p).values.at("do_wd"), 0);
}

TEST(OptimWrapper, DrivesATorchOptimizerWithFastaiHypers) {
  // Same trajectory as torch.optim.SGD(momentum=0.9) in the reference, through the wrapper.
  expect_trajectory("sgd_mom", [](auto ps) {
    return OptimWrapper(std::make_shared<torch::optim::SGD>(ps, torch::optim::SGDOptions(0.1).momentum(0.9)));
  });
  expect_trajectory("adamw", [](auto ps) {
    return OptimWrapper(std::make_shared<torch::optim::AdamW>(
        ps, torch::optim::AdamWOptions(1e-2).betas({0.9, 0.99}).eps(1e-5).weight_decay(0.01)));
  });
  auto p = torch::ones({2}, torch::requires_grad());
  auto torch_opt = std::make_shared<torch::optim::Adam>(std::vector<torch::Tensor>{p}, torch::optim::AdamOptions(1e-3));
  auto opt = OptimWrapper(torch_opt);
  EXPECT_DOUBLE_EQ(opt->hyper("lr"), 1e-3);
  EXPECT_DOUBLE_EQ(opt->hyper("mom"), 0.9);
  EXPECT_DOUBLE_EQ(opt->hyper("sqr_mom"), 0.999);
  opt->set_hyper("lr", 0.5);
  opt->set_hyper("mom", 0.8);
  p.mutable_grad() = torch::ones({2});
  opt->step();
  auto& o = static_cast<torch::optim::AdamOptions&>(torch_opt->param_groups()[0].options());
  EXPECT_DOUBLE_EQ(o.lr(), 0.5);
  EXPECT_DOUBLE_EQ(std::get<0>(o.betas()), 0.8);
}
