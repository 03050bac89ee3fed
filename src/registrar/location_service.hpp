// The location service (RFC 3261 §10.3): for each address-of-record, the
// contacts its UC clients registered, until they expire.
//
// apply() is §10.3 steps 6-8 on plain values (register_request.hpp reads
// them from the REGISTER): add, refresh or remove each Contact, "*" removes
// all, the Call-ID/CSeq rule keeps an old request from undoing a newer one,
// and a failed request changes nothing. Times are wall-clock (system_clock)
// because bindings are stored and must mean the same after a restart.
//
// Keys are the AoR as the directory canonicalises it (sip:user@domain,
// directory::sip_uri_key): the registrar decides which AoR a REGISTER is for
// (after authenticating it), never this class.
//
// Threading: the event-loop thread only; no locks.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"
#include "registrar/register_request.hpp"

namespace cvw::registrar {

using WallClock = std::chrono::system_clock;

struct Binding {
  std::string contact;             // the URI requests to this client go to
  std::string call_id;             // of the REGISTER that made or last refreshed it
  std::uint32_t cseq = 0;
  WallClock::time_point expires;
  std::vector<std::string> path;   // RFC 3327: the Route set towards the client, in order
  std::string q;                   // ;q= as registered, empty when none
  std::string instance;            // ;+sip.instance= (RFC 5626), empty when none
  std::string source;              // transport address the REGISTER came from ("udp:1.2.3.4:5060")
  std::string user_agent;

  // Seconds until it expires, rounded up (what a 200 says in ;expires=).
  std::uint32_t seconds_left(WallClock::time_point now) const;
};

struct RegistrarLimits {
  std::uint32_t default_expires = 3600;  // when the REGISTER gives none
  std::uint32_t min_expires = 60;        // below (and not 0): 423 with Min-Expires (§10.3 step 7)
  std::uint32_t max_expires = 7200;      // above: shortened; the 200 says what was granted
  std::size_t max_contacts = 10;         // per AoR; one more: 403
};

class LocationService {
 public:
  explicit LocationService(RegistrarLimits limits = {}) : limits_(limits) {}

  // §10.3 steps 6-8 for `aor`. Returns the AoR's bindings afterwards (the
  // 200's Contacts). A query (no Contact) only reads. Errors, which change
  // nothing: 423 an expiry below min_expires (the caller adds Min-Expires),
  // 400 a CSeq not above the binding's for the same Call-ID, 403 more than
  // max_contacts.
  Result<std::vector<Binding>> apply(std::string_view aor, const RegisterRequest& request, std::string_view source,
                                     WallClock::time_point now);

  // The AoR's bindings that have not expired.
  std::vector<Binding> lookup(std::string_view aor, WallClock::time_point now) const;

  // Drops every expired binding; returns how many. Run from a timer.
  std::size_t purge(WallClock::time_point now);

  // Puts back a binding read from storage at start (expired ones are skipped).
  void restore(const std::string& aor, Binding binding, WallClock::time_point now);

  std::size_t aor_count() const { return bindings_.size(); }
  std::size_t binding_count() const;
  const RegistrarLimits& limits() const { return limits_; }

  // After every change of an AoR's bindings, with what it has now (empty:
  // all gone): where storage hooks in.
  std::function<void(std::string_view aor, const std::vector<Binding>&)> on_change;

 private:
  RegistrarLimits limits_;
  std::unordered_map<std::string, std::vector<Binding>> bindings_;
};

}  // namespace cvw::registrar
