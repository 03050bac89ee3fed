#include "app/api.hpp"

#include <boost/beast/http/field.hpp>

#include "app/openapi_document.hpp"
#include "common/log.hpp"

namespace cvw::app {

using http::Incoming;
using http::Responder;
using http::Status;
using http::Verb;
namespace bhttp = boost::beast::http;

Api::Api(DirectoryService& directory, DirectoryStore& store, Sessions& sessions, LoginThrottle& throttle,
         PasswordWorker& passwords, const MetricsRegistry& metrics, ServerInfo info, PublishEvent publish)
    : directory_(directory),
      store_(store),
      sessions_(sessions),
      throttle_(throttle),
      passwords_(passwords),
      metrics_(metrics),
      info_(std::move(info)),
      publish_(std::move(publish)) {}

void Api::register_routes(http::Router& router) {
  // Each route calls one member: the table below is the whole API surface,
  // and tests compare it with docs/openapi.json.
  auto bind = [this](void (Api::*member)(const Incoming&, Responder)) {
    return [this, member](const Incoming& in, Responder out) { (this->*member)(in, std::move(out)); };
  };
  const std::string v1 = "/api/v1";
  router.add(Verb::get, "/healthz", bind(&Api::healthz));
  router.add(Verb::get, "/metrics", bind(&Api::metrics));
  router.add(Verb::get, v1 + "/openapi.json", bind(&Api::openapi));
  router.add(Verb::post, v1 + "/login", bind(&Api::login));
  router.add(Verb::post, v1 + "/token", bind(&Api::token));
  router.add(Verb::post, v1 + "/logout", bind(&Api::logout));
  router.add(Verb::get, v1 + "/me", bind(&Api::me));
  router.add(Verb::put, v1 + "/me/password", bind(&Api::change_password));
  router.add(Verb::get, v1 + "/me/call-settings", bind(&Api::get_call_settings));
  router.add(Verb::patch, v1 + "/me/call-settings", bind(&Api::set_call_settings));
  router.add(Verb::post, v1 + "/me/calls", bind(&Api::start_call));
  router.add(Verb::get, v1 + "/me/calls", bind(&Api::list_calls));
  router.add(Verb::get, v1 + "/me/calls/{id}", bind(&Api::get_call));
  router.add(Verb::delete_, v1 + "/me/calls/{id}", bind(&Api::end_call));
  router.add(Verb::post, v1 + "/me/calls/{id}/accept", bind(&Api::accept_call));
  router.add(Verb::post, v1 + "/me/calls/{id}/decline", bind(&Api::decline_call));
  router.add(Verb::get, v1 + "/me/call-history", bind(&Api::call_history));
  router.add(Verb::get, v1 + "/call-history.csv", bind(&Api::export_call_history));
  router.add(Verb::get, v1 + "/users", bind(&Api::list_users));
  router.add(Verb::post, v1 + "/users", bind(&Api::create_user));
  router.add(Verb::get, v1 + "/users.csv", bind(&Api::export_users));
  router.add(Verb::post, v1 + "/users.csv", bind(&Api::import_users));
  router.add(Verb::get, v1 + "/users/{sipUri}", bind(&Api::get_user));
  router.add(Verb::patch, v1 + "/users/{sipUri}", bind(&Api::patch_user));
  router.add(Verb::delete_, v1 + "/users/{sipUri}", bind(&Api::delete_user));
  router.add(Verb::post, v1 + "/users/{sipUri}/dial-plan/test", bind(&Api::test_user_number));
  router.add(Verb::get, v1 + "/call-via-work-policies", bind(&Api::list_policies));
  router.add(Verb::post, v1 + "/call-via-work-policies", bind(&Api::create_policy));
  router.add(Verb::get, v1 + "/call-via-work-policies/{identity}", bind(&Api::get_policy));
  router.add(Verb::patch, v1 + "/call-via-work-policies/{identity}", bind(&Api::patch_policy));
  router.add(Verb::delete_, v1 + "/call-via-work-policies/{identity}", bind(&Api::delete_policy));
  router.add(Verb::get, v1 + "/routing-configuration", bind(&Api::get_routing));
  router.add(Verb::patch, v1 + "/routing-configuration", bind(&Api::patch_routing));
  router.add(Verb::get, v1 + "/dial-plans", bind(&Api::list_dial_plans));
  router.add(Verb::post, v1 + "/dial-plans", bind(&Api::create_dial_plan));
  router.add(Verb::get, v1 + "/dial-plans/{identity}", bind(&Api::get_dial_plan));
  router.add(Verb::patch, v1 + "/dial-plans/{identity}", bind(&Api::patch_dial_plan));
  router.add(Verb::delete_, v1 + "/dial-plans/{identity}", bind(&Api::delete_dial_plan));
  router.add(Verb::post, v1 + "/dial-plans/{identity}/rules", bind(&Api::add_rule));
  router.add(Verb::patch, v1 + "/dial-plans/{identity}/rules/{name}", bind(&Api::patch_rule));
  router.add(Verb::delete_, v1 + "/dial-plans/{identity}/rules/{name}", bind(&Api::delete_rule));
  router.add(Verb::post, v1 + "/dial-plans/{identity}/test", bind(&Api::test_dial_plan));
  router.add(Verb::get, v1 + "/trunks", bind(&Api::trunks));
  router.add(Verb::get, v1 + "/status", bind(&Api::status));
}

http::Response error_from(const Error& error) {
  const int code = error.status >= 400 && error.status <= 599 ? error.status : 500;
  const auto status = static_cast<Status>(code);
  std::string_view subcode;
  switch (code) {
    case 400: subcode = "InvalidValue"; break;
    case 404: subcode = "NotFound"; break;
    case 409: subcode = "AlreadyExists"; break;
    case 503: subcode = "StorageUnavailable"; break;
    default: break;
  }
  if (code >= 500) log().error("api: {}", error.message);
  // Storage failures carry the backend's text, which is for the log, not the client.
  return http::error_response(status, subcode, code == 500 ? "internal error; see the server log" : error.message);
}

std::optional<Principal> Api::authenticate(const http::Request& request) const {
  std::string_view bearer = bearer_token(request[bhttp::field::authorization]);
  if (!bearer.empty()) return sessions_.authenticate(bearer);
  auto [path, query] = http::split_target(request.target());
  if (path != "/api/v1/events/ws") return std::nullopt;
  auto token = http::query_param(query, "access_token");
  return token ? sessions_.authenticate(*token) : std::nullopt;
}

void Api::user_changed(const directory::User& user) {
  if (publish_) publish_(user.sip_uri, "userUpdated", to_json(user));
}

std::optional<Principal> Api::require_user(const Incoming& in, Responder& out) const {
  auto principal = authenticate(in.request);
  if (!principal) {
    http::Response r = http::error_response(Status::unauthorized, "InvalidToken",
                                            "a valid bearer token is required (sign in at /api/v1/login)");
    r.set(bhttp::field::www_authenticate, "Bearer realm=\"cvw\"");
    out.send(std::move(r));
  }
  return principal;
}

std::optional<Principal> Api::require_admin(const Incoming& in, Responder& out) const {
  auto principal = require_user(in, out);
  if (principal && !principal->user->admin) {
    out.send(http::error_response(Status::forbidden, "AdminRequired", "this resource is for administrators"));
    return std::nullopt;
  }
  return principal;
}

std::int64_t Api::now() const { return sessions_.now(); }


boost::json::object to_json(const directory::User& u, boost::json::storage_ptr sp) {
  // Sized for every member up front (and GET /me's four more): growing the
  // table rehashes every key, which showed in the profile of GET /me.
  boost::json::object o(24, sp);
  o.emplace("sipUri", u.sip_uri);
  o.emplace("displayName", u.display_name);
  o.emplace("title", u.title);
  o.emplace("department", u.department);
  o.emplace("company", u.company);
  o.emplace("email", u.email);
  o.emplace("lineUri", u.line_uri);
  o.emplace("cvwPhoneNumber", u.cvw_phone_number);
  o.emplace("enterpriseVoice", u.enterprise_voice);
  o.emplace("autoAnswer", u.auto_answer);
  for (auto& member : call_settings_json(u, sp)) o.emplace(member.key(), std::move(member.value()));
  o.emplace("enabled", u.enabled);
  o.emplace("admin", u.admin);
  o.emplace("site", u.site);
  if (u.cvw_policy) o.emplace("callViaWorkPolicy", "Tag:" + *u.cvw_policy);
  else o.emplace("callViaWorkPolicy", nullptr);
  if (u.dial_plan) o.emplace("dialPlan", "Tag:" + *u.dial_plan);
  else o.emplace("dialPlan", nullptr);
  return o;
}

boost::json::object to_json(const directory::CallViaWorkPolicy& p, boost::json::storage_ptr sp) {
  return {{{"identity", p.identity.to_string()},
           {"enabled", p.enabled},
           {"useAdminCallbackNumber", p.use_admin_callback_number},
           {"adminCallbackNumber", p.admin_callback_number}},
          std::move(sp)};
}

boost::json::object to_json(const directory::DialPlan& plan) {
  boost::json::array rules;
  for (const auto& r : plan.rules)
    rules.push_back({{"name", r.name()},
                     {"description", r.description()},
                     {"pattern", r.pattern()},
                     {"translation", r.translation()}});
  return {{"identity", plan.identity.to_string()}, {"description", plan.description}, {"rules", std::move(rules)}};
}

void Api::healthz(const Incoming&, Responder out) {
  if (auto r = store_.ping(); !r) {
    log().warn("healthz: storage failing: {}", r.error().message);
    out.send(http::json_response(Status::service_unavailable,
                                 {{"status", "failing"}, {"storage", r.error().message}}));
    return;
  }
  out.send(http::json_response(Status::ok, {{"status", "ok"}, {"storage", "ok"}}));
}

void Api::metrics(const Incoming&, Responder out) {
  http::Response r{Status::ok, 11};
  r.set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  r.body() = metrics_.render();
  out.send(std::move(r));
}

void Api::openapi(const Incoming&, Responder out) {
  http::Response r{Status::ok, 11};
  r.set(bhttp::field::content_type, "application/json");
  r.body() = std::string(openapi_document());
  out.send(std::move(r));
}

void Api::trunks(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  boost::json::array list;
  for (const auto& t : info_.trunks) {
    boost::json::array sources;
    for (const auto& s : t.allowed_sources) sources.emplace_back(s);
    list.push_back({{"name", t.name},
                    {"address", t.address},
                    {"allowedSources", std::move(sources)},
                    {"authenticates", t.authenticates}});
  }
  out.send(http::json_response(Status::ok, {{"trunks", std::move(list)}}));
}

void Api::status(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  boost::json::object o{{"version", info_.version},
                        {"uptimeSeconds", now() - info_.started},
                        {"storage", info_.storage_backend},
                        {"users", directory_.user_count()},
                        {"sessions", sessions_.size()}};
  if (info_.runtime_status) info_.runtime_status(o);
  out.send(http::json_response(Status::ok, o));
}

}  // namespace cvw::app
