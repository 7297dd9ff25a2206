// What a text learner shows: get_preds in the dataset's order though a SortedDL reads the
// longest texts first (fastai's reorder), show_results tables for a classifier and a language
// model, and the top-losses table (fastai's plot_top_losses for texts).
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>
#include <sstream>

#include "fastai/interpret.h"
#include "fastai/metrics.h"
#include "fastai/text/learner.h"
#include "fastai/text/loaders.h"
#include "test_config.h"
#include "test_util.h"

using namespace fastai;
using namespace fastai::testing;
namespace fs = std::filesystem;

namespace {
fs::path corpus() { return fs::path(FASTAI_TEST_DATA_DIR) / "reference" / "text_loaders.csv"; }

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}
}  // namespace

TEST(TextResults, ClassifierPredictionsTablesAndTopLosses) {
  TempDir dir;
  auto dls = TextDataLoaders::from_csv(corpus(), {.text_col = "text", .label_col = "label", .valid_col = "is_valid",
                                                  .seed = 3, .seq_len = 16, .bs = 4});
  auto learn = text_classifier_learner(dls, {.seq_len = 16, .config = AWDLSTMClasConfig{.emb_sz = 16, .n_hid = 24, .n_layers = 2},
                                             .pretrained = false, .metrics = {accuracy}, .path = dir.path});
  // The valid loader reads longest first; get_preds gives rows in the dataset's order anyway.
  const auto& valid = *learn.dls.valid().datasets();
  const int64_t n = static_cast<int64_t>(valid.size());
  std::vector<int64_t> read;
  for (const auto& i : learn.dls.valid().get_idxs(learn.dls.valid())) read.push_back(i);
  bool sorted_differs = false;
  for (int64_t i = 0; i < n; ++i) sorted_differs = sorted_differs || read[static_cast<size_t>(i)] != i;
  ASSERT_TRUE(sorted_differs) << "the corpus' valid texts are not in length order, so this checks the reorder";
  const auto p = learn.get_preds({.with_input = true, .with_decoded = true, .with_loss = true});
  ASSERT_EQ(p.targs.size(0), n);
  for (int64_t i = 0; i < n; ++i)
    EXPECT_EQ(p.targs[i].item<int64_t>(), valid[i][1].payload<at::Tensor>().item<int64_t>()) << "row " << i;
  EXPECT_TRUE(p.inputs.empty()) << "texts padded per batch are not concatenated";
  // A row's prediction is the one predict gives for that text alone.
  const Item first = valid.decode(valid[0], false);
  auto [label, idx, probs] = learn.predict(first[0]);
  EXPECT_TRUE(at::allclose(probs, p.preds[0], 1e-4, 1e-5)) << probs << p.preds[0];

  std::ostringstream out;
  const std::string shown = learn.show_results(1, {.max_n = 3, .out = &out});
  EXPECT_NE(shown.find("| text | category | category_ |"), std::string::npos) << shown;
  EXPECT_EQ(count(shown, "\n"), 5u) << "a header, a rule and 3 rows: " << shown;
  EXPECT_NE(shown.find("xxbos"), std::string::npos) << shown;

  auto interp = ClassificationInterpretation::from_learner(learn);
  std::ostringstream top;
  const std::string table = interp.show_top_losses(3, {.out = &top});
  EXPECT_NE(table.find("| input | target | predicted | probability | loss |"), std::string::npos) << table;
  EXPECT_EQ(count(table, "\n"), 5u) << table;
  auto [losses, which] = interp.top_losses(3);
  const int64_t worst = which[0].item<int64_t>();
  const std::string worst_text = valid.decode(valid[worst], false)[0].get<Str>();
  EXPECT_NE(table.find("| " + std::to_string(worst) + " | " + worst_text.substr(0, 20)), std::string::npos)
      << "the worst row's text from the dataset: " << worst_text << "\n" << table;
  EXPECT_GE(losses[0].item<double>(), losses[2].item<double>());
  EXPECT_TRUE(interp.plot_top_losses(3, dir.path / "top.png").empty()) << "texts get the table, not a picture";
}

TEST(TextResults, LanguageModelShowResults) {
  TempDir dir;
  auto dls = TextDataLoaders::from_csv(corpus(), {.text_col = "text", .valid_col = "is_valid", .seed = 3, .is_lm = true,
                                                  .seq_len = 16, .bs = 4});
  auto learn = language_model_learner(dls, {.config = AWDLSTMLMConfig{.emb_sz = 16, .n_hid = 24, .n_layers = 2},
                                            .pretrained = false, .path = dir.path});
  std::ostringstream out;
  const std::string shown = learn.show_results(1, {.max_n = 2, .out = &out});
  EXPECT_NE(shown.find("| input | target | pred |"), std::string::npos) << shown;
  EXPECT_EQ(count(shown, "\n"), 4u) << shown;
}
