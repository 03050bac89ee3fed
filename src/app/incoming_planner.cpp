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

bool same_host(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
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
                                [&](const std::string& d) { return same_host(d, uri.host); });
  if (ours) {
    if (const directory::User* u = directory.find_user("sip:" + std::string(user_part) + "@" + std::string(uri.host)))
      return u;
  }
  return directory.find_user_by_number(user_part);
}

}  // namespace

PlannedIncoming plan_incoming_call(const DirectoryService& directory, const registrar::LocationService& locations,
                                   const sip::Message& invite, const IncomingSettings& settings,
                                   registrar::WallClock::time_point now) {
  auto uri = sip::parse_uri(invite.request_uri());
  if (!uri || !uri->is_sip() || uri->user.empty()) return refuse(404, "Not Found (no user in the Request-URI)");
  auto user_part = sip::unescape(uri->user);
  if (!user_part) return refuse(404, "Not Found (the Request-URI user is malformed)");
  const directory::User* user = called_user(directory, *uri, *user_part, settings);
  if (user == nullptr || !user->enabled) return refuse(404, "Not Found");

  // The caller as every device will see it. With `Privacy: id` (RFC 3325
  // §7) the asserted identity stays inside the trust domain: it goes on
  // (with the Privacy header) only towards the PBX, never to a UC client,
  // and the user is shown the From the caller chose.
  const std::string from = sip::dialog::without_tag(invite.header(sip::HeaderId::From));
  const std::string_view asserted = invite.header(sip::HeaderId::PAssertedIdentity);
  const std::string_view privacy = invite.header("Privacy");
  const bool withheld = sip::has_option(privacy, "id");
  std::vector<std::pair<std::string, std::string>> identity;  // towards the PBX
  if (!asserted.empty()) identity.emplace_back("P-Asserted-Identity", std::string(asserted));
  if (!privacy.empty()) identity.emplace_back("Privacy", std::string(privacy));
  const std::vector<std::pair<std::string, std::string>> client_identity =
      withheld ? std::vector<std::pair<std::string, std::string>>{} : identity;
  // Policy: cvw places calls through the trunk for the user (their phone,
  // a forwarding target, the callback) only under an enabled Call Via Work
  // policy.
  const bool cvw_enabled = directory.policies().effective(*user).item.enabled;
  const std::string dialled = digits_of(*user_part);
  // The user's own UC number, when it is not their desk phone's: the PBX
  // routes it here, so cvw never sends a call to it (that would loop through
  // the PBX back to this user). A LineURI equal to the desk phone's number
  // is the PBX's own business (it rings the desk phone, never cvw).
  auto line = directory::parse_line_uri(user->line_uri, directory::user_field::kLineUri);
  std::string own = line ? digits_of(line->number) : std::string();
  if (own == digits_of(user->cvw_phone_number)) own.clear();
  auto loops = [&](const std::string& number) {
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
      p.headers = identity;
      forward = std::move(p);
    }
  }

  calls::IncomingCallPlan plan;
  plan.info.owner = user->sip_uri;
  plan.info.direction = calls::Direction::Incoming;
  plan.info.to = std::string(invite.request_uri());
  plan.info.from = directory::detail::storable_text(asserted.empty() || withheld ? from : std::string(asserted));
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
    for (const std::string& hop : b.path) branch.invite.headers.emplace_back("Route", hop);
    branch.invite.headers.insert(branch.invite.headers.end(), client_identity.begin(), client_identity.end());
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
      branch.invite.headers = identity;
      plan.branches.push_back(std::move(branch));
    }
  }

  // Accept in the client: the PBX phone called back.
  const std::string callback = cvw_enabled ? directory.callback_number(*user) : std::string();
  if (!callback.empty() && settings.trunk && !loops(callback)) {
    sip::dialog::InviteParams p;
    p.request_uri = trunk_uri(callback, *settings.trunk);
    p.from = from;
    p.headers = identity;
    plan.callback = std::move(p);
  }

  if (plan.branches.empty() && !plan.callback && !plan.forward) {
    return refuse(480, "Temporarily Unavailable (no client registered, no phone to ring)");
  }
  PlannedIncoming out;
  out.plan = std::move(plan);
  return out;
}

}  // namespace cvw::app
