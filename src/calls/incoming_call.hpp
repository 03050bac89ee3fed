// IncomingCall: a call to a Call Via Work user's UC identity (issue #5;
// ../shared/DESIGN.md §2.2), one coroutine over the caller's leg and the
// branches it forks to:
//
//   caller (trunk)          cvw                       user's devices
//     |-- INVITE (offer) -->|                                  |
//     |<-- 180 -------------|-- INVITE (the caller's offer) -->|  each UC client
//     |                     |-- INVITE (the caller's offer) -->|  the PBX phone (simultaneous ring)
//     |                     |   event "ringing" ------------>  the client's event channel
//     |                     |<-- 200 (answer) -----------------|  first answer wins
//     |                     |-- CANCEL, Reason: SIP;cause=200 ->|  every other branch
//     |<-- 200 (answer) ----|-- ACK --------------------------->|
//     |-- ACK ------------->|                                  |
//     |<================ RTP caller <-> device (not through cvw) ===========>|
//
// Every branch is offered the caller's own SDP, so the one that answers talks
// to the caller directly (cvw stays out of the media, as click-to-call's
// direct mode). Branches that lose are cancelled with RFC 3326
// `Reason: SIP;cause=200;text="Call completed elsewhere"` so they log no
// missed call.
//
// The user's client can also act on the notification (the API):
//   accept()  — every branch is cancelled (completed elsewhere) and the PBX
//               phone is called back with the caller's offer; its answer
//               answers the caller (states callingPhone, phoneRinging,
//               connected; answered_on "callback");
//   decline() — every branch is cancelled and the caller gets 603, or,
//               when the user forwards unanswered calls (`forward`), the
//               call is forwarded (as a device's 6xx is).
// Nobody answers within the ring time: every branch is cancelled and the
// call is forwarded when the plan says so (`forward`), else the caller gets
// 480 (EndCode::Missed, by server); the caller hanging up first
// cancels every branch (Missed, by caller). When every branch fails and the
// client cannot accept (no callback plan), the caller gets the best failure
// (486 if any branch was busy, else 480).
//
// The caller's INVITE must carry an offer: a late-offer INVITE (offer in our
// 200, answer in the ACK) is refused with 488 and a reason phrase saying so,
// since the branches would each need the caller's answer relayed in their ACK.
//
// Ownership and threading: the event-loop thread only. The owner (a
// CallService) keeps the IncomingCall alive until run() completes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calls/call.hpp"
#include "calls/call_sdp.hpp"
#include "calls/direct_media.hpp"
#include "sdp/offer_answer.hpp"
#include "sip/dialog/call_leg.hpp"

namespace cvw::calls {

// A UC client the user registered, their PBX phone (simultaneous ring), or
// the target of their immediate call forwarding.
enum class BranchKind : std::uint8_t { Client, Phone, Forward };

// One device rung at the same time as the others.
struct RingBranch {
  BranchKind kind = BranchKind::Client;
  sip::dialog::InviteParams invite;  // without a body: the flow offers the caller's SDP
};

// What the application decided when the INVITE arrived.
struct IncomingCallPlan {
  CallInfo info;  // owner, to, from, direction Incoming (id and started_at: CallService)
  std::vector<RingBranch> branches;
  Duration ring_timeout = std::chrono::seconds(20);
  // The user's PBX phone for accept() (callback); none: accept() is refused.
  std::optional<sip::dialog::InviteParams> callback;
  Duration callback_ring_timeout = std::chrono::seconds(30);
  // Forwarding on no answer: when ring_timeout passes, the branches are
  // cancelled and this target is called instead (state forwarding;
  // answered_on "forwarded"). None: the caller gets 480.
  std::optional<sip::dialog::InviteParams> forward;
  Duration forward_ring_timeout = std::chrono::seconds(60);
  // Local address for cvw's own o= lines.
  std::string sdp_address = "127.0.0.1";
};

class IncomingCall final : public Call, private sip::dialog::CallLegObserver {
 public:
  IncomingCall(sip::dialog::UserAgent& ua, TimerService& timers, std::shared_ptr<sip::dialog::InviteSession> caller,
               IncomingCallPlan plan, Observer changed);
  ~IncomingCall() override;

  Task<void> run() override;
  // The user ends the call from the client: while it rings, as decline();
  // once connected, BYE to both sides.
  void hang_up() override;
  // While it rings: 503 to the caller, the branches cancelled; else hang_up().
  void shut_down() override;

  // The user's client acts on the notification; false when it is too late
  // (answered, ended) or, for accept(), when there is no phone to call back.
  bool accept();
  bool decline();

 private:
  struct Branch {
    RingBranch plan;
    std::unique_ptr<sip::dialog::CallLeg> leg;
    Task<void> ringing;
    int status = 0;  // its final status once it failed
  };
  // What ends the ringing; the flow reads the details when it resumes.
  enum class Decision : std::uint8_t { Answered, AllFailed, CallerLeft, Timeout, Accepted, Declined };

  Task<void> ring(std::size_t index);
  // Ends every branch but `except`: CANCEL with `why` as its Reason (a
  // branch that answers anyway is ACKed and BYEd by its session).
  void stop_branches(std::size_t except, std::string_view why);
  // After an accept, the user's PBX phone (`forward` false); after no
  // answer, the forwarding target (`forward` true): one more leg with the
  // caller's offer, connected when it answers.
  Task<void> ring_one_more(bool forward);
  // How the call ended when ring_one_more()'s leg did not answer.
  EndReason one_more_failed(bool forward, int status, Duration timeout) const;
  // The caller's offer, checked and kept, stamped for the devices (offer_);
  // false when it is missing or has no media cvw can use.
  bool take_callers_offer();
  // INVITE to one device (or the callback, the forwarding target) with the
  // caller's offer.
  Completion<int>& invite_with_offer(sip::dialog::CallLeg& leg,
                                     const sip::dialog::InviteParams& target, Duration timeout);
  // The device answered: answer_caller(), then stay_connected(). Stages, each
  // its own coroutine as in ClickToCall: a stage's frame (the parsed answer,
  // the SDP text) is freed when it ends. A stage that ends the call returns
  // false.
  Task<void> connect(sip::dialog::CallLeg& device, Party device_party);
  // Answers the caller with the device's media.
  Task<bool> answer_caller(sip::dialog::CallLeg& device, Party device_party);
  // Waits for either side to leave and releases both.
  Task<void> stay_connected(sip::dialog::CallLeg& device);
  void decide(Decision d);
  // CallLegObserver, for the caller's leg, the callback's while it rings and
  // the device that answered (device_).
  void on_leg_provisional(sip::dialog::CallLeg& leg, const sip::Message& provisional) override;
  void on_leg_end(sip::dialog::CallLeg& leg, sip::dialog::EndReason reason, int status) override;
  std::optional<std::string> on_leg_offer(sip::dialog::CallLeg& leg,
                                          std::string_view offer) override;
  // The two sides: the device that answered (the user's) and the caller.
  sip::dialog::CallLeg& leg_of(Side s) { return s == Side::User ? *device_ : caller_; }
  sdp::LocalSession& local_of(Side s) { return s == Side::User ? device_sdp_ : caller_sdp_; }
  PartyMedia& media_of(Side s) { return s == Side::User ? device_media_ : caller_media_; }
  std::uint64_t& told_of(Side s) { return s == Side::User ? told_device_ : told_caller_; }
  bool joined() const { return info_.state == CallState::Connected && !first_to_leave_.ready(); }
  // The same for direct_media.hpp, while it works on them.
  friend class SidesOf<IncomingCall>;
  using Sides = SidesOf<IncomingCall>;
  // Once connected, a side whose picture of the other party is out of date
  // is re-INVITEd with the other's media as it is now
  // (calls::follow_media), unless that runs already.
  void follow_media();
  Task<void> follow();

  sip::dialog::UserAgent& ua_;
  TimerService& timers_;
  IncomingCallPlan plan_;
  sip::dialog::CallLeg caller_;
  // Declared after the caller: destroyed first (each Branch's task before its leg).
  std::vector<Branch> branches_;
  std::unique_ptr<sip::dialog::CallLeg> callback_leg_;
  // The device that answered (a branch's leg, or callback_leg_) and who it is.
  sip::dialog::CallLeg* device_ = nullptr;
  Party device_party_ = Party::None;
  std::string offer_;  // the caller's offer as every device is offered it
  std::size_t failed_ = 0;
  std::optional<std::size_t> winner_;
  Party declined_by_ = Party::None;
  int declined_status_ = 603;
  Completion<Decision> decided_;
  TimerService::Handle ring_timer_ = 0;
  TimerService::Handle cancel_callback_ = 0;
  sdp::LocalSession caller_sdp_;  // our o= line towards the caller
  sdp::LocalSession device_sdp_;  // and towards the devices
  PartyMedia caller_media_;       // what the caller last described
  PartyMedia device_media_;       // and the device that answered
  bool user_hung_up_ = false;
  std::optional<sip::dialog::EndReason> lost_;  // how a leg was lost (leg_lost), if one was
  bool following_ = false;
  // What each side was last told of the other party (direct_media.hpp).
  std::uint64_t told_device_ = 0;
  std::uint64_t told_caller_ = 0;
  Completion<Party> first_to_leave_;
  Task<void> follower_;  // follow(), while it runs; declared last, so destroyed first
};

}  // namespace cvw::calls
