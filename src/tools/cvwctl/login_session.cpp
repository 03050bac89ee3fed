#include "tools/cvwctl/login_session.hpp"

#include <boost/json/object.hpp>
#include <chrono>

#include "tools/cvwctl/failure.hpp"

namespace cvw::cvwctl {
namespace json = boost::json;
namespace {

Result<std::string> token_field(const json::object& reply, std::string_view key) {
  const json::value* value = reply.if_contains(key);
  if (value == nullptr || !value->is_string() || value->get_string().empty())
    return Error{0, "the server's token reply has no \"" + std::string(key) + "\""};
  return std::string(value->get_string());
}

// Saving is part of logging in and refreshing: a token that cannot be kept
// would be lost at the end of this run, so it is an error, not a warning.
void save_or_throw(const TokenStore& store, const StoredSession& session) {
  if (Result<void> saved = store.save(session); !saved)
    throw Failure(ExitCode::kFailed, saved.error().message);
}

}  // namespace

std::int64_t system_clock_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<StoredSession> session_from_reply(const json::value& reply, std::string server,
                                         std::int64_t now) {
  const json::object* object = reply.if_object();
  if (object == nullptr) return Error{0, "the server's token reply is not a JSON object"};
  StoredSession session;
  session.server = std::move(server);
  Result<std::string> access = token_field(*object, "accessToken");
  if (!access) return access.error();
  Result<std::string> refresh = token_field(*object, "refreshToken");
  if (!refresh) return refresh.error();
  session.access_token = std::move(*access);
  session.refresh_token = std::move(*refresh);
  const json::value* expires_in = object->if_contains("expiresIn");
  if (expires_in == nullptr || !expires_in->is_int64() || expires_in->get_int64() <= 0)
    return Error{0, "the server's token reply has no positive \"expiresIn\""};
  session.expires_at = now + expires_in->get_int64();
  return session;
}

const StoredSession& SavedLogin::current(ApiClient& client) {
  if (session_) return *session_;
  Result<std::optional<StoredSession>> loaded = store_.load();
  if (!loaded) throw Failure(ExitCode::kFailed, loaded.error().message);
  const std::string server = client.server().to_string();
  if (!*loaded)
    throw Failure(ExitCode::kFailed, "not logged in to " + server + ": run 'cvwctl --server " +
                                         server + " login --user SIP' or pass --token");
  if ((*loaded)->server != server)
    throw Failure(ExitCode::kFailed, "not logged in to " + server + " (the saved login is for " +
                                         (*loaded)->server + "): run 'cvwctl --server " + server +
                                         " login --user SIP' or pass --token");
  session_ = std::move(**loaded);
  return *session_;
}

std::string SavedLogin::access_token(ApiClient& client) {
  if (current(client).expires_at - kRefreshMarginSeconds <= now_()) refresh(client);
  return session_->access_token;
}

bool SavedLogin::renew(ApiClient& client) {
  if (refreshed_) return false;
  refresh(client);
  return true;
}

void SavedLogin::refresh(ApiClient& client) {
  refreshed_ = true;
  const std::string server = client.server().to_string();
  json::value reply;
  try {
    reply = client.post("/api/v1/token",
                        json::object{{"refreshToken", current(client).refresh_token}}, Auth::kNone);
  } catch (const Failure& failure) {
    if (failure.code() != ExitCode::kFailed) throw;
    throw Failure(ExitCode::kFailed,
                  "the login to " + server + " has expired, log in again: " + failure.what());
  }
  Result<StoredSession> renewed = session_from_reply(reply, server, now_());
  if (!renewed) throw Failure(ExitCode::kFailed, renewed.error().message);
  // The server retires the old refresh token now, so the new pair must be
  // saved before anything else can fail.
  save_or_throw(store_, *renewed);
  session_ = std::move(*renewed);
}

StoredSession log_in(ApiClient& client, const TokenStore& store, std::string_view username,
                     std::string_view password, std::int64_t now) {
  const json::value reply = client.post(
      "/api/v1/login", json::object{{"username", username}, {"password", password}}, Auth::kNone);
  Result<StoredSession> session = session_from_reply(reply, client.server().to_string(), now);
  if (!session) throw Failure(ExitCode::kFailed, session.error().message);
  save_or_throw(store, *session);
  return std::move(*session);
}

}  // namespace cvw::cvwctl
