// What cvwd does with a call to someone (an INVITE outside a dialog that is
// not a transfer: calls::CallRouter hands it over with where it came from):
//
//   from the PBX trunk, or from cvw itself (a click-to-call to a user, looped
//     through cvw's own listener so that it rings as any call to them):
//     trusted; the caller is who the INVITE says (trunk_caller());
//   from anywhere else: a UC client calling for its user, who must prove it
//     as a proxy asks (RFC 3261 §22.3): the From names a user of one of our
//     domains (else 403), then 407 Proxy-Authenticate and digest against
//     their SIP password (SipAuthenticator: the registrar's nonces, throttle
//     and rules); the caller is then the user's work identity
//     (user_caller()), whatever the From said;
//   then plan_incoming_call() decides who rings (or the refusal) and
//   CallService::ring() runs the call.
//
// A UC client may call users only: a Request-URI that is not a user gets 404
// (a number outside the directory is for click-to-call, which rings the
// user's desk phone first: cvw does not carry a client's audio to the PBX).
//
// Threading: the event-loop thread.
#pragma once

#include <cstdint>
#include <memory>

#include "app/incoming_planner.hpp"
#include "app/sip_authenticator.hpp"
#include "calls/call_router.hpp"
#include "calls/call_service.hpp"
#include "common/log_budget.hpp"

namespace cvw::app {

struct InviteAdmissionMetrics {
  std::uint64_t rung = 0;         // handed to CallService::ring
  std::uint64_t refused = 0;      // the planner's or the call service's refusal (404, 480, 483, 503...)
  std::uint64_t challenged = 0;   // 407: a client without (usable) credentials
  std::uint64_t auth_failed = 0;  // a client's wrong credentials, replays, throttled, or a From not ours
};

class InviteAdmission {
 public:
  InviteAdmission(const DirectoryService& directory, const registrar::LocationService& locations,
                  SipAuthenticator& auth, calls::CallService& calls, IncomingSettings settings);

  // The CallRouter's incoming handler.
  void admit(std::shared_ptr<sip::dialog::InviteSession> session, calls::InviteSource source);

  const InviteAdmissionMetrics& metrics() const { return metrics_; }

 private:
  // The user a client's INVITE comes from, once authenticated; nullptr when
  // the INVITE was answered (challenged or refused).
  const directory::User* authenticate(sip::dialog::InviteSession& session);
  void refuse(sip::dialog::InviteSession& session, int status, std::string_view reason);

  const DirectoryService& directory_;
  const registrar::LocationService& locations_;
  SipAuthenticator& auth_;
  calls::CallService& calls_;
  IncomingSettings settings_;
  InviteAdmissionMetrics metrics_;
  LogBudget refusal_log_{"sip: INVITE refused"};
};

}  // namespace cvw::app
