// The call history: every click-to-call that ended, kept per user in storage
// (GET /api/v1/me/call-history), newest first.
//
// Writes are batched: an ended call is queued and the queue is written in one
// transaction after `flush_after` (or when it reaches `batch_limit`), so a
// burst of 2,000 calls/s costs a few commits per second instead of 2,000
// synchronous (fsync'd) ones on the event loop. The price is that a crash
// loses at most the last `flush_after` of history; reads flush first, so a
// client never misses a call that ended before it asked.
//
// A record whose user was deleted meanwhile is dropped by the INSERT itself
// (the history belongs to the user and goes with them: ON DELETE CASCADE).
// Threading: the event-loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "calls/call_info.hpp"
#include "common/result.hpp"
#include "common/timer.hpp"
#include "storage/database.hpp"

namespace cvw::app {

struct CallHistoryMetrics {
  std::uint64_t written = 0;         // records committed
  std::uint64_t write_failures = 0;  // records lost to a failed commit (logged)
};

class CallHistory {
 public:
  CallHistory(storage::Database& db, TimerService& timers,
              Duration flush_after = std::chrono::milliseconds(200), std::size_t batch_limit = 500);
  ~CallHistory();  // writes what is queued
  CallHistory(const CallHistory&) = delete;
  CallHistory& operator=(const CallHistory&) = delete;

  // Queues an ended call (state Ended, with a reason) of its owner.
  void record(const calls::CallInfo& call);
  // The owner's calls, newest first, at most `limit`.
  Result<std::vector<calls::CallInfo>> list(std::string_view owner, std::size_t limit);
  // Everyone's calls (the administrators' export), newest first.
  Result<std::vector<calls::CallInfo>> list_all(std::size_t limit);
  // Writes the queue now, in one transaction.
  Result<void> flush();

  const CallHistoryMetrics& metrics() const { return metrics_; }

 private:
  storage::Database& db_;
  TimerService& timers_;
  const Duration flush_after_;
  const std::size_t batch_limit_;
  std::vector<calls::CallInfo> queue_;
  TimerService::Handle timer_ = 0;
  CallHistoryMetrics metrics_;

  Result<std::vector<calls::CallInfo>> select(std::string_view where, std::vector<storage::Param> params);
};

// The history as CSV (RFC 4180), one call per row under a header row:
// id, user, to, target, targetNumber, phoneNumber, startedAt, connectedAt,
// endedAt, seconds (connected time), reason, by, sipStatus, message,
// operationId, subject.
std::string call_history_csv(const std::vector<calls::CallInfo>& calls);

// The schema of the history (a migration of the app's schema, see directory_store.cpp).
extern const std::string_view kCallHistorySchema;

}  // namespace cvw::app
