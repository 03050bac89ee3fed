// Turns an INVITE to a user (from the PBX trunk, or from another user's UC
// client) into the plan of an incoming call (calls::IncomingCallPlan), or
// into the SIP refusal. The rules of who rings live here; the call flow
// (src/calls/incoming_call.hpp) knows no users.
//
//   1. Who is called: the Request-URI names a user by SIP URI
//      (sip:alice@<one of [sip] domains>) or by the number of their LineURI
//      (their UC number, or its extension), as the trunk routes it. Nobody
//      (or a disabled account): 404.
//   2. What rings at the same time:
//      - every UC client the user registered (the location service), each
//        addressed at its Contact, through its Path (RFC 3327);
//      - their PBX phone through the trunk, when simultaneous ring is on:
//        the simultaneous-ring target, else their Call Via Work phone
//        number. Never the number that was dialled (the PBX would send the
//        call straight back).
//   3. The client can accept the call on the PBX phone (callback) when the
//      user's Call Via Work policy is on and they have a phone to call back
//      (DirectoryService::callback_number).
//   4. The devices ring for the user's ring time (User::ring_seconds). Call
//      forwarding (User::forwarding): "immediately" rings only the target,
//      "noAnswer" calls it when the ring time has passed. A number goes
//      through the trunk; a user's SIP URI to that user's PBX phone.
//   Nothing to ring, no callback and no forwarding: 480.
//   5. Every device sees the caller (IncomingCaller): from the trunk, a
//      trusted peer, its From (without its tag) and P-Asserted-Identity as
//      they came; from a UC client, the work identity of the user it
//      authenticated as (what their click-to-calls show), whatever its From
//      said.
//   6. A loop still ends: each branch carries one less Max-Forwards than
//      the INVITE (RFC 3261 §16.6 step 3), and an INVITE that arrives with
//      none left gets 483.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/directory_service.hpp"
#include "calls/incoming_call.hpp"
#include "registrar/location_service.hpp"
#include "sip/message.hpp"
#include "sip/peer.hpp"

namespace cvw::app {

struct IncomingSettings {
  std::vector<std::string> domains;  // the users' SIP domains ([sip] domains)
  std::optional<sip::Peer> trunk;    // the PBX: the phone and the callback are called through it
  Duration callback_ring_timeout = std::chrono::seconds(30);  // the PBX phone after an accept
  Duration forward_ring_timeout = std::chrono::seconds(60);   // a forwarding target
  std::string sdp_address = "127.0.0.1";  // cvw's address in its own o= lines
};

// Who calls, as the user's devices are shown it.
struct IncomingCaller {
  std::string from;  // the branches' From (name-addr, no tag)
  // Identity headers towards the PBX (P-Asserted-Identity, Privacy), and
  // towards the user's UC clients (the same, unless the caller asked for
  // privacy: RFC 3325 keeps an asserted identity inside the trust domain).
  std::vector<std::pair<std::string, std::string>> to_pbx;
  std::vector<std::pair<std::string, std::string>> to_clients;
  std::string shown;  // the call record's `from`
  const directory::User* user = nullptr;  // the UC user calling, if one is
};

// The caller the trunk asserts (the INVITE's From, P-Asserted-Identity and
// Privacy, passed on as they came).
IncomingCaller trunk_caller(const sip::Message& invite);
// A UC user calling from a client cvw authenticated: their work identity.
IncomingCaller user_caller(const directory::User& user);

struct PlannedIncoming {
  std::optional<calls::IncomingCallPlan> plan;
  int status = 404;    // when plan is empty: the response to the caller
  std::string reason;  // its reason phrase, and the log line
  // A user was called and nothing of theirs could ring (480): the record of
  // that missed call, for their history (CallService::record_unrung).
  std::optional<calls::CallInfo> unrung;
};

PlannedIncoming plan_incoming_call(const DirectoryService& directory, const registrar::LocationService& locations,
                                   const sip::Message& invite, const IncomingCaller& caller,
                                   const IncomingSettings& settings, registrar::WallClock::time_point now);

}  // namespace cvw::app
