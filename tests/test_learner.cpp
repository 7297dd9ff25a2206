#include "fastai/learner.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <sstream>

#include "fastai/callback/tracker.h"
#include "fastai/callback/training.h"
#include "fastai/data/block.h"
#include "fastai/data/torch_dataset.h"
#include "learner_util.h"
#include "test_util.h"

using namespace fastai;
using namespace fastai::testing;

namespace {

/// Records every event name; optionally throws `ex` at event `at` (the n-th time it happens).
struct Tracer : Callback {
  std::vector<std::string> trace;
  std::optional<Event> at;
  std::function<void()> thrower;
  int when = 0, seen = 0;
  std::string name() const override { return "Tracer"; }
  void on_event(Event e) override {
    trace.emplace_back(event_name(e));
    if (at && *at == e && seen++ == when && thrower) thrower();
  }
};

std::vector<std::string> train_batch() {
  return {"before_batch",   "after_pred",  "after_loss", "before_backward",
          "after_backward", "before_step", "after_step", "after_batch"};
}
std::vector<std::string> valid_batch() { return {"before_batch", "after_pred", "after_loss", "after_batch"}; }
std::vector<std::string> cat(std::initializer_list<std::vector<std::string>> parts) {
  std::vector<std::string> v;
  for (const auto& p : parts) v.insert(v.end(), p.begin(), p.end());
  return v;
}
int count(const std::vector<std::string>& v, const std::string& s) {
  return static_cast<int>(std::count(v.begin(), v.end(), s));
}

}  // namespace

TEST(Learner, EventOrderOfAWholeFit) {
  auto t = make_task(32, 16);  // 2 training batches of 16, 1 validation batch
  auto tr = std::make_shared<Tracer>();
  auto learn = make_learner(t, {tr});
  EXPECT_EQ(tr->trace, std::vector<std::string>{"after_create"});
  tr->trace.clear();
  learn.fit(1);
  const auto expected = cat({{"before_fit", "before_epoch", "before_train"},
                             train_batch(),
                             train_batch(),
                             {"after_train", "before_validate"},
                             valid_batch(),
                             {"after_validate", "after_epoch", "after_fit"}});
  EXPECT_EQ(tr->trace, expected);
}

TEST(Learner, CallbacksRunSortedByOrderAndRunAfter) {
  auto t = make_task(16, 16);
  std::vector<std::string> seen;
  auto mk = [&](std::string n, int order) {
    return std::make_shared<FuncCallback>(
        n, std::map<Event, FuncCallback::Fn>{{Event::before_fit, [&seen, n](Learner&) { seen.push_back(n); }}}, order);
  };
  auto a = mk("A", 5), b = mk("B", -3), c = mk("C", 5);
  c->run_before = {"A"};
  auto learn = make_learner(t, {a, b, c});
  learn.fit(1);
  EXPECT_EQ(seen, (std::vector<std::string>{"B", "C", "A"}));
  // A cycle is an error naming the callbacks.
  a->run_before = {"C"};
  EXPECT_THROW_WITH(sort_by_run({a, c}), std::invalid_argument, "cycle", "A", "C");
}

TEST(Learner, CancelBatchSkipsTheRestOfTheBatchAndTheStep) {
  auto t = make_task(32, 16);
  auto tr = std::make_shared<Tracer>();
  tr->at = Event::after_pred;
  tr->thrower = [] { throw CancelBatchException(); };
  auto learn = make_learner(t, {tr}, {.opt_func = sgd_func()});
  const auto before = snapshot(learn);
  tr->trace.clear();
  learn.fit(1);
  // First training batch: after_pred → after_cancel_batch → after_batch; nothing else.
  const std::vector<std::string> first{"before_batch", "after_pred", "after_cancel_batch", "after_batch"};
  EXPECT_TRUE(std::equal(first.begin(), first.end(), tr->trace.begin() + 3)) << "trace differs";
  EXPECT_EQ(count(tr->trace, "after_step"), 1);  // only the second batch stepped
  EXPECT_FALSE(same_weights(before, snapshot(learn)));
}

TEST(Learner, CancelStepSkipsOnlyTheStep) {
  auto t = make_task(32, 16);
  auto tr = std::make_shared<Tracer>();
  tr->at = Event::before_step;
  tr->when = 0;
  tr->thrower = [] { throw CancelStepException(); };
  auto learn = make_learner(t, {tr}, {.opt_func = sgd_func()});
  tr->trace.clear();
  learn.fit(1);
  const std::vector<std::string> first{"before_batch",      "after_pred",     "after_loss",
                                       "before_backward",   "after_backward", "before_step",
                                       "after_cancel_step", "after_step",     "after_batch"};
  EXPECT_TRUE(std::equal(first.begin(), first.end(), tr->trace.begin() + 3));
  // Every step cancelled: the weights never move, and zero_grad still ran after each batch.
  auto tr2 = std::make_shared<FuncCallback>(
      "NoStep", std::map<Event, FuncCallback::Fn>{{Event::before_step, [](Learner&) { throw CancelStepException(); }}});
  auto learn2 = make_learner(t, {tr2}, {.opt_func = sgd_func()});
  const auto w = snapshot(learn2);
  learn2.fit(2);
  EXPECT_TRUE(same_weights(w, snapshot(learn2)));
  for (const auto& p : learn2.model->parameters()) EXPECT_EQ(p.grad().abs().sum().item<double>(), 0.0);
}

TEST(Learner, CancelBackwardSkipsBackwardButNotTheStepEvents) {
  auto t = make_task(16, 16);
  auto cb = std::make_shared<FuncCallback>(
      "NoBackward",
      std::map<Event, FuncCallback::Fn>{{Event::before_backward, [](Learner&) { throw CancelBackwardException(); }}});
  auto tr = std::make_shared<Tracer>();
  auto learn = make_learner(t, {cb, tr}, {.opt_func = sgd_func()});
  const auto w = snapshot(learn);
  tr->trace.clear();
  learn.fit(1);
  EXPECT_EQ(count(tr->trace, "after_cancel_backward"), 1);
  EXPECT_EQ(count(tr->trace, "after_backward"), 1);
  EXPECT_EQ(count(tr->trace, "after_step"), 1);
  EXPECT_TRUE(same_weights(w, snapshot(learn)));  // no gradients, so the step changed nothing
}

TEST(Learner, CancelTrainValidEpochFitSkipExactlyTheirPart) {
  auto t = make_task(32, 16);
  {  // train: after_cancel_train, after_train, then validation still runs
    auto tr = std::make_shared<Tracer>();
    tr->at = Event::before_train;
    tr->thrower = [] { throw CancelTrainException(); };
    auto learn = make_learner(t, {tr});
    tr->trace.clear();
    learn.fit(1);
    EXPECT_EQ(
        tr->trace,
        cat({{"before_fit", "before_epoch", "before_train", "after_cancel_train", "after_train", "before_validate"},
             valid_batch(),
             {"after_validate", "after_epoch", "after_fit"}}));
  }
  {  // valid
    auto tr = std::make_shared<Tracer>();
    tr->at = Event::before_validate;
    tr->thrower = [] { throw CancelValidException(); };
    auto learn = make_learner(t, {tr});
    tr->trace.clear();
    learn.fit(1);
    EXPECT_EQ(tr->trace, cat({{"before_fit", "before_epoch", "before_train"},
                              train_batch(),
                              train_batch(),
                              {"after_train", "before_validate", "after_cancel_validate", "after_validate",
                               "after_epoch", "after_fit"}}));
    // The recorder logs no validation values for that epoch.
    EXPECT_EQ(learn.recorder->values.back().size(), 1u);
  }
  {  // epoch: the first epoch is skipped after before_epoch, the second runs
    auto tr = std::make_shared<Tracer>();
    tr->at = Event::before_epoch;
    tr->thrower = [] { throw CancelEpochException(); };
    auto learn = make_learner(t, {tr});
    tr->trace.clear();
    learn.fit(2);
    const std::vector<std::string> head{"before_fit",  "before_epoch", "after_cancel_epoch",
                                        "after_epoch", "before_epoch", "before_train"};
    EXPECT_TRUE(std::equal(head.begin(), head.end(), tr->trace.begin()));
    EXPECT_EQ(count(tr->trace, "before_train"), 1);
  }
  {  // fit: stops at once, after_cancel_fit then after_fit
    auto tr = std::make_shared<Tracer>();
    tr->at = Event::after_batch;
    tr->thrower = [] { throw CancelFitException(); };
    auto learn = make_learner(t, {tr});
    tr->trace.clear();
    learn.fit(3);
    EXPECT_EQ(tr->trace,
              cat({{"before_fit", "before_epoch", "before_train"}, train_batch(), {"after_cancel_fit", "after_fit"}}));
  }
}

TEST(Learner, CallbacksChangeTheStateAndTheLoopUsesIt) {
  auto t = make_task(32, 16);
  {  // inputs replaced before the forward pass
    std::vector<at::Tensor> preds;
    auto cb = std::make_shared<FuncCallback>(
        "Zero", std::map<Event, FuncCallback::Fn>{
                    {Event::before_batch, [](Learner& l) { l.xb[0] = torch::zeros_like(l.xb[0]); }},
                    {Event::after_pred, [&](Learner& l) { preds.push_back(l.pred.detach().clone()); }}});
    auto learn = make_learner(t, {cb});
    learn.fit(1);
    ASSERT_FALSE(preds.empty());
    for (const auto& p : preds) EXPECT_TRUE(torch::allclose(p, p[0].expand_as(p)));  // every row the same (bias only)
  }
  {  // a zeroed loss gives zero gradients: plain SGD leaves the weights alone
    auto cb = std::make_shared<FuncCallback>(
        "NoLoss",
        std::map<Event, FuncCallback::Fn>{{Event::after_loss, [](Learner& l) { l.loss_grad = l.loss_grad * 0; }}});
    auto learn = make_learner(t, {cb}, {.opt_func = sgd_func()});
    const auto w = snapshot(learn);
    learn.fit(1);
    EXPECT_TRUE(same_weights(w, snapshot(learn)));
  }
  {  // gradients doubled before the step equal a doubled learning rate
    auto twice = std::make_shared<FuncCallback>(
        "Twice", std::map<Event, FuncCallback::Fn>{{Event::before_step, [](Learner& l) {
                                                      for (auto& p : l.model->parameters()) p.mutable_grad().mul_(2);
                                                    }}});
    auto a = make_learner(t, {twice}, {.opt_func = sgd_func()});
    auto b = make_learner(t, {}, {.opt_func = sgd_func()});
    a.fit(1, 0.05);
    b.fit(1, 0.1);
    auto wa = snapshot(a), wb = snapshot(b);
    for (size_t i = 0; i < wa.size(); ++i) EXPECT_TRUE(torch::allclose(wa[i], wb[i], 1e-5, 1e-6));
  }
}

TEST(Learner, FitScopedCallbacksAreRemovedAfterTheFitEvenOnErrors) {
  auto t = make_task(16, 16);
  auto learn = make_learner(t);
  const auto n = learn.cbs().size();
  auto boom = std::make_shared<FuncCallback>(
      "Boom",
      std::map<Event, FuncCallback::Fn>{{Event::after_loss, [](Learner&) { throw std::runtime_error("kaput"); }}});
  EXPECT_THROW_WITH(learn.fit(1, std::nullopt, {.cbs = {boom}}), CallbackError, "Boom.after_loss", "kaput");
  EXPECT_EQ(learn.cbs().size(), n);
  EXPECT_FALSE(boom->attached());
  EXPECT_FALSE(learn.pred.defined());  // the loop's state was cleaned up
}

TEST(Learner, RecorderKeepsLossesLrsAndEpochValues) {
  auto t = make_task(64, 32);
  std::ostringstream table;
  auto learn = make_learner(t, {}, {.metrics = {accuracy}}, 16, &table);
  learn.fit(2, 1e-2);
  auto* r = learn.recorder;
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->metric_names, (std::vector<std::string>{"epoch", "train_loss", "valid_loss", "accuracy", "time"}));
  EXPECT_EQ(r->losses.size(), 8u);
  EXPECT_EQ(r->lrs, std::vector<double>(8, 1e-2));
  EXPECT_EQ(r->iters, (std::vector<int64_t>{4, 8}));
  ASSERT_EQ(r->values.size(), 2u);
  ASSERT_EQ(r->values[1].size(), 3u);
  // The validation values equal validate() and a hand computation.
  auto v = learn.validate();
  ASSERT_EQ(v.size(), 2u);
  EXPECT_NEAR(v[0], r->values[1][1], 1e-6);
  EXPECT_NEAR(v[1], r->values[1][2], 1e-6);
  torch::NoGradGuard g;
  learn.model->eval();
  auto out = learn.model({t.xv});
  EXPECT_NEAR(v[0], torch::nn::functional::cross_entropy(out, t.yv).item<double>(), 1e-5);
  EXPECT_NEAR(v[1], (out.argmax(1) == t.yv).to(torch::kFloat).mean().item<double>(), 1e-6);
  EXPECT_EQ(r->values.size(), 2u);  // validate kept the history
  // The epoch table: header and one row per epoch, fastprogress' layout.
  std::istringstream lines(table.str());
  std::string header, row0, row1;
  std::getline(lines, header), std::getline(lines, row0), std::getline(lines, row1);
  EXPECT_EQ(header, "epoch     train_loss  valid_loss  accuracy  time    ");
  EXPECT_EQ(row0.substr(0, 10), "0         ");
  EXPECT_EQ(row1.substr(0, 10), "1         ");
  EXPECT_NE(row1.find(format_log_value(r->values[1][1])), std::string::npos);
}

TEST(Learner, SmoothLossIsDebiasedExponentialAverage) {
  auto t = make_task(64, 16);
  std::vector<double> raw;
  auto cb =
      std::make_shared<FuncCallback>("Raw", std::map<Event, FuncCallback::Fn>{{Event::after_loss, [&](Learner& l) {
                                                                                 if (l.training)
                                                                                   raw.push_back(l.loss.item<double>());
                                                                               }}});
  auto learn = make_learner(t, {cb});
  learn.fit(1);
  double avg = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    avg = 0.98 * avg + 0.02 * raw[i];
    EXPECT_NEAR(learn.recorder->losses[i], avg / (1 - std::pow(0.98, i + 1)), 1e-6);
  }
}

TEST(Learner, GetPredsReturnsActivationsTargetsDecodedAndLosses) {
  auto t = make_task(32, 20);
  auto learn = make_learner(t, {}, {}, 8);  // 20 valid items: batches of 8, 8, 4
  learn.fit(1, 1e-2);
  auto p = learn.get_preds({.with_input = true, .with_decoded = true, .with_loss = true});
  ASSERT_EQ(p.preds.sizes(), (std::vector<int64_t>{20, 2}));
  EXPECT_TRUE(torch::allclose(p.preds.sum(1), torch::ones({20})));
  EXPECT_TRUE(torch::equal(p.targs, t.yv));
  EXPECT_TRUE(torch::equal(p.inputs.at(0), t.xv));
  EXPECT_TRUE(torch::equal(p.decoded, p.preds.argmax(1)));
  torch::NoGradGuard g;
  learn.model->eval();
  auto out = learn.model({t.xv});
  EXPECT_TRUE(torch::allclose(p.preds, torch::softmax(out, 1), 1e-5, 1e-6));
  auto per_item = torch::nn::functional::cross_entropy(
      out, t.yv, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
  EXPECT_TRUE(torch::allclose(p.losses, per_item, 1e-5, 1e-6));
  // the loss is back to its reduction afterwards
  EXPECT_EQ(learn.loss_func->reduction, Reduction::mean);
  // raw outputs on the training set when asked
  auto raw = learn.get_preds({.ds_idx = 0, .activation = [](const at::Tensor& x) { return x; }});
  EXPECT_EQ(raw.preds.size(0), 32);
}

TEST(Learner, PredictDecodesThroughTheDataPipeline) {
  std::vector<Item> items;
  torch::manual_seed(3);
  for (int i = 0; i < 48; ++i) {
    auto x = torch::randn({4});
    items.push_back(Tuple({TensorBase(x), Str(x.sum().item<float>() > 0 ? "pos" : "neg")}));
  }
  DataBlock dblock({.blocks = {TransformBlock{}, CategoryBlock()},
                    .get_x = {[](const Item& r) { return r[0]; }},
                    .get_y = {[](const Item& r) { return r[1]; }},
                    .splitter = RandomSplitter(0.25, 42)});
  auto dls = dblock.dataloaders(items, {.bs = 8, .seed = 0});
  ASSERT_TRUE(dls.loss_func);  // inferred from the category target
  EXPECT_EQ(dls.loss_func->name.find("CrossEntropy"), 0u);
  torch::manual_seed(0);
  Learner learn(dls, torch::nn::Sequential(torch::nn::Linear(4, 2)), {.default_cbs = false});
  learn.fit(3, 0.1);
  auto [label, idx, probs] = learn.predict(items[0]);
  ASSERT_TRUE(label.is<Category>());
  const auto& vocab = dls.train().datasets()->tls()[1].tfms().get<Categorize>()->vocab().items();
  EXPECT_EQ(label.get<Category>(), vocab.at(static_cast<size_t>(idx.item<int64_t>())));
  EXPECT_NEAR(probs.sum().item<double>(), 1.0, 1e-5);
  EXPECT_EQ(idx.item<int64_t>(), probs.argmax().item<int64_t>());
  // show_results prints each sample's target and the prediction
  std::ostringstream out;
  auto text = learn.show_results(1, {.max_n = 3, .out = &out});
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
  EXPECT_NE(text.find("\u2192"), std::string::npos);
}

TEST(Learner, LossInferredFromTargetsOrAClearError) {
  auto t = make_task(16, 16);
  auto dls = DataLoaders::from_tensors(t.x, t.y, t.xv, t.yv, {.bs = 8});
  EXPECT_THROW_WITH(Learner(dls, torch::nn::Sequential(torch::nn::Linear(4, 2))), std::invalid_argument,
                    "loss function", ".loss_func");
}

TEST(Learner, ShapeMismatchNamesTheLossAndBothShapes) {
  auto t = make_task(16, 16);
  auto dls = DataLoaders::from_tensors(t.x, t.y, t.xv, t.yv, {.bs = 8});
  Learner learn(
      dls, torch::nn::Sequential(torch::nn::Linear(4, 2), torch::nn::Flatten(torch::nn::FlattenOptions().start_dim(0))),
      {.loss_func = CrossEntropyLossFlat(), .default_cbs = false});
  EXPECT_THROW_WITH(learn.fit(1), std::invalid_argument, "CrossEntropyLoss", "[16]", "[8]");
}

TEST(Learner, NaNLossStopsTheFitNamingEpochAndBatch) {
  auto t = make_task(32, 16);
  t.x[20][1] = std::nan("");  // in the second batch of 16 (no shuffle: the seed shuffles, so find it)
  auto dls = DataLoaders::from_tensors(t.x, t.y, t.xv, t.yv, {.bs = 16, .shuffle = false});
  Learner learn(dls, torch::nn::Sequential(torch::nn::Linear(4, 2)),
                {.loss_func = CrossEntropyLossFlat(),
                 .cbs = {TrainEvalCallback(), Recorder(), TerminateOnNaNCallback()},
                 .default_cbs = false});
  EXPECT_THROW_WITH(learn.fit(2), TrainingError, "loss is nan", "epoch 0", "batch 1");
  // Quiet mode cancels the fit instead, as fastai does.
  Learner quiet(dls, torch::nn::Sequential(torch::nn::Linear(4, 2)),
                {.loss_func = CrossEntropyLossFlat(),
                 .cbs = {TrainEvalCallback(), Recorder(), TerminateOnNaNCallback(false)},
                 .default_cbs = false});
  EXPECT_NO_THROW(quiet.fit(2));
  EXPECT_TRUE(quiet.recorder->values.empty());
}

TEST(Learner, IncrementalAdoptionPlainModuleAndTensors) {
  // Any module with forward(Tensor), data as plain tensors: fit_one_cycle with every default callback.
  struct NetImpl : torch::nn::Module {
    NetImpl()
        : fc1(register_module("fc1", torch::nn::Linear(4, 16))),
          fc2(register_module("fc2", torch::nn::Linear(16, 2))) {}
    at::Tensor forward(at::Tensor x) { return fc2(torch::relu(fc1(x))); }
    torch::nn::Linear fc1, fc2;
  };
  auto t = make_task(256, 64);
  auto dls = DataLoaders::from_tensors(t.x, t.y, t.xv, t.yv, {.bs = 32, .seed = 0});
  torch::manual_seed(0);
  std::ostringstream table;
  Learner learn(
      dls, std::make_shared<NetImpl>(),
      {.loss_func = CrossEntropyLossFlat(),
       .cbs = {TrainEvalCallback(), Recorder(), ProgressCallback(ProgressOptions{.table = &table, .show_bars = false})},
       .metrics = {accuracy},
       .default_cbs = false});
  learn.fit_one_cycle(4, 1e-2);
  EXPECT_GT(learn.recorder->values.back().at(2), 0.85);
  EXPECT_LT(learn.recorder->values.back().at(1), learn.recorder->values.front().at(1));
}


TEST(Learner, IncrementalAdoptionLibtorchDataset) {
  auto t = make_task(256, 64);
  auto dls = dataloaders_from_torch(SumSign(t.x, t.y), SumSign(t.xv, t.yv), {.bs = 32, .num_workers = 2, .seed = 3});
  EXPECT_EQ(dls.train().size(), 8);
  EXPECT_EQ(dls.valid().size(), 2);
  auto b = batch_tensors(dls.valid().one_batch());
  EXPECT_TRUE(torch::equal(b[0], t.xv.slice(0, 0, 32)));
  torch::manual_seed(0);
  Learner learn(dls, torch::nn::Sequential(torch::nn::Linear(4, 2)),
                {.loss_func = CrossEntropyLossFlat(),
                 .cbs = {TrainEvalCallback(), Recorder()},
                 .metrics = {accuracy},
                 .default_cbs = false});
  learn.logger = nullptr;
  learn.fit_one_cycle(5, 5e-2);
  EXPECT_GT(learn.recorder->values.back().at(2), 0.85);
}

TEST(Learner, MovingKeepsEveryPieceOfStateAndRepointsCallbacks) {
  auto t = make_task(32, 16);
  auto tr = std::make_shared<Tracer>();
  auto a = make_learner(t, {tr});
  a.fit(1, 1e-2);
  a.smooth_loss = 0.125, a.train_iter = 7, a.pct_train = 0.5, a.model_spec = "{}";
  a.batch_types = {&TensorImage::info()};
  const auto weights = snapshot(a);
  const auto* opt = a.opt.get();
  Learner b(std::move(a));
  EXPECT_EQ(b.opt.get(), opt);
  EXPECT_EQ(b.smooth_loss, 0.125);  // members the hand-written move used to drop
  EXPECT_EQ(b.train_iter, 7);
  EXPECT_EQ(b.pct_train, 0.5);
  EXPECT_EQ(b.model_spec, "{}");
  EXPECT_EQ(b.batch_types.size(), 1u);
  EXPECT_TRUE(same_weights(snapshot(b), weights));
  EXPECT_EQ(&tr->learn(), &b);
  ASSERT_NE(b.recorder, nullptr);
  EXPECT_EQ(b.recorder, b.cb<Recorder>());
  EXPECT_EQ(b.dl, nullptr);
  tr->trace.clear();
  b.fit(1, 1e-2);  // trains on through the moved learner
  EXPECT_EQ(tr->trace.front(), "before_fit");
}

// `.cbs = {GradientClip()}` moves the temporary into shared ownership; a named callback must be
// passed as a shared_ptr (a silent copy would leave the caller reading an untrained object).
static_assert(std::is_convertible_v<GradientClip&&, CallbackPtr>);
static_assert(std::is_convertible_v<std::shared_ptr<GradientClip>, CallbackPtr>);
static_assert(!std::is_convertible_v<GradientClip&, CallbackPtr>);
static_assert(!std::is_convertible_v<const GradientClip&, CallbackPtr>);

TEST(Learner, CallbacksAsValuesAreAttachedAndRun) {
  auto t = make_task(32, 16);
  auto seen = std::make_shared<int>(0);
  struct CountBatches : Callback {
    std::shared_ptr<int> n;
    explicit CountBatches(std::shared_ptr<int> c) : n(std::move(c)) {}
    std::string name() const override { return "CountBatches"; }
    void after_batch() override { ++*n; }
  };
  auto learn = make_learner(t, {CountBatches(seen)});
  learn.fit(1, 1e-2, {.cbs = {GradientClip(0.1)}});
  EXPECT_EQ(*seen, 2 + 1);  // 2 training batches of 16, 1 validation batch
  std::vector<std::string> names;
  for (const auto& c : learn.cbs()) names.push_back(c->name());
  EXPECT_NE(std::find(names.begin(), names.end(), "CountBatches"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "GradientClip"), names.end()) << "fit's cbs are removed after it";
  auto added = learn.add_cb(BnFreeze());
  EXPECT_EQ(added->name(), "BnFreeze");
  EXPECT_NE(std::find(learn.cbs().begin(), learn.cbs().end(), added), learn.cbs().end());
}
