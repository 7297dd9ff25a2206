#include "fastai/losses.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "reference.h"
#include "test_util.h"

using namespace fastai;
using nlohmann::json;

namespace {
const json& cases() {
  static const json j = fastai::testing::load_reference("losses.json")["cases"];
  return j;
}
const json& find(const std::string& name) {
  for (const auto& c : cases())
    if (c["name"] == name) return c;
  throw std::runtime_error("no reference case " + name);
}
torch::Tensor tensor(const json& t) {
  auto v = torch::tensor(t["values"].get<std::vector<double>>());
  auto dtype = t["dtype"].get<std::string>();
  v = dtype == "int64" ? v.to(torch::kLong) : v.to(torch::kFloat);
  return v.view(t["shape"].get<std::vector<int64_t>>());
}
// Checks loss(input, target) against every reduction the reference has.
void check(const std::string& name, BaseLoss& loss) {
  const json& c = find(name);
  auto x = tensor(c["input"]), y = tensor(c["target"]);
  for (auto [key, r] : {std::pair{"mean", Reduction::mean}, {"sum", Reduction::sum}, {"none", Reduction::none}}) {
    if (!c.contains(key)) continue;
    loss.reduction = r;
    auto got = loss(x, y);
    auto want = tensor(c[key]);
    EXPECT_TRUE(torch::allclose(got.to(torch::kFloat).flatten(), want.flatten(), 1e-5, 1e-6))
        << name << " (" << key << "): got " << got << " want " << want;
  }
  loss.reduction = Reduction::mean;
}
}  // namespace

TEST(LossParity, FlatLossesMatchTorchFunctional) {
  check("ce", *CrossEntropyLossFlat());
  check("ce_seg_axis1", *CrossEntropyLossFlat({.axis = 1}));
  check("bce_logits", *BCEWithLogitsLossFlat());
  check("bce", *BCELossFlat());
  check("mse", *MSELossFlat());
  check("l1", *L1LossFlat());
}

TEST(LossParity, LabelSmoothingFocalAndDiceMatchFastaiFormulas) {
  check("label_smoothing", *LabelSmoothingCrossEntropy());
  check("label_smoothing", *LabelSmoothingCrossEntropyFlat());
  check("focal", *FocalLoss());
  check("focal", *FocalLossFlat());
  check("dice", *DiceLoss());
}

TEST(Losses, ActivationsAndDecodes) {
  auto x = torch::tensor({{1.0f, 3.0f, 2.0f}, {0.5f, -1.0f, 4.0f}});
  auto ce = CrossEntropyLossFlat();
  EXPECT_TRUE(ce->y_int);
  EXPECT_TRUE(torch::allclose(ce->activation(x).sum(1), torch::ones({2})));
  EXPECT_TRUE(torch::equal(ce->decodes(x), torch::tensor({1, 2})));
  auto bce = BCEWithLogitsLossFlat({.thresh = 0.6});
  EXPECT_FALSE(bce->y_int);
  EXPECT_TRUE(torch::equal(bce->decodes(torch::tensor({0.5f, 0.7f})), torch::tensor({false, true})));
  EXPECT_TRUE(torch::allclose(bce->activation(torch::zeros({1})), torch::full({1}, 0.5)));
  // Integer targets of small types are widened, float targets for MSE are cast.
  EXPECT_NO_THROW((*ce)(x, torch::tensor({1, 2}, torch::kInt)));
  EXPECT_NO_THROW((*MSELossFlat())(torch::zeros({2, 1}), torch::tensor({1, 2})));
}

TEST(Losses, ShapeMismatchNamesTheLossAndBothShapes) {
  auto ce = CrossEntropyLossFlat();
  EXPECT_THROW_WITH((*ce)(torch::randn({4, 10}), torch::zeros({5}, torch::kLong)), std::invalid_argument,
                    "CrossEntropyLossFlat", "[4, 10]", "[5]");
  EXPECT_THROW_WITH((*MSELossFlat())(torch::randn({4, 2}), torch::randn({4})), std::invalid_argument, "MSELossFlat",
                    "[4, 2]", "[4]");
}

TEST(Losses, EveryRegisteredLossRebuildsFromItsDescription) {
  const auto names = registered_losses();
  for (const char* n : {"CrossEntropyLossFlat", "BCEWithLogitsLossFlat", "MSELossFlat", "FocalLossFlat", "DiceLoss"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  torch::manual_seed(0);
  const auto logits = torch::randn({4, 3, 2, 2});
  const auto masks = torch::randint(0, 3, {4, 2, 2});
  std::vector<std::pair<std::shared_ptr<BaseLoss>, std::pair<torch::Tensor, torch::Tensor>>> cases = {
      {CrossEntropyLossFlat({.axis = 1, .weight = torch::tensor({1.0, 2.0, 0.5}), .ignore_index = 2}), {logits, masks}},
      {LabelSmoothingCrossEntropyFlat({.axis = 1, .eps = 0.3}), {logits, masks}},
      {FocalLossFlat({.axis = 1, .gamma = 3.5}), {logits, masks}},
      {DiceLoss({.smooth = 0.5, .reduction = Reduction::mean, .square_in_union = true}), {logits, masks}},
      {BCEWithLogitsLossFlat({.thresh = 0.2}), {logits, (logits > 0).to(torch::kFloat)}},
      {MSELossFlat(1), {logits, logits.flip(0)}},
  };
  for (auto& [loss, io] : cases) {
    const json d = loss->describe();
    auto again = loss_from_description(d);
    EXPECT_EQ(again->name, loss->name);
    EXPECT_EQ(again->describe(), d) << d.dump();
    EXPECT_TRUE(torch::allclose((*again)(io.first, io.second), (*loss)(io.first, io.second))) << loss->name;
    EXPECT_TRUE(torch::equal(again->decodes(again->activation(io.first)), loss->decodes(loss->activation(io.first))));
  }
  // The options really travel: a different eps gives a different loss.
  auto d = LabelSmoothingCrossEntropyFlat({.axis = 1, .eps = 0.3})->describe();
  EXPECT_DOUBLE_EQ(d["options"]["eps"].get<double>(), 0.3);
  d["options"]["eps"] = 0.0;
  EXPECT_FALSE(torch::allclose((*loss_from_description(d))(logits, masks),
                               (*LabelSmoothingCrossEntropyFlat({.axis = 1, .eps = 0.3}))(logits, masks)));
}

TEST(Losses, UnknownOrUndescribableLossesSayWhatToDo) {
  EXPECT_THROW_WITH(loss_from_description({{"name", "NoSuchLoss"}}), std::invalid_argument, "NoSuchLoss",
                    "CrossEntropyLossFlat", "register_loss");
  BaseLoss hand("Mine", [](const at::Tensor& i, const at::Tensor&, Reduction) { return i.sum(); }, {});
  EXPECT_THROW_WITH(hand.describe(), std::logic_error, "Mine", "register_loss");
  auto d = DiceLoss()->describe();
  d["options"]["reduction"] = "average";
  EXPECT_THROW_WITH(loss_from_description(d), std::invalid_argument, "Reduction", "average", "none, mean, sum");
  register_loss("Mine", [](const json& o) {
    auto l = MSELossFlat(o.value("axis", int64_t{-1}));
    l->name = "Mine";
    return l;
  });
  EXPECT_EQ(loss_from_description({{"name", "Mine"}, {"options", {{"axis", 1}}}})->options().axis, 1);
}
