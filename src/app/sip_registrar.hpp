// The SIP registrar of UC clients (issue #5): REGISTER, authenticated with
// HTTP Digest (RFC 3261 §22, RFC 7616, RFC 8760: SHA-256 offered first, MD5
// for old phones) against the directory's per-user HA1, then applied to the
// location service (registrar/location_service.hpp).
//
// The ladder (RFC 3261 §10.3):
//   Request-URI a domain of ours, else 404; To a user of that domain;
//   REGISTER well-formed (400 naming the fault);
//   step 3, authentication: SipAuthenticator (app/sip_authenticator.hpp) as
//     a registrar asks (401, Authorization): throttle, challenges, stale
//     nonces, replays, wrong passwords, no enumeration;
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
#include "app/sip_authenticator.hpp"
#include "common/log_budget.hpp"
#include "registrar/location_service.hpp"
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
  // `domains`: the [sip] domains (compared case-insensitively). `now`:
  // wall time, injected so tests step expiries and nonce ages.
  SipRegistrar(registrar::LocationService& location, SipAuthenticator& auth,
               std::vector<std::string> domains,
               std::function<registrar::WallClock::time_point()> now = registrar::WallClock::now);

  sip::Message respond(const sip::Message& request, const sip::Peer& from) override;
  // Path (RFC 3327): an edge proxy may Require it; the registrar keeps it.
  std::string_view supported() const override { return "path"; }

  const SipRegistrarMetrics& metrics() const { return metrics_; }

 private:
  sip::Message refuse(const sip::Message& request, int status, std::string_view reason);
  bool ours(std::string_view host) const;

  registrar::LocationService& location_;
  SipAuthenticator& auth_;
  std::vector<std::string> domains_;
  std::function<registrar::WallClock::time_point()> now_;
  SipRegistrarMetrics metrics_;
  LogBudget refusal_log_{"sip registrar: REGISTER refused"};
};

}  // namespace cvw::app
