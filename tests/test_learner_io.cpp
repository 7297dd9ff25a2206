// Learner: optimizer flags and freezing, save/load, trackers, loggers, plots, training callbacks.
#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <torch/torch.h>

#include <csignal>
#include <fstream>

#include "fastai/callback/fp16.h"
#include "fastai/callback/preds.h"
#include "fastai/callback/tracker.h"
#include "fastai/callback/training.h"
#include "fastai/core/plot.h"
#include "learner_util.h"
#include "test_util.h"

using namespace fastai;
using namespace fastai::testing;

namespace {
Learner bn_learner(const Task& t, LearnerOptions o = {}) {
  auto dls = DataLoaders::from_tensors(t.x, t.y, t.xv, t.yv, {.bs = 16, .seed = 1});
  torch::manual_seed(2);
  auto model = torch::nn::Sequential(torch::nn::Linear(4, 8), torch::nn::BatchNorm1d(8), torch::nn::ReLU(),
                                     torch::nn::Linear(8, 2));
  o.loss_func = CrossEntropyLossFlat();
  o.splitter = [](const Model& m) {
    auto seq = m.as<torch::nn::SequentialImpl>();
    std::vector<std::vector<at::Tensor>> g(2);
    for (size_t i = 0; i < seq->size(); ++i)
      for (auto& p : seq->ptr(i)->parameters()) g[i < 3 ? 0 : 1].push_back(p);
    return g;
  };
  o.default_cbs = false;
  o.cbs.insert(o.cbs.begin(), {TrainEvalCallback(), Recorder()});
  Learner l(std::move(dls), model, std::move(o));
  l.logger = nullptr;  // quiet
  return l;
}
}  // namespace

TEST(LearnerOpt, NoWeightDecayOnNormAndBiasAndBatchNormTrainableWhenFrozen) {
  auto t = make_task(32, 16);
  auto learn = bn_learner(t);
  learn.create_opt();
  auto seq = learn.model.as<torch::nn::SequentialImpl>();
  auto lin = seq->ptr(0), bn = seq->ptr(1);
  EXPECT_EQ(learn.opt->state(lin->named_parameters()["bias"]).value("do_wd", 1), 0);
  EXPECT_EQ(learn.opt->state(lin->named_parameters()["weight"]).value("do_wd", 1), 1);
  EXPECT_EQ(learn.opt->state(bn->named_parameters()["weight"]).value("do_wd", 1), 0);
  learn.freeze();
  EXPECT_FALSE(lin->named_parameters()["weight"].requires_grad());
  EXPECT_FALSE(lin->named_parameters()["bias"].requires_grad());
  EXPECT_TRUE(bn->named_parameters()["weight"].requires_grad());  // train_bn
  EXPECT_TRUE(bn->named_parameters()["bias"].requires_grad());
  EXPECT_TRUE(seq->ptr(3)->named_parameters()["weight"].requires_grad());
  // A frozen fit leaves the frozen weights alone and trains BN and the head.
  const auto w0 = lin->named_parameters()["weight"].clone(), g0 = bn->named_parameters()["weight"].clone();
  learn.fit(1, 1e-2);
  EXPECT_TRUE(torch::equal(w0, lin->named_parameters()["weight"]));
  EXPECT_FALSE(torch::equal(g0, bn->named_parameters()["weight"]));
  learn.unfreeze();
  EXPECT_TRUE(lin->named_parameters()["weight"].requires_grad());
  // train_bn false: BN freezes with its group
  auto strict = bn_learner(t, {.train_bn = false});
  strict.freeze();
  EXPECT_FALSE(strict.model.as<torch::nn::SequentialImpl>()->ptr(1)->named_parameters()["weight"].requires_grad());
}

TEST(LearnerIO, SaveLoadGivesIdenticalPredictions) {
  auto t = make_task(64, 32);
  TempDir dir;
  auto learn = bn_learner(t, {.path = dir.path});
  learn.fit(1, 1e-2);
  const auto file = learn.save("stage1");
  EXPECT_EQ(file, dir.path / "models" / "stage1.pth");
  const auto p1 = learn.get_preds().preds;
  learn.fit(1, 1e-1);  // move the weights (and BN statistics) away
  EXPECT_FALSE(torch::allclose(p1, learn.get_preds().preds));
  learn.load("stage1");
  EXPECT_TRUE(torch::equal(p1, learn.get_preds().preds));
  // A fresh learner over the same architecture loads it too (optimizer state included).
  auto other = bn_learner(t, {.path = dir.path});
  other.load("stage1");
  EXPECT_TRUE(torch::equal(p1, other.get_preds().preds));
  EXPECT_GT(other.opt->state(other.model->parameters()[0]).tensors.count("grad_avg"), 0u);
}

TEST(LearnerIO, LoadErrorsNameTheFileAndTheMismatch) {
  auto t = make_task(32, 16);
  TempDir dir;
  auto learn = bn_learner(t, {.path = dir.path});
  EXPECT_THROW_WITH(learn.load("nope"), std::runtime_error, "nope.pth", "does not exist");
  learn.save("good");
  // A different architecture: names the tensor and both shapes, and leaves the model as it was.
  auto dls = DataLoaders::from_tensors(t.x, t.y, t.xv, t.yv, {.bs = 16});
  Learner wide(dls,
               torch::nn::Sequential(torch::nn::Linear(4, 9), torch::nn::BatchNorm1d(9), torch::nn::ReLU(),
                                     torch::nn::Linear(9, 2)),
               {.loss_func = CrossEntropyLossFlat(), .path = dir.path, .default_cbs = false});
  const auto before = snapshot(wide);
  EXPECT_THROW_WITH(wide.load("good"), std::runtime_error, "good.pth", "0.weight", "[8, 4]", "[9, 4]");
  EXPECT_TRUE(same_weights(before, snapshot(wide)));
  // A truncated file.
  const auto f = dir.path / "models" / "good.pth";
  std::filesystem::resize_file(f, std::filesystem::file_size(f) / 2);
  EXPECT_THROW_WITH(learn.load("good"), std::runtime_error, "good.pth", "truncated or corrupt");
}

TEST(LearnerIO, InterruptedSaveLeavesThePreviousFileIntact) {
  auto t = make_task(32, 16);
  TempDir dir;
  auto learn = bn_learner(t, {.path = dir.path});
  learn.fit(1, 1e-2);
  learn.save("ckpt");
  const auto p1 = learn.get_preds().preds;
  const auto size = std::filesystem::file_size(dir.path / "models" / "ckpt.pth");
  learn.fit(1, 1e-1);
  // The disk "fills up" half way through the next save: writes past 1 KiB fail.
  struct rlimit old {};
  getrlimit(RLIMIT_FSIZE, &old);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 1024;
  setrlimit(RLIMIT_FSIZE, &small);
  EXPECT_ANY_THROW(learn.save("ckpt"));
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_EQ(std::filesystem::file_size(dir.path / "models" / "ckpt.pth"), size);
  learn.load("ckpt");
  EXPECT_TRUE(torch::equal(p1, learn.get_preds().preds));
  // no temporary files left behind
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path / "models")) n += e.is_regular_file();
  EXPECT_EQ(n, 1);
}

TEST(Trackers, EarlyStoppingSaveModelAndReduceLROnPlateau) {
  auto t = make_task(64, 32);
  TempDir dir;
  // The loss cannot improve when the lr is 0: early stopping after `patience` epochs.
  auto es = std::make_shared<EarlyStoppingCallback>(TrackerOptions{.patience = 2});
  auto learn = make_learner(t, {}, {.path = dir.path});
  ::testing::internal::CaptureStdout();
  learn.fit(10, 0.0, {.cbs = {es}});
  const auto out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(learn.recorder->values.size(), 3u);  // epoch 0 sets best, 1 and 2 do not improve
  EXPECT_NE(out.find("early stopping"), std::string::npos);

  // ReduceLROnPlateau divides the lr when the monitor stalls.
  auto rl = std::make_shared<ReduceLROnPlateau>(TrackerOptions{.monitor = "valid_loss", .patience = 1, .factor = 10});
  auto l2 = bn_learner(t, {.path = dir.path});
  ::testing::internal::CaptureStdout();
  l2.fit(3, 0.0, {.cbs = {rl}});
  ::testing::internal::GetCapturedStdout();
  EXPECT_DOUBLE_EQ(l2.opt->hyper("lr"), 0.0);
  auto l3 = bn_learner(t, {.path = dir.path});
  auto rl3 = std::make_shared<ReduceLROnPlateau>(
      TrackerOptions{.monitor = "train_loss", .comp = [](double a, double b) { return a < b - 10; }, .patience = 1});
  ::testing::internal::CaptureStdout();
  l3.fit(2, 1e-2, {.cbs = {rl3}});
  ::testing::internal::GetCapturedStdout();
  EXPECT_NEAR(l3.opt->hyper("lr"), 1e-3, 1e-15);  // epoch 1 did not improve "by 10": /10

  // SaveModelCallback keeps the best epoch's weights and loads them at the end.
  auto best_acc = std::make_shared<SaveModelCallback>(TrackerOptions{.monitor = "valid_loss", .fname = "best"});
  std::vector<at::Tensor> at_best;
  double best = 1e9;
  auto spy = std::make_shared<FuncCallback>(
      "Spy",
      std::map<Event, FuncCallback::Fn>{{Event::after_epoch,
                                         [&](Learner& l) {
                                           if (l.recorder->values.back()[1] < best)
                                             best = l.recorder->values.back()[1], at_best = snapshot(l);
                                         }}},
      70);
  auto l4 = bn_learner(t, {.path = dir.path});
  ::testing::internal::CaptureStdout();
  l4.fit(4, 0.3, {.cbs = {best_acc, spy}});
  ::testing::internal::GetCapturedStdout();
  EXPECT_TRUE(std::filesystem::exists(dir.path / "models" / "best.pth"));
  EXPECT_TRUE(same_weights(at_best, snapshot(l4)));
  // An unknown monitor is a clear error.
  auto bad = std::make_shared<EarlyStoppingCallback>(TrackerOptions{.monitor = "acuracy"});
  EXPECT_THROW_WITH(l4.fit(1, 1e-3, {.cbs = {bad}}), CallbackError, "acuracy", "valid_loss");
}

TEST(Loggers, CSVLoggerWritesTheTableAtomically) {
  auto t = make_task(32, 16);
  TempDir dir;
  auto learn = make_learner(t, {std::make_shared<CSVLogger>("history.csv")}, {.metrics = {accuracy}, .path = dir.path});
  learn.fit(2, 1e-2);
  std::ifstream in(dir.path / "history.csv");
  std::string header, r0, r1, extra;
  std::getline(in, header), std::getline(in, r0), std::getline(in, r1);
  EXPECT_EQ(header, "epoch,train_loss,valid_loss,accuracy,time");
  EXPECT_EQ(r0.substr(0, 2), "0,");
  EXPECT_EQ(r1.substr(0, 2), "1,");
  EXPECT_FALSE(std::getline(in, extra));
  // append mode keeps the earlier rows
  auto learn2 = make_learner(t, {std::make_shared<CSVLogger>("history.csv", true)}, {.path = dir.path});
  learn2.fit(1, 1e-2);
  std::ifstream in2(dir.path / "history.csv");
  int lines = 0;
  for (std::string l; std::getline(in2, l);) ++lines;
  EXPECT_EQ(lines, 5);
}

TEST(Plots, RecorderWritesPngs) {
  if (gnuplot_path().empty()) GTEST_SKIP() << "gnuplot not installed (scripts/setup.sh installs gnuplot-nox)";
  auto t = make_task(128, 16);
  TempDir dir;
  auto learn = make_learner(t, {}, {.path = dir.path}, 16);
  learn.fit_one_cycle(2, 1e-2);
  ::testing::internal::CaptureStdout();
  auto loss = learn.recorder->plot_loss(2);
  auto sched = learn.recorder->plot_sched();
  auto s = learn.lr_find({.num_it = 30});
  const auto out = ::testing::internal::GetCapturedStdout();
  for (const auto& f : {loss, sched, s.plot}) {
    ASSERT_TRUE(std::filesystem::exists(f)) << f;
    std::ifstream in(f, std::ios::binary);
    char sig[8];
    in.read(sig, 8);
    EXPECT_EQ(std::string(sig + 1, 3), "PNG") << f;
    EXPECT_GT(std::filesystem::file_size(f), 2000u) << f;
    EXPECT_NE(out.find(f.string()), std::string::npos) << "path printed";
  }
  EXPECT_EQ(s.plot, dir.path / "models" / "lr_find.png");
  EXPECT_THROW_WITH(plot_lines(dir.path / "x.png", {{.label = "bad", .x = {1, 2}, .y = {1}}}), std::invalid_argument,
                    "bad", "2 x", "1 y");
}

TEST(TrainingCallbacks, GradientAccumulationEqualsALargerBatch) {
  auto t = make_task(64, 16);
  // bs 16 with accumulation to 32 == bs 32 (plain SGD, mean loss): same weights after one epoch.
  auto dls16 = DataLoaders::from_tensors(t.x, t.y, t.xv, t.yv, {.bs = 16, .shuffle = false});
  auto dls32 = DataLoaders::from_tensors(t.x, t.y, t.xv, t.yv, {.bs = 32, .shuffle = false});
  auto mk = [&](DataLoaders d, Callbacks cbs) {
    torch::manual_seed(5);
    cbs.insert(cbs.begin(), TrainEvalCallback());
    return Learner(d, torch::nn::Sequential(torch::nn::Linear(4, 2)),
                   {.loss_func = CrossEntropyLossFlat(), .opt_func = sgd_func(), .cbs = cbs, .default_cbs = false});
  };
  auto acc = mk(dls16, {std::make_shared<GradientAccumulation>(32)});
  auto big = mk(dls32, {});
  acc.fit(1, 0.1);
  big.fit(1, 0.1);
  auto a = snapshot(acc), b = snapshot(big);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-5, 1e-6));
}

TEST(TrainingCallbacks, GradientClipShortEpochBnFreeze) {
  auto t = make_task(64, 32);
  double max_norm = 0;
  auto probe =
      std::make_shared<FuncCallback>("Probe",
                                     std::map<Event, FuncCallback::Fn>{{Event::before_step,
                                                                        [&](Learner& l) {
                                                                          double sq = 0;
                                                                          for (auto& p : l.model->parameters())
                                                                            sq += p.grad().pow(2).sum().item<double>();
                                                                          max_norm = std::max(max_norm, std::sqrt(sq));
                                                                        }}},
                                     20);
  auto learn = bn_learner(t, {.cbs = {std::make_shared<GradientClip>(0.01), probe}});
  learn.fit(1, 1e-2);
  EXPECT_LE(max_norm, 0.01 + 1e-6);

  int train_batches = 0, valid_batches = 0;
  auto counter = std::make_shared<FuncCallback>(
      "Counter",
      std::map<Event, FuncCallback::Fn>{
          {Event::after_batch, [&](Learner& l) { (l.training ? train_batches : valid_batches)++; }}},
      -20);
  auto short_ = bn_learner(t, {.cbs = {ShortEpochCallback(0.5), counter}});
  short_.fit(1, 1e-2);
  EXPECT_EQ(train_batches, 3);  // batches 0, 1, 2 of 4: iter/n_iter reaches 0.5 at batch 2
  EXPECT_EQ(valid_batches, 2);  // batches 0, 1 of 2

  // BnFreeze: frozen BN layers keep their running statistics.
  auto frozen = bn_learner(t, {.cbs = {std::make_shared<BnFreeze>()}, .train_bn = false});
  frozen.freeze();
  auto bn = frozen.model.as<torch::nn::SequentialImpl>()->ptr(1);
  const auto mean0 = bn->named_buffers()["running_mean"].clone();
  frozen.fit(1, 1e-2);
  EXPECT_TRUE(torch::equal(mean0, bn->named_buffers()["running_mean"]));
  auto moving = bn_learner(t, {.train_bn = false});
  moving.freeze();
  moving.fit(1, 1e-2);
  EXPECT_FALSE(
      torch::equal(mean0, moving.model.as<torch::nn::SequentialImpl>()->ptr(1)->named_buffers()["running_mean"]));
}

TEST(TrainingCallbacks, MixedPrecisionBf16TrainsInBf16) {
  auto t = make_task(128, 32);
  at::ScalarType seen = at::kFloat;
  auto probe = std::make_shared<FuncCallback>(
      "Probe", std::map<Event, FuncCallback::Fn>{{Event::after_pred, [&](Learner& l) { seen = l.pred.scalar_type(); }}},
      5);  // before MixedPrecision's after_pred (order 10) casts back
  auto learn = make_learner(t, {MixedPrecision(AmpMode::bf16), probe}, {.metrics = {accuracy}}, 16);
  learn.fit(3, 1e-2);
  EXPECT_EQ(seen, at::kBFloat16);
  EXPECT_EQ(learn.model->parameters()[0].scalar_type(), at::kFloat);  // master weights stay fp32
  EXPECT_GT(learn.recorder->values.back()[2], 0.8);
  EXPECT_FALSE(at::autocast::is_cpu_enabled());  // autocast off outside the batches
  // fp16 needs CUDA: a clear error on the CPU.
  EXPECT_THROW_WITH(learn.fit(1, 1e-3, {.cbs = {MixedPrecision(AmpMode::fp16)}}), CallbackError,
                    "CUDA", "bf16");
}

TEST(TrainingCallbacks, GradScalerBacksOffOnOverflowAndGrows) {
  GradScaler s({.init_scale = 8, .growth_factor = 2, .backoff_factor = 0.5, .growth_interval = 2});
  auto p = torch::ones({3}, torch::requires_grad());
  p.mutable_grad() = torch::full({3}, 16.0);
  EXPECT_TRUE(s.unscale_and_check({p}));
  EXPECT_TRUE(torch::equal(p.grad(), torch::full({3}, 2.0)));
  s.update();
  p.mutable_grad() = torch::tensor({1.0f, INFINITY, 0.0f});
  EXPECT_FALSE(s.unscale_and_check({p}));
  s.update();
  EXPECT_DOUBLE_EQ(s.get_scale(), 4);
  for (int i = 0; i < 2; ++i) {
    p.mutable_grad() = torch::ones({3});
    s.unscale_and_check({p});
    s.update();
  }
  EXPECT_DOUBLE_EQ(s.get_scale(), 8);
}

TEST(TrainingCallbacks, FetchPredsGathersAnotherLoaderDuringTheFit) {
  auto t = make_task(48, 16);
  auto f = std::make_shared<FetchPredsCallback>(FetchPredsOptions{.ds_idx = 0});
  auto learn = make_learner(t, {}, {}, 16);
  learn.fit(1, 1e-2, {.cbs = {f}});
  ASSERT_TRUE(f->preds.preds.defined());
  EXPECT_EQ(f->preds.preds.size(0), 48);  // the whole training set, not dropped or shuffled
  EXPECT_TRUE(torch::equal(f->preds.targs, t.y));
  EXPECT_EQ(learn.recorder->values.size(), 1u);  // the fit's own record is intact
  EXPECT_EQ(learn.recorder->values[0].size(), 2u);
}

TEST(TrainingCallbacks, ChannelsLastKeepsResults) {
  auto x = torch::randn({32, 1, 8, 8}), y = torch::randint(0, 2, {32});
  auto dls = DataLoaders::from_tensors(x, y, x, y, {.bs = 8, .shuffle = false});
  auto mk = [&](Callbacks cbs) {
    torch::manual_seed(3);
    auto m = torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 4, 3)), torch::nn::Flatten(),
                                   torch::nn::Linear(144, 2));
    cbs.insert(cbs.begin(), TrainEvalCallback());
    return Learner(dls, m,
                   {.loss_func = CrossEntropyLossFlat(), .opt_func = sgd_func(), .cbs = cbs, .default_cbs = false});
  };
  auto cl = mk({std::make_shared<ChannelsLast>()});
  auto plain = mk({});
  cl.fit(1, 0.1);
  plain.fit(1, 0.1);
  EXPECT_TRUE(cl.model->parameters()[0].is_contiguous(at::MemoryFormat::ChannelsLast));
  auto a = snapshot(cl), b = snapshot(plain);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-4, 1e-5));
}

TEST(TrainingCallbacks, PrecisionShortcutsAddAndRemoveTheirCallbacks) {
  auto x = torch::randn({16, 1, 8, 8}), y = torch::randint(0, 2, {16});
  auto dls = DataLoaders::from_tensors(x, y, x, y, {.bs = 8});
  auto m = torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 4, 3)), torch::nn::Flatten(),
                                 torch::nn::Linear(144, 2));
  Learner learn(dls, m, {.loss_func = CrossEntropyLossFlat()});
  auto count = [&]<class T>() {
    return std::count_if(learn.cbs().begin(), learn.cbs().end(),
                         [](const auto& c) { return dynamic_cast<T*>(c.get()) != nullptr; });
  };
  learn.to_bf16().to_bf16();  // twice: still one MixedPrecision
  EXPECT_EQ(count.operator()<MixedPrecision>(), 1);
  learn.to_fp32();
  EXPECT_EQ(count.operator()<MixedPrecision>(), 0);
  learn.to_channelslast();  // on the CPU: ChannelsLast + bf16
  EXPECT_EQ(count.operator()<ChannelsLast>(), 1);
  EXPECT_EQ(count.operator()<MixedPrecision>(), 1);
  learn.fit(1, 1e-2);
  EXPECT_TRUE(learn.model->parameters()[0].is_contiguous(at::MemoryFormat::ChannelsLast));
  learn.to_contiguous(/*to_fp32=*/true);
  EXPECT_EQ(count.operator()<ChannelsLast>(), 0);
  EXPECT_EQ(count.operator()<MixedPrecision>(), 0);
  EXPECT_TRUE(learn.model->parameters()[0].is_contiguous());
}
