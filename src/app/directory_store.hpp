// The directory's persistence: users, Call Via Work policies, dial plans, the
// routing configuration and login sessions, in the storage layer's portable
// SQL (SQLite and PostgreSQL run the same statements).
//
// Whole entities are written at once (a user row, a policy row, a dial plan
// with all its rules in one transaction): the directory service validates a
// change on its in-memory copy first, then saves the result here, so the
// database only ever holds states that passed validation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "directory/call_via_work_policy.hpp"
#include "directory/dial_plan.hpp"
#include "directory/routing_configuration.hpp"
#include "directory/user.hpp"
#include "storage/database.hpp"

namespace cvw::app {

// A login session as stored: only hashes of its tokens (a stolen database
// copy must not let anyone sign in).
struct StoredSession {
  std::string id;
  std::string user_key;  // directory::sip_uri_key of the user
  std::string access_hash;
  std::int64_t access_expires = 0;  // Unix seconds
  std::string refresh_hash;
  std::int64_t refresh_expires = 0;
};

struct DirectorySnapshot {
  std::vector<directory::User> users;
  std::vector<directory::CallViaWorkPolicy> policies;
  std::vector<directory::DialPlan> dial_plans;
  directory::RoutingConfiguration routing;
};

class DirectoryStore {
 public:
  explicit DirectoryStore(storage::Database& db) : db_(db) {}

  // Brings the schema to the newest version.
  Result<int> migrate();

  Result<DirectorySnapshot> load();

  Result<void> save_user(const directory::User& user);
  // Several users in one transaction (CSV import: all or nothing).
  Result<void> save_users(const std::vector<directory::User>& users);
  Result<void> delete_user(const std::string& sip_uri);
  Result<void> save_policy(const directory::CallViaWorkPolicy& policy);
  Result<void> delete_policy(const directory::PolicyIdentity& identity);
  Result<void> save_dial_plan(const directory::DialPlan& plan);
  Result<void> delete_dial_plan(const directory::PolicyIdentity& identity);
  Result<void> save_routing(const directory::RoutingConfiguration& routing);

  Result<void> insert_session(const StoredSession& session);
  Result<void> replace_session_tokens(const StoredSession& session);
  Result<void> delete_session(const std::string& id);
  Result<void> delete_sessions_of(const std::string& user_key);
  // Sessions whose refresh token expired at or before `now` (Unix seconds).
  Result<void> delete_expired_sessions(std::int64_t now);
  // Sessions whose refresh token is still valid at `now`; expired ones are deleted.
  Result<std::vector<StoredSession>> load_sessions(std::int64_t now);

  // A trivial query: does the database answer? (/healthz)
  Result<void> ping();

  storage::Database& database() { return db_; }

 private:
  Result<void> write_user(const directory::User& user);
  storage::Database& db_;
};

}  // namespace cvw::app
