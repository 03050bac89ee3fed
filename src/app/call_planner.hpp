// Turns a user's "call this" (POST /api/v1/me/calls) into a ClickToCallPlan,
// or into the refusal the API answers with. The rules of Call Via Work live
// here; the call flow itself (src/calls) knows nothing of users or policies.
//
//   1. the user's effective Call Via Work policy must be enabled;
//   2. emergency numbers are refused: the PBX would not see the desk phone's
//      location on a call the server places (checked on what was dialled and
//      on what the dial plan made of it);
//   3. the callee: a UC user by SIP URI, called at that URI through cvw's
//      own SIP listener (`self_route`), where the call is taken as any call
//      to the user is (app/invite_admission.hpp): their UC clients, their
//      PBX phone on simultaneous ring, their event channel with accept and
//      decline, their forwarding; else a number the user's dial plan
//      normalizes, through the trunk;
//   4. the phone rung first: the policy's AdminCallbackNumber when
//      UseAdminCallbackNumber is set, else the number the user asked for,
//      else their own PBX phone number;
//   5. the phone's leg goes to the PBX trunk. The phone sees the global
//      CallViaWorkCallerId ("this is your own call"); the callee sees the
//      user: display name and SIP URI in From, the line URI in
//      P-Asserted-Identity.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/directory_service.hpp"
#include "calls/click_to_call.hpp"
#include "sip/peer.hpp"

namespace cvw::app {

struct CallSettings {
  // Compared with the dialled digits (separators and a leading '+' ignored).
  std::vector<std::string> emergency_numbers{"911", "112", "999", "000"};
  std::string caller_id_name = "Call Via Work";  // display name on the phone's leg
  std::string domain = "cvw.local";              // host of the SIP URIs cvw writes for numbers
  std::optional<sip::Peer> trunk;                // the PBX both legs go to; none: calls are refused (503)
  // cvw's own SIP address as a loose route ("<sip:127.0.0.1:5060;lr>"): a
  // call to a UC user goes there. Empty: UC users cannot be called (503).
  std::string self_route;
  Duration phone_ring_timeout = std::chrono::seconds(30);
  Duration callee_ring_timeout = std::chrono::seconds(60);
};

struct CallRequest {
  std::string to;
  std::optional<std::string> phone_number;
  std::optional<std::string> operation_id;
  std::optional<std::string> subject;
};

// An API error: HTTP status, subcode, message for people.
struct Refusal {
  int status = 400;
  std::string subcode;
  std::string message;
};

struct PlannedCall {
  std::optional<calls::ClickToCallPlan> plan;
  Refusal refusal;  // when plan is empty
};

PlannedCall plan_click_to_call(const DirectoryService& directory, const directory::User& user,
                               const CallRequest& request, const CallSettings& settings);

// A blind transfer from a click-to-call's phone (a REFER naming a number or
// extension) goes where the phone's PBX would send it, the trunk, and shows
// the user's work identity there as the callee's leg did: From and
// P-Asserted-Identity as they are now in the directory (a user disabled or
// removed meanwhile cannot be transferred for), the call's Subject.
// Emergency numbers are refused here too: the phone dials those itself.
class TransferInvites final : public calls::TransferPlanner {
 public:
  // Both are read at each transfer and must outlive every call.
  TransferInvites(const DirectoryService& directory, const CallSettings& settings)
      : directory_(directory), settings_(settings) {}
  std::optional<sip::dialog::InviteParams> blind_transfer(const calls::CallInfo& call,
                                                          std::string_view user) const override;

 private:
  const DirectoryService& directory_;
  const CallSettings& settings_;
};

// What `user`'s effective dial plan makes of `dialed`: a dialable number
// ('+' and digits, or * #), or 400 naming `what` and, when a rule produced
// something undialable, the rule.
Result<std::string> normalize_number(const DirectoryService& directory, const directory::User& user,
                                     std::string_view dialed, std::string_view what);

// True when `dialed` (as typed, or normalized) is one of `numbers`.
bool is_emergency_number(std::string_view dialed, const std::vector<std::string>& numbers);

// A name-addr (RFC 3261 §25.1): `display` as a quoted-string ('"' and '\'
// escaped, control characters dropped, so a display name cannot break the
// header) before `<uri>`; just `<uri>` when there is no name to show, rather
// than an empty "" that phones print as a blank caller name.
std::string name_addr(std::string_view display, std::string_view uri);

// How a user appears to whoever they call, from click-to-call or a UC
// client: From their display name and SIP URI, P-Asserted-Identity their
// LineURI (their work number) where they have one.
struct WorkIdentity {
  std::string from;      // "Alice Smith" <sip:alice@example.com>
  std::string asserted;  // "Alice Smith" <tel:+14255550100;ext=100>
};
WorkIdentity work_identity(const directory::User& user);

// The trunk's URI for a number: sip:+14255550123@127.0.0.1:5070;user=phone.
std::string trunk_uri(std::string_view number, const sip::Peer& trunk);

}  // namespace cvw::app
