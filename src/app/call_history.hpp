// The call history: every click-to-call that ended, kept per user in storage
// (GET /api/v1/me/call-history), newest first.
//
// Writes are batched: an ended call is queued and the queue is written in one
// transaction after `flush_after` (or as soon as it reaches `batch_limit`), so
// a burst of 2,000 calls/s costs a few commits per second instead of 2,000
// synchronous (fsync'd) ones. The price is that a crash loses what is queued:
// at most the last `flush_after` of history, plus whatever a stuck writer had
// not committed yet. A graceful shutdown loses nothing (the destructor writes
// the queue). Reads wait for every call recorded before them to be written,
// so a client never misses a call that ended before it asked.
//
// Who commits:
//   - Given a `writer` connection of its own (a second connection to the same
//     database), a writer thread owns it and commits the batches, so the
//     event loop never waits for a commit's fsync. The loop only appends to a
//     queue under a mutex (one lock per ended call) and wakes the writer when
//     the batch is full or the flush timer fires. A read, on the loop with the
//     loop's connection, waits for the writer to commit what was queued
//     before it, at most `read_wait_limit`: then it fails with 503 rather than
//     stall the loop.
//   - Without one (nullptr, e.g. an in-memory SQLite database, which a second
//     connection cannot share), the loop itself commits, and a read commits
//     the queue first.
// Both commit a batch the same way (commit_batch in call_history.cpp).
//
// A record whose user was deleted meanwhile is dropped by the INSERT itself
// (the history belongs to the user and goes with them: ON DELETE CASCADE).
//
// Threading: every member function on the event-loop thread (the one that
// runs `timers`); the writer thread is internal. SQLite: both connections
// wait for each other's write lock up to the 5 s busy timeout (WAL lets the
// loop read while the writer commits).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
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

struct CallHistoryOptions {
  Duration flush_after = std::chrono::milliseconds(200);
  std::size_t batch_limit = 500;
  // With a writer thread: how long a read waits for it before answering 503.
  Duration read_wait_limit = std::chrono::seconds(5);
};

class CallHistory {
 public:
  // `db`: the loop's connection (reads; also writes when `writer` is null).
  // `writer`: a second connection to the same database for the writer thread.
  CallHistory(storage::Database& db, TimerService& timers, std::unique_ptr<storage::Database> writer = nullptr,
              CallHistoryOptions options = {});
  ~CallHistory();  // writes what is queued (and stops the writer thread)
  CallHistory(const CallHistory&) = delete;
  CallHistory& operator=(const CallHistory&) = delete;

  // Queues an ended call (state Ended, with a reason) of its owner.
  void record(const calls::CallInfo& call);
  // The owner's calls, newest first, at most `limit`.
  Result<std::vector<calls::CallInfo>> list(std::string_view owner, std::size_t limit);
  // Everyone's calls (the administrators' export), newest first.
  Result<std::vector<calls::CallInfo>> list_all(std::size_t limit);
  // Writes the queue now, in one transaction, and returns once it is written
  // (with a writer thread: once the writer wrote it, or 503 after
  // read_wait_limit).
  Result<void> flush();

  // A snapshot; safe while the writer thread commits.
  CallHistoryMetrics metrics() const { return {written_.load(), write_failures_.load()}; }
  bool has_writer_thread() const { return writer_db_ != nullptr; }

 private:
  // Commits `batch` on `db` and counts the outcome; the one path both modes use.
  Result<void> write(storage::Database& db, const std::vector<calls::CallInfo>& batch);
  Result<void> flush_on_loop();
  Result<void> wait_for_writer();
  void writer_main();
  Result<std::vector<calls::CallInfo>> select(std::string_view where, std::vector<storage::Param> params);

  storage::Database& db_;
  TimerService& timers_;
  const CallHistoryOptions options_;
  TimerService::Handle timer_ = 0;  // loop thread only
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> write_failures_{0};

  // The queue, shared by the loop and the writer thread under mutex_.
  std::mutex mutex_;
  std::condition_variable wake_writer_;  // a full batch, a flush request, or stop
  std::condition_variable batch_done_;   // the writer finished a batch
  std::vector<calls::CallInfo> queue_;
  std::uint64_t queued_total_ = 0;     // records ever queued
  std::uint64_t processed_total_ = 0;  // records ever taken off the queue and committed or lost
  bool flush_requested_ = false;
  bool stopping_ = false;
  // The last failed batch: the error, and processed_total_ once it was counted.
  std::optional<Error> last_failure_;
  std::uint64_t last_failure_end_ = 0;

  std::unique_ptr<storage::Database> writer_db_;  // the writer thread's only
  std::thread writer_;                            // last: starts once all above exists
};

// The history as CSV (RFC 4180), one call per row under a header row:
// id, user, to, target, targetNumber, phoneNumber, startedAt, connectedAt,
// endedAt, seconds (connected time), reason, by, sipStatus, message,
// operationId, subject, transferKind (attended/blind, empty if none),
// transferredTo. Every cell is made safe for spreadsheets
// (csv_injection_safe).
std::string call_history_csv(const std::vector<calls::CallInfo>& calls);

// A cell a spreadsheet will not run as a formula (OWASP "CSV Injection"): one
// starting with =, @, tab or CR gets a leading ', and so does one starting
// with + or - unless it looks like a phone number (digits, spaces and ( ) . -
// after the sign, at least one digit), which a spreadsheet reads as a number.
std::string csv_injection_safe(std::string_view cell);

// The schema of the history (migrations of the app's schema, see directory_store.cpp).
extern const std::string_view kCallHistorySchema;
// Migration 4: how the call was transferred (nullable: most calls were not).
extern const std::string_view kCallHistoryTransfersSchema;

}  // namespace cvw::app
