// migrate(), the same tests against SQLite and PostgreSQL.
#include "storage/migrate.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "scratch_database.hpp"

namespace cvw::storage::test {
namespace {

using testing::HasSubstr;

QueryResult must(Result<QueryResult> r) {
  EXPECT_TRUE(r.ok()) << (r ? "" : r.error().message);
  return r ? std::move(*r) : QueryResult{};
}

constexpr Migration kUsers{
    1, "users", "CREATE TABLE users (id TEXT PRIMARY KEY, sip_uri TEXT NOT NULL UNIQUE)"};
constexpr Migration kDisplayName{2, "user display names",
                                 "ALTER TABLE users ADD COLUMN display_name TEXT;\n"
                                 "CREATE INDEX users_display_name ON users (display_name)"};
constexpr Migration kPolicies{3, "policies",
                              "CREATE TABLE policies (user_id TEXT NOT NULL REFERENCES users (id), "
                              "name TEXT NOT NULL, PRIMARY KEY (user_id, name))"};

class MigrateTest : public BackendTest {
 protected:
  std::vector<std::int64_t> recorded_versions() {
    std::vector<std::int64_t> out;
    for (const Row& row :
         must(db().execute("SELECT version FROM schema_migrations ORDER BY version")).rows)
      out.push_back(row.integer(0));
    return out;
  }
  bool table_exists(std::string_view table) {
    // A statement that fails exactly when the table is missing, on both.
    return db().execute("SELECT COUNT(*) AS n FROM " + std::string(table)).ok();
  }
};

INSTANTIATE_TEST_SUITE_P(Storage, MigrateTest, testing::ValuesIn(kBothBackends), BackendName{});

TEST_P(MigrateTest, FreshDatabaseGetsEveryMigration) {
  const Migration all[] = {kUsers, kDisplayName, kPolicies};
  Result<int> version = migrate(db(), all);
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_EQ(*version, 3);
  EXPECT_THAT(recorded_versions(), testing::ElementsAre(1, 2, 3));
  must(db().execute("INSERT INTO users (id, sip_uri, display_name) VALUES ($1, $2, $3)",
                    {"u1", "sip:a@x", "A"}));
  must(db().execute("INSERT INTO policies (user_id, name) VALUES ($1, $2)", {"u1", "p"}));

  const QueryResult rows =
      must(db().execute("SELECT description, applied_at FROM schema_migrations WHERE version = 2"));
  EXPECT_EQ(rows.rows.at(0).text(0), "user display names");
  EXPECT_THAT(std::string(rows.rows.at(0).text(1)),
              testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"));
}

TEST_P(MigrateTest, RunningAgainChangesNothing) {
  const Migration all[] = {kUsers, kDisplayName};
  ASSERT_TRUE(migrate(db(), all));
  must(db().execute("INSERT INTO users (id, sip_uri) VALUES ($1, $2)", {"u1", "sip:a@x"}));
  Result<int> again = migrate(db(), all);  // would fail if it re-ran CREATE TABLE
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, 2);
  EXPECT_THAT(recorded_versions(), testing::ElementsAre(1, 2));
  EXPECT_EQ(must(db().execute("SELECT COUNT(*) AS n FROM users")).rows.at(0).integer(0), 1);
}

TEST_P(MigrateTest, AppliesOnlyTheNewOnesAndKeepsData) {
  const Migration first[] = {kUsers};
  ASSERT_EQ(*migrate(db(), first), 1);
  must(db().execute("INSERT INTO users (id, sip_uri) VALUES ($1, $2)", {"u1", "sip:a@x"}));

  const Migration later[] = {kUsers, kDisplayName, kPolicies};
  Result<int> version = migrate(db(), later);
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_EQ(*version, 3);
  EXPECT_THAT(recorded_versions(), testing::ElementsAre(1, 2, 3));
  const QueryResult r =
      must(db().execute("SELECT sip_uri, display_name FROM users WHERE id = $1", {"u1"}));
  EXPECT_EQ(r.rows.at(0).text(0), "sip:a@x");
  EXPECT_TRUE(r.rows.at(0).is_null(1));
}

TEST_P(MigrateTest, AppliesInVersionOrderWhateverTheListOrder) {
  const Migration shuffled[] = {kPolicies, kUsers, kDisplayName};  // 3 needs 1's table
  Result<int> version = migrate(db(), shuffled);
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_EQ(*version, 3);
}

TEST_P(MigrateTest, EmptyListOnAFreshDatabaseIsVersionZero) {
  Result<int> version = migrate(db(), std::span<const Migration>{});
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_EQ(*version, 0);
}

TEST_P(MigrateTest, RefusesADatabaseNewerThanItsMigrations) {
  const Migration all[] = {kUsers, kDisplayName, kPolicies};
  ASSERT_TRUE(migrate(db(), all));
  const Migration older[] = {kUsers, kDisplayName};
  Result<int> r = migrate(db(), older);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 500);
  EXPECT_THAT(r.error().message, HasSubstr("version 3"));
  EXPECT_THAT(r.error().message, HasSubstr("migration 2"));
  EXPECT_THAT(recorded_versions(), testing::ElementsAre(1, 2, 3));
}

TEST_P(MigrateTest, AFailingMigrationIsRolledBackWhole) {
  const Migration broken{2, "half done",
                         "CREATE TABLE sessions (id TEXT PRIMARY KEY);\n"
                         "INSERT INTO no_such_table (x) VALUES (1)"};
  const Migration list[] = {kUsers, broken, kPolicies};
  Result<int> r = migrate(db(), list);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 500);
  EXPECT_THAT(r.error().message, HasSubstr("migration 2 (half done)"));
  EXPECT_THAT(r.error().message, HasSubstr("no_such_table"));
  EXPECT_THAT(recorded_versions(), testing::ElementsAre(1));  // 1 stays, 3 never ran
  EXPECT_FALSE(table_exists("sessions"));                     // the DDL went back too
  EXPECT_FALSE(table_exists("policies"));

  const Migration fixed{2, "sessions", "CREATE TABLE sessions (id TEXT PRIMARY KEY)"};
  const Migration repaired[] = {kUsers, fixed, kPolicies};
  Result<int> version = migrate(db(), repaired);
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_EQ(*version, 3);
  EXPECT_TRUE(table_exists("sessions"));
}

TEST_P(MigrateTest, PostgresqlSqlIsUsedOnPostgresql) {
  const Migration dialects[] = {
      {1, "dialects",
       "CREATE TABLE dialect (name TEXT); INSERT INTO dialect (name) VALUES ('sqlite')",
       "CREATE TABLE dialect (name TEXT); INSERT INTO dialect (name) VALUES ('postgresql')"}};
  ASSERT_TRUE(migrate(db(), dialects));
  EXPECT_EQ(must(db().execute("SELECT name FROM dialect")).rows.at(0).text(0), db().backend());
}

TEST_P(MigrateTest, RefusesABadList) {
  const Migration twice[] = {kUsers, {1, "again", "CREATE TABLE again (x INTEGER)"}};
  Result<int> r = migrate(db(), twice);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("version 1 appears twice"));

  const Migration zero[] = {{0, "zero", "CREATE TABLE zero (x INTEGER)"}};
  EXPECT_FALSE(migrate(db(), zero));
  const Migration empty[] = {{1, "empty", " "}};
  EXPECT_FALSE(migrate(db(), empty));
}

TEST_P(MigrateTest, TwoProcessesMigratingAtOnceApplyEachMigrationOnce) {
  // Connections stand for processes; each is used by one thread only.
  std::vector<Migration> many;
  std::vector<std::string> sql;
  for (int v = 1; v <= 8; ++v) sql.push_back("CREATE TABLE t" + std::to_string(v) + " (x INTEGER)");
  for (int v = 1; v <= 8; ++v) many.push_back({v, "table", sql[static_cast<std::size_t>(v - 1)]});

  Result<std::unique_ptr<Database>> a = scratch().open();
  Result<std::unique_ptr<Database>> b = scratch().open();
  ASSERT_TRUE(a && b);
  Result<int> result_a = 0;
  Result<int> result_b = 0;
  std::thread first([&] { result_a = migrate(**a, many); });
  std::thread second([&] { result_b = migrate(**b, many); });
  first.join();
  second.join();
  ASSERT_TRUE(result_a) << result_a.error().message;
  ASSERT_TRUE(result_b) << result_b.error().message;
  EXPECT_EQ(*result_a, 8);
  EXPECT_EQ(*result_b, 8);
  EXPECT_EQ(recorded_versions().size(), 8u);
}

}  // namespace
}  // namespace cvw::storage::test
