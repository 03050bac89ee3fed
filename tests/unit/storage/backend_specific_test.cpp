// What each backend does on its own: SQLite's connection settings and lock
// waits, PostgreSQL's session settings, lock waits and reconnection.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "scratch_database.hpp"
#include "storage/database.hpp"

namespace cvw::storage::test {
namespace {

using testing::HasSubstr;

QueryResult must(Result<QueryResult> r) {
  EXPECT_TRUE(r.ok()) << (r ? "" : r.error().message);
  return r ? std::move(*r) : QueryResult{};
}

std::string first_value(Database& db, std::string_view sql) {
  return std::string(must(db.execute(sql)).rows.at(0).text(0));
}

std::unique_ptr<Database> must_open(const ScratchDatabase& scratch) {
  Result<std::unique_ptr<Database>> db = scratch.open();
  EXPECT_TRUE(db) << db.error().message;
  return db ? std::move(*db) : nullptr;
}

// Both backends wait 5 s for a lock before giving up with 503.
constexpr auto kLockWait = std::chrono::milliseconds(4500);

// ---------------------------------------------------------------------------
// SQLite

class SqliteTest : public BackendTest {};
INSTANTIATE_TEST_SUITE_P(Storage, SqliteTest, testing::Values(Backend::sqlite), BackendName{});

TEST_P(SqliteTest, OpensWithWalFullSyncForeignKeysAndABusyTimeout) {
  EXPECT_EQ(first_value(db(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(first_value(db(), "PRAGMA synchronous"), "2");  // FULL
  EXPECT_EQ(first_value(db(), "PRAGMA foreign_keys"), "1");
  EXPECT_EQ(first_value(db(), "PRAGMA busy_timeout"), "5000");
}

TEST_P(SqliteTest, LockedBeyondTheBusyTimeoutIs503) {
  must(db().execute(kCreateItems));
  std::unique_ptr<Database> other = must_open(scratch());
  ASSERT_NE(other, nullptr);
  must(other->execute("BEGIN IMMEDIATE"));  // holds the write lock

  const auto start = std::chrono::steady_clock::now();
  Result<QueryResult> r = db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {1, "a"});
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 503);
  EXPECT_THAT(r.error().message, HasSubstr("locked"));
  EXPECT_GE(waited, kLockWait);

  must(other->execute("ROLLBACK"));
  must(db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {1, "a"}));
}

TEST(StorageSqliteMemory, InMemoryDatabaseWorks) {
  Result<std::unique_ptr<Database>> db = open_database("sqlite::memory:");
  ASSERT_TRUE(db) << db.error().message;
  must((*db)->execute(kCreateItems));
  must((*db)->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {1, "a"}));
  EXPECT_EQ(first_value(**db, "SELECT name FROM items"), "a");
}

// ---------------------------------------------------------------------------
// PostgreSQL

class PostgresTest : public BackendTest {
 protected:
  std::int64_t backend_pid(Database& db) {
    return must(db.execute("SELECT pg_backend_pid() AS pid")).rows.at(0).integer(0);
  }
  // Ends db's server process from another connection, as a server restart or
  // an administrator would, and waits until it is gone.
  void terminate(std::int64_t pid) {
    std::unique_ptr<Database> admin = must_open(scratch());
    ASSERT_NE(admin, nullptr);
    const QueryResult r =
        must(admin->execute("SELECT pg_terminate_backend($1, 5000) AS done", {pid}));
    ASSERT_TRUE(r.rows.at(0).boolean(0));
  }
};
INSTANTIATE_TEST_SUITE_P(Storage, PostgresTest, testing::Values(Backend::postgresql),
                         BackendName{});

TEST_P(PostgresTest, SessionIsSetUp) {
  EXPECT_EQ(first_value(db(), "SHOW client_min_messages"), "warning");
  EXPECT_EQ(first_value(db(), "SHOW lock_timeout"), "5s");
}

TEST_P(PostgresTest, IdleConnectionEndedByTheServerIsReopened) {
  must(db().execute(kCreateItems));
  must(db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {1, "a"}));
  const std::int64_t before = backend_pid(db());
  terminate(before);

  // The next statement runs on a new connection, set up as the first was
  // (same schema from the URL, same session settings).
  EXPECT_EQ(first_value(db(), "SELECT name FROM items"), "a");
  EXPECT_NE(backend_pid(db()), before);
  EXPECT_EQ(first_value(db(), "SHOW client_min_messages"), "warning");
}

TEST_P(PostgresTest, ConnectionLostInsideATransactionIs503AndTheNextCallReconnects) {
  must(db().execute(kCreateItems));
  Result<QueryResult> second = QueryResult{};
  Result<void> r = db().transaction([&]() -> Result<void> {
    must(db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {1, "lost"}));
    terminate(backend_pid(db()));
    // Reconnecting here would run the rest outside the transaction.
    second = db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {2, "lost too"});
    if (!second) return second.error();
    return {};
  });
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().status, 503);
  EXPECT_THAT(second.error().message, HasSubstr("lost inside a transaction"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 503);

  EXPECT_EQ(first_value(db(), "SELECT COUNT(*) AS n FROM items"), "0");
}

TEST_P(PostgresTest, CopyIsRefusedAndTheConnectionStaysUsable) {
  must(db().execute(kCreateItems));
  for (const char* copy : {"COPY items TO STDOUT", "COPY items FROM STDIN"}) {
    Result<QueryResult> r = db().execute(copy);
    ASSERT_FALSE(r) << copy;
    EXPECT_EQ(r.error().status, 500);
    EXPECT_THAT(r.error().message, HasSubstr("COPY is not supported"));
    EXPECT_EQ(first_value(db(), "SELECT COUNT(*) AS n FROM items"), "0");
  }
}

TEST_P(PostgresTest, LockWaitBeyondTheTimeoutIs503) {
  must(db().execute(kCreateItems));
  must(db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {1, "a"}));
  std::unique_ptr<Database> other = must_open(scratch());
  ASSERT_NE(other, nullptr);
  must(other->execute("BEGIN"));
  must(other->execute("UPDATE items SET qty = 1 WHERE id = 1"));  // holds the row lock

  const auto start = std::chrono::steady_clock::now();
  Result<QueryResult> r = db().execute("UPDATE items SET qty = 2 WHERE id = $1", {1});
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 503);
  EXPECT_THAT(r.error().message, HasSubstr("lock timeout"));
  EXPECT_GE(waited, kLockWait);
  must(other->execute("ROLLBACK"));
}

}  // namespace
}  // namespace cvw::storage::test
