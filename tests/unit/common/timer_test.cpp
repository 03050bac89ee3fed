#include "common/timer.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace std::chrono_literals;

TEST(ManualTimerService, FiresInDeadlineOrderOnlyWhenAdvanced) {
  cvw::ManualTimerService timers;
  std::vector<int> fired;
  timers.schedule(500ms, [&] { fired.push_back(2); });
  timers.schedule(100ms, [&] { fired.push_back(1); });
  timers.advance(99ms);
  EXPECT_TRUE(fired.empty());
  timers.advance(1ms);
  EXPECT_EQ(fired, std::vector<int>{1});
  timers.advance(1s);
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
}

TEST(ManualTimerService, CancelledTimerNeverFires) {
  cvw::ManualTimerService timers;
  bool fired = false;
  auto h = timers.schedule(10ms, [&] { fired = true; });
  timers.cancel(h);
  timers.advance(1s);
  EXPECT_FALSE(fired);
  EXPECT_EQ(timers.pending(), 0u);
}

TEST(ManualTimerService, TimersScheduledByCallbacksFireWithinTheSameAdvance) {
  cvw::ManualTimerService timers;
  int count = 0;
  std::function<void()> rearm = [&] {
    ++count;
    if (count < 4) timers.schedule(100ms, rearm);
  };
  timers.schedule(100ms, rearm);
  timers.advance(350ms);
  EXPECT_EQ(count, 3);
  EXPECT_EQ(timers.now().time_since_epoch(), 350ms);
}
