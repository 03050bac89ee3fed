// A fresh, empty database of either backend for one test, and the fixture
// the backend-parameterized suites share.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "storage/database.hpp"

namespace cvw::storage::test {

enum class Backend { sqlite, postgresql };

inline constexpr Backend kBothBackends[] = {Backend::sqlite, Backend::postgresql};

inline const char* name_of(Backend backend) {
  return backend == Backend::sqlite ? "sqlite" : "postgresql";
}
inline void PrintTo(Backend backend, std::ostream* os) {
  *os << name_of(backend);
}

// For INSTANTIATE_TEST_SUITE_P(Storage, ...): tests are named
// Storage/Suite.Test/sqlite and .../postgresql.
struct BackendName {
  std::string operator()(const testing::TestParamInfo<Backend>& info) const {
    return name_of(info.param);
  }
};

// The test server's URL from CVW_TEST_POSTGRES_URL (ctest's postgres fixture
// sets it), or nullopt.
std::optional<std::string> postgres_test_url();

// SQLite: a new file in a new temporary folder. PostgreSQL: a new schema on
// the test server, pinned in the URL (options=-csearch_path=...) so that
// every connection, reconnections included, works inside it. The destructor
// removes it.
class ScratchDatabase {
 public:
  static Result<std::unique_ptr<ScratchDatabase>> create(Backend backend);
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& url() const { return url_; }
  // A new connection to it.
  Result<std::unique_ptr<Database>> open() const { return open_database(url_); }

 private:
  ScratchDatabase() = default;

  std::string url_;
  std::string folder_;               // SQLite
  std::string schema_;               // PostgreSQL
  std::unique_ptr<Database> admin_;  // PostgreSQL: creates and drops the schema
};

// A parameterized test with db() open on a scratch database of its backend.
// Without a PostgreSQL server the PostgreSQL tests skip, except in CI
// (CI=true), where they fail: CI must never skip them silently.
class BackendTest : public testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;
  Database& db() { return *db_; }
  ScratchDatabase& scratch() { return *scratch_; }

 private:
  std::unique_ptr<ScratchDatabase> scratch_;  // declared first: outlives db_
  std::unique_ptr<Database> db_;
};

// "items": the table most tests use.
constexpr const char* kCreateItems =
    "CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, note TEXT, "
    "active INTEGER NOT NULL DEFAULT 1, qty INTEGER CHECK (qty >= 0))";

}  // namespace cvw::storage::test
