#include "fastai/core/progress.h"

#include <gtest/gtest.h>

#include <sstream>

using fastai::ProgressBar;

TEST(Progress, FormatsTimeLikeFastprogress) {
  EXPECT_EQ(ProgressBar::format_time(0), "00:00");
  EXPECT_EQ(ProgressBar::format_time(65.4), "01:05");
  EXPECT_EQ(ProgressBar::format_time(3725), "1:02:05");
}

TEST(Progress, RenderShowsPercentCountElapsedEtaAndSpeed) {
  std::ostringstream out;
  ProgressBar pb(100, {.label = "train", .unit = "batch", .out = &out, .width = 10, .interactive = 0, .clock = [] {
                         return 0.0;
                       }});
  pb.set_comment("loss 0.25");
  // 45 of 100 after 9 s: 5 batch/s, 55 left → 11 s.
  EXPECT_EQ(pb.render(45, 9.0),
            "train |\u2588\u2588\u2588\u2588------|  45.0% 45/100 [00:09<00:11, 5.0 batch/s] loss 0.25");
}

TEST(Progress, NonInteractivePrintsOnlyTheFinishedBar) {
  std::ostringstream out;
  double t = 0;
  {
    ProgressBar pb(4, {.out = &out, .width = 4, .interactive = 0, .clock = [&] { return t; }});
    for (int i = 1; i <= 3; ++i) {
      t += 1;
      pb.update(i);
    }
    EXPECT_EQ(out.str(), "");
    t += 1;
    pb.update(4);
  }
  EXPECT_EQ(out.str(), "|\u2588\u2588\u2588\u2588| 100.0% 4/4 [00:04<00:00, 1.0 it/s]\n");
}

TEST(Progress, InteractiveRedrawsInPlaceAtMostEveryInterval) {
  std::ostringstream out;
  double t = 0;
  ProgressBar pb(10, {.out = &out, .width = 2, .interactive = 1, .min_interval_s = 1.0, .clock = [&] { return t; }});
  t = 0.5;
  pb.update(1);  // first draw
  t = 0.7;
  pb.update(2);  // too soon: skipped
  t = 2.0;
  pb.update(3);
  std::string s = out.str();
  EXPECT_EQ(std::count(s.begin(), s.end(), '\r'), 2);
  EXPECT_NE(s.find("3/10"), std::string::npos);
  EXPECT_EQ(s.find("2/10"), std::string::npos);
  pb.finish();
  EXPECT_EQ(out.str().back(), '\n');
}
