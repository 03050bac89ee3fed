// The Database contract, the same tests against SQLite and PostgreSQL.
#include "storage/database.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>

#include "scratch_database.hpp"

namespace cvw::storage::test {
namespace {

using testing::HasSubstr;
using testing::Not;
using testing::StartsWith;

// The result of a statement that must succeed (empty after a reported failure,
// so that .at() fails the test rather than crash it).
QueryResult must(Result<QueryResult> r) {
  EXPECT_TRUE(r.ok()) << (r ? "" : r.error().message);
  return r ? std::move(*r) : QueryResult{};
}

std::int64_t count_items(Database& db) {
  return must(db.execute("SELECT COUNT(*) AS n FROM items")).rows.at(0).integer(0);
}

class DatabaseTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    must(db().execute(kCreateItems));
  }
  std::string prefix() { return std::string(db().backend()) + ": "; }
};

INSTANTIATE_TEST_SUITE_P(Storage, DatabaseTest, testing::ValuesIn(kBothBackends), BackendName{});

TEST_P(DatabaseTest, NamesItsBackend) {
  EXPECT_EQ(db().backend(), GetParam() == Backend::sqlite ? "sqlite" : "postgresql");
}

TEST_P(DatabaseTest, ReturnsColumnsAndRowsAsText) {
  must(db().execute("INSERT INTO items (id, name, note, active, qty) VALUES ($1, $2, $3, $4, $5)",
                    {1, "alice", "first", 1, 7}));
  must(db().execute("INSERT INTO items (id, name, note, active, qty) VALUES ($1, $2, $3, $4, $5)",
                    {2, "bob", std::monostate{}, 0, std::monostate{}}));

  const QueryResult r =
      must(db().execute("SELECT id, name, note, active, qty FROM items ORDER BY id"));
  EXPECT_THAT(r.columns, testing::ElementsAre("id", "name", "note", "active", "qty"));
  ASSERT_EQ(r.rows.size(), 2u);
  const Row& alice = r.rows[0];
  ASSERT_EQ(alice.size(), 5u);
  EXPECT_EQ(alice.text(0), "1");
  EXPECT_EQ(alice.integer(0), 1);
  EXPECT_EQ(alice.text(1), "alice");
  EXPECT_EQ(alice.value(2), "first");
  EXPECT_TRUE(alice.boolean(3));
  EXPECT_EQ(alice.integer(4), 7);
  const Row& bob = r.rows[1];
  EXPECT_TRUE(bob.is_null(2));
  EXPECT_EQ(bob.value(2), std::nullopt);
  EXPECT_FALSE(bob.boolean(3));
  EXPECT_TRUE(bob.is_null(4));
  EXPECT_THROW((void)bob.text(2), std::logic_error);
  EXPECT_THROW((void)bob.integer(4), std::logic_error);
  EXPECT_THROW((void)bob.integer(1), std::logic_error);  // "bob" is no number
  EXPECT_THROW((void)bob.text(5), std::out_of_range);
}

TEST_P(DatabaseTest, TextWithQuotesAndUnicodeRoundTrips) {
  const std::string tricky[] = {
      "O'Brien said \"hi\"; DROP TABLE items; --",
      "back\\slash and $1 and ? and :name",
      "Grüße, 日本語, עברית, emoji 🎉",
      "",  // empty text is not NULL
      std::string(2000, 'x'),
  };
  std::int64_t id = 0;
  for (const std::string& text : tricky)
    must(db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {++id, text}));
  id = 0;
  for (const std::string& text : tricky) {
    const QueryResult r = must(db().execute("SELECT name FROM items WHERE id = $1", {++id}));
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_FALSE(r.rows[0].is_null(0));
    EXPECT_EQ(r.rows[0].text(0), text);
    // and it matches as a parameter too
    EXPECT_EQ(
        must(db().execute("SELECT id FROM items WHERE name = $1", {text})).rows.at(0).integer(0),
        id);
  }
}

TEST_P(DatabaseTest, IntegersRoundTripToTheLimits) {
  const std::int64_t values[] = {0, -1, 42, std::numeric_limits<std::int64_t>::max(),
                                 std::numeric_limits<std::int64_t>::min()};
  std::int64_t id = 0;
  for (const std::int64_t v : values) {
    ++id;
    must(db().execute("INSERT INTO items (id, name) VALUES ($1, $2)",
                      {v, "n" + std::to_string(id)}));
    const QueryResult r =
        must(db().execute("SELECT id FROM items WHERE name = $1", {"n" + std::to_string(id)}));
    EXPECT_EQ(r.rows.at(0).integer(0), v);
    EXPECT_EQ(r.rows.at(0).text(0), std::to_string(v));
  }
}

TEST_P(DatabaseTest, PlaceholdersBindByNumberNotByPosition) {
  must(db().execute("INSERT INTO items (name, id) VALUES ($2, $1)", {7, "seven"}));
  const QueryResult r = must(db().execute("SELECT name FROM items WHERE id = $1", {7}));
  EXPECT_EQ(r.rows.at(0).text(0), "seven");

  // One placeholder used twice, and in reverse order of appearance.
  const QueryResult both = must(db().execute(
      "SELECT id FROM items WHERE name = $2 AND (id = $1 OR id = $1 + 1)", {7, "seven"}));
  EXPECT_EQ(both.rows.size(), 1u);
}

TEST_P(DatabaseTest, ParameterCountMustMatchThePlaceholders) {
  Result<QueryResult> missing = db().execute("SELECT name FROM items WHERE id = $1");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().status, 500);

  Result<QueryResult> extra = db().execute("SELECT name FROM items WHERE id = $1", {1, 2});
  ASSERT_FALSE(extra);
  EXPECT_EQ(extra.error().status, 500);

  // A gap: PostgreSQL cannot type $2, so SQLite refuses it as well.
  Result<QueryResult> gap =
      db().execute("SELECT name FROM items WHERE id = $1 OR id = $3", {1, 2, 3});
  ASSERT_FALSE(gap);
  EXPECT_THAT(gap.error().message, HasSubstr("$2"));
}

TEST_P(DatabaseTest, NullParameterStoresNull) {
  must(db().execute("INSERT INTO items (id, name, note) VALUES ($1, $2, $3)",
                    {1, "a", std::monostate{}}));
  EXPECT_EQ(must(db().execute("SELECT COUNT(*) AS n FROM items WHERE note IS NULL"))
                .rows.at(0)
                .integer(0),
            1);
}

TEST_P(DatabaseTest, AffectedCountsChangedRowsOnly) {
  for (int i = 1; i <= 3; ++i)
    EXPECT_EQ(must(db().execute("INSERT INTO items (id, name) VALUES ($1, $2)",
                                {i, "i" + std::to_string(i)}))
                  .affected,
              1);
  EXPECT_EQ(must(db().execute("UPDATE items SET note = $1 WHERE id >= $2", {"x", 2})).affected, 2);
  EXPECT_EQ(must(db().execute("UPDATE items SET note = $1 WHERE id > $2", {"x", 100})).affected, 0);
  EXPECT_EQ(must(db().execute("SELECT id FROM items")).affected, 0);
  EXPECT_EQ(must(db().execute("CREATE TABLE other (id BIGINT PRIMARY KEY)")).affected, 0);
  EXPECT_EQ(must(db().execute("DELETE FROM items WHERE id = $1", {1})).affected, 1);
  EXPECT_EQ(must(db().execute("DELETE FROM items WHERE id = $1", {1})).affected, 0);
}

TEST_P(DatabaseTest, ReturningGivesTheRowsBack) {
  QueryResult inserted = must(db().execute(
      "INSERT INTO items (id, name) VALUES ($1, $2) RETURNING id, active", {5, "five"}));
  EXPECT_THAT(inserted.columns, testing::ElementsAre("id", "active"));
  EXPECT_EQ(inserted.rows.at(0).integer(0), 5);
  EXPECT_TRUE(inserted.rows.at(0).boolean(1));  // the column default
  EXPECT_EQ(inserted.affected, 1);

  QueryResult updated =
      must(db().execute("UPDATE items SET qty = $1 WHERE id = $2 RETURNING qty", {3, 5}));
  EXPECT_EQ(updated.rows.at(0).integer(0), 3);

  QueryResult deleted = must(db().execute("DELETE FROM items WHERE id = $1 RETURNING name", {5}));
  EXPECT_EQ(deleted.rows.at(0).text(0), "five");
  EXPECT_EQ(deleted.affected, 1);
}

TEST_P(DatabaseTest, OnConflictUpserts) {
  constexpr const char* kUpsert =
      "INSERT INTO items (id, name, qty) VALUES ($1, $2, $3) "
      "ON CONFLICT (id) DO UPDATE SET name = excluded.name, qty = excluded.qty RETURNING name, qty";
  QueryResult first = must(db().execute(kUpsert, {1, "old", 1}));
  EXPECT_EQ(first.rows.at(0).text(0), "old");
  QueryResult second = must(db().execute(kUpsert, {1, "new", 2}));
  EXPECT_EQ(second.rows.at(0).text(0), "new");
  EXPECT_EQ(second.rows.at(0).integer(1), 2);
  EXPECT_EQ(count_items(db()), 1);

  QueryResult ignored = must(db().execute(
      "INSERT INTO items (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", {1, "other"}));
  EXPECT_EQ(ignored.affected, 0);
  EXPECT_EQ(must(db().execute("SELECT name FROM items")).rows.at(0).text(0), "new");
}

TEST_P(DatabaseTest, BooleanExpressionsReadAsBooleans) {
  must(db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {1, "a"}));
  // PostgreSQL writes t/f, SQLite 1/0: boolean() reads both.
  const QueryResult r =
      must(db().execute("SELECT EXISTS (SELECT 1 FROM items WHERE id = $1) AS yes, EXISTS (SELECT "
                        "1 FROM items WHERE id = $2) AS no",
                        {1, 2}));
  EXPECT_TRUE(r.rows.at(0).boolean(0));
  EXPECT_FALSE(r.rows.at(0).boolean(1));
}

TEST_P(DatabaseTest, TransactionCommits) {
  Result<void> r = db().transaction([&]() -> Result<void> {
    EXPECT_TRUE(db().in_transaction());
    for (int i = 1; i <= 2; ++i) {
      if (auto e = db().execute("INSERT INTO items (id, name) VALUES ($1, $2)",
                                {i, "t" + std::to_string(i)});
          !e)
        return e.error();
    }
    return {};
  });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(db().in_transaction());
  // Another connection sees the commit.
  Result<std::unique_ptr<Database>> other = scratch().open();
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_EQ(count_items(**other), 2);
}

TEST_P(DatabaseTest, TransactionRollsBackWhenFnFails) {
  Result<void> r = db().transaction([&]() -> Result<void> {
    must(db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {1, "gone"}));
    return Error{422, "the caller's own reason"};
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 422);  // returned as is
  EXPECT_EQ(r.error().message, "the caller's own reason");
  EXPECT_FALSE(db().in_transaction());
  EXPECT_EQ(count_items(db()), 0);
}

TEST_P(DatabaseTest, TransactionRollsBackAndRethrowsWhenFnThrows) {
  EXPECT_THROW((void)db().transaction([&]() -> Result<void> {
    must(db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {1, "gone"}));
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  EXPECT_FALSE(db().in_transaction());
  EXPECT_EQ(count_items(db()), 0);
  // The connection is usable for the next transaction.
  Result<void> next = db().transaction([&]() -> Result<void> {
    if (auto e = db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {2, "kept"}); !e)
      return e.error();
    return {};
  });
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(count_items(db()), 1);
}

TEST_P(DatabaseTest, NestedTransactionIsRefused) {
  Result<void> inner;
  Result<void> outer = db().transaction([&]() -> Result<void> {
    must(db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {1, "outer"}));
    inner = db().transaction([] { return Result<void>{}; });
    return inner;
  });
  ASSERT_FALSE(inner);
  EXPECT_EQ(inner.error().status, 500);
  EXPECT_THAT(inner.error().message, HasSubstr("nested transaction"));
  ASSERT_FALSE(outer);
  EXPECT_EQ(count_items(db()), 0);
}

TEST_P(DatabaseTest, AFailedStatementDoomsTheTransaction) {
  must(db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {1, "taken"}));
  // fn ignores the 409 and carries on: PostgreSQL has aborted the
  // transaction, and SQLite must not commit it either.
  Result<void> r = db().transaction([&]() -> Result<void> {
    (void)db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {2, "new"});
    EXPECT_FALSE(db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {3, "taken"}));
    return {};
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 409);
  EXPECT_THAT(r.error().message, HasSubstr("rolled back"));
  EXPECT_EQ(count_items(db()), 1);
}

TEST_P(DatabaseTest, UniqueViolationIs409NamingTheColumn) {
  must(db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {1, "dup"}));
  Result<QueryResult> r = db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {2, "dup"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 409);
  EXPECT_THAT(r.error().message, StartsWith(prefix()));
  // sqlite: "UNIQUE constraint failed: items.name";
  // postgresql: "duplicate key value violates unique constraint "items_name_key" (Key (name)=(dup)
  // ...)"
  EXPECT_THAT(r.error().message, HasSubstr("items"));
  EXPECT_THAT(r.error().message, HasSubstr("name"));

  Result<QueryResult> key =
      db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {1, "other"});
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().status, 409);
}

TEST_P(DatabaseTest, ForeignKeyViolationIs409) {
  must(db().execute(
      "CREATE TABLE tags (item_id BIGINT NOT NULL REFERENCES items (id), tag TEXT NOT NULL)"));
  must(db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {1, "a"}));
  must(db().execute("INSERT INTO tags (item_id, tag) VALUES ($1, $2)", {1, "ok"}));
  Result<QueryResult> r =
      db().execute("INSERT INTO tags (item_id, tag) VALUES ($1, $2)", {99, "orphan"});
  ASSERT_FALSE(r) << "foreign keys are not enforced";
  EXPECT_EQ(r.error().status, 409);
  EXPECT_THAT(r.error().message,
              testing::AnyOf(HasSubstr("FOREIGN KEY"), HasSubstr("foreign key")));
  // Deleting a referenced row is refused too.
  Result<QueryResult> del = db().execute("DELETE FROM items WHERE id = $1", {1});
  ASSERT_FALSE(del);
  EXPECT_EQ(del.error().status, 409);
}

TEST_P(DatabaseTest, NotNullAndCheckViolationsAre409) {
  Result<QueryResult> null_name =
      db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {1, std::monostate{}});
  ASSERT_FALSE(null_name);
  EXPECT_EQ(null_name.error().status, 409);
  EXPECT_THAT(null_name.error().message, HasSubstr("name"));

  Result<QueryResult> negative =
      db().execute("INSERT INTO items (id, name, qty) VALUES ($1, $2, $3)", {1, "a", -1});
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().status, 409);
  EXPECT_THAT(negative.error().message, testing::AnyOf(HasSubstr("CHECK"), HasSubstr("check")));
}

TEST_P(DatabaseTest, BadSqlIs500WithTheBackendsMessage) {
  Result<QueryResult> typo = db().execute("SELEC id FROM items");
  ASSERT_FALSE(typo);
  EXPECT_EQ(typo.error().status, 500);
  EXPECT_THAT(typo.error().message, StartsWith(prefix()));
  EXPECT_THAT(typo.error().message, HasSubstr("syntax error"));
  EXPECT_THAT(typo.error().message, HasSubstr("SELEC"));

  Result<QueryResult> missing = db().execute("SELECT id FROM no_such_table");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().status, 500);
  EXPECT_THAT(missing.error().message, HasSubstr("no_such_table"));

  Result<QueryResult> empty = db().execute("  ");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().status, 500);
}

TEST_P(DatabaseTest, ExecuteTakesOneStatement) {
  Result<QueryResult> two =
      db().execute("INSERT INTO items (id, name) VALUES (1, 'a'); DELETE FROM items");
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().status, 500);
  EXPECT_EQ(count_items(db()), 0);
  // A trailing semicolon or comment is still one statement.
  must(db().execute("INSERT INTO items (id, name) VALUES (1, 'a'); -- done"));
  EXPECT_EQ(count_items(db()), 1);
}

TEST_P(DatabaseTest, ExecuteScriptRunsSeveralStatements) {
  Result<void> r = db().execute_script(
      "CREATE TABLE a (x INTEGER); INSERT INTO a (x) VALUES (1);\n"
      "INSERT INTO a (x) VALUES (2); -- a comment\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(must(db().execute("SELECT SUM(x) AS total FROM a")).rows.at(0).integer(0), 3);

  Result<void> bad =
      db().execute_script("INSERT INTO a (x) VALUES (3); INSERT INTO nowhere VALUES (1)");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().status, 500);
  EXPECT_THAT(bad.error().message, HasSubstr("nowhere"));
}

TEST_P(DatabaseTest, TextWithNulIsRefused) {
  Result<QueryResult> r =
      db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {1, std::string("a\0b", 3)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 500);
  EXPECT_THAT(r.error().message, HasSubstr("$2"));
  EXPECT_EQ(count_items(db()), 0);
}

TEST_P(DatabaseTest, RepeatedStatementsSeeSchemaChanges) {
  // The SQLite backend keeps prepared statements; they must follow DDL.
  must(db().execute("INSERT INTO items (id, name) VALUES ($1, $2)", {1, "a"}));
  EXPECT_EQ(must(db().execute("SELECT * FROM items WHERE id = $1", {1})).columns.size(), 5u);
  must(db().execute("ALTER TABLE items ADD COLUMN extra TEXT"));
  EXPECT_EQ(must(db().execute("SELECT * FROM items WHERE id = $1", {1})).columns.size(), 6u);
}

// ---------------------------------------------------------------------------
// open_database()

TEST(StorageOpenDatabase, UnknownSchemeIsNamedWithoutThePassword) {
  Result<std::unique_ptr<Database>> r = open_database("mysql://cvw:hunter2-secret@127.0.0.1/cvw");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 500);
  EXPECT_THAT(r.error().message, HasSubstr("unknown scheme 'mysql'"));
  EXPECT_THAT(r.error().message, Not(HasSubstr("hunter2-secret")));
}

TEST(StorageOpenDatabase, EmptySqlitePathIsRefused) {
  Result<std::unique_ptr<Database>> r = open_database("sqlite:");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 500);
  EXPECT_THAT(r.error().message, HasSubstr("empty database path"));
}

TEST(StorageOpenDatabase, MissingSqliteFolderIsNamedNotCreated) {
  const std::string folder = "/tmp/cvw-storage-no-such-folder-" + std::to_string(::getpid());
  Result<std::unique_ptr<Database>> r = open_database("sqlite:" + folder + "/cvw.db");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 503);
  EXPECT_THAT(r.error().message, HasSubstr(folder));
  EXPECT_FALSE(std::filesystem::exists(folder));
}

TEST(StorageOpenDatabase, UnreachablePostgresIs503WithoutThePassword) {
  // Port 1 on loopback: refused at once, nothing leaves the machine.
  Result<std::unique_ptr<Database>> r =
      open_database("postgresql://cvw:hunter2-secret@127.0.0.1:1/cvw");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 503);
  EXPECT_THAT(r.error().message, HasSubstr("127.0.0.1"));
  EXPECT_THAT(r.error().message, HasSubstr("cvw:***@"));
  EXPECT_THAT(r.error().message, Not(HasSubstr("hunter2-secret")));

  Result<std::unique_ptr<Database>> query =
      open_database("postgres://cvw@127.0.0.1:1/cvw?password=hunter2-secret&connect_timeout=2");
  ASSERT_FALSE(query);
  EXPECT_EQ(query.error().status, 503);
  EXPECT_THAT(query.error().message, Not(HasSubstr("hunter2-secret")));
}

TEST(StorageOpenDatabase, MalformedPostgresUrlIs500) {
  Result<std::unique_ptr<Database>> r =
      open_database("postgresql://cvw:hunter2-secret@127.0.0.1:1/cvw?bogus=1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 500);
  EXPECT_THAT(r.error().message, HasSubstr("bogus"));
  EXPECT_THAT(r.error().message, Not(HasSubstr("hunter2-secret")));
}

}  // namespace
}  // namespace cvw::storage::test
