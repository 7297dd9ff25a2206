// Hooks (core/module_hooks.h, callback/hook.h): placement, removal, backward, model_sizes,
// summary and ActivationStats, against fastai 2.7.18 (tools/gen_hook_reference.py) and hand
// computations.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "fastai/callback/fp16.h"
#include "fastai/callback/hook.h"
#include "fastai/core/plot.h"
#include "fastai/data/torch_dataset.h"
#include "fastai/learner.h"
#include "fastai/vision/models/resnet.h"
#include "fastai/vision/models/xresnet.h"
#include "learner_util.h"
#include "reference.h"

using namespace fastai;
namespace nn = torch::nn;

namespace {

std::vector<std::string> param_names(const nn::Module& m) {
  std::vector<std::string> r;
  for (const auto& kv : m.named_parameters()) r.push_back(kv.key());
  for (const auto& kv : m.named_buffers()) r.push_back(kv.key());
  return r;
}

std::vector<const void*> param_ptrs(const nn::Module& m) {
  std::vector<const void*> r;
  for (const auto& p : m.parameters()) r.push_back(p.unsafeGetTensorImpl());
  return r;
}

at::Tensor keep(nn::Module&, const at::Tensor&, const at::Tensor& o) { return o; }

}  // namespace

TEST(Hooks, SequentialChildHookedAndRemovedLeavesTheModelAsItWas) {
  torch::manual_seed(0);
  nn::Sequential seq(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 2));
  const auto x = torch::randn({3, 4});
  const auto before = seq->forward(x);
  const auto names = param_names(*seq);
  const auto ptrs = param_ptrs(*seq);
  const auto child = seq->ptr(1);
  {
    Hook h = hook_output(*seq, child);
    EXPECT_EQ(param_names(*seq), names) << "hooked, the module tree is unchanged";
    EXPECT_EQ(seq->named_children()[1].value().get(), child.get());
    EXPECT_TRUE(torch::equal(seq->forward(x), before));
    EXPECT_TRUE(torch::equal(h.stored(), torch::relu(seq->ptr<nn::LinearImpl>(0)->forward(x))));
    EXPECT_FALSE(h.stored().requires_grad()) << "detached by default";
  }
  EXPECT_EQ(seq->ptr(1).get(), child.get()) << "the Sequential calls the very same module again";
  EXPECT_EQ(param_names(*seq), names);
  EXPECT_EQ(param_ptrs(*seq), ptrs);
  EXPECT_TRUE(torch::equal(seq->forward(x), before));
}

TEST(Hooks, SeveralHooksOnOneModuleAndAModuleUsedTwice) {
  nn::Linear shared(3, 3);
  nn::Sequential seq(shared, nn::ReLU(), shared);
  int calls_a = 0, calls_b = 0;
  auto count = [](int& n) {
    return [&n](nn::Module&, const at::Tensor&, const at::Tensor& o) {
      ++n;
      return o;
    };
  };
  auto a = std::make_unique<Hook>(*seq, shared.ptr(), count(calls_a));
  Hook b(*seq, "0", count(calls_b));  // by name
  seq->forward(torch::randn({2, 3}));
  EXPECT_EQ(calls_a, 2) << "both places the module occurs run its hooks";
  EXPECT_EQ(calls_b, 2);
  a.reset();
  seq->forward(torch::randn({2, 3}));
  EXPECT_EQ(calls_a, 2) << "removed";
  EXPECT_EQ(calls_b, 4) << "the other hook on the same module stays";
  b.remove();
  EXPECT_TRUE(b.removed());
  EXPECT_EQ(seq->ptr(0).get(), shared.ptr().get());
  EXPECT_EQ(seq->ptr(2).get(), shared.ptr().get());
  Hook moved = Hook(*seq, shared.ptr(), count(calls_a));
  seq->forward(torch::randn({2, 3}));
  EXPECT_EQ(calls_a, 4) << "a moved Hook keeps its registration";
  EXPECT_THROW(Hook(*seq, "9", keep), std::invalid_argument);
}

TEST(Hooks, BackwardHookStoresTheGradientOfTheOutput) {
  torch::manual_seed(1);
  nn::Sequential seq(nn::Linear(4, 5), nn::Tanh(), nn::Linear(5, 1));
  const auto x = torch::randn({6, 4});
  Hook h = hook_output(*seq, seq->ptr(1), {.grad = true});
  seq->forward(x).sum().backward();
  ASSERT_TRUE(h.stored().defined());
  // By hand: d(sum(W2 t + b2))/dt = W2 broadcast over the rows.
  const auto w2 = seq->ptr<nn::LinearImpl>(2)->weight;
  EXPECT_TRUE(torch::allclose(h.stored(), w2.expand({6, 5})));
}

TEST(Hooks, XResNetLeavesMatchFastaiAndRemovalRestoresOutputs) {
  const auto ref = fastai::testing::load_reference("hooks.json");
  torch::manual_seed(0);
  auto m = xresnet18({.c_in = 1, .n_out = 11});
  m->eval();
  const auto leaves = flatten_model(*m);
  std::vector<std::string> types;
  for (const auto& l : leaves) types.push_back(module_type_name(*l));
  EXPECT_EQ(types, ref["leaf_types"].get<std::vector<std::string>>());

  const auto x = torch::randn({2, 1, 64, 64});
  torch::NoGradGuard ng;
  const auto before = m->forward(x);
  const auto names = param_names(*m);
  {
    Hooks hs = hook_outputs(*m, leaves);
    const auto during = m->forward(x);
    EXPECT_TRUE(torch::equal(during, before));
    for (size_t i = 0; i < hs.size(); ++i) EXPECT_TRUE(hs[i].stored().defined()) << "leaf " << i << " " << types[i];
    EXPECT_EQ(hs.stored().back().sizes(), (std::vector<int64_t>{2, 11}));
  }
  EXPECT_EQ(param_names(*m), names);
  EXPECT_TRUE(torch::equal(m->forward(x), before));

  std::vector<std::vector<int64_t>> sizes = model_sizes(m);
  EXPECT_EQ(sizes, ref["model_sizes"].get<std::vector<std::vector<int64_t>>>());
  EXPECT_FALSE(m->is_training()) << "model_sizes restores the mode it found";
  nn::Sequential body;
  for (size_t i = 0; i + 4 < m->size(); ++i) body->push_back(*(m->begin() + static_cast<std::ptrdiff_t>(i)));
  EXPECT_EQ(num_features_model(body), ref["num_features_body"].get<int64_t>());
  EXPECT_EQ(in_channels(*m), 1);
}

TEST(Hooks, TorchvisionResNetChildrenThroughHookAware) {
  torch::manual_seed(0);
  auto r = resnet18({.num_classes = 3});
  r->eval();
  const auto x = torch::randn({1, 3, 64, 64});
  torch::NoGradGuard ng;
  const auto before = r->forward(x);
  Hook h1 = hook_output(*r, r->layer1.ptr());
  Hook h2 = hook_output(*r, r->layer2[0]->as<BasicBlockImpl>()->conv1.ptr());
  Hook h3 = hook_output(*r, r->fc.ptr());
  EXPECT_TRUE(torch::equal(r->forward(x), before));
  EXPECT_EQ(h1.stored().sizes(), (std::vector<int64_t>{1, 64, 16, 16}));
  EXPECT_EQ(h2.stored().sizes(), (std::vector<int64_t>{1, 128, 8, 8}));
  EXPECT_TRUE(torch::equal(h3.stored(), before));
}

namespace {
struct PlainNetImpl : nn::Module {
  nn::Linear fc{nullptr};
  PlainNetImpl() { fc = register_module("fc", nn::Linear(2, 2)); }
  at::Tensor forward(const at::Tensor& x) { return fc(x); }
};
TORCH_MODULE(PlainNet);

struct AwareNetImpl : nn::Module, HookAware {
  nn::Linear fc{nullptr};
  AwareNetImpl() { fc = register_module("fc", nn::Linear(2, 2)); }
  at::Tensor forward(const at::Tensor& x) { return hooked(fc, x) * 2; }
};
TORCH_MODULE(AwareNet);
}  // namespace

TEST(Hooks, AUserModuleIsHookableWhenItSaysSo) {
  PlainNet plain;
  try {
    Hook h = hook_output(*plain, plain->fc.ptr());
    FAIL() << "a child called directly cannot be hooked";
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'fc' (Linear)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("PlainNet"), std::string::npos) << msg;
    EXPECT_NE(msg.find("HookAware"), std::string::npos) << msg;
  }
  nn::Linear stranger(2, 2);
  EXPECT_THROW(hook_output(*plain, stranger.ptr()), std::invalid_argument) << "not a module of the root";

  AwareNet aware;
  const auto x = torch::randn({3, 2});
  Hook h = hook_output(*aware, aware->fc.ptr());
  const auto y = aware->forward(x);
  EXPECT_TRUE(torch::equal(h.stored() * 2, y));
  // The root itself: hooked where fastai::Model calls it.
  Model model = plain;
  Hook root = hook_output(*plain, plain.ptr());
  model({x});
  EXPECT_TRUE(root.stored().defined());
}

TEST(Hooks, SummaryTableEqualsFastais) {
  const auto ref = fastai::testing::load_reference("hooks.json");
  torch::manual_seed(0);
  const auto x = torch::randn({8, 1, 64, 64}), y = torch::arange(8) % 11;
  auto dls = DataLoaders::from_tensors(x, y, x, y, {.bs = 4, .shuffle = false});
  Learner learn(dls, xresnet18({.c_in = 1, .n_out = 11}), {.loss_func = CrossEntropyLossFlat()});
  const std::string s = learn.summary();
  std::string table = s.substr(0, s.find("Optimizer used"));
  std::string want = ref["summary_table"].get<std::string>();
  // Our model is a torch::nn::Sequential where fastai's is the XResNet subclass of nn.Sequential.
  want.replace(0, std::string("XResNet").size(), "Sequential");
  EXPECT_EQ(table, want);
  EXPECT_NE(s.find("Optimizer used: Adam\nLoss function: CrossEntropyLossFlat"), std::string::npos) << s;
  EXPECT_NE(s.find("Callbacks:\n  - TrainEvalCallback"), std::string::npos) << s;
  learn.freeze_to(1);  // creates the optimizer
  EXPECT_NE(learn.summary().find("Model frozen up to parameter group #1"), std::string::npos);
}

TEST(Hooks, ActivationStatsEqualAHandComputation) {
  auto t = fastai::testing::make_task(64, 32);
  auto dls = DataLoaders::from_tensors(t.x, t.y, t.xv, t.yv, {.bs = 16, .shuffle = false});
  torch::manual_seed(0);
  nn::Sequential model(nn::Linear(4, 6), nn::ReLU(), nn::Linear(6, 2));
  const auto lin = model->ptr(0);
  auto stats = std::make_shared<ActivationStats>(ActivationStatsOptions{.with_hist = true});
  // What the first Linear gives each training batch, computed beside the callback (order −30:
  // before ActivationStats, with the weights of that forward).
  std::vector<at::Tensor> lin_out;
  auto watch = std::make_shared<FuncCallback>(
      "Watch", std::map<Event, FuncCallback::Fn>{{Event::after_pred, [&](Learner& l) {
                                                   if (l.training)
                                                     lin_out.push_back(
                                                         std::dynamic_pointer_cast<nn::LinearImpl>(lin)->forward(l.xb[0]).detach());
                                                 }}});
  Learner learn(dls, model, {.loss_func = CrossEntropyLossFlat(), .opt_func = fastai::testing::sgd_func()});
  learn.logger = nullptr;
  learn.fit(1, 0.1, {.cbs = {stats, watch}});
  ASSERT_EQ(stats->modules().size(), 2u) << "the leaves with parameters";
  ASSERT_EQ(stats->stats().size(), 4u) << "one row per training batch";
  ASSERT_EQ(lin_out.size(), 4u);
  for (size_t b = 0; b < 4; ++b) {
    const auto& o = lin_out[b];
    const LayerStats& s = stats->stats()[b][0];
    EXPECT_NEAR(s.mean, o.mean().item<double>(), 1e-6);
    EXPECT_NEAR(s.std, o.std().item<double>(), 1e-6);
    EXPECT_NEAR(s.near_zero, (o <= 0.05).sum().item<double>() / static_cast<double>(o.numel()), 1e-9);
    EXPECT_TRUE(torch::equal(s.hist, o.histc(40, 0, 10)));
  }
  const auto [means, stds, zeros] = stats->layer_stats(0);
  EXPECT_EQ(means.size(), 4u);
  EXPECT_NEAR(stds[2], stats->stats()[2][0].std, 0);
  EXPECT_EQ(stats->hist(1).sizes(), (std::vector<int64_t>{40, 4}));
  EXPECT_EQ(model->ptr(0).get(), lin.get()) << "hooks removed after the fit";
  if (!gnuplot_path().empty()) {
    const auto dir = std::filesystem::temp_directory_path() / "fastai_test_actstats";
    std::filesystem::create_directories(dir);
    EXPECT_GT(std::filesystem::file_size(stats->color_dim(0, dir / "colorful.png")), 100u);
    EXPECT_GT(std::filesystem::file_size(stats->plot_layer_stats(0, dir / "layer0.png")), 100u);
    if (!std::getenv("FASTAI_KEEP_TEST_PICTURES")) std::filesystem::remove_all(dir);
  }
}


TEST(Hooks, ActivationStatsWithTwoLoaderThreadsAndBf16) {
  auto t = fastai::testing::make_task(128, 32);
  auto dls = dataloaders_from_torch(fastai::testing::SumSign(t.x, t.y), fastai::testing::SumSign(t.xv, t.yv), {.bs = 16, .num_workers = 2, .seed = 1});
  torch::manual_seed(0);
  nn::Sequential model(nn::Linear(4, 16), nn::ReLU(), nn::Linear(16, 2));
  const auto lin = model->ptr(0);
  auto stats = std::make_shared<ActivationStats>(ActivationStatsOptions{.hook = {.every = 2}});
  Learner learn(dls, model, {.loss_func = CrossEntropyLossFlat()});
  learn.logger = nullptr;
  learn.add_cb(MixedPrecision(AmpMode::bf16));
  learn.fit(2, 1e-2, {.cbs = {stats}});
  ASSERT_EQ(stats->stats().size(), 8u) << "every 2nd of 8 training batches, 2 epochs";
  for (const auto& row : stats->stats())
    for (const auto& s : row) {
      EXPECT_TRUE(std::isfinite(s.mean));
      EXPECT_GT(s.std, 0);
    }
  EXPECT_EQ(model->ptr(0).get(), lin.get());
}
