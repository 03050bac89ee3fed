// What a call is doing and how it ended: the record the API shows, the event
// channel carries, the history keeps and the metrics count. Plain values.
//
// The states follow what the user lives through. A click-to-call (issue #4,
// direction outgoing): their own phone is called and rings, they pick up and
// hear ringback while the callee is called and rings, the callee answers and
// the two are connected. An incoming call (issue #5): the user's clients and
// PBX phone ring (and the client shows accept/decline); answered on one of
// them it is connected; accepted in the client, their PBX phone is called
// back (callingPhone, phoneRinging) and then connected. Either way it ends
// with one reason that says why.
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
  Ringing,        // incoming: the user's clients and PBX phone ring
  Forwarding,     // incoming: nobody answered; the user's forwarding target is called
  Connected,      // outgoing: the callee answered and the phone was pointed at it;
                  // incoming: the caller is answered by the user's client or phone
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
  // Incoming calls. A missed call: nobody answered within the ring time
  // (by server), or the caller gave up first (by caller).
  Missed,
  DeclinedByUser,     // the user declined it in the client: 603 to the caller
  UserBusy,           // every client and phone that rang said busy: 486
  UserUnreachable,    // nothing could ring, or every branch failed: 480
  Failed,             // anything else: the message says what (keep last)
};
std::string_view to_string(EndCode code);

// Who ended a call (for Completed, and for the record). Caller and Client
// belong to incoming calls: who called the user, and the user's UC client.
enum class Party : std::uint8_t { None, Phone, Callee, User, Caller, Client, Server /* keep last */ };

enum class Direction : std::uint8_t { Outgoing, Incoming };
std::string_view to_string(Direction direction);
std::string_view to_string(Party party);

struct EndReason {
  EndCode code = EndCode::Failed;
  int sip_status = 0;  // the final response that decided it, when one did
  Party by = Party::None;
  std::string message;  // for people: "Your phone was busy (486 Busy Here)"
};

EndReason end_reason(EndCode code, Party by, std::string message, int sip_status = 0);

// How a final response to the INVITE of one leg ends the call. 487 (our own
// CANCEL) is the caller's business: it knows why it cancelled.
EndReason phone_failure(int status);
EndReason callee_failure(int status);

enum class TargetKind : std::uint8_t { User, Number };
std::string_view to_string(TargetKind kind);

// Incoming, once answered: on a registered UC client ("client"), on the PBX
// phone rung at the same time ("phone"), on the PBX phone called back after
// the user accepted in the client ("callback"), or by the target of the
// user's call forwarding ("forwarded"). None is "".
enum class AnsweredOn : std::uint8_t { None, Client, Phone, Callback, Forwarded /* keep last */ };
std::string_view to_string(AnsweredOn where);

// How the phone handed a call on: an INVITE with Replaces took its place
// ("attended"), or a REFER from it ("blind"). None is "".
enum class TransferKind : std::uint8_t { None, Attended, Blind /* keep last */ };
std::string_view to_string(TransferKind kind);

using Clock = std::chrono::system_clock;

struct CallInfo {
  std::string id;     // "c-" + 20 random characters; the API's path segment
  // The SIP URI of the user whose call it is (who placed it, or who was
  // called), as the directory spells it.
  std::string owner;
  Direction direction = Direction::Outgoing;
  CallState state = CallState::CallingPhone;
  AnsweredOn answered_on = AnsweredOn::None;        // incoming, once answered
  TransferKind transfer_kind = TransferKind::None;  // once the phone handed the call on
  TargetKind target_kind = TargetKind::Number;
  std::string to;     // outgoing: as the user gave it; incoming: the Request-URI that reached cvw
  // Incoming: who calls, as shown to the user (the caller's display name and
  // URI from P-Asserted-Identity, else From).
  std::string from;
  std::string target_uri;     // Request-URI of the callee's leg
  std::string target_number;  // the normalized number, when the target is one
  std::string phone_number;   // the user's phone, rung first
  std::optional<std::string> operation_id;
  std::optional<std::string> subject;
  Clock::time_point started_at{};
  std::optional<Clock::time_point> connected_at;
  std::optional<Clock::time_point> ended_at;
  std::optional<EndReason> reason;  // set when state == Ended
  // With transfer_kind: to whom (the new party's From, or where the REFER's
  // target was called).
  std::string transferred_to;
};

}  // namespace cvw::calls
