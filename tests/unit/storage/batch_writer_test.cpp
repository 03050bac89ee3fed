// storage::BatchWriter on both backends: a batch is committed in one
// transaction when it is full or when the flush timer fires, flush() waits
// for what was queued before it, a failed batch is counted, logged and
// reported once without stopping later batches, and the destructor writes the
// queue. Twice: committed on the loop (no writer connection, as for an
// in-memory SQLite database) and by the writer thread on a second connection.
#include "storage/batch_writer.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/log.hpp"
#include "scratch_database.hpp"

namespace cvw::storage::test {
namespace {

using namespace std::chrono_literals;

// How long a test waits for the writer thread to do what it must do at once
// (generous: sanitizer builds and a loaded machine are slow).
constexpr auto kPatience = 20s;

struct Item {
  std::int64_t id = 0;
  std::string name;
};

// The log lines of one test, captured from the default logger.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64)), previous_(spdlog::default_logger()) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink_));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::string text() const {
    std::string out;
    for (const std::string& line : sink_->last_formatted()) out += line;
    return out;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

class BatchWriterTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(db().execute(kCreateItems).ok());
    writer_ = make_writer({.flush_after = 200ms, .batch_limit = 3, .read_wait_limit = kPatience});
    ASSERT_NE(writer_, nullptr);
  }

  virtual std::unique_ptr<Database> writer_connection() { return nullptr; }

  std::unique_ptr<BatchWriter<Item>> make_writer(BatchWriterOptions options) {
    return std::make_unique<BatchWriter<Item>>("items", db(), timers_, writer_connection(), options,
                                               [this](Database& db, const std::vector<Item>& batch) {
                                                 return commit(db, batch);
                                               });
  }

  // Inserts the batch; a record named "throw" throws instead (a bug in a
  // commit function must not take the writer down).
  Result<void> commit(Database& db, const std::vector<Item>& batch) {
    {
      std::lock_guard lock(commit_mutex_);
      ++commits_;
      committing_db_ = &db;
      committing_thread_ = std::this_thread::get_id();
      in_transaction_ = db.in_transaction();
    }
    commit_called_.notify_all();
    for (const Item& item : batch) {
      if (item.name == "throw") throw std::runtime_error("a commit function threw");
      if (auto r = db.execute("INSERT INTO items (id, name) VALUES ($1, $2)", {item.id, item.name}); !r)
        return r.error();
    }
    return {};
  }

  // Whether commit() was called `n` times within kPatience: the writer
  // thread runs on its own, and this is how the test hears it started.
  bool commits_reach(int n) {
    std::unique_lock lock(commit_mutex_);
    return commit_called_.wait_for(lock, kPatience, [&] { return commits_ >= n; });
  }
  int commits() {
    std::lock_guard lock(commit_mutex_);
    return commits_;
  }

  std::int64_t rows() {
    auto r = db().execute("SELECT COUNT(*) AS n FROM items");
    return r ? r->rows.at(0).integer(0) : -1;
  }
  void push(std::int64_t id, std::string name = {}) {
    writer_->push(Item{id, name.empty() ? "item-" + std::to_string(id) : std::move(name)});
  }

  // The checks that hold whoever commits.

  void expect_a_full_batch_written_without_the_timer() {
    push(1);
    push(2);
    std::this_thread::sleep_for(20ms);  // time enough for a writer that would not wait
    EXPECT_EQ(rows(), 0) << "queued, below the batch limit";
    push(3);
    ASSERT_TRUE(commits_reach(1)) << "the batch limit (3) started a commit at once";
    ASSERT_TRUE(writer_->flush().ok());  // only waits for the commit under way
    EXPECT_EQ(rows(), 3);
    EXPECT_EQ(writer_->metrics().written, 3u);
    EXPECT_EQ(commits(), 1) << "one transaction for the batch";
    std::lock_guard lock(commit_mutex_);
    EXPECT_TRUE(in_transaction_) << "commit_batch runs inside the batch's transaction";
  }

  void expect_the_timer_to_write_a_partial_batch() {
    push(1);
    push(2);
    timers_.advance(150ms);
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(rows(), 0) << "flush_after (200 ms) has not passed";
    EXPECT_EQ(commits(), 0);
    timers_.advance(60ms);
    ASSERT_TRUE(commits_reach(1)) << "the timer started a commit";
    ASSERT_TRUE(writer_->flush().ok());  // only waits for the commit under way
    EXPECT_EQ(rows(), 2);
    EXPECT_EQ(writer_->metrics().written, 2u);
    EXPECT_EQ(commits(), 1);
  }

  void expect_flush_to_wait_for_what_was_queued() {
    push(1);
    push(2);
    // Below the batch limit and no timer fired: only the flush writes them.
    ASSERT_TRUE(writer_->flush().ok());
    EXPECT_EQ(rows(), 2) << "committed when flush() returned, no polling";
    EXPECT_EQ(writer_->metrics().written, 2u);
    ASSERT_TRUE(writer_->flush().ok()) << "nothing queued: at once";
    EXPECT_EQ(commits(), 1) << "an empty queue commits nothing";
  }

  void expect_a_failed_batch_counted_logged_reported_once() {
    LogCapture log;
    push(1);
    ASSERT_TRUE(writer_->flush().ok());
    // id 5 is fine, id 1 again breaks the primary key: the whole batch goes.
    push(5);
    push(1, "duplicate");
    auto failed = writer_->flush();
    ASSERT_FALSE(failed.ok()) << "a flush must not hide lost records";
    EXPECT_EQ(failed.error().status, 409) << failed.error().message;
    EXPECT_EQ(writer_->metrics().write_failures, 2u);
    EXPECT_EQ(writer_->metrics().written, 1u);
    EXPECT_EQ(rows(), 1) << "rolled back whole, id 5 included";
    EXPECT_NE(log.text().find("items: 2 records not written"), std::string::npos) << log.text();

    EXPECT_TRUE(writer_->flush().ok()) << "reported once, to the flush that waited for it";
    push(6);
    push(7);
    ASSERT_TRUE(writer_->flush().ok()) << "later batches are written as usual";
    EXPECT_EQ(rows(), 3);
    EXPECT_EQ(writer_->metrics().written, 3u);
  }

  void expect_a_throwing_commit_counted_not_fatal() {
    LogCapture log;
    push(1, "throw");
    auto failed = writer_->flush();
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().status, 500);
    EXPECT_NE(failed.error().message.find("a commit function threw"), std::string::npos) << failed.error().message;
    EXPECT_EQ(writer_->metrics().write_failures, 1u);
    EXPECT_NE(log.text().find("items: 1 records not written"), std::string::npos) << log.text();
    push(2);
    ASSERT_TRUE(writer_->flush().ok());
    EXPECT_EQ(rows(), 1);
  }

  void expect_destruction_to_write_the_queue() {
    push(1);
    push(2);
    writer_.reset();
    EXPECT_EQ(rows(), 2);
    EXPECT_EQ(timers_.pending(), 0u) << "the flush timer was cancelled";
  }

  ManualTimerService timers_;
  std::unique_ptr<BatchWriter<Item>> writer_;
  // What commit() saw, last time (it runs on the writer thread).
  std::mutex commit_mutex_;
  std::condition_variable commit_called_;
  int commits_ = 0;
  Database* committing_db_ = nullptr;
  std::thread::id committing_thread_;
  bool in_transaction_ = false;
};

// Committed on the loop: no writer connection.

TEST_P(BatchWriterTest, CommitsOnTheLoopWithTheLoopsConnection) {
  EXPECT_FALSE(writer_->has_writer_thread());
  push(1);
  ASSERT_TRUE(writer_->flush().ok());
  std::lock_guard lock(commit_mutex_);
  EXPECT_EQ(committing_db_, &db());
  EXPECT_EQ(committing_thread_, std::this_thread::get_id());
}
TEST_P(BatchWriterTest, AFullBatchIsWrittenWithoutTheTimer) { expect_a_full_batch_written_without_the_timer(); }
TEST_P(BatchWriterTest, TheTimerWritesAPartialBatch) { expect_the_timer_to_write_a_partial_batch(); }
TEST_P(BatchWriterTest, FlushWritesWhatWasQueued) { expect_flush_to_wait_for_what_was_queued(); }
TEST_P(BatchWriterTest, AFailedBatchIsCountedLoggedAndReportedOnce) {
  expect_a_failed_batch_counted_logged_reported_once();
}
TEST_P(BatchWriterTest, AThrowingCommitIsCountedNotFatal) { expect_a_throwing_commit_counted_not_fatal(); }
TEST_P(BatchWriterTest, DestructionWritesTheQueue) { expect_destruction_to_write_the_queue(); }

// Committed by the writer thread on its own connection.
class BatchWriterThreadTest : public BatchWriterTest {
 protected:
  std::unique_ptr<Database> writer_connection() override {
    auto writer = scratch().open();
    EXPECT_TRUE(writer.ok()) << writer.error().message;
    return writer ? std::move(*writer) : nullptr;
  }
  void SetUp() override {
    BatchWriterTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(writer_->has_writer_thread());
  }
};

TEST_P(BatchWriterThreadTest, CommitsOnItsOwnThreadWithItsOwnConnection) {
  push(1);
  ASSERT_TRUE(writer_->flush().ok());
  std::lock_guard lock(commit_mutex_);
  EXPECT_NE(committing_db_, &db());
  EXPECT_NE(committing_db_, nullptr);
  EXPECT_NE(committing_thread_, std::this_thread::get_id());
}
TEST_P(BatchWriterThreadTest, AFullBatchIsWrittenWithoutTheTimer) { expect_a_full_batch_written_without_the_timer(); }
TEST_P(BatchWriterThreadTest, TheTimerWakesTheWriter) { expect_the_timer_to_write_a_partial_batch(); }
TEST_P(BatchWriterThreadTest, FlushWaitsForTheWriter) { expect_flush_to_wait_for_what_was_queued(); }
TEST_P(BatchWriterThreadTest, AFailedBatchIsCountedLoggedAndReportedOnce) {
  expect_a_failed_batch_counted_logged_reported_once();
}
TEST_P(BatchWriterThreadTest, AThrowingCommitIsCountedNotFatal) { expect_a_throwing_commit_counted_not_fatal(); }
TEST_P(BatchWriterThreadTest, DestructionWritesTheQueue) { expect_destruction_to_write_the_queue(); }

TEST_P(BatchWriterThreadTest, FlushGivesUpOnAStuckWriterWith503) {
  writer_ = make_writer({.flush_after = 200ms, .batch_limit = 3, .read_wait_limit = 100ms});
  push(1);
  // The test's own connection holds the lock the writer needs (SQLite: the
  // database's write lock, taken by BEGIN IMMEDIATE; PostgreSQL: the table).
  auto held = db().transaction([&]() -> Result<void> {
    if (db().backend() == "postgresql") {
      if (auto r = db().execute("LOCK TABLE items IN EXCLUSIVE MODE"); !r) return r.error();
    }
    auto stuck = writer_->flush();
    EXPECT_FALSE(stuck.ok()) << "answered while the writer could not write";
    if (!stuck) {
      EXPECT_EQ(stuck.error().status, 503);
      EXPECT_NE(stuck.error().message.find("items: 1 records are not written yet"), std::string::npos)
          << stuck.error().message;
    }
    return {};
  });
  ASSERT_TRUE(held.ok()) << held.error().message;
  // The lock is free again well within the backends' 5 s lock wait.
  ASSERT_TRUE(writer_->flush().ok());
  EXPECT_EQ(rows(), 1);
}

TEST_P(BatchWriterThreadTest, ManyRecordsPushedWhileTheWriterCommits) {
  writer_ = make_writer({.flush_after = 200ms, .batch_limit = 25, .read_wait_limit = kPatience});
  constexpr int kRecords = 1000;
  for (int i = 0; i < kRecords; ++i) {
    push(i);
    if (i % 40 == 7) timers_.advance(250ms);
    if (i % 100 == 99) {
      ASSERT_TRUE(writer_->flush().ok());
      EXPECT_EQ(rows(), i + 1) << "the flush waited for every record before it";
    }
  }
  writer_.reset();
  EXPECT_EQ(rows(), kRecords);
  EXPECT_GT(commits(), 1);
  EXPECT_LT(commits(), kRecords / 5) << "batched, not one commit per record";
}

INSTANTIATE_TEST_SUITE_P(Storage, BatchWriterTest, testing::ValuesIn(kBothBackends), BackendName{});
INSTANTIATE_TEST_SUITE_P(Storage, BatchWriterThreadTest, testing::ValuesIn(kBothBackends), BackendName{});

}  // namespace
}  // namespace cvw::storage::test
