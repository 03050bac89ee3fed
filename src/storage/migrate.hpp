// Versioned schema migrations, the same list for both backends.
//
//   constexpr Migration kMigrations[] = {
//       {1, "users", "CREATE TABLE users (id TEXT PRIMARY KEY, sip_uri TEXT NOT NULL UNIQUE)"},
//       {2, "user display names", "ALTER TABLE users ADD COLUMN display_name TEXT"},
//   };
//   Result<int> version = migrate(db, kMigrations);
//
// Applied versions are recorded in schema_migrations(version, description,
// applied_at), applied_at being ISO 8601 UTC text.
#pragma once

#include <span>
#include <string_view>

#include "common/result.hpp"
#include "storage/database.hpp"

namespace cvw::storage {

struct Migration {
  int version;  // 1, 2, ...; never reused or renumbered once released
  std::string_view description;
  std::string_view sql;                  // a script: several statements allowed
  std::string_view postgresql_sql = {};  // when the dialects differ; empty: `sql` serves both
};

// Applies the migrations not yet applied, in version order, each in its own
// transaction together with its schema_migrations row, and returns the schema
// version reached. A failing migration is rolled back whole (DDL included:
// both backends have transactional DDL) and reported by version and
// description; the ones before it stay applied. Two processes migrating at
// once apply each migration once (the transaction re-checks under a lock).
// Refuses, naming both versions, a database newer than the newest migration
// given: a downgraded binary must not run on a schema it does not know.
Result<int> migrate(Database& db, std::span<const Migration> migrations);

}  // namespace cvw::storage
