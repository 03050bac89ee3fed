// Sign-in, tokens, sign-out and the signed-in user's own resources.
#include <boost/beast/http/field.hpp>
#include <boost/json/monotonic_resource.hpp>

#include <cctype>
#include <memory>

#include "app/api.hpp"
#include "app/sip_credentials.hpp"
#include "common/log.hpp"

namespace cvw::app {

using http::Incoming;
using http::Responder;
using http::Status;
namespace bhttp = boost::beast::http;

namespace {

http::Response token_response(const IssuedTokens& t) {
  http::Response r = http::json_response(Status::ok, {{"accessToken", t.access_token},
                                                      {"tokenType", "Bearer"},
                                                      {"expiresIn", t.access_lifetime.count()},
                                                      {"refreshToken", t.refresh_token},
                                                      {"refreshExpiresIn", t.refresh_lifetime.count()}});
  r.set(bhttp::field::cache_control, "no-store");  // RFC 6749 §5.1
  return r;
}

http::Response invalid_credentials() {
  return http::error_response(Status::unauthorized, "InvalidCredentials", "invalid username or password");
}

// The account a login names, as the throttle counts it: the same key for
// every spelling of one SIP URI, and a key even for names that are not users.
std::string account_key(std::string_view username) {
  if (auto uri = directory::normalize_sip_uri(username)) return directory::sip_uri_key(*uri);
  std::string folded(username.substr(0, 256));
  for (char& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return folded;
}

}  // namespace

void Api::login(const Incoming& in, Responder out) {
  auto body = parse_object(in.request.body());
  if (!body) return out.send(error_from(body.error()));
  JsonFields fields(*body);
  auto username = fields.string("username");
  auto password = fields.string("password");
  if (!username) return out.send(error_from(username.error()));
  if (!password) return out.send(error_from(password.error()));
  if (auto r = fields.no_unknown(); !r) return out.send(error_from(r.error()));
  if (!*username || !*password || (*username)->empty() || (*password)->empty())
    return out.send(error_from(Error{400, "\"username\" and \"password\" are required"}));
  if ((*password)->size() > directory::kMaxPasswordLength) return out.send(invalid_credentials());

  std::string account = account_key(**username);
  std::string address = in.remote.to_string();
  if (std::int64_t wait = throttle_.retry_after(account, address, now()); wait > 0) {
    log().warn("api: login for {} from {} refused: too many failures", account, address);
    http::Response r = http::error_response(Status::too_many_requests, "TooManyAttempts",
                                            "too many failed sign-in attempts; try again later");
    r.set(bhttp::field::retry_after, std::to_string(wait));
    return out.send(std::move(r));
  }
  const directory::User* user = directory_.find_user(**username);
  std::string hash = user ? user->password_hash : std::string();
  auto held = std::make_shared<Responder>(std::move(out));
  passwords_.verify(std::move(**password), hash,
                    [this, held, account = std::move(account), address = std::move(address), hash](bool ok) {
                      // The user may have changed while the hash was checked: look again.
                      const directory::User* now_user = directory_.find_user(account);
                      if (!ok || !now_user || !now_user->enabled || now_user->password_hash != hash) {
                        throttle_.failed(account, address, now());
                        log().info("api: failed sign-in for {} from {}", account, address);
                        return held->send(invalid_credentials());
                      }
                      throttle_.succeeded(account);
                      auto tokens = sessions_.open(*now_user);
                      if (!tokens) return held->send(error_from(tokens.error()));
                      log().info("api: {} signed in from {}", now_user->sip_uri, address);
                      held->send(token_response(*tokens));
                    });
}

void Api::token(const Incoming& in, Responder out) {
  auto body = parse_object(in.request.body());
  if (!body) return out.send(error_from(body.error()));
  JsonFields fields(*body);
  auto refresh = fields.string("refreshToken");
  if (!refresh) return out.send(error_from(refresh.error()));
  if (auto r = fields.no_unknown(); !r) return out.send(error_from(r.error()));
  if (!*refresh) return out.send(error_from(Error{400, "\"refreshToken\" is required"}));
  auto tokens = sessions_.refresh(**refresh);
  if (!tokens) {
    if (tokens.error().status == 401)
      return out.send(http::error_response(Status::unauthorized, "InvalidRefreshToken", tokens.error().message));
    return out.send(error_from(tokens.error()));
  }
  out.send(token_response(*tokens));
}

void Api::logout(const Incoming& in, Responder out) {
  auto principal = require_user(in, out);
  if (!principal) return;
  if (auto r = sessions_.close(principal->session_id); !r) return out.send(error_from(r.error()));
  out.send(http::empty_response(Status::no_content));
}

void Api::me(const Incoming& in, Responder out) {
  auto principal = require_user(in, out);
  if (!principal) return;
  const directory::User& user = *principal->user;
  // GET /me is what every client polls: its JSON is built in one arena on
  // the stack (no allocation per member, no destructor walk) and serialized
  // from there. It is built from the directory on every request, never
  // cached, so a changed profile or policy shows at once.
  unsigned char arena[4096];
  boost::json::monotonic_resource resource(arena, sizeof arena);
  boost::json::storage_ptr sp(&resource);
  boost::json::value body = to_json(user, sp);
  boost::json::object& o = body.get_object();
  auto effective = directory_.policies().effective(user);
  boost::json::object policy = to_json(effective.item, sp);
  policy.emplace("source", directory::to_string(effective.source));
  o.emplace("effectiveCallViaWorkPolicy", std::move(policy));
  o.emplace("callbackNumber", directory::callback_number(user, effective.item));
  o.emplace("callViaWorkCallerId", directory_.routing().call_via_work_caller_id);
  out.send(http::json_response(Status::ok, body));
}

void Api::change_password(const Incoming& in, Responder out) {
  auto principal = require_user(in, out);
  if (!principal) return;
  auto body = parse_object(in.request.body());
  if (!body) return out.send(error_from(body.error()));
  JsonFields fields(*body);
  auto current = fields.string("currentPassword");
  auto next = fields.string("newPassword");
  if (!current) return out.send(error_from(current.error()));
  if (!next) return out.send(error_from(next.error()));
  if (auto r = fields.no_unknown(); !r) return out.send(error_from(r.error()));
  if (!*current || !*next) return out.send(error_from(Error{400, "\"currentPassword\" and \"newPassword\" are required"}));
  if (auto r = directory::validate_password(**next); !r) return out.send(error_from(r.error()));
  const std::string account = directory::sip_uri_key(principal->user->sip_uri);
  const std::string old_hash = principal->user->password_hash;
  auto held = std::make_shared<Responder>(std::move(out));
  passwords_.verify(std::move(**current), old_hash,
                    [this, held, account, old_hash, next = std::move(**next)](bool ok) mutable {
                      if (!ok) return held->send(invalid_credentials());
                      const directory::User* before = directory_.find_user(account);
                      auto digest = before ? sip_digest_for(before->sip_uri, next) : directory::User::SipDigest{};
                      passwords_.hash(std::move(next), [this, held, account, old_hash,
                                                        digest = std::move(digest)](std::string encoded) {
                        const directory::User* user = directory_.find_user(account);
                        if (!user || user->password_hash != old_hash)
                          return held->send(error_from(Error{409, "the account changed meanwhile; try again"}));
                        directory::User changed = *user;
                        changed.password_hash = std::move(encoded);
                        changed.sip_digest = digest;
                        auto saved = directory_.replace_user(std::move(changed));
                        if (!saved) return held->send(error_from(saved.error()));
                        held->send(http::empty_response(Status::no_content));
                      });
                    });
}

}  // namespace cvw::app
