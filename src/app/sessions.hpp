// Login sessions: bearer access tokens (short-lived) and refresh tokens
// (long-lived, rotated on every use), as OAuth 2.0 clients know them.
//
// Tokens are 256-bit random strings; only their SHA-256 is kept, in memory
// for the per-request check and in storage so that a restart does not sign
// everybody out. A request is authenticated by one hash and one map lookup,
// then the user is looked up too: deleting or disabling a user ends their
// sessions at once, without a revocation list.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "app/directory_service.hpp"
#include "app/directory_store.hpp"

namespace cvw::app {

struct SessionConfig {
  std::chrono::seconds access_lifetime{3600};
  std::chrono::seconds refresh_lifetime{7 * 24 * 3600};
};

struct IssuedTokens {
  std::string session_id;
  std::string access_token;
  std::string refresh_token;
  std::chrono::seconds access_lifetime;
  std::chrono::seconds refresh_lifetime;
};

// Who a request is from.
struct Principal {
  const directory::User* user = nullptr;
  std::string session_id;
};

class Sessions {
 public:
  using Clock = std::function<std::int64_t()>;  // Unix seconds; injectable for tests

  Sessions(DirectoryStore& store, const DirectoryService& directory, SessionConfig config = {}, Clock clock = {});

  // Loads the sessions that can still be refreshed.
  Result<void> load();

  // A new session for a user whose password was verified.
  Result<IssuedTokens> open(const directory::User& user);
  // Rotates both tokens; the old refresh token stops working. 401 when the
  // token is unknown or expired, or its user is gone or disabled.
  Result<IssuedTokens> refresh(std::string_view refresh_token);
  // The principal of a bearer access token, or nullopt.
  std::optional<Principal> authenticate(std::string_view access_token) const;
  Result<void> close(const std::string& session_id);
  // Ends every session whose refresh token has expired (nobody can use it
  // any more): from memory, from storage in one statement, and their event
  // channels (on_closed). Run from a timer; returns how many ended. A
  // storage failure leaves everything as it was.
  Result<std::size_t> purge_expired();
  std::size_t size() const { return by_id_.size(); }
  // Unix seconds by the clock sessions expire by (the API's one clock).
  std::int64_t now() const;

  // Called when a session starts (the event channel opens its queue, so
  // events published before the client's first poll are kept) and when it
  // ends (logout, expiry found on refresh: the queue is dropped).
  void on_opened(std::function<void(const Principal&)> handler) { on_opened_ = std::move(handler); }
  void on_closed(std::function<void(const std::string& session_id)> handler) { on_closed_ = std::move(handler); }

 private:
  IssuedTokens issue(StoredSession& session) const;
  void index(const StoredSession& session);
  void unindex(const StoredSession& session);

  DirectoryStore& store_;
  const DirectoryService& directory_;
  SessionConfig config_;
  Clock clock_;
  std::unordered_map<std::string, StoredSession> by_id_;
  std::unordered_map<std::string, std::string> access_to_id_;   // access hash -> id
  std::unordered_map<std::string, std::string> refresh_to_id_;  // refresh hash -> id
  std::function<void(const Principal&)> on_opened_;
  std::function<void(const std::string&)> on_closed_;
};

// "Bearer TOKEN" -> TOKEN; empty for anything else.
std::string_view bearer_token(std::string_view authorization);

// Hex SHA-256 of a token.
std::string token_hash(std::string_view token);

}  // namespace cvw::app
