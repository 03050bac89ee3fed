// A user's call settings (issue #5): how long their devices ring, simultaneous
// ring, call forwarding. The user reads and changes their own at
// /api/v1/me/call-settings; administrators set the same fields in a user's
// record (POST/PATCH /api/v1/users). Either way a number is what the user's
// effective dial plan makes of it, so a target that cannot be dialled is
// refused when it is set, not when a call needs it; emergency numbers are
// refused as targets. Whether cvw rings them at all is the Call Via Work
// policy's business (app/incoming_planner.hpp).
#include "app/api.hpp"
#include "app/call_planner.hpp"

namespace cvw::app {

using http::Incoming;
using http::Responder;
using http::Status;

namespace {

bool looks_like_sip_uri(std::string_view target) {
  return target.starts_with("sip:") || target.find('@') != std::string_view::npos;
}

}  // namespace

boost::json::object call_settings_json(const directory::User& u, boost::json::storage_ptr sp) {
  return boost::json::object{
      {{"ringSeconds", u.ring_seconds},
       {"simultaneousRing", {{"enabled", u.simultaneous_ring.enabled}, {"target", u.simultaneous_ring.target}}},
       {"forwarding", {{"when", directory::to_string(u.forwarding.when)}, {"target", u.forwarding.target}}}},
      std::move(sp)};
}

Result<void> Api::apply_call_settings(JsonFields& f, directory::User& u) const {
  auto ring_seconds = f.integer("ringSeconds");
  if (!ring_seconds) return ring_seconds.error();
  if (*ring_seconds) {
    const std::int64_t s = **ring_seconds;
    if (s < directory::kMinRingSeconds || s > directory::kMaxRingSeconds) {
      return Error{400, "\"ringSeconds\" must be from " + std::to_string(directory::kMinRingSeconds) + " to " +
                            std::to_string(directory::kMaxRingSeconds) + " (got " + std::to_string(s) + ")"};
    }
    u.ring_seconds = static_cast<std::uint32_t>(s);
  }
  // A number as typed becomes what the dial plan makes of it; a SIP URI
  // names a user, who must exist.
  auto target_of = [&](std::string_view name, const std::string& typed) -> Result<std::string> {
    if (typed.empty()) return typed;
    if (looks_like_sip_uri(typed)) {
      if (directory_.find_user(typed) == nullptr) return Error{400, std::string(name) + ": no user " + typed};
      return typed;
    }
    auto n = normalize_number(directory_, u, typed, name);
    if (!n) return n.error();
    // cvw would place these calls itself, through the PBX, with the caller's
    // identity and no location: never to an emergency number.
    if (is_emergency_number(typed, call_settings_.emergency_numbers) ||
        is_emergency_number(*n, call_settings_.emergency_numbers)) {
      return Error{400, std::string(name) + ": an emergency number cannot be a forwarding or simultaneous-ring target"};
    }
    return n;
  };

  auto ring = f.object("simultaneousRing");
  if (!ring) return ring.error();
  if (*ring) {
    JsonFields rf(**ring);
    auto enabled = rf.boolean("enabled");
    auto target = rf.string("target");
    if (!enabled) return enabled.error();
    if (!target) return target.error();
    if (auto r = rf.no_unknown(); !r) return Error{400, "simultaneousRing: " + r.error().message};
    if (*enabled) u.simultaneous_ring.enabled = **enabled;
    if (*target) {
      if (looks_like_sip_uri(**target)) return Error{400, "simultaneousRing.target: a number, not a SIP URI"};
      auto n = target_of("simultaneousRing.target", **target);
      if (!n) return n.error();
      u.simultaneous_ring.target = std::move(*n);
    }
  }

  auto forwarding = f.object("forwarding");
  if (!forwarding) return forwarding.error();
  if (*forwarding) {
    JsonFields ff(**forwarding);
    auto when = ff.string("when");
    auto target = ff.string("target");
    if (!when) return when.error();
    if (!target) return target.error();
    if (auto r = ff.no_unknown(); !r) return Error{400, "forwarding: " + r.error().message};
    if (*when) {
      auto w = directory::forwarding_when(**when);
      if (!w) return Error{400, "forwarding.when must be \"never\", \"immediately\" or \"noAnswer\" (got \"" + **when + "\")"};
      u.forwarding.when = *w;
    }
    if (*target) {
      auto t = target_of("forwarding.target", **target);
      if (!t) return t.error();
      u.forwarding.target = std::move(*t);
    }
  }
  return {};
}

void Api::get_call_settings(const Incoming& in, Responder out) {
  auto principal = require_user(in, out);
  if (!principal) return;
  out.send(http::json_response(Status::ok, call_settings_json(*principal->user)));
}

void Api::set_call_settings(const Incoming& in, Responder out) {
  auto principal = require_user(in, out);
  if (!principal) return;
  auto body = parse_object(in.request.body());
  if (!body) return out.send(error_from(body.error()));
  directory::User next = *principal->user;
  JsonFields fields(*body);
  if (auto r = apply_call_settings(fields, next); !r) return out.send(error_from(r.error()));
  if (auto r = fields.no_unknown(); !r) return out.send(error_from(r.error()));
  auto saved = directory_.replace_user(std::move(next));
  if (!saved) return out.send(error_from(saved.error()));
  out.send(http::json_response(Status::ok, call_settings_json(*saved)));
}

}  // namespace cvw::app
