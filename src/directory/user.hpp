// A directory user: who they are, their numbers, and the names of the
// policies granted to them. Pure data plus validation; the storage layer
// persists it and the catalogues (call_via_work_policy.hpp, dial_plan.hpp)
// resolve the policy names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace cvw::directory {

// Simultaneous ring (SfB "simultaneous ring"): an incoming call also rings
// `target`, a dialable number (digits with an optional leading '+').
struct SimultaneousRing {
  bool enabled = false;
  std::string target;

  bool operator==(const SimultaneousRing&) const = default;
};

// Where a call to the user goes besides (or instead of) their devices
// (issue #5): nowhere, to `target` at once, or to `target` when nobody
// answered within the user's ring time. `target`: a dialable number (digits,
// optional leading '+'; the API normalizes what the user types with their
// dial plan) or a user's SIP URI (reached on that user's PBX phone).
struct CallForwarding {
  enum class When : std::uint8_t { Never, Immediately, NoAnswer };
  When when = When::Never;
  std::string target;

  bool operator==(const CallForwarding&) const = default;
};
std::string_view to_string(CallForwarding::When when);
// "never", "immediately", "noAnswer" (as to_string writes them); nullopt else.
std::optional<CallForwarding::When> forwarding_when(std::string_view text);

// Seconds a call to the user rings their devices before it is unanswered.
inline constexpr std::uint32_t kDefaultRingSeconds = 20;
inline constexpr std::uint32_t kMinRingSeconds = 5;
inline constexpr std::uint32_t kMaxRingSeconds = 120;

struct User {
  std::string sip_uri;       // "sip:alice@example.com", see normalize_sip_uri()
  std::string display_name;  // <= 256 characters
  std::string title;         // <= 128
  std::string department;    // <= 64
  std::string company;       // <= 64
  std::string email;         // optional
  std::string line_uri;      // optional SfB LineURI: "tel:+14255551297;ext=51297"
  // The user's PBX desk phone that Call Via Work rings: E.164 (the DID, as the
  // SfB deployment guide requires every Call Via Work user to have) or a PBX
  // extension of 1-15 digits. Optional.
  std::string cvw_phone_number;
  bool enterprise_voice = false;
  // The desk phone answers cvw's first leg by itself (intercom-style
  // auto-answer headers on the INVITE): opt-in, for phones that support it.
  bool auto_answer = false;
  SimultaneousRing simultaneous_ring;
  CallForwarding forwarding;
  std::uint32_t ring_seconds = kDefaultRingSeconds;  // kMinRingSeconds..kMaxRingSeconds
  std::string password_hash;  // opaque PHC string from hash_password(); empty: no password
  // What the SIP registrar checks a UC client's REGISTER against (digest
  // authentication cannot use an argon2id hash): HA1 = H(user:realm:password)
  // in lowercase hex, RFC 7616 §3.4.2, realm = the domain of sip_uri. Set
  // with the password (app/sip_credentials.hpp); empty: the user cannot
  // register a SIP client until a password is set again.
  struct SipDigest {
    std::string md5_ha1;     // RFC 2617 clients (most deployed phones)
    std::string sha256_ha1;  // RFC 8760
    bool operator==(const SipDigest&) const = default;
  } sip_digest;
  bool enabled = true;
  bool admin = false;
  std::string site;  // site name (resolves Site:NAME policies); may be empty
  // Names of the per-user (Tag:) items granted to the user, as
  // Grant-CsCallViaWorkPolicy / Grant-CsDialPlan take them: the identity minus
  // "Tag:". nullopt: nothing granted (site or Global applies).
  std::optional<std::string> cvw_policy;
  std::optional<std::string> dial_plan;

  bool operator==(const User&) const = default;
};

// Field names used in error messages; they are also the CSV column names
// (user_csv.hpp), so an error points at the column to fix.
namespace user_field {
inline constexpr std::string_view kSipAddress = "SipAddress";
inline constexpr std::string_view kDisplayName = "DisplayName";
inline constexpr std::string_view kTitle = "Title";
inline constexpr std::string_view kDepartment = "Department";
inline constexpr std::string_view kCompany = "Company";
inline constexpr std::string_view kEmail = "Email";
inline constexpr std::string_view kLineUri = "LineUri";
inline constexpr std::string_view kCvwPhoneNumber = "CvwPhoneNumber";
inline constexpr std::string_view kEnterpriseVoice = "EnterpriseVoiceEnabled";
inline constexpr std::string_view kAutoAnswer = "AutoAnswer";
inline constexpr std::string_view kSimRingEnabled = "SimultaneousRingEnabled";
inline constexpr std::string_view kSimRingNumber = "SimultaneousRingNumber";
inline constexpr std::string_view kForwardTarget = "ForwardTarget";
inline constexpr std::string_view kRingSeconds = "RingSeconds";
inline constexpr std::string_view kPasswordHash = "PasswordHash";
inline constexpr std::string_view kEnabled = "Enabled";
inline constexpr std::string_view kAdmin = "Admin";
inline constexpr std::string_view kSite = "Site";
inline constexpr std::string_view kCallViaWorkPolicy = "CallViaWorkPolicy";
inline constexpr std::string_view kDialPlan = "DialPlan";
}  // namespace user_field

// "sip:user@host" with the scheme and host lower-cased and URI parameters
// dropped; "alice@example.com" gets the "sip:" added. The user part keeps its
// case (RFC 3261 §19.1.4 compares it case-sensitively). Refused: sips:, other
// schemes, a password, a port, headers (?...), IPv6 hosts, bad characters.
Result<std::string> normalize_sip_uri(std::string_view text);

// The form to look users up and enforce uniqueness by: the normalized URI
// entirely lower-cased, because directories (and people) treat
// Alice@example.com and alice@example.com as one person.
std::string sip_uri_key(std::string_view normalized_uri);

// A sane address, not RFC 5322: local@domain, local part of atext and dots
// (<= 64), a DNS domain with at least one dot, <= 254 in all, ASCII only.
Result<void> validate_email(std::string_view email, std::string_view field = user_field::kEmail);

// Checks every field; the first fault is returned as `Field "value": problem`.
Result<void> validate_user(const User& user);

// validate_user() plus the canonical spelling of each field: normalized SIP
// URI, "tel:" in lower case, the e-mail domain lower-cased, granted policy
// names without "Tag:". Storage should keep what this returns.
Result<User> normalize_user(User user);

// What a user needs before Call Via Work can place calls for them (SfB
// deployment prerequisites): enabled, Enterprise Voice, a line URI and a PBX
// phone number. Returns the first one missing.
Result<void> check_call_via_work_prerequisites(const User& user);

}  // namespace cvw::directory
