// Completion (common/task.hpp): a deferred resume runs on the next timer turn,
// never inside set(); and one still pending when the Completion and the
// flow that awaited it are destroyed in the same turn never runs (it would
// resume a freed coroutine frame: ASan reports that as heap-use-after-free).
#include <gtest/gtest.h>

#include <memory>

#include "common/task.hpp"
#include "common/timer.hpp"

namespace cvw {
namespace {

Task<void> wait_for(Completion<int>& c, int& got) { got = co_await c; }

TEST(Completion, ResumesTheWaiterFromTheNextTimerTurn) {
  ManualTimerService timers;
  Completion<int> c(&timers);
  int got = 0;
  Task<void> flow = wait_for(c, got);
  flow.start();
  c.set(7);
  EXPECT_EQ(got, 0) << "not from inside set()";
  timers.advance(Duration{0});
  EXPECT_EQ(got, 7);
}

TEST(Completion, APendingResumeDiesWithTheCompletionAndItsFlow) {
  ManualTimerService timers;
  auto c = std::make_unique<Completion<int>>(&timers);
  int got = 0;
  auto flow = std::make_unique<Task<void>>(wait_for(*c, got));
  flow->start();
  c->set(7);       // resume scheduled
  flow.reset();    // the flow's frame goes first, as a call's Task does
  c.reset();       // then the leg that owned the Completion
  timers.advance(Duration{10});
  EXPECT_EQ(got, 0);
}

}  // namespace
}  // namespace cvw
