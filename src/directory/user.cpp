// Validation and normalization of directory users; see user.hpp.
#include "directory/user.hpp"

#include <algorithm>

#include "directory/phone_number.hpp"
#include "directory/policy_identity.hpp"
#include "directory/text.hpp"

namespace cvw::directory {
namespace {

namespace f = user_field;
using detail::field_error;
using detail::is_alnum;

constexpr std::size_t kMaxSipUriLength = 256;
constexpr std::size_t kMaxUserPartLength = 128;
constexpr std::size_t kMaxHostLength = 253;  // RFC 1035 §2.3.4 (as text)
constexpr std::size_t kMaxLabelLength = 63;
constexpr std::size_t kMaxEmailLength = 254;  // RFC 5321 §4.5.3.1.3 path limit minus <>
constexpr std::size_t kMaxLocalPartLength = 64;
constexpr std::size_t kMaxPasswordHashLength = 512;

bool is_hex(char c) {
  return detail::is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 3261 §25.1 user = 1*( unreserved / escaped / user-unreserved ), less
// ';' and '?', which would start parameters or headers.
bool valid_sip_user(std::string_view user) {
  static constexpr std::string_view kMarks = "-_.!~*'()&=+$,/";
  for (std::size_t i = 0; i < user.size(); ++i) {
    const char c = user[i];
    if (c == '%') {
      if (i + 2 >= user.size() || !is_hex(user[i + 1]) || !is_hex(user[i + 2])) return false;
      i += 2;
    } else if (!is_alnum(c) && kMarks.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// A DNS name or dotted IPv4 address: labels of letters, digits and inner
// hyphens (RFC 1123 §2.1).
bool valid_host(std::string_view host) {
  if (host.empty() || host.size() > kMaxHostLength) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = host.find('.', start);
    const std::string_view label =
        host.substr(start, dot == std::string_view::npos ? host.npos : dot - start);
    if (label.empty() || label.size() > kMaxLabelLength) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; }))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

Result<void> check_optional(std::string_view field, std::string_view value,
                            Result<std::string> (*parse)(std::string_view, std::string_view)) {
  if (value.empty()) return {};
  Result<std::string> r = parse(value, field);
  if (!r) return r.error();
  return {};
}

Result<void> check_policy_name(std::string_view field, const std::optional<std::string>& name) {
  if (!name) return {};
  Result<std::string> r = parse_policy_name(*name, field);
  if (!r) return r.error();
  return {};
}

}  // namespace

std::string_view to_string(CallForwarding::When when) {
  switch (when) {
    case CallForwarding::When::Never: return "never";
    case CallForwarding::When::Immediately: return "immediately";
    case CallForwarding::When::NoAnswer: return "noAnswer";
  }
  return "never";
}

std::optional<CallForwarding::When> forwarding_when(std::string_view text) {
  for (auto w : {CallForwarding::When::Never, CallForwarding::When::Immediately, CallForwarding::When::NoAnswer}) {
    if (to_string(w) == text) return w;
  }
  return std::nullopt;
}

Result<std::string> normalize_sip_uri(std::string_view text) {
  const std::string_view field = f::kSipAddress;
  if (text.empty()) return field_error(field, text, "must not be empty");
  if (text.size() > kMaxSipUriLength)
    return field_error(field, text,
                       "longer than " + std::to_string(kMaxSipUriLength) + " characters");
  if (detail::istarts_with(text, "sips:"))
    return field_error(field, text, "sips: is not accepted; use sip:");
  std::string_view rest = text;
  if (detail::istarts_with(rest, "sip:")) rest.remove_prefix(4);

  const std::size_t at = rest.find('@');
  if (at == std::string_view::npos) return field_error(field, text, "sip:user@domain expected");
  const std::string_view user = rest.substr(0, at);
  std::string_view host = rest.substr(at + 1);
  if (user.empty()) return field_error(field, text, "the user part must not be empty");
  if (user.find(':') != std::string_view::npos)
    return field_error(field, text, "sip:user@domain expected (no other scheme, no password)");
  if (user.size() > kMaxUserPartLength || !valid_sip_user(user))
    return field_error(field, text, "the user part has a character SIP does not allow unescaped");

  if (const std::size_t q = host.find('?'); q != std::string_view::npos)
    return field_error(field, text, "URI headers (?...) are not allowed");
  host = host.substr(0, host.find(';'));  // parameters do not name a different user
  if (host.starts_with('['))
    return field_error(field, text, "IPv6 hosts are not supported; use a domain");
  if (host.find(':') != std::string_view::npos)
    return field_error(field, text, "a port is not allowed in a user's address");
  if (!valid_host(host)) return field_error(field, text, "the domain is not a valid host name");
  return "sip:" + std::string(user) + "@" + detail::to_lower(host);
}

std::string sip_uri_key(std::string_view normalized_uri) {
  return detail::to_lower(normalized_uri);
}

Result<void> validate_email(std::string_view email, std::string_view field) {
  static constexpr std::string_view kAtext = "!#$%&'*+/=?^_`{|}~-";
  if (email.empty()) return field_error(field, email, "must not be empty");
  if (email.size() > kMaxEmailLength)
    return field_error(field, email,
                       "longer than " + std::to_string(kMaxEmailLength) + " characters");
  const std::size_t at = email.rfind('@');
  if (at == std::string_view::npos) return field_error(field, email, "local@domain expected");
  const std::string_view local = email.substr(0, at);
  const std::string_view domain = email.substr(at + 1);
  if (local.empty() || local.size() > kMaxLocalPartLength)
    return field_error(field, email, "the part before @ must be 1 to 64 characters");
  for (const char c : local) {
    if (!is_alnum(c) && c != '.' && kAtext.find(c) == std::string_view::npos)
      return field_error(field, email,
                         "the part before @ has a character that needs quoting; not accepted");
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
    return field_error(field, email, "dots in the part before @ must separate words");
  if (!valid_host(domain) || domain.find('.') == std::string_view::npos)
    return field_error(field, email, "the domain after @ is not a valid domain name");
  return {};
}

Result<User> normalize_user(User user) {
  Result<std::string> sip = normalize_sip_uri(user.sip_uri);
  if (!sip) return sip.error();
  user.sip_uri = std::move(*sip);

  if (auto r = detail::check_free_text(f::kDisplayName, user.display_name, 256); !r)
    return r.error();
  if (auto r = detail::check_free_text(f::kTitle, user.title, 128); !r) return r.error();
  if (auto r = detail::check_free_text(f::kDepartment, user.department, 64); !r) return r.error();
  if (auto r = detail::check_free_text(f::kCompany, user.company, 64); !r) return r.error();

  if (!user.email.empty()) {
    if (auto r = validate_email(user.email); !r) return r.error();
    const std::size_t at = user.email.rfind('@');
    user.email = user.email.substr(0, at + 1) +
                 detail::to_lower(std::string_view(user.email).substr(at + 1));
  }

  if (!user.line_uri.empty()) {
    Result<LineUri> line = parse_line_uri(user.line_uri, f::kLineUri);
    if (!line) return line.error();
    user.line_uri = format_line_uri(*line);
  }
  if (auto r = check_optional(f::kCvwPhoneNumber, user.cvw_phone_number, parse_pbx_number); !r)
    return r.error();

  if (auto r =
          check_optional(f::kSimRingNumber, user.simultaneous_ring.target, parse_dialable_number);
      !r)
    return r.error();
  if (user.simultaneous_ring.enabled && user.simultaneous_ring.target.empty())
    return field_error(f::kSimRingNumber, "", "required when SimultaneousRingEnabled is true");

  if (!user.forwarding.target.empty()) {
    const std::string_view t = user.forwarding.target;
    if (t.find('@') != std::string_view::npos || t.starts_with("sip:")) {
      Result<std::string> uri = normalize_sip_uri(t);
      if (!uri) return field_error(f::kForwardTarget, t, "not a number or a SIP URI: " + uri.error().message);
      user.forwarding.target = *uri;
    } else if (auto n = parse_dialable_number(t, f::kForwardTarget); !n) {
      return n.error();
    }
  }
  if (user.forwarding.when != CallForwarding::When::Never && user.forwarding.target.empty())
    return field_error(f::kForwardTarget, "", "required when calls are forwarded");
  if (user.ring_seconds < kMinRingSeconds || user.ring_seconds > kMaxRingSeconds)
    return field_error(f::kRingSeconds, std::to_string(user.ring_seconds),
                       "must be from " + std::to_string(kMinRingSeconds) + " to " + std::to_string(kMaxRingSeconds));

  // Opaque to the directory, but bounded and printable so it can never carry
  // a surprise into storage or a log line.
  if (user.password_hash.size() > kMaxPasswordHashLength ||
      detail::has_control(user.password_hash) || !detail::is_utf8(user.password_hash))
    return bad_request(std::string(f::kPasswordHash) +
                       ": not a password hash this server writes (value not shown)");

  if (auto r = check_optional(f::kSite, user.site, validate_scope_name); !r) return r.error();

  if (auto r = check_policy_name(f::kCallViaWorkPolicy, user.cvw_policy); !r) return r.error();
  if (auto r = check_policy_name(f::kDialPlan, user.dial_plan); !r) return r.error();
  if (user.cvw_policy)
    user.cvw_policy = parse_policy_name(*user.cvw_policy, f::kCallViaWorkPolicy).value();
  if (user.dial_plan) user.dial_plan = parse_policy_name(*user.dial_plan, f::kDialPlan).value();
  return user;
}

Result<void> validate_user(const User& user) {
  Result<User> normalized = normalize_user(user);
  if (!normalized) return normalized.error();
  return {};
}

Result<void> check_call_via_work_prerequisites(const User& user) {
  const std::string who = user.sip_uri.empty() ? std::string("user") : user.sip_uri;
  if (!user.enabled) return bad_request(who + ": the account is disabled");
  if (!user.enterprise_voice)
    return bad_request(who + ": Call Via Work needs EnterpriseVoiceEnabled (SfB prerequisite)");
  if (user.line_uri.empty())
    return bad_request(who + ": Call Via Work needs a LineUri (the user's DID)");
  if (user.cvw_phone_number.empty())
    return bad_request(who + ": Call Via Work needs a CvwPhoneNumber (the PBX desk phone to ring)");
  return {};
}

}  // namespace cvw::directory
