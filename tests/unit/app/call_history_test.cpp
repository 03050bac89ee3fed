// The call history on both storage backends: batched writes that a read
// flushes, newest first, each user's own calls only, every field back as it
// went in, and a deleted user's history gone with them.
#include <gtest/gtest.h>

#include "app/call_history.hpp"
#include "directory/csv.hpp"
#include "directory_fixture.hpp"

namespace cvw::app {
namespace {

using namespace std::chrono_literals;

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
    history_ = std::make_unique<CallHistory>(db(), timers_, 200ms, 3);
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
    auto r = db().execute("SELECT COUNT(*) FROM call_history");
    return r ? static_cast<std::size_t>(r->rows.at(0).integer(0)) : 0;
  }

  ManualTimerService timers_;
  std::unique_ptr<CallHistory> history_;
};

TEST_P(CallHistoryTest, EveryFieldComesBackAsItWentIn) {
  calls::CallInfo c = ended("c-1", "sip:alice@example.com", 1'800'000'000'000ms);
  c.operation_id = "op-1";
  c.subject = "Quarterly numbers";
  c.connected_at = calls::Clock::time_point(1'800'000'000'000ms - 20s);
  c.reason = calls::EndReason{calls::EndCode::Completed, 0, calls::Party::Callee, "The other person hung up"};
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

TEST_P(CallHistoryTest, ADeletedUsersCallsAreDroppedNotTheBatch) {
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

TEST_P(CallHistoryTest, DestructionWritesWhatIsQueued) {
  history_->record(ended("c-1", "sip:alice@example.com", 1'000'000ms));
  history_.reset();
  EXPECT_EQ(rows(), 1u);
}

TEST_P(CallHistoryTest, CsvExportHasOneRowPerCallNewestFirst) {
  calls::CallInfo c = ended("c-1", "sip:alice@example.com", 1'800'000'000'000ms);
  c.connected_at = calls::Clock::time_point(1'800'000'000'000ms - 20s);
  c.subject = "Budget, \"Q3\"";
  history_->record(c);
  history_->record(ended("c-2", "sip:bob@example.com", 1'800'000'100'000ms));
  auto all = history_->list_all(10);
  ASSERT_TRUE(all.ok());
  const std::string csv = call_history_csv(*all);
  auto rows = directory::parse_csv(csv);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].fields.at(0), "id");
  EXPECT_EQ((*rows)[1].fields.at(0), "c-2");
  EXPECT_EQ((*rows)[2].fields.at(0), "c-1");
  EXPECT_EQ((*rows)[2].fields.at(1), "sip:alice@example.com");
  EXPECT_EQ((*rows)[2].fields.at(9), "20") << "seconds connected";
  EXPECT_EQ((*rows)[2].fields.at(10), "CalleeBusy");
  EXPECT_EQ((*rows)[2].fields.at(12), "486");
  EXPECT_EQ((*rows)[2].fields.at(15), "Budget, \"Q3\"") << "quoted and escaped, read back intact";
}

INSTANTIATE_TEST_SUITE_P(Storage, CallHistoryTest, ::testing::ValuesIn(storage::test::kBothBackends),
                         storage::test::BackendName());

}  // namespace
}  // namespace cvw::app
