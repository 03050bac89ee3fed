// Who sent a SIP request: HTTP Digest (RFC 3261 §22, RFC 7616, RFC 8760)
// against the directory's per-user HA1, for the registrar (REGISTER, 401 and
// Authorization) and for calls placed by UC clients (INVITE, 407 and
// Proxy-Authorization, as a proxy asks: §22.3).
//
// The ladder, for a request that claims to come from `account`:
//   too many failures for this account or from this address: 403 without
//     checking (LoginThrottle, the same rule as the API's logins);
//   no credentials: a challenge with a fresh nonce, one per algorithm in the
//     configured order (RFC 8760 §2.3: SHA-256 first, MD5 after; clients on
//     older stacks know only MD5, and some, baresip 1.x among them, give up
//     when any challenge names another: [registrar] digest_algorithms);
//   credentials for another realm or with an algorithm not offered:
//     challenged again;
//   credentials: realm = the account's domain, username = its user (or
//     user@domain), the digest uri a SIP URI; a nonce from another process or
//     too old: challenged with stale=TRUE (the phone retries without asking
//     its user); a replayed nonce count: challenged and a counted failure; a
//     wrong response: 403 and a counted failure. An unknown or disabled user,
//     or one without digest secrets, gets exactly what a wrong password gets
//     (no enumeration: the same answer, the same hashing work).
//
// Threading: the event-loop thread (DigestVerifier and LoginThrottle are not
// locked).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/directory_service.hpp"
#include "app/login_throttle.hpp"
#include "common/log_budget.hpp"
#include "sip/auth/digest.hpp"
#include "sip/message.hpp"
#include "sip/peer.hpp"

namespace cvw::app {

// Who asks for credentials: a registrar (401, WWW-Authenticate,
// Authorization) or a proxy (407, Proxy-Authenticate, Proxy-Authorization).
enum class Challenger : std::uint8_t { Registrar, Proxy };

enum class AuthResult : std::uint8_t {
  Ok,          // `user` sent it
  Challenged,  // no (usable) credentials, or a stale nonce: 401/407
  Failed,      // wrong credentials or a replay: a counted failure (403, or 401/407 for a replay)
  Throttled,   // 403 without checking: too many failures
  Malformed,   // 400: the credentials header cannot be read
};

struct AuthDecision {
  AuthResult result = AuthResult::Challenged;
  const directory::User* user = nullptr;  // Ok only
  // Otherwise, the response: status, reason phrase and its challenge headers.
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;
};

class SipAuthenticator {
 public:
  // `algorithms`: offered in this order, at least one.
  SipAuthenticator(const DirectoryService& directory, sip::auth::DigestVerifier& digest, LoginThrottle& throttle,
                   std::vector<sip::auth::DigestAlgorithm> algorithms);

  // Whether `request`, from `from`, was sent by the user `aor_user`@`realm`
  // (`account`: its directory::sip_uri_key). `now_s`: Unix seconds, for the
  // throttle.
  AuthDecision authenticate(const sip::Message& request, const sip::Peer& from, Challenger challenger,
                            std::string_view realm, std::string_view aor_user, std::string_view account,
                            std::int64_t now_s);

 private:
  AuthDecision challenge(Challenger challenger, std::string_view realm, bool stale, AuthResult result);

  const DirectoryService& directory_;
  sip::auth::DigestVerifier& digest_;
  LoginThrottle& throttle_;
  LogBudget failure_log_{"sip auth: refused"};
  std::vector<sip::auth::DigestAlgorithm> algorithms_;
};

}  // namespace cvw::app
