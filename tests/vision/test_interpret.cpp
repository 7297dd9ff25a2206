#include "fastai/interpret.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "fastai/core/plot.h"
#include "fastai/layers.h"
#include "fastai/vision/core.h"
#include "fastai/vision/data.h"
#include "test_util.h"

using namespace fastai;
using namespace fastai::testing;

TEST(Interpretation, ConfusionMatrixMostConfusedTopLosses) {
  TempDir dir;
  int n = 0;
  torch::manual_seed(0);
  const char* classes[] = {"dark", "mid", "light"};
  for (const char* split : {"train", "valid"})
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 6; ++i) {
        std::filesystem::create_directories(dir.path / split / classes[c]);
        auto img = (torch::randint(0, 120, {28, 28, 1}) + 60 * c).clamp(0, 255).to(torch::kUInt8);
        save_image(dir.path / split / classes[c] / (std::to_string(n++) + ".png"), img);
      }
  auto dls =
      ImageDataLoaders::from_folder(dir.path, {.img_cls = ImageCreate::Kind::ImageBW, .bs = 6, .num_workers = 0});
  torch::manual_seed(1);
  Learner learn(dls, simple_cnn(3), {.path = dir.path, .default_cbs = false});
  learn.add_cbs({TrainEvalCallback(), Recorder()});
  learn.logger = nullptr;
  learn.fit(2, 1e-2);
  auto interp = ClassificationInterpretation::from_learner(learn);
  EXPECT_EQ(interp.vocab(), (std::vector<std::string>{"dark", "light", "mid"}));
  const auto cm = interp.confusion_matrix();
  EXPECT_EQ(cm.sum().item<int64_t>(), 18);
  const auto& p = interp.preds();
  EXPECT_EQ(cm.diagonal().sum().item<int64_t>(), (p.decoded == p.targs).sum().item<int64_t>());
  for (int64_t a = 0; a < 3; ++a) EXPECT_EQ(cm[a].sum().item<int64_t>(), (p.targs == a).sum().item<int64_t>());
  auto mc = interp.most_confused();
  for (size_t i = 1; i < mc.size(); ++i) EXPECT_GE(std::get<2>(mc[i - 1]), std::get<2>(mc[i]));
  int64_t off = 0;
  for (const auto& [a, b, k] : mc) {
    EXPECT_NE(a, b);
    off += k;
  }
  EXPECT_EQ(off, 18 - cm.diagonal().sum().item<int64_t>());
  auto [losses, idx] = interp.top_losses(5);
  EXPECT_EQ(losses.size(0), 5);
  for (int64_t i = 1; i < 5; ++i) EXPECT_GE(losses[i - 1].item<double>(), losses[i].item<double>());
  EXPECT_NE(interp.confusion_matrix_text().find("light"), std::string::npos);
  ::testing::internal::CaptureStdout();
  const auto top = interp.plot_top_losses(4, dir.path / "top.png");
  if (!gnuplot_path().empty()) interp.plot_confusion_matrix(dir.path / "cm.png");
  const auto out = ::testing::internal::GetCapturedStdout();
  EXPECT_TRUE(std::filesystem::exists(top));
  EXPECT_NE(out.find("probability"), std::string::npos);
  if (!gnuplot_path().empty()) {
    const auto cm_png = load_image(dir.path / "cm.png");
    EXPECT_GT(cm_png.size(0), 100);
  }
}
