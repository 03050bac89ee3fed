// AsioTimerService on a real io_context: timers due now run on the next loop
// turn in order and without the Asio timer; others never fire early and at
// most kSlack (plus scheduling noise) late; cancellation holds for both.
#include "common/asio_timer_service.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <string>
#include <vector>

namespace cvw {
namespace {

using namespace std::chrono_literals;

// Runs handlers until `done` (each wait bounded: a slow sanitizer build only
// makes this take longer, never fail).
template <class Done>
void run_until(boost::asio::io_context& io, const Done& done) {
  while (!done() && io.run_one_for(std::chrono::seconds(5)) != 0) {
  }
}

TEST(AsioTimerService, TimersDueNowRunOnTheNextTurnInOrderAndCanBeCancelled) {
  boost::asio::io_context io;
  AsioTimerService timers(io);
  std::vector<std::string> ran;
  timers.schedule(Duration{0}, [&] {
    ran.emplace_back("a");
    // scheduled from a ready timer: runs after what is already queued
    timers.schedule(Duration{0}, [&] { ran.emplace_back("c"); });
  });
  const auto dropped = timers.schedule(Duration{0}, [&] { ran.emplace_back("cancelled"); });
  timers.schedule(-5ms, [&] { ran.emplace_back("b"); });  // overdue counts as now
  timers.cancel(dropped);
  EXPECT_TRUE(ran.empty()) << "never run inside schedule()";
  boost::asio::post(io, [&] { ran.emplace_back("posted"); });
  io.run();
  EXPECT_EQ(ran, (std::vector<std::string>{"a", "b", "posted", "c"}));
  EXPECT_EQ(timers.pending(), 0u);
}

TEST(AsioTimerService, DeadlinesAreNeverEarlyAndAtMostTheSlackLate) {
  boost::asio::io_context io;
  AsioTimerService timers(io);
  std::vector<Clock::duration> lateness;
  const auto start = Clock::now();
  for (auto after : {3ms, 1ms, 7ms, 7ms, 12ms}) {
    timers.schedule(after, [&, after, start] { lateness.push_back(Clock::now() - start - after); });
  }
  const auto cancelled = timers.schedule(5ms, [&] { lateness.push_back(Clock::duration{-1}); });
  timers.cancel(cancelled);
  io.run();
  ASSERT_EQ(lateness.size(), 5u);
  for (const Clock::duration late : lateness) {
    EXPECT_GE(late, Clock::duration{0});
    // kSlack plus what a loaded CI machine may add to a wake-up
    EXPECT_LT(late, AsioTimerService::kSlack + 50ms);
  }
}

TEST(AsioTimerService, APostedDrainOutlivingTheServiceDoesNothing) {
  boost::asio::io_context io;
  bool ran = false;
  {
    AsioTimerService timers(io);
    timers.schedule(Duration{0}, [&] { ran = true; });
  }
  io.run();  // the drain posted for the timer above runs after the service is gone
  EXPECT_FALSE(ran);
}

// Slots are reused: a handle that fired or was cancelled must never reach the
// timer that took its slot, and ties still go in schedule order.
TEST(AsioTimerService, StaleHandlesNeverTouchTheTimerNowInTheirSlot) {
  boost::asio::io_context io;
  AsioTimerService timers(io);
  std::vector<std::string> ran;
  const auto first = timers.schedule(1ms, [&] { ran.emplace_back("first"); });
  timers.cancel(first);
  const auto second = timers.schedule(1ms, [&] { ran.emplace_back("second"); });  // first's slot
  EXPECT_NE(second, first);
  timers.cancel(first);  // stale: must not cancel "second"
  EXPECT_EQ(timers.pending(), 1u);
  for (const char* name : {"t1", "t2", "t3"})
    timers.schedule(2ms, [&ran, name] { ran.emplace_back(name); });
  io.run();
  EXPECT_EQ(ran, (std::vector<std::string>{"second", "t1", "t2", "t3"}));
  timers.cancel(second);  // fired: a no-op
  EXPECT_EQ(timers.pending(), 0u);
}

// Many cancelled timers compact the heap; what is left still fires, once.
TEST(AsioTimerService, CompactionKeepsEveryLiveTimer) {
  boost::asio::io_context io;
  AsioTimerService timers(io);
  int fired = 0;
  std::vector<TimerService::Handle> handles;
  for (int i = 0; i < 5000; ++i) handles.push_back(timers.schedule(3ms, [&] { ++fired; }));
  for (int i = 0; i < 5000; ++i) {
    if (i % 10 != 0) timers.cancel(handles[static_cast<std::size_t>(i)]);
  }
  EXPECT_EQ(timers.pending(), 500u);
  io.run();
  EXPECT_EQ(fired, 500);
  EXPECT_EQ(timers.pending(), 0u);
}

// A burst of timers that all end leaves the table small again (a daemon
// does not keep a burst's high-water mark for the calls it left up), and the
// burst's handles never reach the timers that later take the cut slots.
TEST(AsioTimerService, AfterABurstTheTableShrinksAndItsHandlesStayStale) {
  boost::asio::io_context io;
  AsioTimerService timers(io);
  int fired = 0;
  const auto keeper =
      timers.schedule(std::chrono::minutes(1), [] {});  // a call's own timer, at the front
  std::vector<TimerService::Handle> burst;
  for (int i = 0; i < 20000; ++i) burst.push_back(timers.schedule(1ms, [&] { ++fired; }));
  EXPECT_EQ(timers.slot_count(), 20001u);
  run_until(io, [&] { return fired == 20000; });
  ASSERT_EQ(fired, 20000);
  EXPECT_EQ(timers.pending(), 1u);
  EXPECT_EQ(timers.slot_count(), 1u) << "the burst's slots are cut off once they are all free";

  int later = 0;
  for (int i = 0; i < 5000; ++i) timers.schedule(2ms, [&] { ++later; });
  for (const TimerService::Handle h : burst)
    timers.cancel(h);  // stale: must not cancel the new ones
  EXPECT_EQ(timers.pending(), 5001u);
  run_until(io, [&] { return later == 5000; });
  EXPECT_EQ(later, 5000);
  EXPECT_EQ(fired, 20000);
  timers.cancel(keeper);
  EXPECT_EQ(timers.pending(), 0u);
}

// Under load a burst's timers end in no particular slot order (cancelled on
// a response, fired, cancelled again): the table shrinks all the same. Here
// the last slot's timer ends first and slot 0's last.
TEST(AsioTimerService, TheTableShrinksWhateverOrderTheBurstEndsIn) {
  boost::asio::io_context io;
  AsioTimerService timers(io);
  std::vector<TimerService::Handle> burst;
  for (int i = 0; i < 20000; ++i) burst.push_back(timers.schedule(std::chrono::seconds(30), [] {}));
  EXPECT_EQ(timers.slot_count(), 20000u);
  for (auto it = burst.rbegin(); it != burst.rend(); ++it) timers.cancel(*it);
  EXPECT_EQ(timers.pending(), 0u);
  EXPECT_LE(timers.slot_count(), 1024u) << "at most the size that is never trimmed";

  for (int i = 0; i < 20000; ++i)
    burst[static_cast<std::size_t>(i)] = timers.schedule(std::chrono::seconds(30), [] {});
  // Every other one from the middle out, then the rest: the tail frees late.
  for (std::size_t i = 0; i < burst.size(); i += 2) timers.cancel(burst[i]);
  for (std::size_t i = 1; i < burst.size(); i += 2) timers.cancel(burst[burst.size() - i]);
  EXPECT_EQ(timers.pending(), 0u);
  EXPECT_LE(timers.slot_count(), 1024u) << "at most the size that is never trimmed";
  int fired = 0;
  timers.schedule(1ms, [&] { ++fired; });
  io.run();
  EXPECT_EQ(fired, 1);
}

// The calls a burst leaves up keep timers of their own, set in the middle of
// the burst (an RFC 4028 refresh, minutes ahead). They must not hold the
// burst's slots: the short-lived timers' table still shrinks, and each
// kind of handle reaches only its own timer.
TEST(AsioTimerService, TimersSetDuringABurstForLaterDoNotKeepItsSlots) {
  boost::asio::io_context io;
  AsioTimerService timers(io);
  int fired = 0;
  int refreshed = 0;
  std::vector<TimerService::Handle> kept;
  for (int i = 0; i < 20000; ++i) {
    timers.schedule(1ms, [&] { ++fired; });
    if (i % 10 == 9)
      kept.push_back(timers.schedule(std::chrono::minutes(15), [&] { ++refreshed; }));
  }
  EXPECT_EQ(timers.slot_count(), 22000u);
  run_until(io, [&] { return fired == 20000; });
  ASSERT_EQ(fired, 20000);
  EXPECT_EQ(timers.pending(), 2000u);
  EXPECT_EQ(timers.slot_count(), 2000u) << "only the long timers' slots stay";
  // The long ones are still live and cancellable, one by one; none fired.
  for (std::size_t i = 0; i < kept.size(); i += 2) timers.cancel(kept[i]);
  EXPECT_EQ(timers.pending(), 1000u);
  int soon = 0;
  timers.schedule(1ms, [&] { ++soon; });
  for (std::size_t i = 0; i < kept.size(); i += 2) timers.cancel(kept[i]);  // stale now
  EXPECT_EQ(timers.pending(), 1001u);
  run_until(io, [&] { return soon == 1; });
  EXPECT_EQ(soon, 1);
  EXPECT_EQ(refreshed, 0);
  for (const TimerService::Handle h : kept) timers.cancel(h);
  EXPECT_EQ(timers.pending(), 0u);
}

// A callback's captures are destroyed when its timer is cancelled; their
// destructors may cancel other timers, and such a cancel may cut the table
// under the first one. (ASan catches a slot used after the cut.)
TEST(AsioTimerService, ACancelFromACapturedDestructorMayCutTheTable) {
  boost::asio::io_context io;
  AsioTimerService timers(io);
  TimerService::Handle last = 0;
  bool last_cancelled = false;
  auto guard = std::shared_ptr<int>(new int(0), [&](int* p) {
    delete p;
    timers.cancel(last);  // the last slot, with almost nothing live: cuts the table
    last_cancelled = true;
  });
  const TimerService::Handle first =
      timers.schedule(std::chrono::minutes(1), [guard] {});  // slot 0
  guard.reset();  // the callback holds the only reference
  std::vector<TimerService::Handle> handles;
  for (int i = 0; i < 2000; ++i) handles.push_back(timers.schedule(std::chrono::minutes(1), [] {}));
  last = handles.back();
  for (std::size_t i = 0; i + 1 < handles.size(); ++i) timers.cancel(handles[i]);
  EXPECT_EQ(timers.pending(), 2u);
  timers.cancel(first);  // its capture's destructor cancels `last`, which cuts the table
  EXPECT_TRUE(last_cancelled);
  EXPECT_EQ(timers.pending(), 0u);
  EXPECT_EQ(timers.slot_count(), 0u);
  // Still usable after it.
  int fired = 0;
  timers.schedule(1ms, [&] { ++fired; });
  io.run();
  EXPECT_EQ(fired, 1);
}

}  // namespace
}  // namespace cvw
