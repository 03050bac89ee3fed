// Schema migrations; see migrate.hpp.
#include "storage/migrate.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <vector>

#include "common/log.hpp"

namespace cvw::storage {
namespace {

// Any number, the same in every cvw process ("cvw" in ASCII).
constexpr long kAdvisoryLockKey = 0x637677;

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)";

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::array<char, 32> text{};
  const std::size_t size = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(text.data(), size);
}

std::string name_of(const Migration& m) {
  return "migration " + std::to_string(m.version) + " (" + std::string(m.description) + ")";
}

Result<int> current_version(Database& db) {
  Result<QueryResult> result = db.execute("SELECT MAX(version) AS version FROM schema_migrations");
  if (!result) return result.error();
  if (result->rows.empty() || result->rows[0].is_null(0)) return 0;
  return static_cast<int>(result->rows[0].integer(0));
}

// Called first in each migration transaction: one process migrates at a
// time. SQLite's BEGIN IMMEDIATE already holds the database's write lock;
// PostgreSQL takes an advisory lock (a table lock could not cover creating
// schema_migrations itself), waiting as long as the other process's migration
// takes rather than lock_timeout.
Result<void> lock_out_other_migrators(Database& db) {
  if (db.backend() != "postgresql") return {};
  return db.execute_script("SET LOCAL lock_timeout = 0; SELECT pg_advisory_xact_lock(" +
                           std::to_string(kAdvisoryLockKey) + ")");
}

// One migration and its bookkeeping row, inside a transaction.
Result<void> apply(Database& db, const Migration& m) {
  if (auto r = lock_out_other_migrators(db); !r) return r;
  // Another process may have applied it since we looked.
  Result<QueryResult> done =
      db.execute("SELECT version FROM schema_migrations WHERE version = $1", {m.version});
  if (!done) return done.error();
  if (!done->rows.empty()) return {};

  const bool dialect = db.backend() == "postgresql" && !m.postgresql_sql.empty();
  if (auto r = db.execute_script(dialect ? m.postgresql_sql : m.sql); !r) return r.error();
  Result<QueryResult> recorded = db.execute(
      "INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)",
      {m.version, std::string(m.description), utc_now()});
  if (!recorded) return recorded.error();
  return {};
}

}  // namespace

Result<int> migrate(Database& db, std::span<const Migration> migrations) {
  std::vector<const Migration*> ordered;
  for (const Migration& m : migrations) {
    if (m.version < 1) return Error{500, name_of(m) + ": versions start at 1"};
    if (m.sql.find_first_not_of(" \t\r\n") == std::string_view::npos)
      return Error{500, name_of(m) + ": no SQL"};
    ordered.push_back(&m);
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const Migration* a, const Migration* b) { return a->version < b->version; });
  for (std::size_t i = 1; i < ordered.size(); ++i) {
    if (ordered[i]->version == ordered[i - 1]->version)
      return Error{500,
                   "migrations: version " + std::to_string(ordered[i]->version) + " appears twice"};
  }

  const auto create_table = [&]() -> Result<void> {
    if (auto r = lock_out_other_migrators(db); !r) return r;
    if (auto r = db.execute(kCreateTable); !r) return r.error();
    return {};
  };
  if (auto r = db.transaction(create_table); !r)
    return Error{r.error().status,
                 "migrations: cannot create schema_migrations: " + r.error().message};
  Result<int> current = current_version(db);
  if (!current)
    return Error{current.error().status,
                 "migrations: cannot read the schema version: " + current.error().message};
  const int newest = ordered.empty() ? 0 : ordered.back()->version;
  if (*current > newest)
    return Error{500, "migrations: the database schema is at version " + std::to_string(*current) +
                          ", newer than this program's newest migration " + std::to_string(newest) +
                          " (a downgraded binary?); refusing to use it"};

  for (const Migration* m : ordered) {
    if (m->version <= *current) continue;
    if (auto r = db.transaction([&] { return apply(db, *m); }); !r)
      return Error{r.error().status, name_of(*m) + " failed: " + r.error().message};
    cvw::log().info("storage: {} applied ({})", name_of(*m), db.backend());
  }
  return newest;
}

}  // namespace cvw::storage
