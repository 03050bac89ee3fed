#include "calls/call_info.hpp"

#include <iterator>
#include <string>

namespace cvw::calls {

std::string_view to_string(CallState state) {
  switch (state) {
    case CallState::CallingPhone: return "callingPhone";
    case CallState::PhoneRinging: return "phoneRinging";
    case CallState::CallingCallee: return "callingCallee";
    case CallState::CalleeRinging: return "calleeRinging";
    case CallState::Ringing: return "ringing";
    case CallState::Forwarding: return "forwarding";
    case CallState::Connected: return "connected";
    case CallState::Ended: return "ended";
  }
  return "ended";
}

std::string_view to_string(EndCode code) {
  switch (code) {
    case EndCode::Completed: return "Completed";
    case EndCode::PhoneBusy: return "PhoneBusy";
    case EndCode::PhoneDeclined: return "PhoneDeclined";
    case EndCode::PhoneNoAnswer: return "PhoneNoAnswer";
    case EndCode::PhoneUnreachable: return "PhoneUnreachable";
    case EndCode::CalleeBusy: return "CalleeBusy";
    case EndCode::CalleeDeclined: return "CalleeDeclined";
    case EndCode::CalleeNoAnswer: return "CalleeNoAnswer";
    case EndCode::CalleeNotFound: return "CalleeNotFound";
    case EndCode::CalleeUnavailable: return "CalleeUnavailable";
    case EndCode::CancelledByUser: return "CancelledByUser";
    case EndCode::PhoneHungUp: return "PhoneHungUp";
    case EndCode::MediaUpdateFailed: return "MediaUpdateFailed";
    case EndCode::SessionExpired: return "SessionExpired";
    case EndCode::Missed: return "Missed";
    case EndCode::DeclinedByUser: return "DeclinedByUser";
    case EndCode::UserBusy: return "UserBusy";
    case EndCode::UserUnreachable: return "UserUnreachable";
    case EndCode::Failed: return "Failed";
  }
  return "Failed";
}

std::string_view to_string(Party party) {
  switch (party) {
    case Party::None: return "none";
    case Party::Phone: return "phone";
    case Party::Callee: return "callee";
    case Party::User: return "user";
    case Party::Caller: return "caller";
    case Party::Client: return "client";
    case Party::Server: return "server";
  }
  return "none";
}

std::string_view to_string(Direction direction) {
  return direction == Direction::Incoming ? "incoming" : "outgoing";
}

std::string_view to_string(TargetKind kind) { return kind == TargetKind::User ? "user" : "number"; }

std::string_view to_string(AnsweredOn where) {
  switch (where) {
    case AnsweredOn::None:
      return "";
    case AnsweredOn::Client:
      return "client";
    case AnsweredOn::Phone:
      return "phone";
    case AnsweredOn::Callback:
      return "callback";
    case AnsweredOn::Forwarded:
      return "forwarded";
  }
  return "";
}

std::string_view to_string(TransferKind kind) {
  switch (kind) {
    case TransferKind::None:
      return "";
    case TransferKind::Attended:
      return "attended";
    case TransferKind::Blind:
      return "blind";
  }
  return "";
}

namespace {

enum class Outcome : std::uint8_t { Busy, Declined, NoAnswer, NotFound, Unavailable, Other };

// RFC 3261 §21 read from the caller's side of one leg.
Outcome classify(int status) {
  switch (status) {
    case 486:
    case 600: return Outcome::Busy;
    case 603: return Outcome::Declined;
    case 408: return Outcome::NoAnswer;  // our ring timeout (then CANCEL) or Timer B
    case 480: return Outcome::Unavailable;
    case 404:
    case 410:
    case 484:
    case 604: return Outcome::NotFound;
    default: break;
  }
  if (status >= 500 && status < 600) return Outcome::Unavailable;
  return Outcome::Other;
}

std::string with_status(std::string text, int status) {
  if (status > 0) text += " (SIP " + std::to_string(status) + ")";
  return text;
}

// What each outcome means on either leg, indexed by Outcome.
struct Wording {
  EndCode code;
  const char* text;
};
// 480 from the PBX for the user's own phone is "not registered / do not
// disturb": the phone cannot take the call, which the user must fix there.
constexpr Wording kPhoneWording[] = {
    {EndCode::PhoneBusy, "Your phone is busy"},
    {EndCode::PhoneDeclined, "The call was declined on your phone"},
    {EndCode::PhoneNoAnswer, "Your phone did not answer"},
    {EndCode::PhoneUnreachable, "Your phone could not be reached"},
    {EndCode::PhoneUnreachable, "Your phone could not be reached"},
    {EndCode::Failed, "Calling your phone failed"},
};
constexpr Wording kCalleeWording[] = {
    {EndCode::CalleeBusy, "The person you called is busy"},
    {EndCode::CalleeDeclined, "The person you called declined the call"},
    {EndCode::CalleeNoAnswer, "The person you called did not answer"},
    {EndCode::CalleeNotFound, "The number you called does not exist"},
    {EndCode::CalleeUnavailable, "The person you called is unavailable"},
    {EndCode::Failed, "Calling the other person failed"},
};

static_assert(std::size(kPhoneWording) == static_cast<std::size_t>(Outcome::Other) + 1);
static_assert(std::size(kCalleeWording) == std::size(kPhoneWording));

EndReason leg_failure(int status, Party by, const Wording (&wording)[6]) {
  const Wording& w = wording[static_cast<std::size_t>(classify(status))];
  EndReason r;
  r.code = w.code;
  r.sip_status = status;
  r.by = by;
  r.message = with_status(w.text, status);
  return r;
}

}  // namespace

EndReason end_reason(EndCode code, Party by, std::string message, int sip_status) {
  EndReason r;
  r.code = code;
  r.by = by;
  r.message = std::move(message);
  r.sip_status = sip_status;
  return r;
}

EndReason phone_failure(int status) { return leg_failure(status, Party::Phone, kPhoneWording); }

EndReason callee_failure(int status) { return leg_failure(status, Party::Callee, kCalleeWording); }

}  // namespace cvw::calls
