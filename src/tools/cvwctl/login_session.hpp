// Signing in and staying signed in: POST /api/v1/login, the token sources
// the ApiClient asks for bearer tokens, and the refresh through
// POST /api/v1/token when the saved access token has expired.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "tools/cvwctl/api_client.hpp"
#include "tools/cvwctl/token_store.hpp"

namespace cvw::cvwctl {

// Unix seconds now; injected so tests can expire a token without waiting.
using Clock = std::function<std::int64_t()>;
std::int64_t system_clock_seconds();

// A token is refreshed this long before it expires, so that it does not
// expire between the check and the server reading the request.
inline constexpr std::int64_t kRefreshMarginSeconds = 30;

// The tokens of a login or refresh reply ({accessToken, expiresIn,
// refreshToken, ...}) as the store keeps them. Errors name the field.
Result<StoredSession> session_from_reply(const boost::json::value& reply, std::string server,
                                         std::int64_t now);

// --token or CVW_TOKEN: used as it is; a 401 cannot be repaired.
class FixedToken final : public TokenSource {
 public:
  explicit FixedToken(std::string token) : token_(std::move(token)) {}
  std::string access_token(ApiClient&) override { return token_; }
  bool renew(ApiClient&) override { return false; }

 private:
  std::string token_;
};

// The session saved by `cvwctl login`. It is only used for the server that
// issued it: sending it to another --server would hand that server our
// credentials. An access token that has expired (or that the server refuses
// with 401) is exchanged once for a new one with the refresh token, and the
// new pair is saved.
class SavedLogin final : public TokenSource {
 public:
  SavedLogin(const TokenStore& store, Clock now) : store_(store), now_(std::move(now)) {}
  std::string access_token(ApiClient& client) override;
  bool renew(ApiClient& client) override;

 private:
  const StoredSession& current(ApiClient& client);
  void refresh(ApiClient& client);

  const TokenStore& store_;
  Clock now_;
  std::optional<StoredSession> session_;
  bool refreshed_ = false;
};

// POST /api/v1/login with `username` and `password`, then saves the tokens.
// Throws Failure (the API's 401/429, or a store that cannot be written).
StoredSession log_in(ApiClient& client, const TokenStore& store, std::string_view username,
                     std::string_view password, std::int64_t now);

}  // namespace cvw::cvwctl
