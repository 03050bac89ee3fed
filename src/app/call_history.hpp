// The call history: every click-to-call that ended, kept per user in storage
// (GET /api/v1/me/call-history), newest first.
//
// Writes are batched (storage::BatchWriter, see storage/batch_writer.hpp): an
// ended call is queued and the queue is written in one transaction after
// `flush_after` (or as soon as it reaches `batch_limit`), by a writer thread
// on a second connection when there is one, else on the loop. A crash loses
// what is queued (at most the last `flush_after` of history, plus whatever a
// stuck writer had not committed); a graceful shutdown loses nothing. Reads
// wait for every call recorded before them to be written (503 after
// `read_wait_limit`), so a client never misses a call that ended before it
// asked.
//
// A record whose user was deleted meanwhile is dropped by the INSERT itself
// (the history belongs to the user and goes with them: ON DELETE CASCADE).
//
// Threading: every member function on the event-loop thread (the one that
// runs `timers`); the writer thread is internal.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "calls/call_info.hpp"
#include "common/result.hpp"
#include "common/timer.hpp"
#include "storage/batch_writer.hpp"
#include "storage/database.hpp"

namespace cvw::app {

// written / write_failures count ended calls.
using CallHistoryMetrics = storage::BatchWriterMetrics;
using CallHistoryOptions = storage::BatchWriterOptions;

class CallHistory {
 public:
  // `db`: the loop's connection (reads; also writes when `writer` is null).
  // `writer`: a second connection to the same database for the writer thread.
  CallHistory(storage::Database& db, TimerService& timers, std::unique_ptr<storage::Database> writer = nullptr,
              CallHistoryOptions options = {});
  ~CallHistory() = default;  // writes what is queued (and stops the writer thread)
  CallHistory(const CallHistory&) = delete;
  CallHistory& operator=(const CallHistory&) = delete;

  // Queues an ended call (state Ended, with a reason) of its owner.
  void record(const calls::CallInfo& call) { writer_.push(call); }
  // The owner's calls, newest first, at most `limit`.
  Result<std::vector<calls::CallInfo>> list(std::string_view owner, std::size_t limit);
  // Everyone's calls (the administrators' export), newest first.
  Result<std::vector<calls::CallInfo>> list_all(std::size_t limit);
  // Writes the queue now, in one transaction, and returns once it is written
  // (with a writer thread: once the writer wrote it, or 503 after
  // read_wait_limit).
  Result<void> flush() { return writer_.flush(); }

  // A snapshot; safe while the writer thread commits.
  CallHistoryMetrics metrics() const { return writer_.metrics(); }
  bool has_writer_thread() const { return writer_.has_writer_thread(); }

 private:
  Result<std::vector<calls::CallInfo>> select(std::string_view where, std::vector<storage::Param> params);

  storage::Database& db_;
  storage::BatchWriter<calls::CallInfo> writer_;
};

// The history as CSV (RFC 4180), one call per row under a header row:
// id, user, to, target, targetNumber, phoneNumber, startedAt, connectedAt,
// endedAt, seconds (connected time), reason, by, sipStatus, message,
// operationId, subject, transferKind (attended/blind, empty if none),
// transferredTo, direction (outgoing/incoming), from (the caller of an
// incoming call), answeredOn (client/phone/callback). Every cell is made safe for spreadsheets
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
// Migration 7: incoming calls (direction, the caller, where it was answered).
extern const std::string_view kCallHistoryIncomingSchema;

}  // namespace cvw::app
