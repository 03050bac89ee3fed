// The registrar's bindings in storage, on both backends: every field back as
// it was saved, an AoR's last snapshot replacing its rows (an empty one
// deleting them), expired rows skipped and deleted at load, the daemon's
// filter dropping AoRs, text PostgreSQL cannot hold made storable, and a
// "restart" (a fresh location service and store over the same database)
// after which the Call-ID/CSeq rule holds as before. Committed on the loop,
// and again by the writer thread on a second connection.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "app/registration_store.hpp"
#include "directory_fixture.hpp"
#include "registrar/location_service.hpp"

namespace cvw::app {
namespace {

using namespace std::chrono_literals;
using registrar::Binding;
using registrar::WallClock;

constexpr auto kPatience = 20s;
constexpr const char* kAlice = "sip:alice@example.com";
constexpr const char* kBob = "sip:bob@example.com";

// A quarter second past a whole second: storage keeps whole seconds.
const WallClock::time_point kNow = WallClock::time_point(1'800'000'000s + 250ms);

Binding binding(std::string contact, WallClock::duration left = 3600s) {
  Binding b;
  b.contact = std::move(contact);
  b.call_id = "call-" + b.contact;
  b.cseq = 7;
  b.expires = kNow + left;
  b.source = "udp:192.0.2.10:5060";
  b.user_agent = "Acme Phone 1.0";
  return b;
}

registrar::RegisterRequest refresh(std::string_view call_id, std::uint32_t cseq, std::string_view contact) {
  registrar::RegisterRequest r;
  r.call_id = call_id;
  r.cseq = cseq;
  r.contacts.push_back(registrar::ContactRequest{contact, 3600, "", ""});
  return r;
}

class RegistrationStoreTest : public test::DirectoryTest {
 protected:
  void SetUp() override {
    DirectoryTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store_ = make_store(db());
    ASSERT_NE(store_, nullptr);
  }

  // A store whose loop connection is `loop_db`.
  virtual std::unique_ptr<RegistrationStore> make_store(storage::Database& loop_db,
                                                        RegistrationStoreOptions options = kOptions) {
    return std::make_unique<RegistrationStore>(loop_db, timers_, nullptr, options);
  }

  std::int64_t rows(std::string_view aor) {
    auto r = db().execute("SELECT COUNT(*) AS n FROM registrations WHERE aor = $1", {std::string(aor)});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? r->rows.at(0).integer(0) : -1;
  }
  // What a fresh location service gets back from the store.
  std::vector<Binding> reloaded(std::string_view aor, WallClock::time_point at = kNow) {
    registrar::LocationService fresh;
    auto n = store_->load_into(fresh, at);
    EXPECT_TRUE(n.ok()) << n.error().message;
    return fresh.lookup(aor, at);
  }

  static constexpr RegistrationStoreOptions kOptions{.flush_after = 200ms, .batch_limit = 50,
                                                     .read_wait_limit = kPatience};
  ManualTimerService timers_;
  std::unique_ptr<RegistrationStore> store_;
};

TEST_P(RegistrationStoreTest, EveryFieldComesBackAsItWasSaved) {
  Binding b = binding("sip:alice@192.0.2.10:5060;transport=tcp");
  b.path = {"<sip:edge1.example.com;lr>", "<sip:edge2.example.com;lr;ob>"};
  b.q = "0.5";
  b.instance = "\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\"";
  b.user_agent = "Acme Phone 1.0 (Ünïcode)";
  b.cseq = 4'000'000'000u;  // above INT32_MAX: a CSeq is 32 bits unsigned
  store_->save(kAlice, {b, binding("sip:alice@198.51.100.7")});
  ASSERT_TRUE(store_->flush().ok());

  registrar::LocationService fresh;
  auto n = store_->load_into(fresh, kNow);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 2u);
  const std::vector<Binding> back = fresh.lookup(kAlice, kNow);
  ASSERT_EQ(back.size(), 2u);
  const Binding& a = back[1].contact == b.contact ? back[1] : back[0];
  EXPECT_EQ(a.contact, b.contact);
  EXPECT_EQ(a.call_id, b.call_id);
  EXPECT_EQ(a.cseq, b.cseq);
  EXPECT_EQ(a.expires, WallClock::time_point(1'800'003'601s)) << "rounded up to the second, never earlier";
  EXPECT_EQ(a.seconds_left(kNow), 3601u);
  EXPECT_EQ(a.path, b.path);
  EXPECT_EQ(a.q, "0.5");
  EXPECT_EQ(a.instance, b.instance);
  EXPECT_EQ(a.source, "udp:192.0.2.10:5060");
  EXPECT_EQ(a.user_agent, b.user_agent);
  const Binding& other = back[1].contact == b.contact ? back[0] : back[1];
  EXPECT_EQ(other.contact, "sip:alice@198.51.100.7");
  EXPECT_TRUE(other.path.empty());
  EXPECT_EQ(other.q, "");
  EXPECT_EQ(other.instance, "");
  EXPECT_EQ(store_->metrics().written, 1u) << "one snapshot";
}

TEST_P(RegistrationStoreTest, WritesWaitForTheTimerOrTheLimit) {
  store_->save(kAlice, {binding("sip:alice@192.0.2.10")});
  EXPECT_EQ(rows(kAlice), 0) << "queued";
  timers_.advance(250ms);
  EXPECT_EQ(rows(kAlice), 1) << "the flush timer wrote it (on the loop: at once)";
}

TEST_P(RegistrationStoreTest, AnEmptySnapshotDeletesTheAoR) {
  store_->save(kAlice, {binding("sip:alice@192.0.2.10"), binding("sip:alice@192.0.2.11")});
  store_->save(kBob, {binding("sip:bob@192.0.2.20")});
  ASSERT_TRUE(store_->flush().ok());
  ASSERT_EQ(rows(kAlice), 2);
  store_->save(kAlice, {});  // unregistered: "Contact: *", or the last one expired
  ASSERT_TRUE(store_->flush().ok());
  EXPECT_EQ(rows(kAlice), 0);
  EXPECT_EQ(rows(kBob), 1) << "other AoRs are left alone";
  EXPECT_TRUE(reloaded(kAlice).empty());
}

TEST_P(RegistrationStoreTest, TheLastSnapshotOfAnAoRInABatchWins) {
  store_->save(kAlice, {binding("sip:alice@192.0.2.10"), binding("sip:alice@192.0.2.11")});
  store_->save(kBob, {binding("sip:bob@192.0.2.20")});
  store_->save(kAlice, {binding("sip:alice@192.0.2.12")});
  store_->save(kBob, {binding("sip:bob@192.0.2.21")});
  store_->save(kBob, {});
  ASSERT_TRUE(store_->flush().ok());
  const std::vector<Binding> alice = reloaded(kAlice);
  ASSERT_EQ(alice.size(), 1u);
  EXPECT_EQ(alice[0].contact, "sip:alice@192.0.2.12");
  EXPECT_EQ(rows(kBob), 0) << "bob's last word was: none";
  EXPECT_EQ(store_->metrics().written, 5u) << "superseded snapshots count as written";
  EXPECT_EQ(store_->metrics().write_failures, 0u);
}

TEST_P(RegistrationStoreTest, ExpiredRowsAreSkippedAndDeletedAtLoad) {
  store_->save(kAlice, {binding("sip:alice@192.0.2.10", 60s), binding("sip:alice@192.0.2.11", 3600s)});
  store_->save(kBob, {binding("sip:bob@192.0.2.20", 90s)});
  ASSERT_TRUE(store_->flush().ok());

  registrar::LocationService fresh;
  auto n = store_->load_into(fresh, kNow + 120s);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 1u);
  const std::vector<Binding> alice = fresh.lookup(kAlice, kNow + 120s);
  ASSERT_EQ(alice.size(), 1u);
  EXPECT_EQ(alice[0].contact, "sip:alice@192.0.2.11");
  EXPECT_EQ(fresh.aor_count(), 1u) << "bob has nothing left";
  EXPECT_EQ(rows(kAlice), 1) << "no purge ran while cvwd was down: the load deletes them";
  EXPECT_EQ(rows(kBob), 0);
}

TEST_P(RegistrationStoreTest, AoRsTheFilterRefusesAreDroppedAndDeleted) {
  store_->save(kAlice, {binding("sip:alice@192.0.2.10")});
  store_->save(kBob, {binding("sip:bob@192.0.2.20"), binding("sip:bob@192.0.2.21")});
  ASSERT_TRUE(store_->flush().ok());
  // What the daemon passes: is the AoR still a user? alice is, bob is not
  // (deleted while cvwd was down).
  directory::User alice;
  alice.sip_uri = kAlice;
  ASSERT_TRUE(directory_->create_user(alice).ok());
  registrar::LocationService fresh;
  auto n = store_->load_into(fresh, kNow, [&](std::string_view aor) {
    return directory_->find_user_by_key(std::string(aor)) != nullptr;
  });
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(fresh.lookup(kAlice, kNow).size(), 1u);
  EXPECT_TRUE(fresh.lookup(kBob, kNow).empty());
  ASSERT_TRUE(store_->flush().ok());
  EXPECT_EQ(rows(kBob), 0) << "a user re-created later does not inherit the old contacts";
  EXPECT_EQ(rows(kAlice), 1);
}

TEST_P(RegistrationStoreTest, TextPostgresqlCannotHoldIsMadeStorable) {
  Binding odd = binding("sip:alice@192.0.2.10");
  odd.user_agent = std::string("Phone\xff", 6) + std::string(1, '\0') + "X";  // Latin-1 junk and a NUL
  store_->save(kAlice, {odd});
  store_->save(kBob, {binding("sip:bob@192.0.2.20")});
  ASSERT_TRUE(store_->flush().ok()) << "one client's odd header must not fail everyone's batch";
  const std::vector<Binding> alice = reloaded(kAlice);
  ASSERT_EQ(alice.size(), 1u);
  EXPECT_EQ(alice[0].user_agent, "Phone??X");
  EXPECT_EQ(rows(kBob), 1);
}

TEST_P(RegistrationStoreTest, AFailedBatchIsCounted) {
  ASSERT_TRUE(db().execute("DROP TABLE registrations").ok());
  store_->save(kAlice, {binding("sip:alice@192.0.2.10")});
  EXPECT_FALSE(store_->flush().ok());
  EXPECT_EQ(store_->metrics().write_failures, 1u);
  EXPECT_EQ(store_->metrics().written, 0u);
}

// A restart: the location service saves through on_change, then everything
// goes and a fresh service and store on a new connection load it back.
TEST_P(RegistrationStoreTest, BindingsSurviveARestartAndTheCSeqRuleHolds) {
  constexpr std::string_view kContact = "sip:alice@192.0.2.10:5060";
  {
    registrar::LocationService before;
    before.on_change = [this](std::string_view aor, const std::vector<Binding>& now) { store_->save(aor, now); };
    auto registered = before.apply(kAlice, refresh("reg-1", 5, kContact), "udp:192.0.2.10:5060", kNow);
    ASSERT_TRUE(registered.ok()) << registered.error().message;
    store_.reset();  // shutdown: the queue is written
  }

  auto connection = scratch().open();
  ASSERT_TRUE(connection.ok()) << connection.error().message;
  store_ = make_store(**connection);
  ASSERT_NE(store_, nullptr);
  registrar::LocationService after;
  auto n = store_->load_into(after, kNow + 10s);
  ASSERT_TRUE(n.ok()) << n.error().message;
  ASSERT_EQ(*n, 1u);
  after.on_change = [this](std::string_view aor, const std::vector<Binding>& now) { store_->save(aor, now); };

  // §10.3 step 7 against the restored binding.
  auto stale = after.apply(kAlice, refresh("reg-1", 5, kContact), "udp:192.0.2.10:5060", kNow + 20s);
  ASSERT_FALSE(stale.ok()) << "the same CSeq again is out of order, as before the restart";
  EXPECT_EQ(stale.error().status, 400);
  auto older = after.apply(kAlice, refresh("reg-1", 4, kContact), "udp:192.0.2.10:5060", kNow + 20s);
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.error().status, 400);
  auto refreshed = after.apply(kAlice, refresh("reg-1", 6, kContact), "udp:192.0.2.10:5060", kNow + 20s);
  ASSERT_TRUE(refreshed.ok()) << refreshed.error().message;
  ASSERT_EQ(refreshed->size(), 1u) << "refreshed, not added";
  EXPECT_EQ((*refreshed)[0].cseq, 6u);

  ASSERT_TRUE(store_->flush().ok());
  auto cseq = db().execute("SELECT cseq, expires FROM registrations WHERE aor = $1", {std::string(kAlice)});
  ASSERT_TRUE(cseq.ok()) << cseq.error().message;
  ASSERT_EQ(cseq->rows.size(), 1u);
  EXPECT_EQ(cseq->rows[0].integer(0), 6) << "the refresh was stored";
  EXPECT_EQ(cseq->rows[0].integer(1), 1'800'000'000 + 20 + 3600 + 1);
  store_.reset();  // before the connection it uses
}

// Committed by the writer thread on its own connection.
class RegistrationStoreWriterTest : public RegistrationStoreTest {
 protected:
  std::unique_ptr<RegistrationStore> make_store(storage::Database& loop_db,
                                                RegistrationStoreOptions options = kOptions) override {
    auto writer = scratch().open();
    EXPECT_TRUE(writer.ok()) << writer.error().message;
    if (!writer) return nullptr;
    return std::make_unique<RegistrationStore>(loop_db, timers_, std::move(*writer), options);
  }
  void SetUp() override {
    RegistrationStoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(store_->has_writer_thread());
  }
};

TEST_P(RegistrationStoreWriterTest, EveryFieldComesBackAsItWasSaved) {
  Binding b = binding("sip:alice@192.0.2.10:5060;transport=tcp");
  b.path = {"<sip:edge1.example.com;lr>"};
  b.q = "1.0";
  b.instance = "\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\"";
  store_->save(kAlice, {b});
  const std::vector<Binding> back = reloaded(kAlice);  // the load waits for the writer
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].contact, b.contact);
  EXPECT_EQ(back[0].path, b.path);
  EXPECT_EQ(back[0].q, "1.0");
  EXPECT_EQ(back[0].instance, b.instance);
  EXPECT_EQ(back[0].user_agent, "Acme Phone 1.0");
}

TEST_P(RegistrationStoreWriterTest, TheLastSnapshotOfAnAoRInABatchWins) {
  store_->save(kAlice, {binding("sip:alice@192.0.2.10")});
  store_->save(kAlice, {binding("sip:alice@192.0.2.11"), binding("sip:alice@192.0.2.12")});
  ASSERT_TRUE(store_->flush().ok());
  EXPECT_EQ(rows(kAlice), 2);
  EXPECT_EQ(reloaded(kAlice).size(), 2u);
}

TEST_P(RegistrationStoreWriterTest, BindingsSurviveARestart) {
  store_->save(kAlice, {binding("sip:alice@192.0.2.10")});
  store_.reset();  // the writer commits the queue before it stops
  auto connection = scratch().open();
  ASSERT_TRUE(connection.ok()) << connection.error().message;
  store_ = make_store(**connection);
  ASSERT_NE(store_, nullptr);
  registrar::LocationService after;
  auto n = store_->load_into(after, kNow);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(after.lookup(kAlice, kNow).size(), 1u);
  store_.reset();  // before the connection it uses
}

INSTANTIATE_TEST_SUITE_P(Storage, RegistrationStoreTest, ::testing::ValuesIn(storage::test::kBothBackends),
                         storage::test::BackendName());
INSTANTIATE_TEST_SUITE_P(Storage, RegistrationStoreWriterTest, ::testing::ValuesIn(storage::test::kBothBackends),
                         storage::test::BackendName());

}  // namespace
}  // namespace cvw::app
