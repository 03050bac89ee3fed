#include "app/call_planner.hpp"

#include <algorithm>

#include "directory/dial_plan.hpp"
#include "directory/user.hpp"

namespace cvw::app {

namespace {

Refusal refuse(int status, std::string subcode, std::string message) {
  return Refusal{status, std::move(subcode), std::move(message)};
}

// Keeps the digits (and * #) of a dialled string, without its leading '+'.
std::string digits_of(std::string_view text) {
  std::string out;
  for (char c : text) {
    if ((c >= '0' && c <= '9') || c == '*' || c == '#') out.push_back(c);
  }
  return out;
}

// What may go into a Request-URI's user part as a number: '+' and 1-20
// digits (E.164 has at most 15; PBX dial strings may add prefixes), or a
// feature code with * and #.
bool is_dialable(std::string_view number) {
  std::string_view rest = number;
  if (!rest.empty() && rest.front() == '+') rest.remove_prefix(1);
  if (rest.empty() || rest.size() > 20) return false;
  return std::all_of(rest.begin(), rest.end(), [](char c) { return (c >= '0' && c <= '9') || c == '*' || c == '#'; });
}

bool looks_like_sip_uri(std::string_view to) {
  return to.starts_with("sip:") || to.starts_with("sips:") || to.find('@') != std::string_view::npos;
}

bool valid_operation_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' ||
           c == ':' || c == '-';
  });
}

// A Subject header value: no control characters (CR LF would end the header
// and let a user write their own), at most 256 bytes.
bool valid_subject(std::string_view subject) {
  if (subject.size() > 256) return false;
  return std::none_of(subject.begin(), subject.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// The number the user's dial plan makes of `dialed`, or the refusal.
std::optional<std::string> normalized(const DirectoryService& directory, const directory::User& user,
                                      std::string_view dialed, std::string_view what, Refusal& refusal) {
  auto n = normalize_number(directory, user, dialed, what);
  if (!n) {
    refusal = refuse(400, "NormalizationFailed", n.error().message);
    return std::nullopt;
  }
  return *n;
}

std::string host_port(const sip::Peer& peer) {
  const std::string host = peer.address.is_v6() ? "[" + peer.address.to_string() + "]" : peer.address.to_string();
  return host + ":" + std::to_string(peer.port);
}

// A number as it appears in our From: sip:+1425...@domain;user=phone.
std::string number_uri(std::string_view number, std::string_view domain) {
  std::string uri = "sip:" + std::string(number) + "@" + std::string(domain);
  if (!number.empty() && number.front() == '+') uri += ";user=phone";
  return uri;
}

}  // namespace

Result<std::string> normalize_number(const DirectoryService& directory, const directory::User& user,
                                     std::string_view dialed, std::string_view what) {
  const auto plan = directory.dial_plans().effective(user);
  auto n = directory::normalize(plan.item, dialed);
  if (!n) return Error{400, std::string(what) + ": " + n.error().message};
  if (!is_dialable(n->number)) {
    return Error{400, std::string(what) + " '" + std::string(dialed) + "' is not a number your dial plan (" +
                          plan.identity.to_string() + ") can normalize" +
                          (n->rule ? " (rule " + *n->rule + " made it '" + n->number + "')" : std::string())};
  }
  return n->number;
}

bool is_emergency_number(std::string_view dialed, const std::vector<std::string>& numbers) {
  const std::string digits = digits_of(dialed);
  if (digits.empty()) return false;
  return std::any_of(numbers.begin(), numbers.end(), [&](const std::string& n) { return digits_of(n) == digits; });
}

std::string name_addr(std::string_view display, std::string_view uri) {
  std::string out;
  out.reserve(display.size() + uri.size() + 6);
  out.push_back('"');
  for (char c : display) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) continue;
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  if (out.size() == 1) {
    out.clear();
  } else {
    out += "\" ";
  }
  out.push_back('<');
  out += uri;
  out.push_back('>');
  return out;
}

WorkIdentity work_identity(const directory::User& user) {
  return WorkIdentity{
      name_addr(user.display_name, user.sip_uri),
      name_addr(user.display_name, user.line_uri.empty() ? user.sip_uri : user.line_uri)};
}

namespace {

// Whoever the user calls (the callee, a blind transfer's target) sees the
// user's work identity and the call's subject.
void present_as(sip::dialog::InviteParams& invite, const directory::User& user,
                const std::optional<std::string>& subject) {
  WorkIdentity identity = work_identity(user);
  invite.from = std::move(identity.from);
  invite.headers.emplace_back("P-Asserted-Identity", std::move(identity.asserted));
  if (subject && !subject->empty()) invite.headers.emplace_back("Subject", *subject);
}

}  // namespace

std::string trunk_uri(std::string_view number, const sip::Peer& trunk) {
  std::string uri = "sip:" + std::string(number) + "@" + host_port(trunk);
  if (!number.empty() && number.front() == '+') uri += ";user=phone";
  if (trunk.protocol == sip::Protocol::Tcp) uri += ";transport=tcp";
  return uri;
}

PlannedCall plan_click_to_call(const DirectoryService& directory, const directory::User& user,
                               const CallRequest& request, const CallSettings& settings) {
  PlannedCall out;
  Refusal& refusal = out.refusal;

  if (request.operation_id && !valid_operation_id(*request.operation_id)) {
    refusal = refuse(400, "InvalidValue", "\"operationId\" must be 1-64 characters of A-Z a-z 0-9 . _ : -");
    return out;
  }
  if (request.subject && !valid_subject(*request.subject)) {
    refusal = refuse(400, "InvalidValue", "\"subject\" must be at most 256 bytes without control characters");
    return out;
  }
  const auto policy = directory.policies().effective(user);
  if (!policy.item.enabled) {
    refusal = refuse(403, "CallViaWorkDisabled",
                     "Call Via Work is not enabled for you (policy " + policy.identity.to_string() +
                         "); ask your administrator");
    return out;
  }
  if (!settings.trunk) {
    refusal = refuse(503, "NoTrunk", "cvw has no PBX trunk configured, so it cannot place calls");
    return out;
  }
  const std::string& to = request.to;
  if (to.empty()) {
    refusal = refuse(400, "InvalidTarget", "\"to\" is empty: give a SIP URI or a number");
    return out;
  }
  const std::string emergency_refusal =
      "Emergency calls cannot be placed through Call Via Work: dial " + digits_of(to) +
      " from your desk phone, so that the PBX knows where you are";
  if (!looks_like_sip_uri(to) && is_emergency_number(to, settings.emergency_numbers)) {
    refusal = refuse(403, "EmergencyNumber", emergency_refusal);
    return out;
  }

  calls::ClickToCallPlan plan;
  calls::CallInfo& info = plan.info;
  info.owner = user.sip_uri;
  info.to = to;
  info.operation_id = request.operation_id;
  info.subject = request.subject;

  // The callee: a user (their SIP URI, through cvw itself) or a number
  // (through the trunk).
  std::string callee_uri;
  std::string callee_number;
  if (looks_like_sip_uri(to)) {
    const directory::User* callee = directory.find_user(to);
    if (callee == nullptr || !callee->enabled) {
      refusal = refuse(404, "UserNotFound", "no user " + to);
      return out;
    }
    if (callee->sip_uri == user.sip_uri) {
      refusal = refuse(400, "InvalidTarget", "you cannot call yourself");
      return out;
    }
    if (settings.self_route.empty()) {
      refusal = refuse(503, "NoSipListener", "cvw has no SIP address to ring " + callee->sip_uri + " through");
      return out;
    }
    info.target_kind = calls::TargetKind::User;
    callee_uri = callee->sip_uri;
  } else {
    auto n = normalized(directory, user, to, "the number to call", refusal);
    if (!n) return out;
    if (is_emergency_number(*n, settings.emergency_numbers)) {
      refusal = refuse(403, "EmergencyNumber", emergency_refusal);
      return out;
    }
    info.target_kind = calls::TargetKind::Number;
    info.target_number = *n;
    callee_number = *n;
  }

  // The phone rung first.
  std::string phone;
  if (request.phone_number && !policy.item.use_admin_callback_number) {
    // UCWA's phoneNumber: honoured only where the admin has not fixed the number.
    auto n = normalized(directory, user, *request.phone_number, "\"phoneNumber\"", refusal);
    if (!n) return out;
    phone = *n;
  } else {
    phone = directory::callback_number(user, policy.item);
  }
  if (phone.empty()) {
    refusal = refuse(400, "NoCallbackNumber",
                     "you have no phone number for Call Via Work to ring; ask your administrator to set one");
    return out;
  }
  info.phone_number = phone;

  const sip::Peer& trunk = *settings.trunk;
  const std::string& caller_id = directory.routing().call_via_work_caller_id;
  plan.phone.request_uri = trunk_uri(phone, trunk);
  plan.phone.to = "<" + plan.phone.request_uri + ">";
  if (!caller_id.empty()) {
    plan.phone.from = name_addr(settings.caller_id_name, number_uri(caller_id, settings.domain));
    const std::string asserted = caller_id.front() == '+' ? "tel:" + caller_id : number_uri(caller_id, settings.domain);
    plan.phone.headers.emplace_back("P-Asserted-Identity",
                                    name_addr(settings.caller_id_name, asserted));
  } else {
    plan.phone.from = name_addr(settings.caller_id_name, "sip:cvw@" + settings.domain);
  }

  if (user.auto_answer) {
    // Intercom-style auto-answer, in the three spellings phones understand:
    // RFC 5373, Call-Info answer-after (Snom, Yealink, Grandstream, ...) and
    // Alert-Info info=alert-autoanswer (Polycom, Cisco SPA, ...).
    plan.phone.headers.emplace_back("Answer-Mode", "Auto");
    plan.phone.headers.emplace_back("Call-Info", "<" + number_uri(caller_id.empty() ? "cvw" : caller_id, settings.domain) +
                                                     ">;answer-after=0");
    plan.phone.headers.emplace_back("Alert-Info", "<http://127.0.0.1/>;info=alert-autoanswer;delay=0");
  }

  plan.callee.request_uri = callee_uri.empty() ? trunk_uri(callee_number, trunk) : callee_uri;
  plan.callee.to = "<" + plan.callee.request_uri + ">";
  if (!callee_uri.empty()) plan.callee.headers.emplace_back("Route", settings.self_route);
  present_as(plan.callee, user, request.subject);
  info.target_uri = plan.callee.request_uri;

  plan.phone_ring_timeout = settings.phone_ring_timeout;
  plan.callee_ring_timeout = settings.callee_ring_timeout;
  out.plan = std::move(plan);
  return out;
}

std::optional<sip::dialog::InviteParams> TransferInvites::blind_transfer(
    const calls::CallInfo& call, std::string_view user) const {
  if (!settings_.trunk || is_emergency_number(user, settings_.emergency_numbers))
    return std::nullopt;
  const directory::User* owner = directory_.find_user(call.owner);
  if (owner == nullptr || !owner->enabled) return std::nullopt;
  sip::dialog::InviteParams p;
  p.request_uri = trunk_uri(user, *settings_.trunk);
  p.to = "<" + p.request_uri + ">";
  present_as(p, *owner, call.subject);
  return p;
}

}  // namespace cvw::app
