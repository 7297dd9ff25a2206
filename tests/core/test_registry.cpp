#include "fastai/core/registry.h"

#include <gtest/gtest.h>

#include <thread>

#include "fastai/callback/core.h"
#include "test_util.h"

using namespace fastai;

TEST(Registry, UnknownNamesListTheKnownOnesAndSayHowToRegister) {
  Registry<int> r("widget", "register_widget(name, n) adds one");
  EXPECT_THROW_WITH(r.get("a"), std::invalid_argument, "no widget 'a'", "known: none", "register_widget");
  r.add("b", 2);
  r.add("a", 1);
  EXPECT_EQ(r.get("a"), 1);
  r.add("a", 3);  // replacing is allowed: a program may re-register its own builder
  EXPECT_EQ(r.get("a"), 3);
  EXPECT_EQ(r.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(r.find("c").has_value());
  EXPECT_TRUE(r.contains("b"));
  EXPECT_THROW_WITH(r.get("c", "load_learner"), std::invalid_argument, "load_learner: no widget 'c'", "known: a, b");
  Registry<int, std::runtime_error> other("thing", "x");
  EXPECT_THROW(other.get("z"), std::runtime_error);
}

TEST(Registry, ManyThreadsRegisterAndLookUpAtOnce) {
  Registry<int> r("n", "add");
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&r, t] {
      for (int i = 0; i < 500; ++i) {
        r.add(std::to_string(t * 1000 + i), i);
        EXPECT_EQ(r.get(std::to_string(t * 1000 + i)), i);
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(r.names().size(), 2000u);
}

TEST(Events, OneListGivesNamesOrderAndInnerFlags) {
  ASSERT_EQ(n_events, 24);
  EXPECT_EQ(event_name(all_events.front()), "after_create");
  EXPECT_EQ(event_name(all_events.back()), "after_fit");
  EXPECT_EQ(event_name(Event::after_cancel_validate), "after_cancel_validate");
  int inner = 0;
  for (Event e : all_events) inner += is_inner_event(e);
  EXPECT_EQ(inner, 11);  // before_batch … after_batch
  EXPECT_TRUE(is_inner_event(Event::after_cancel_step));
  EXPECT_FALSE(is_inner_event(Event::after_cancel_train));
}

TEST(Events, NamedOverridesWinAndOnEventSeesTheRest) {
  struct Cb : Callback {
    std::vector<std::string> generic, named;
    void on_event(Event e) override { generic.emplace_back(event_name(e)); }
    void after_loss() override { named.emplace_back("after_loss"); }
  } cb;
  for (Event e : all_events) (cb)(e);
  EXPECT_EQ(cb.named, std::vector<std::string>{"after_loss"});
  ASSERT_EQ(cb.generic.size(), 23u);
  EXPECT_EQ(cb.generic.front(), "after_create");
  EXPECT_EQ(std::count(cb.generic.begin(), cb.generic.end(), "after_loss"), 0);
}
