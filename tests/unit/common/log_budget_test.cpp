#include "common/log_budget.hpp"

#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>

#include <memory>
#include <sstream>

#include "common/log.hpp"

namespace cvw {
namespace {

using namespace std::chrono_literals;

// Captures what the default logger writes while the test runs.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(text_);
    auto logger = std::make_shared<spdlog::logger>("test", sink);
    logger->set_pattern("%v");
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return text_.str(); }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream text_;
};

TEST(LogBudget, LetsTheLimitThroughPerSecondAndCountsTheRest) {
  CapturedLog captured;
  LogBudget budget("sip: dropped message", 3);
  const auto t0 = LogBudget::Clock::time_point{} + 100s;
  int allowed = 0;
  for (int i = 0; i < 1000; ++i) allowed += budget.allow(t0 + std::chrono::microseconds(i)) ? 1 : 0;
  EXPECT_EQ(allowed, 3);
  EXPECT_EQ(budget.suppressed(), 997u);
  EXPECT_EQ(captured.text(), "") << "nothing is said about the flood until the next window";

  // The next window: the first line is preceded by the count of those left out.
  EXPECT_TRUE(budget.allow(t0 + 1s));
  EXPECT_EQ(
      captured.text(),
      "sip: dropped message: 997 more line(s) of this kind were not logged (at most 3 a second)\n");
  EXPECT_EQ(budget.suppressed(), 0u);
  EXPECT_TRUE(budget.allow(t0 + 1s + 1ms));
  EXPECT_TRUE(budget.allow(t0 + 1s + 2ms));
  EXPECT_FALSE(budget.allow(t0 + 1s + 3ms));
}

TEST(LogBudget, AQuietSiteNeverWritesANote) {
  CapturedLog captured;
  LogBudget budget("sip: refused INVITE", 2);
  const auto t0 = LogBudget::Clock::time_point{} + 100s;
  for (int second = 0; second < 5; ++second) {
    EXPECT_TRUE(budget.allow(t0 + std::chrono::seconds(second)));
    EXPECT_TRUE(budget.allow(t0 + std::chrono::seconds(second) + 10ms));
  }
  EXPECT_EQ(captured.text(), "");
}

}  // namespace
}  // namespace cvw
