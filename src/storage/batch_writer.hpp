// Batched writes off the event loop: records are queued and committed in one
// transaction per batch, after `flush_after` or as soon as `batch_limit` are
// queued, so a burst of thousands of records a second costs a few commits
// (and fsyncs) per second instead of one each. The call history and the
// registrar's bindings both write this way.
//
// The price is that a crash loses what is queued: at most the last
// `flush_after`, plus whatever a stuck writer had not committed yet. A
// graceful shutdown loses nothing (the destructor writes the queue).
//
// Who commits:
//   - Given a `writer` connection of its own (a second connection to the same
//     database), a writer thread owns it and commits the batches, so the
//     event loop never waits for a commit's fsync. The loop only appends to a
//     queue under a mutex (one lock per record) and wakes the writer when the
//     batch is full or the flush timer fires. flush() waits for the writer to
//     commit what was queued before it, at most `read_wait_limit`: then it
//     fails with 503 rather than stall the loop.
//   - Without one (nullptr, e.g. an in-memory SQLite database, which a second
//     connection cannot share), the loop itself commits, and flush() commits
//     the queue there and then.
// Both commit a batch the same way: `commit_batch` runs inside one
// transaction() that the BatchWriter opens (so commit_batch only executes its
// statements, and a failed one rolls the whole batch back). A failed batch is
// logged, counted in write_failures and reported once, to the flush() that
// waited for it; later batches are written as usual (nothing is retried).
//
// Threading: every member function on the event-loop thread (the one that
// runs `timers`); the writer thread is internal, and commit_batch runs on it
// (with a writer) or on the loop (without): it must only touch the Database
// it is given and the records. SQLite: both connections wait for each other's
// write lock up to the 5 s busy timeout (WAL lets the loop read while the
// writer commits).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/background_thread.hpp"
#include "common/result.hpp"
#include "common/timer.hpp"
#include "storage/database.hpp"

namespace cvw::storage {

struct BatchWriterOptions {
  Duration flush_after = std::chrono::milliseconds(200);
  std::size_t batch_limit = 500;
  // With a writer thread: how long flush() waits for it before answering 503.
  Duration read_wait_limit = std::chrono::seconds(5);
};

struct BatchWriterMetrics {
  std::uint64_t written = 0;         // records committed
  std::uint64_t write_failures = 0;  // records lost to a failed commit (logged)
};

namespace detail {
// The non-template parts, in batch_writer.cpp: one wording for every writer's
// log lines and errors, and no spdlog in this header.
void log_lost_batch(const std::string& name, std::size_t records, const std::string& why);
Error writer_busy(const std::string& name, std::uint64_t pending, Duration waited);
}  // namespace detail

template <typename Record>
class BatchWriter {
 public:
  // Writes `batch` (never empty) on `db`, already inside a transaction.
  using CommitBatch = std::function<Result<void>(Database& db, const std::vector<Record>& batch)>;

  // `name` starts log lines and errors ("call history"). `loop_db`: the
  // loop's connection, which commits when `writer` is null. `writer`: a
  // second connection to the same database for the writer thread.
  BatchWriter(std::string name, Database& loop_db, TimerService& timers, std::unique_ptr<Database> writer,
              BatchWriterOptions options, CommitBatch commit_batch)
      : name_(std::move(name)),
        loop_db_(loop_db),
        timers_(timers),
        options_(options),
        commit_batch_(std::move(commit_batch)),
        writer_db_(std::move(writer)) {
    if (writer_db_) writer_ = std::thread([this] { writer_main(); });
  }

  ~BatchWriter() {  // writes what is queued (and stops the writer thread)
    timers_.cancel(timer_);
    if (!writer_db_) {
      (void)flush_on_loop();  // a failure is logged and counted by write()
      return;
    }
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_writer_.notify_one();
    writer_.join();  // the writer commits what is queued before it returns
  }
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  // Queues a record. By value: the caller's copy is made before the lock,
  // which the writer thread may be waiting for.
  void push(Record record) {
    std::size_t queued = 0;
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(record));
      ++queued_total_;
      queued = queue_.size();
    }
    if (queued >= options_.batch_limit) {
      if (writer_db_) {
        wake_writer_.notify_one();
      } else {
        (void)flush_on_loop();
      }
      return;
    }
    if (timer_ == 0) timer_ = timers_.schedule(options_.flush_after, [this] { on_timer(); });
  }

  // Commits the queue now and returns once it is committed (with a writer
  // thread: once the writer committed it, or 503 after read_wait_limit). The
  // error of a batch lost meanwhile is returned, once.
  Result<void> flush() { return writer_db_ ? wait_for_writer() : flush_on_loop(); }

  // A snapshot; safe while the writer thread commits.
  BatchWriterMetrics metrics() const { return {written_.load(), write_failures_.load()}; }
  bool has_writer_thread() const { return writer_db_ != nullptr; }

 private:
  void on_timer() {
    timer_ = 0;
    if (!writer_db_) {
      (void)flush_on_loop();
      return;
    }
    {
      std::lock_guard lock(mutex_);
      // An empty queue (the writer took a full batch meanwhile) needs no
      // flush, and a standing request would write the next record at once.
      if (queue_.empty()) return;
      flush_requested_ = true;
    }
    wake_writer_.notify_one();
  }

  // Commits `batch` on `db` and counts the outcome; the one path both modes use.
  Result<void> write(Database& db, const std::vector<Record>& batch) {
    if (batch.empty()) return {};
    Result<void> written;
    try {
      written = db.transaction([&] { return commit_batch_(db, batch); });
    } catch (const std::exception& e) {
      // Log, count and continue: out of the writer thread an exception would
      // end the process, and out of the loop it would reach whoever queued.
      written = Error{500, std::string("exception: ") + e.what()};
    }
    if (!written) {
      write_failures_ += batch.size();
      detail::log_lost_batch(name_, batch.size(), written.error().message);
      return written.error();
    }
    written_ += batch.size();
    return {};
  }

  Result<void> flush_on_loop() {
    timers_.cancel(timer_);
    timer_ = 0;
    std::vector<Record> batch;
    {
      std::lock_guard lock(mutex_);
      batch.swap(queue_);
      processed_total_ += batch.size();
    }
    return write(loop_db_, batch);
  }

  Result<void> wait_for_writer() {
    std::unique_lock lock(mutex_);
    // push() runs on this (the loop's) thread, so nothing is queued while we
    // wait: everything up to `target` was queued before this flush.
    const std::uint64_t target = queued_total_;
    const std::uint64_t processed_before = processed_total_;
    if (processed_before >= target) return {};
    flush_requested_ = true;
    wake_writer_.notify_one();
    if (!batch_done_.wait_for(lock, options_.read_wait_limit, [&] { return processed_total_ >= target; })) {
      return detail::writer_busy(name_, target - processed_total_, options_.read_wait_limit);
    }
    // A batch lost while we waited held records this flush promised.
    if (last_failure_ && last_failure_end_ > processed_before) return *last_failure_;
    return {};
  }

  void writer_main() {
    // "call history" -> "call-history" in top -H; below the loop's priority.
    std::string thread_name = name_;
    std::replace(thread_name.begin(), thread_name.end(), ' ', '-');
    make_this_a_background_thread(thread_name);
    std::vector<Record> batch;
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_writer_.wait(lock, [this] {
        return stopping_ || (!queue_.empty() && (flush_requested_ || queue_.size() >= options_.batch_limit));
      });
      if (queue_.empty()) return;  // stopping, and nothing left to write
      // The emptied vector of the last batch becomes the queue: its capacity
      // is kept, so push() does not reallocate in the steady state.
      batch.swap(queue_);
      flush_requested_ = false;
      lock.unlock();

      const std::size_t size = batch.size();
      Result<void> written = write(*writer_db_, batch);
      batch.clear();  // the records are freed outside the lock

      lock.lock();
      processed_total_ += size;
      if (!written) {
        last_failure_ = written.error();
        last_failure_end_ = processed_total_;
      }
      batch_done_.notify_all();
    }
  }

  const std::string name_;
  Database& loop_db_;
  TimerService& timers_;
  const BatchWriterOptions options_;
  const CommitBatch commit_batch_;
  TimerService::Handle timer_ = 0;  // loop thread only
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> write_failures_{0};

  // The queue, shared by the loop and the writer thread under mutex_.
  std::mutex mutex_;
  std::condition_variable wake_writer_;  // a full batch, a flush request, or stop
  std::condition_variable batch_done_;   // the writer finished a batch
  std::vector<Record> queue_;
  std::uint64_t queued_total_ = 0;     // records ever queued
  std::uint64_t processed_total_ = 0;  // records ever taken off the queue and committed or lost
  bool flush_requested_ = false;
  bool stopping_ = false;
  // The last failed batch: the error, and processed_total_ once it was counted.
  std::optional<Error> last_failure_;
  std::uint64_t last_failure_end_ = 0;

  std::unique_ptr<Database> writer_db_;  // the writer thread's only
  std::thread writer_;                   // last: starts once all above exists
};

}  // namespace cvw::storage
