// The REST API (docs/openapi.json): the routes, who may call them, and the
// translation between JSON and the directory's types. Handlers run on the
// event loop and answer from memory; only password hashing leaves it.
//
// Authorization: every /api/v1 resource except login, token and the OpenAPI
// document needs a bearer token; admin resources need an admin user (403
// otherwise). A user's own resources are found through their token, never
// through an id in the URL, so one user cannot name another's.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/call_history.hpp"
#include "app/call_planner.hpp"
#include "app/directory_service.hpp"
#include "app/login_throttle.hpp"
#include "app/password_worker.hpp"
#include "app/json_fields.hpp"
#include "app/sessions.hpp"
#include "calls/call_service.hpp"
#include "common/metrics.hpp"
#include "http/router.hpp"

namespace cvw::app {

struct TrunkInfo {
  std::string name;
  std::string address;
  std::vector<std::string> allowed_sources;
  bool authenticates = false;
};

// What /api/v1/status and /api/v1/trunks report about the rest of cvwd.
struct ServerInfo {
  std::string version;
  std::int64_t started = 0;  // Unix seconds
  std::string storage_backend;
  std::vector<TrunkInfo> trunks;
  // Fills "sip" and "http" members of the status object.
  std::function<void(boost::json::object&)> runtime_status;
};

// Puts an event on a user's event channel (events::EventHub::publish).
using PublishEvent = std::function<void(const std::string& user, std::string_view type, boost::json::object data)>;

class Api {
 public:
  Api(DirectoryService& directory, DirectoryStore& store, Sessions& sessions, LoginThrottle& throttle,
      PasswordWorker& passwords, const MetricsRegistry& metrics, ServerInfo info, PublishEvent publish = {});

  void register_routes(http::Router& router);

  // Click-to-call: the service that places the calls, the settings that plan
  // them and the history of ended calls. Without it (tests of other
  // resources), starting a call answers 503 and the lists are empty.
  void set_calls(calls::CallService& service, CallSettings settings, CallHistory& history);

  // The principal of a request, from its bearer token. The event channel's
  // WebSocket also accepts the token as ?access_token= (RFC 6750 §2.3):
  // a browser's WebSocket cannot send an Authorization header.
  std::optional<Principal> authenticate(const http::Request& request) const;

 private:
  // Sends 401/403 and returns nullopt when the caller may not proceed.
  std::optional<Principal> require_user(const http::Incoming& in, http::Responder& out) const;
  std::optional<Principal> require_admin(const http::Incoming& in, http::Responder& out) const;

  // service
  void healthz(const http::Incoming&, http::Responder);
  void metrics(const http::Incoming&, http::Responder);
  void openapi(const http::Incoming&, http::Responder);
  void trunks(const http::Incoming&, http::Responder);
  void status(const http::Incoming&, http::Responder);
  // sessions and the signed-in user
  void login(const http::Incoming&, http::Responder);
  void token(const http::Incoming&, http::Responder);
  void logout(const http::Incoming&, http::Responder);
  void me(const http::Incoming&, http::Responder);
  void change_password(const http::Incoming&, http::Responder);
  // users
  void list_users(const http::Incoming&, http::Responder);
  void create_user(const http::Incoming&, http::Responder);
  void get_user(const http::Incoming&, http::Responder);
  void patch_user(const http::Incoming&, http::Responder);
  void delete_user(const http::Incoming&, http::Responder);
  void export_users(const http::Incoming&, http::Responder);
  void import_users(const http::Incoming&, http::Responder);
  void test_user_number(const http::Incoming&, http::Responder);
  // Call Via Work policies and routing
  void list_policies(const http::Incoming&, http::Responder);
  void create_policy(const http::Incoming&, http::Responder);
  void get_policy(const http::Incoming&, http::Responder);
  void patch_policy(const http::Incoming&, http::Responder);
  void delete_policy(const http::Incoming&, http::Responder);
  void get_routing(const http::Incoming&, http::Responder);
  void patch_routing(const http::Incoming&, http::Responder);
  // dial plans
  void list_dial_plans(const http::Incoming&, http::Responder);
  void create_dial_plan(const http::Incoming&, http::Responder);
  void get_dial_plan(const http::Incoming&, http::Responder);
  void patch_dial_plan(const http::Incoming&, http::Responder);
  void delete_dial_plan(const http::Incoming&, http::Responder);
  void add_rule(const http::Incoming&, http::Responder);
  void patch_rule(const http::Incoming&, http::Responder);
  void delete_rule(const http::Incoming&, http::Responder);
  void test_dial_plan(const http::Incoming&, http::Responder);
  // click-to-call (the signed-in user's own calls)
  void start_call(const http::Incoming&, http::Responder);
  void list_calls(const http::Incoming&, http::Responder);
  void get_call(const http::Incoming&, http::Responder);
  void end_call(const http::Incoming&, http::Responder);
  void get_call_settings(const http::Incoming&, http::Responder);
  void set_call_settings(const http::Incoming&, http::Responder);
  // The client's answer to an incoming call's notification.
  void accept_call(const http::Incoming&, http::Responder);
  void decline_call(const http::Incoming&, http::Responder);
  void answer_call(const http::Incoming&, http::Responder, bool accept);
  void call_history(const http::Incoming&, http::Responder);
  void export_call_history(const http::Incoming&, http::Responder);

  // Applies a user PATCH/POST body onto `user` (password handled by the caller).
  Result<void> apply_user_fields(JsonFields& fields, directory::User& user) const;
  // ringSeconds, simultaneousRing, forwarding (api_call_settings.cpp).
  Result<void> apply_call_settings(JsonFields& fields, directory::User& user) const;
  std::int64_t now() const;
  // Tells a user (all their signed-in clients) that their record changed.
  void user_changed(const directory::User& user);

  DirectoryService& directory_;
  DirectoryStore& store_;
  Sessions& sessions_;
  LoginThrottle& throttle_;
  PasswordWorker& passwords_;
  const MetricsRegistry& metrics_;
  ServerInfo info_;
  PublishEvent publish_;
  calls::CallService* calls_ = nullptr;
  CallSettings call_settings_;
  TransferInvites transfers_{directory_, call_settings_};  // every call's blind transfers
  CallHistory* history_ = nullptr;
};

// JSON forms of the directory's types (the API's schemas). `sp` is where the
// JSON is allocated: a request-scoped arena on hot paths (GET /me).
boost::json::object to_json(const directory::User& user, boost::json::storage_ptr sp = {});
// ringSeconds, simultaneousRing, forwarding: GET /api/v1/me/call-settings, and
// part of a user's record.
boost::json::object call_settings_json(const directory::User& user, boost::json::storage_ptr sp = {});
boost::json::object to_json(const directory::CallViaWorkPolicy& policy, boost::json::storage_ptr sp = {});
boost::json::object to_json(const directory::DialPlan& plan);
boost::json::object to_json(const calls::CallInfo& call);

// Error{status, message} -> a JSON error response.
http::Response error_from(const Error& error);

}  // namespace cvw::app
