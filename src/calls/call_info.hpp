// What a click-to-call is doing and how it ended: the record the API shows,
// the event channel carries and the metrics count. Plain values.
//
// The states follow what the user lives through (issue #4): their own phone
// is called and rings, they pick up and hear ringback while the callee is
// called and rings, the callee answers and the two are connected, and then
// it ends, with one reason that says why.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cvw::calls {

enum class CallState : std::uint8_t {
  CallingPhone,   // INVITE sent to the user's own (PBX) phone
  PhoneRinging,   // it answered 180/183
  CallingCallee,  // the user picked up; ringback plays; INVITE sent to the callee
  CalleeRinging,  // the callee answered 180/183
  Connected,      // the callee answered and the phone was re-INVITEd with its media
  Ended,          // final: see EndReason
};
std::string_view to_string(CallState state);

enum class EndCode : std::uint8_t {
  Completed,          // connected, then someone hung up (EndReason::by says who)
  PhoneBusy,          // the user's phone: 486 / 600
  PhoneDeclined,      // 603
  PhoneNoAnswer,      // nobody picked up within the ring time (CANCEL), or 480
  PhoneUnreachable,   // 404 / 410 / 484 / 604 / 5xx / no route / transport error
  CalleeBusy,
  CalleeDeclined,
  CalleeNoAnswer,
  CalleeNotFound,     // 404 / 410 / 484 / 604
  CalleeUnavailable,  // 480 / 5xx / no route / transport error
  CancelledByUser,    // the user ended it before the callee answered
  PhoneHungUp,        // the user's phone hung up before the callee answered
  MediaUpdateFailed,  // the phone refused (or never answered) the re-INVITE with the callee's media
  SessionExpired,     // a leg's RFC 4028 session timer ran out
  Failed,             // anything else: the message says what
};
std::string_view to_string(EndCode code);

// Who ended a call (for Completed, and for the record).
enum class Party : std::uint8_t { None, Phone, Callee, User, Server };
std::string_view to_string(Party party);

struct EndReason {
  EndCode code = EndCode::Failed;
  int sip_status = 0;  // the final response that decided it, when one did
  Party by = Party::None;
  std::string message;  // for people: "Your phone was busy (486 Busy Here)"
};

// How a final response to the INVITE of one leg ends the call. 487 (our own
// CANCEL) is the caller's business: it knows why it cancelled.
EndReason phone_failure(int status);
EndReason callee_failure(int status);

enum class TargetKind : std::uint8_t { User, Number };
std::string_view to_string(TargetKind kind);

using Clock = std::chrono::system_clock;

struct CallInfo {
  std::string id;     // "c-" + 20 random characters; the API's path segment
  std::string owner;  // the SIP URI of the user who placed it, as the directory spells it
  CallState state = CallState::CallingPhone;
  std::string to;     // as the user gave it
  TargetKind target_kind = TargetKind::Number;
  std::string target_uri;     // Request-URI of the callee's leg
  std::string target_number;  // the normalized number, when the target is one
  std::string phone_number;   // the user's phone, rung first
  std::optional<std::string> operation_id;
  std::optional<std::string> subject;
  Clock::time_point started_at{};
  std::optional<Clock::time_point> connected_at;
  std::optional<Clock::time_point> ended_at;
  std::optional<EndReason> reason;  // set when state == Ended
  // Set once the phone handed the call on: "attended" (an INVITE with
  // Replaces took the phone's place) or "blind" (a REFER from the phone), and
  // to whom (the new party's From, or the Refer-To target).
  std::string transfer_kind;
  std::string transferred_to;
};

}  // namespace cvw::calls
