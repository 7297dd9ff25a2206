// DynamicUnet (vision/models/unet.h) and its layers against fastai 2.7.18
// (tools/gen_unet_reference.py): state_dict names and shapes, model_sizes, summary rows, and the
// eval output with the same weights — set by a formula both sides compute for the xresnet18
// U-Nets (80 MB of weights stay out of the repository), loaded from a torch.save file of
// Python's for a tiny one.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <thread>

#include "fastai/callback/hook.h"
#include "fastai/core/state_dict.h"
#include "fastai/learner.h"
#include "fastai/losses.h"
#include "fastai/pixel_shuffle.h"
#include "fastai/vision/learner.h"
#include "fastai/vision/models/unet.h"
#include "reference.h"
#include "test_config.h"

using namespace fastai;

namespace {

// tools/gen_unet_reference.py's formula() and fill().
at::Tensor formula(int64_t i, at::IntArrayRef shape) {
  int64_t n = 1;
  for (auto s : shape) n *= s;
  const auto h = torch::sin(torch::arange(n, torch::kDouble) * 12.9898 + 78.233 * static_cast<double>(i)) * 43758.5453;
  return (torch::frac(h).abs() * 2 - 1).view(shape);
}

void fill_by_formula(torch::nn::Module& m) {
  torch::NoGradGuard g;
  int64_t i = 0;
  for (auto& [k, t] : state_dict(m)) {
    const int64_t idx = i++;
    if (!t.is_floating_point()) continue;
    at::Tensor v = formula(idx, t.sizes());
    if (k.ends_with("running_var"))
      v = 1 + 0.5 * v * v;
    else if (t.dim() == 1 && k.ends_with(".weight"))
      v = 1 + 0.1 * v;
    else if (t.dim() <= 1)
      v = 0.1 * v;
    else
      v = v * 1.4 / std::sqrt(static_cast<double>(t.numel()) / static_cast<double>(t.size(0)));
    t.copy_(v.to(t.scalar_type()));
  }
}

SequentialBlock tiny_encoder(int64_t stages) {
  SequentialBlock enc;
  int64_t c = 1;
  for (int64_t i = 0; i < stages; ++i) {
    const int64_t nf = int64_t{4} << i;  // 4, 8, 16 channels, halving the size each time
    enc->push_back(ConvLayer(c, nf, {.stride = 2}));
    c = nf;
  }
  return enc;
}

at::Tensor fixed_input(at::IntArrayRef shape) { return formula(7, shape).to(torch::kFloat); }

std::vector<std::string> names(const StateDict& sd) {
  std::vector<std::string> r;
  for (const auto& kv : sd) r.push_back(kv.first);
  return r;
}

// rtol 1e-5 against the reference, with an absolute floor of 1e-5 of the output's scale.
void expect_close(const at::Tensor& got, const std::vector<double>& want, const std::string& what) {
  const auto g = got.to(torch::kDouble).flatten().contiguous();
  ASSERT_EQ(g.numel(), static_cast<int64_t>(want.size())) << what;
  double scale = 0;
  for (double w : want) scale = std::max(scale, std::abs(w));
  const double* p = g.data_ptr<double>();
  int bad = 0;
  for (size_t i = 0; i < want.size(); ++i)
    if (std::abs(p[i] - want[i]) > 1e-5 * std::abs(want[i]) + 1e-5 * scale && ++bad <= 5)
      ADD_FAILURE() << what << "[" << i << "]: " << p[i] << " vs fastai's " << want[i];
  EXPECT_EQ(bad, 0) << what;
}

// The reference's sample of the output (every `stride`-th pixel) and its per-channel sums.
void expect_output(const at::Tensor& y, const nlohmann::json& ref, int64_t stride) {
  using torch::indexing::Slice;
  const auto every = Slice(0, torch::indexing::None, stride);
  expect_close(y.index({Slice(), Slice(), every, every}), ref["out_sample"].get<std::vector<double>>(),
               "output sample every " + std::to_string(stride) + " pixels");
  expect_close(y.sum({2, 3}), ref["out_sums"].get<std::vector<double>>(), "output sums");
}

DynamicUnet xresnet18_unet(int64_t n_out, DynamicUnetOptions o = {}) {
  torch::manual_seed(0);
  return DynamicUnet(create_body(xresnet18({.c_in = 1}), -4), n_out, {64, 64}, o);
}

void check_against(DynamicUnet& unet, const nlohmann::json& ref) {
  const auto sd = state_dict(*unet);
  ASSERT_EQ(names(sd), ref["names"].get<std::vector<std::string>>());
  const auto shapes = ref["shapes"].get<std::vector<std::vector<int64_t>>>();
  for (size_t i = 0; i < sd.size(); ++i) EXPECT_EQ(sd[i].second.sizes().vec(), shapes[i]) << sd[i].first;
  int64_t n_params = 0;
  for (const auto& p : unet->parameters()) n_params += p.numel();
  EXPECT_EQ(n_params, ref["n_params"].get<int64_t>());
  fill_by_formula(*unet);
  unet->eval();
  torch::NoGradGuard g;
  const auto y = unet(fixed_input({2, 1, 64, 64}));
  EXPECT_EQ(y.sizes().vec(), ref["out_shape"].get<std::vector<int64_t>>());
  expect_output(y, ref, 8);
}

}  // namespace

TEST(DynamicUnet, Xresnet18EqualsFastais) {
  const auto ref = fastai::testing::load_reference("unet.json")["xresnet18"];
  auto unet = xresnet18_unet(11);
  EXPECT_EQ(unet->hooked_indices(), (std::vector<int64_t>{6, 5, 4, 2}));
  EXPECT_EQ(model_sizes(unet->encoder(), {64, 64}), ref["model_sizes"].get<std::vector<std::vector<int64_t>>>());
  check_against(unet, ref);
}

TEST(DynamicUnet, BlurSelfAttentionYRangeEqualFastais) {
  const auto ref = fastai::testing::load_reference("unet.json")["xresnet18_sa"];
  auto unet = xresnet18_unet(5, {.blur = true, .self_attention = true, .y_range = std::pair{0.0, 1.0}});
  check_against(unet, ref);
}

TEST(DynamicUnet, SummaryRowsEqualFastais) {
  const auto ref = fastai::testing::load_reference("unet.json")["xresnet18"];
  auto unet = xresnet18_unet(11);
  torch::manual_seed(0);
  const auto x = torch::randn({4, 1, 64, 64}), y = torch::randint(0, 11, {4, 64, 64});
  auto dls = DataLoaders::from_tensors(x, y, x, y, {.bs = 2, .shuffle = false});
  Learner learn(dls, unet, {.loss_func = CrossEntropyLossFlat({.axis = 1})});
  const std::string s = learn.summary();
  EXPECT_EQ(s.substr(0, s.find("Optimizer used")), ref["summary_table"].get<std::string>());
}

TEST(DynamicUnet, LoadsAPythonStateDictAndGivesFastaisOutput) {
  const auto ref = fastai::testing::load_reference("unet.json")["tiny"];
  DynamicUnet unet(tiny_encoder(3), 3, {32, 32});
  EXPECT_EQ(names(state_dict(*unet)), ref["names"].get<std::vector<std::string>>());
  load_state_dict(*unet, std::filesystem::path(FASTAI_TEST_DATA_DIR) / "reference/unet_tiny.pth");
  unet->eval();
  torch::NoGradGuard g;
  const auto y = unet(fixed_input({2, 1, 32, 32}));
  EXPECT_EQ(y.sizes().vec(), ref["out_shape"].get<std::vector<int64_t>>());
  expect_output(y, ref, 2);

  // And back: our state_dict, saved and read again, gives the same model.
  const auto file = std::filesystem::temp_directory_path() / "fastai_unet_roundtrip.pth";
  save_state_dict(*unet, file);
  DynamicUnet again(tiny_encoder(3), 3, {32, 32});
  load_state_dict(*again, file);
  again->eval();
  EXPECT_TRUE(torch::equal(again(fixed_input({2, 1, 32, 32})), y));
  std::filesystem::remove(file);
}

TEST(DynamicUnet, TrainsThroughTheSkipConnectionsAndOtherSizes) {
  DynamicUnet unet(tiny_encoder(2), 2, {16, 16});
  const auto x = torch::randn({2, 1, 16, 16});
  unet(x).sum().backward();
  for (const auto& p : unet->named_parameters()) ASSERT_TRUE(p.value().grad().defined()) << p.key();
  // An input of another size still gives the input's size back (ResizeToOrig).
  EXPECT_EQ(unet(torch::randn({1, 1, 20, 24})).sizes(), (at::IntArrayRef{1, 2, 20, 24}));
  // bottle halves the last ResBlock (which fails in fastai 2.7.18, see unet.cpp).
  DynamicUnet bottled(tiny_encoder(2), 2, {16, 16}, {.bottle = true});
  EXPECT_EQ(bottled(x).sizes(), (at::IntArrayRef{2, 2, 16, 16}));
}

TEST(DynamicUnet, ConcurrentEvalForwardsAreIndependent) {
  DynamicUnet unet(tiny_encoder(2), 2, {16, 16});
  unet->eval();
  torch::NoGradGuard g;
  const auto a = torch::randn({1, 1, 16, 16}), b = torch::randn({1, 1, 16, 16});
  const auto ya = unet(a), yb = unet(b);
  std::vector<at::Tensor> got(2);
  auto run = [&](int i) {
    torch::NoGradGuard ng;
    for (int r = 0; r < 50; ++r) {
      auto y = unet(i == 0 ? a : b);
      if (r == 0 || !torch::equal(y, i == 0 ? ya : yb)) got[i] = y;
    }
  };
  std::thread t0(run, 0), t1(run, 1);
  t0.join();
  t1.join();
  EXPECT_TRUE(torch::equal(got[0], ya));
  EXPECT_TRUE(torch::equal(got[1], yb));
}

TEST(DynamicUnet, HooksGoWithTheUnetAndBadEncodersAreNamed) {
  SequentialBlock enc = tiny_encoder(2);
  const auto x = torch::randn({1, 1, 16, 16});
  const auto before = enc->forward(x);
  const auto first = enc->ptr(0);
  {
    DynamicUnet unet(enc, 2, {16, 16});
    EXPECT_EQ(unet->hooked_indices(), (std::vector<int64_t>{0}));
    EXPECT_THROW(unet->layers->ptr<UnetBlockImpl>(4)->forward(torch::randn({1, 8, 4, 4})), std::logic_error);
  }
  EXPECT_EQ(enc->ptr(0), first);  // the hook's slot is back
  EXPECT_TRUE(torch::equal(enc->forward(x), before));

  SequentialBlock flat;
  flat->push_back(ConvLayer(1, 4));
  flat->push_back(ConvLayer(4, 8));
  try {
    DynamicUnet unet(flat, 2, {16, 16});
    FAIL() << "an encoder that never downsamples was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("never changes its feature map size"), std::string::npos) << e.what();
  }
}

TEST(DynamicUnet, PixelShuffleICNRStartsAsNearestNeighbour) {
  // ICNR: every output pixel of a 2×2 block comes from the same filter, so the shuffled output of
  // a 1×1 conv is constant over each block (before the activation).
  auto up = PixelShuffle_ICNR(4, {.nf = 3, .norm_type = NormType::None, .act = Act::None});
  const auto y = up->forward(torch::randn({1, 4, 5, 5}));
  ASSERT_EQ(y.sizes(), (at::IntArrayRef{1, 3, 10, 10}));
  const auto blocks = y.view({1, 3, 5, 2, 5, 2});
  EXPECT_TRUE(torch::allclose(blocks, blocks.select(3, 0).select(4, 0).unsqueeze(3).unsqueeze(5).expand_as(blocks)));
  // Under weight normalisation (the default) g is ‖v‖, so the weight starts as v.
  auto wn = PixelShuffle_ICNR(4);
  auto c = wn->ptr<SequentialBlockImpl>(0)->ptr<WeightNormConv2dImpl>(0);
  EXPECT_TRUE(torch::allclose(c->weight(), c->weight_v));
  EXPECT_EQ(names(state_dict(*wn)), (std::vector<std::string>{"0.0.bias", "0.0.weight_g", "0.0.weight_v"}));
}
