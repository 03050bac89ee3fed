// Call: what CallService keeps of any call in progress, whichever flow runs
// it (ClickToCall outgoing, IncomingCall incoming): the coroutine that runs
// it, the record the API shows, and the user's hang-up. The record and its
// observer live here, so that every flow changes state and ends one way.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "calls/call_info.hpp"
#include "common/task.hpp"
#include "sip/dialog/invite_session.hpp"

namespace cvw::calls {

// A leg that ended without anyone hanging up: its session timer ran out, or
// the far end stopped answering requests in the dialog (408, 481, none).
// Such a call ends SessionExpired ("the call was lost"), by the party whose
// leg it was, saying which of the two happened.
inline bool leg_lost(std::optional<sip::dialog::EndReason> why) {
  return why == sip::dialog::EndReason::SessionExpired || why == sip::dialog::EndReason::Lost;
}
EndReason lost_call(Party who, sip::dialog::EndReason why);

class Call {
 public:
  // Called after every change of info(): each state, and the end.
  using Observer = std::function<void(const Call&)>;

  Call(CallInfo info, Observer changed) : info_(std::move(info)), changed_(std::move(changed)) {}
  virtual ~Call() = default;
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  // The whole call; completes once it has ended and every leg is released.
  virtual Task<void> run() = 0;
  // The user ends it (API DELETE) at whatever stage it is.
  virtual void hang_up() = 0;
  // cvwd stops: everything goes out now (the SIP stack stops right after).
  // By default as the user's hang-up; a flow whose hang-up means something
  // else to its peers (an incoming call's decline) says so.
  virtual void shut_down() { hang_up(); }
  const CallInfo& info() const { return info_; }

  // Attended transfer (RFC 3891): the leg on the user's side that an INVITE
  // with Replaces may name, and taking that INVITE. Calls that take no
  // transfer keep these defaults.
  virtual const sip::dialog::InviteSession* user_side_session() const { return nullptr; }
  virtual bool accept_replacement(std::shared_ptr<sip::dialog::InviteSession>) { return false; }

 protected:
  // A new state, told to the observer; nothing changes once Ended.
  void set_state(CallState state);
  // The end, once: the reason, the time, state Ended, a log line, the observer.
  void finish(EndReason why);
  // Tells the observer of a change made to info_ directly. Nothing is told
  // after the end: the owner frees an ended call on its next loop turn, and
  // a flow still finishing something in that turn (a transfer) must not
  // report the end twice.
  void changed() {
    if (changed_) changed_(*this);
    if (info_.state == CallState::Ended) changed_ = nullptr;
  }

  CallInfo info_;

 private:
  Observer changed_;
};

}  // namespace cvw::calls
