// The SIP registrar of UC clients (issue #5): REGISTER, authenticated with
// HTTP Digest (RFC 3261 §22, RFC 7616, RFC 8760: SHA-256 offered first, MD5
// for old phones) against the directory's per-user HA1, then applied to the
// location service (registrar/location_service.hpp).
//
// The ladder (RFC 3261 §10.3):
//   Request-URI a domain of ours, else 404; To a user of that domain;
//   REGISTER well-formed (400 naming the fault);
//   too many failures for this AoR or from this address: 403 (LoginThrottle,
//     the same rule as the API's logins, counted apart);
//   no credentials: 401 with a fresh nonce, one challenge per algorithm in
//     the configured order (RFC 8760 §2.3: SHA-256 first, MD5 after; clients
//     on older stacks know only MD5, and some, baresip 1.x among them, give
//     up when any challenge names another: [registrar] digest_algorithms);
//   credentials with an algorithm not offered: challenged again;
//   credentials: realm = the AoR's domain, username = the AoR's user, the
//     digest uri a SIP URI (not necessarily the Request-URI); a nonce from another process or too old: 401
//     stale=TRUE (the phone retries without asking its user); a replayed nonce
//     count: 401 and a counted failure; a wrong response: 403 and a counted
//     failure. An unknown or disabled user, or one without digest secrets,
//     gets exactly what a wrong password gets (no enumeration);
//   then the bindings change: 423 with Min-Expires, 400 (CSeq), 403 (too many
//   contacts), or 200 with every current Contact and its expiry, Path echoed
//   (RFC 3327 §5.3) and a Date (§10.3 step 8).
//
// Threading: the event-loop thread (a RequestHandler of the UA core).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "app/directory_service.hpp"
#include "app/login_throttle.hpp"
#include "registrar/location_service.hpp"
#include "sip/auth/digest.hpp"
#include "sip/dialog/user_agent.hpp"

namespace cvw::app {

struct SipRegistrarMetrics {
  std::uint64_t registered = 0;    // 200 to a REGISTER that added, refreshed or removed
  std::uint64_t queried = 0;       // 200 to a REGISTER without Contact
  std::uint64_t challenged = 0;    // 401 (no credentials, stale or foreign nonce)
  std::uint64_t auth_failed = 0;   // 403 wrong credentials, and 401 replays (counted failures)
  std::uint64_t throttled = 0;     // 403 without checking: too many failures
  std::uint64_t refused = 0;       // 400, 404, 423, 403 (contact limit)
};

class SipRegistrar final : public sip::dialog::RequestHandler {
 public:
  // `domains`: the [sip] domains (compared case-insensitively).
  // `algorithms`: offered in this order, at least one. `now`: wall time,
  // injected so tests step expiries and nonce ages.
  SipRegistrar(const DirectoryService& directory, registrar::LocationService& location,
               sip::auth::DigestVerifier& digest, LoginThrottle& throttle, std::vector<std::string> domains,
               std::vector<sip::auth::DigestAlgorithm> algorithms,
               std::function<registrar::WallClock::time_point()> now = registrar::WallClock::now);

  sip::Message respond(const sip::Message& request, const sip::Peer& from) override;
  // Path (RFC 3327): an edge proxy may Require it; the registrar keeps it.
  std::string_view supported() const override { return "path"; }

  const SipRegistrarMetrics& metrics() const { return metrics_; }

 private:
  sip::Message challenge(const sip::Message& request, std::string_view realm, bool stale);
  sip::Message refuse(const sip::Message& request, int status, std::string_view reason);
  bool ours(std::string_view host) const;

  const DirectoryService& directory_;
  registrar::LocationService& location_;
  sip::auth::DigestVerifier& digest_;
  LoginThrottle& throttle_;
  std::vector<std::string> domains_;
  std::vector<sip::auth::DigestAlgorithm> algorithms_;
  std::function<registrar::WallClock::time_point()> now_;
  SipRegistrarMetrics metrics_;
};

}  // namespace cvw::app
