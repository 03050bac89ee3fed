#include "app/incoming_planner.hpp"

#include <algorithm>

#include "app/call_planner.hpp"
#include "directory/phone_number.hpp"
#include "directory/text.hpp"
#include "directory/user.hpp"
#include "sip/header_values.hpp"
#include "sip/dialog/dialog.hpp"
#include "sip/uri.hpp"

namespace cvw::app {

namespace {

PlannedIncoming refuse(int status, std::string reason) {
  PlannedIncoming out;
  out.status = status;
  out.reason = std::move(reason);
  return out;
}


// The digits of a number, without '+' or separators: how "is this the
// number that was dialled" compares.
std::string digits_of(std::string_view number) {
  std::string out;
  for (char c : number) {
    if (c >= '0' && c <= '9') out.push_back(c);
  }
  return out;
}

const directory::User* called_user(const DirectoryService& directory, const sip::Uri& uri, std::string_view user_part,
                                   const IncomingSettings& settings) {
  const bool ours = std::any_of(settings.domains.begin(), settings.domains.end(),
                                [&](const std::string& d) { return directory::detail::iequals(d, uri.host); });
  if (ours) {
    if (const directory::User* u = directory.find_user("sip:" + std::string(user_part) + "@" + std::string(uri.host)))
      return u;
  }
  return directory.find_user_by_number(user_part);
}

}  // namespace

IncomingCaller trunk_caller(const sip::Message& invite) {
  IncomingCaller c;
  c.from = sip::dialog::without_tag(invite.header(sip::HeaderId::From));
  // With `Privacy: id` (RFC 3325 §7) the asserted identity stays inside the
  // trust domain: it goes on (with the Privacy header) only towards the PBX,
  // never to a UC client, and the user is shown the From the caller chose.
  const std::string_view asserted = invite.header(sip::HeaderId::PAssertedIdentity);
  const std::string_view privacy = invite.header("Privacy");
  const bool withheld = sip::has_option(privacy, "id");
  if (!asserted.empty()) c.to_pbx.emplace_back("P-Asserted-Identity", std::string(asserted));
  if (!privacy.empty()) c.to_pbx.emplace_back("Privacy", std::string(privacy));
  if (!withheld) c.to_clients = c.to_pbx;
  c.shown = asserted.empty() || withheld ? c.from : std::string(asserted);
  return c;
}

IncomingCaller user_caller(const directory::User& user) {
  IncomingCaller c;
  WorkIdentity id = work_identity(user);
  c.from = std::move(id.from);
  c.to_pbx.emplace_back("P-Asserted-Identity", id.asserted);
  c.to_clients = c.to_pbx;
  c.shown = c.from;
  c.user = &user;
  return c;
}

PlannedIncoming plan_incoming_call(const DirectoryService& directory, const registrar::LocationService& locations,
                                   const sip::Message& invite, const IncomingCaller& caller,
                                   const IncomingSettings& settings, registrar::WallClock::time_point now) {
  auto uri = sip::parse_uri(invite.request_uri());
  if (!uri || !uri->is_sip() || uri->user.empty()) return refuse(404, "Not Found (no user in the Request-URI)");
  auto user_part = sip::unescape(uri->user);
  if (!user_part) return refuse(404, "Not Found (the Request-URI user is malformed)");
  const directory::User* user = called_user(directory, *uri, *user_part, settings);
  if (user == nullptr || !user->enabled) return refuse(404, "Not Found");

  if (caller.user == user) {
    return refuse(403, "Forbidden (a call to yourself)");
  }
  // §16.6 step 3, as a proxy: one hop less on every branch.
  unsigned max_forwards = 70;
  if (const std::string_view mf = invite.header(sip::HeaderId::MaxForwards); !mf.empty()) {
    auto n = sip::parse_uint(mf, 255, "Max-Forwards");
    if (!n) return refuse(400, n.error().message);
    if (*n == 0) return refuse(483, "Too Many Hops");
    max_forwards = *n - 1;
  }
  const std::string& from = caller.from;
  // Policy: cvw places calls through the trunk for the user (their phone,
  // a forwarding target, the callback) only under an enabled Call Via Work
  // policy.
  const auto policy = directory.policies().effective(*user);
  const bool cvw_enabled = policy.item.enabled;
  const std::string dialled = digits_of(*user_part);
  // The user's own UC number, when it is not their desk phone's: the PBX
  // routes it here, so cvw never sends a call to it (that would loop through
  // the PBX back to this user). A LineURI equal to the desk phone's number
  // is the PBX's own business (it rings the desk phone, never cvw).
  auto line = directory::parse_line_uri(user->line_uri, directory::user_field::kLineUri);
  std::string own = line ? digits_of(line->number) : std::string();
  if (own == digits_of(user->cvw_phone_number)) own.clear();
  auto loops = [&](std::string_view number) {
    const std::string d = digits_of(number);
    return d == dialled || (!own.empty() && d == own);
  };

  // Forwarding: a number through the trunk, or a user on their PBX phone.
  std::optional<sip::dialog::InviteParams> forward;
  if (user->forwarding.when != directory::CallForwarding::When::Never && settings.trunk && cvw_enabled) {
    std::string number = user->forwarding.target;
    if (number.starts_with("sip:")) {
      const directory::User* other = directory.find_user(number);
      number = other != nullptr && other->enabled ? other->cvw_phone_number : std::string();
    }
    // Never back to the number that reached us: the PBX would loop it here.
    if (!number.empty() && !loops(number)) {
      sip::dialog::InviteParams p;
      p.request_uri = trunk_uri(number, *settings.trunk);
      p.from = from;
      p.headers = caller.to_pbx;
      p.max_forwards = max_forwards;
      forward = std::move(p);
    }
  }

  calls::IncomingCallPlan plan;
  plan.info.owner = user->sip_uri;
  plan.info.direction = calls::Direction::Incoming;
  plan.info.to = std::string(invite.request_uri());
  plan.info.from = directory::detail::storable_text(caller.shown);
  plan.ring_timeout = std::chrono::seconds(user->ring_seconds);
  plan.callback_ring_timeout = settings.callback_ring_timeout;
  plan.forward_ring_timeout = settings.forward_ring_timeout;
  plan.sdp_address = settings.sdp_address;
  if (forward && user->forwarding.when == directory::CallForwarding::When::Immediately) {
    // Everything goes to the target: nothing of the user's rings.
    calls::RingBranch branch;
    branch.kind = calls::BranchKind::Forward;
    branch.invite = std::move(*forward);
    plan.branches.push_back(std::move(branch));
    plan.ring_timeout = settings.forward_ring_timeout;
    PlannedIncoming out;
    out.plan = std::move(plan);
    return out;
  }
  plan.forward = std::move(forward);

  // The user's UC clients.
  for (const registrar::Binding& b : locations.lookup(directory::sip_uri_key(user->sip_uri), now)) {
    calls::RingBranch branch;
    branch.kind = calls::BranchKind::Client;
    branch.invite.request_uri = b.contact;
    branch.invite.to = "<" + user->sip_uri + ">";
    branch.invite.from = from;
    branch.invite.max_forwards = max_forwards;
    for (const std::string& hop : b.path) branch.invite.headers.emplace_back("Route", hop);
    branch.invite.headers.insert(branch.invite.headers.end(), caller.to_clients.begin(), caller.to_clients.end());
    plan.branches.push_back(std::move(branch));
  }

  // Their PBX phone, at the same time.
  if (user->simultaneous_ring.enabled && settings.trunk && cvw_enabled) {
    const std::string& number =
        user->simultaneous_ring.target.empty() ? user->cvw_phone_number : user->simultaneous_ring.target;
    if (!number.empty() && !loops(number)) {
      calls::RingBranch branch;
      branch.kind = calls::BranchKind::Phone;
      branch.invite.request_uri = trunk_uri(number, *settings.trunk);
      branch.invite.from = from;
      branch.invite.headers = caller.to_pbx;
      branch.invite.max_forwards = max_forwards;
      plan.branches.push_back(std::move(branch));
    }
  }

  // Accept in the client: the PBX phone called back.
  const std::string_view callback =
      cvw_enabled ? directory::callback_number(*user, policy.item) : std::string_view();
  if (!callback.empty() && settings.trunk && !loops(callback)) {
    sip::dialog::InviteParams p;
    p.request_uri = trunk_uri(callback, *settings.trunk);
    p.from = from;
    p.headers = caller.to_pbx;
    p.max_forwards = max_forwards;
    plan.callback = std::move(p);
  }

  if (plan.branches.empty() && !plan.callback && !plan.forward) {
    PlannedIncoming out = refuse(480, "Temporarily Unavailable (no client registered, no phone to ring)");
    out.unrung = std::move(plan.info);
    return out;
  }
  PlannedIncoming out;
  out.plan = std::move(plan);
  return out;
}

}  // namespace cvw::app
