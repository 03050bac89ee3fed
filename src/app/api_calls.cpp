// Call resources: /api/v1/me/calls, the user's click-to-calls and the calls
// ringing them (accept/decline). A user reaches only their own calls: the
// owner comes from the bearer token, and another user's call id answers 404
// exactly like one that never existed.
#include <boost/json.hpp>

#include "app/api.hpp"
#include "events/event_json.hpp"

namespace cvw::app {

using http::Incoming;
using http::Responder;
using http::Status;

namespace {

constexpr std::string_view kCallsPath = "/api/v1/me/calls/";

http::Response refusal_response(const Refusal& r) {
  return http::error_response(static_cast<Status>(r.status), r.subcode, r.message);
}

// 1..max: a page of history is read from storage on the event loop, so a
// page is bounded.
std::optional<std::size_t> parse_limit(std::string_view text, std::size_t max) {
  std::size_t n = 0;
  if (text.empty() || text.size() > 6) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  if (n < 1 || n > max) return std::nullopt;
  return n;
}

// ?limit=N, or `fallback` when absent; nullopt (and a 400 sent) when bad.
std::optional<std::size_t> limit_of(const Incoming& in, std::size_t fallback, std::size_t max, Responder& out) {
  auto text = http::query_param(http::split_target(in.request.target()).second, "limit");
  if (!text) return fallback;
  if (auto n = parse_limit(*text, max)) return n;
  out.send(error_from(Error{400, "\"limit\" must be a whole number from 1 to " + std::to_string(max) + " (got \"" +
                                     *text + "\")"}));
  return std::nullopt;
}

http::Response calls_unavailable() {
  return http::error_response(Status::service_unavailable, "CallsUnavailable",
                              "this cvwd does not place calls (no SIP stack)");
}

}  // namespace

boost::json::object to_json(const calls::CallInfo& call) {
  boost::json::object o;
  o["id"] = call.id;
  o["direction"] = calls::to_string(call.direction);
  o["state"] = calls::to_string(call.state);
  o["to"] = call.to;
  if (call.direction == calls::Direction::Incoming) {
    o["from"] = call.from;
    if (call.answered_on != calls::AnsweredOn::None)
      o["answeredOn"] = calls::to_string(call.answered_on);
    if (call.state == calls::CallState::Ringing) {
      // The notification's two buttons.
      const std::string self = std::string(kCallsPath) + call.id;
      o["actions"] = boost::json::object{{"accept", self + "/accept"}, {"decline", self + "/decline"}};
    }
  }
  boost::json::object target{{"kind", calls::to_string(call.target_kind)}, {"uri", call.target_uri}};
  if (!call.target_number.empty()) target["number"] = call.target_number;
  o["target"] = std::move(target);
  o["phoneNumber"] = call.phone_number;
  if (call.operation_id) o["operationId"] = *call.operation_id;
  if (call.subject) o["subject"] = *call.subject;
  o["startedAt"] = events::rfc3339_utc(call.started_at);
  if (call.connected_at) o["connectedAt"] = events::rfc3339_utc(*call.connected_at);
  if (call.ended_at) o["endedAt"] = events::rfc3339_utc(*call.ended_at);
  if (call.transfer_kind != calls::TransferKind::None) {
    o["transfer"] = boost::json::object{{"kind", calls::to_string(call.transfer_kind)},
                                        {"to", call.transferred_to}};
  }
  if (call.reason) {
    boost::json::object reason{{"code", calls::to_string(call.reason->code)}, {"message", call.reason->message}};
    if (call.reason->sip_status != 0) reason["sipStatus"] = call.reason->sip_status;
    if (call.reason->by != calls::Party::None) reason["by"] = calls::to_string(call.reason->by);
    o["reason"] = std::move(reason);
  }
  return o;
}

void Api::set_calls(calls::CallService& service, CallSettings settings, CallHistory& history) {
  calls_ = &service;
  call_settings_ = std::move(settings);
  history_ = &history;
}

void Api::start_call(const Incoming& in, Responder out) {
  auto principal = require_user(in, out);
  if (!principal) return;
  auto body = parse_object(in.request.body());
  if (!body) return out.send(error_from(body.error()));
  JsonFields fields(*body);
  auto to = fields.string("to");
  auto phone = fields.string("phoneNumber");
  auto operation = fields.string("operationId");
  auto subject = fields.string("subject");
  for (const auto* r : {&to, &phone, &operation, &subject}) {
    if (!*r) return out.send(error_from(r->error()));
  }
  if (auto r = fields.no_unknown(); !r) return out.send(error_from(r.error()));
  if (!*to) return out.send(error_from(Error{400, "\"to\" is required: a SIP URI or a number"}));
  if (calls_ == nullptr) return out.send(calls_unavailable());

  CallRequest request{std::move(**to), std::move(*phone), std::move(*operation), std::move(*subject)};
  PlannedCall planned = plan_click_to_call(directory_, *principal->user, request, call_settings_);
  if (!planned.plan) return out.send(refusal_response(planned.refusal));
  planned.plan->transfers = &transfers_;
  auto started = calls_->start(std::move(*planned.plan));
  if (!started) {
    const Error& e = started.error();
    return out.send(e.status == 409 ? http::error_response(Status::conflict, "TooManyCalls", e.message)
                                    : http::error_response(Status::service_unavailable, "MediaUnavailable", e.message));
  }
  http::Response r = http::json_response(Status::created, to_json(**started));
  r.set(boost::beast::http::field::location, std::string(kCallsPath) + (*started)->id);
  out.send(std::move(r));
}

void Api::list_calls(const Incoming& in, Responder out) {
  auto principal = require_user(in, out);
  if (!principal) return;
  boost::json::array list;
  if (calls_ != nullptr) {
    for (const calls::CallInfo* call : calls_->list(principal->user->sip_uri)) list.emplace_back(to_json(*call));
  }
  out.send(http::json_response(Status::ok, boost::json::object{{"calls", std::move(list)}}));
}

void Api::get_call(const Incoming& in, Responder out) {
  auto principal = require_user(in, out);
  if (!principal) return;
  const calls::CallInfo* call = calls_ ? calls_->find(principal->user->sip_uri, in.params["id"]) : nullptr;
  if (call == nullptr) return out.send(http::error_response(Status::not_found, "CallNotFound", "no such call"));
  out.send(http::json_response(Status::ok, to_json(*call)));
}

void Api::answer_call(const Incoming& in, Responder out, bool accept) {
  auto principal = require_user(in, out);
  if (!principal) return;
  if (calls_ == nullptr) return out.send(calls_unavailable());
  const std::string& owner = principal->user->sip_uri;
  const std::string id(in.params["id"]);
  Result<void> done = accept ? calls_->accept(owner, id) : calls_->decline(owner, id);
  if (!done) {
    const Error& e = done.error();
    return out.send(e.status == 404 ? http::error_response(Status::not_found, "CallNotFound", "no such incoming call")
                                    : http::error_response(Status::conflict, "CallNotRinging", e.message));
  }
  const calls::CallInfo* call = calls_->find(owner, id);
  out.send(call != nullptr ? http::json_response(Status::ok, to_json(*call)) : http::empty_response(Status::no_content));
}

void Api::accept_call(const Incoming& in, Responder out) { answer_call(in, std::move(out), true); }

void Api::decline_call(const Incoming& in, Responder out) { answer_call(in, std::move(out), false); }

void Api::end_call(const Incoming& in, Responder out) {
  auto principal = require_user(in, out);
  if (!principal) return;
  if (calls_ == nullptr || !calls_->hang_up(principal->user->sip_uri, in.params["id"])) {
    return out.send(http::error_response(Status::not_found, "CallNotFound", "no such call"));
  }
  out.send(http::empty_response(Status::no_content));
}

void Api::call_history(const Incoming& in, Responder out) {
  auto principal = require_user(in, out);
  if (!principal) return;
  const auto limit = limit_of(in, 50, 500, out);
  if (!limit) return;
  boost::json::array list;
  if (history_ != nullptr) {
    auto calls = history_->list(principal->user->sip_uri, *limit);
    if (!calls) return out.send(error_from(calls.error()));
    for (const calls::CallInfo& call : *calls) list.emplace_back(to_json(call));
  }
  out.send(http::json_response(Status::ok, boost::json::object{{"calls", std::move(list)}}));
}

void Api::export_call_history(const Incoming& in, Responder out) {
  if (!require_admin(in, out)) return;
  const auto limit = limit_of(in, 1000, 10000, out);
  if (!limit) return;
  std::vector<calls::CallInfo> calls;
  if (history_ != nullptr) {
    const auto user = http::query_param(http::split_target(in.request.target()).second, "user");
    const directory::User* who = user ? directory_.find_user(*user) : nullptr;
    if (user && who == nullptr) return out.send(http::error_response(Status::not_found, "NotFound", "no user " + *user));
    auto rows = who ? history_->list(who->sip_uri, *limit) : history_->list_all(*limit);
    if (!rows) return out.send(error_from(rows.error()));
    calls = std::move(*rows);
  }
  http::Response r{Status::ok, 11};
  r.set(boost::beast::http::field::content_type, "text/csv; charset=utf-8");
  r.body() = call_history_csv(calls);
  out.send(std::move(r));
}

}  // namespace cvw::app
