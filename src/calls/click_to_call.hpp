// ClickToCall: one Call Via Work call, third-party call control as RFC 3725
// §4 and docs/ARCHITECTURE.md describe it, written as coroutines that read
// like its ladder diagram (run() and its three stages):
//
//   phone (leg A)            cvw                     callee (leg B)
//     |<-- INVITE (our offer) --|                         |
//     |--- 180, 200 (answer A) >|                         |
//     |<-- ACK; ringback RTP ---|                         |
//     |                         |-- INVITE (A's media) -->|
//     |                         |<- 180, 200 (answer B) --|
//     |<-- re-INVITE (B's media)|-- ACK ----------------->|
//     |--- 200, ACK ----------->|                         |
//     |<============== RTP phone <-> callee =============>|
//
// The callee is offered the phone's media (the phone's answer turned into an
// offer), so when it answers its audio already goes to the phone; the
// re-INVITE then points the phone at the callee. Ringback stops when the
// callee answers or sends early media (183 with SDP), which then reaches the
// phone directly.
//
// Once connected, a re-offer from either party (a hold, a move of its
// media) is answered on behalf of the other and, with direct media, passed
// on to the other in a re-INVITE (follow()).
//
// With anchored media (call_media.hpp) the callee is offered cvw's second
// RTP endpoint instead, and when it answers the relay joins the two: no
// re-INVITE; re-offers and transfers re-point one side of the relay.
//
// Every way a call ends is one EndReason (call_info.hpp): a refusal on either
// leg, the ring timeouts (CANCEL), the user's hang-up at any stage, the phone
// hanging up while the callee rings (CANCEL to the callee), the re-INVITE
// refused (both legs released), either side's BYE once connected.
//
// Ownership and threading: the event-loop thread only. The owner (a
// CallService) keeps the ClickToCall alive until run() completes; the legs
// live inside it, so the sessions' handlers outlive their activity.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "calls/call.hpp"
#include "calls/call_info.hpp"
#include "calls/call_media.hpp"
#include "calls/call_sdp.hpp"
#include "calls/direct_media.hpp"
#include "common/task.hpp"
#include "common/timer.hpp"
#include "sdp/offer_answer.hpp"
#include "sip/dialog/call_leg.hpp"

namespace cvw::calls {

// Where a blind transfer from the user's phone goes: a REFER names `user`
// (a number or extension), and the planner gives the INVITE's Request-URI,
// From and extra headers (the offer is the flow's), or nothing when the call
// may not go there (the REFER is then declined). Asked at the moment of the
// transfer, so that a call does not carry for its whole life what a rare
// transfer needs (issue #4's memory per call). It must outlive the calls it
// is given to.
class TransferPlanner {
 public:
  virtual ~TransferPlanner() = default;
  virtual std::optional<sip::dialog::InviteParams> blind_transfer(const CallInfo& call,
                                                                  std::string_view user) const = 0;
};

// What the application decided before the call starts: who is called, how
// each leg is addressed and shown, how long each may ring.
struct ClickToCallPlan {
  CallInfo info;                              // id, owner, to, target, phone number, operation id, subject
  sip::dialog::InviteParams phone;            // leg A, without a body (the flow writes the offer)
  sip::dialog::InviteParams callee;           // leg B, likewise
  Duration phone_ring_timeout = std::chrono::seconds(30);
  Duration callee_ring_timeout = std::chrono::seconds(60);
  const TransferPlanner* transfers = nullptr;  // none: REFERs from the phone are declined
};

class ClickToCall final : public Call, private sip::dialog::CallLegObserver {
 public:
  ClickToCall(sip::dialog::UserAgent& ua, TimerService& timers, std::unique_ptr<CallMedia> media,
              ClickToCallPlan plan, Observer changed);
  ~ClickToCall() override;

  // The whole call; completes once it has ended and both legs are released.
  Task<void> run() override;

  // The user hangs up (API DELETE): CANCEL or BYE whatever is up. The call
  // ends with CancelledByUser, or Completed by the user once connected.
  void hang_up() override;

  // Attended transfer from the phone (RFC 3891): `incoming` is an INVITE
  // whose Replaces names our dialog with the phone. Once the callee is
  // pointed at the new party and the new leg answered, it takes the phone's
  // place and the old dialog gets BYE. False (the caller rejects the INVITE)
  // unless the call is connected and no other transfer is under way.
  bool accept_replacement(std::shared_ptr<sip::dialog::InviteSession> incoming) override;
  // The leg on the user's side now: their phone, or who took its place.
  const sip::dialog::InviteSession* user_side_session() const override { return phone_->session(); }


 private:
  // The stages of run(), each its own coroutine (see run()). A stage that
  // ends the call returns false.
  Task<bool> call_phone();
  Task<bool> connect_callee();
  Task<void> stay_connected();
  // BYE (or CANCEL) to both legs. The call ends for the user now: a leg's
  // session finishes its BYE on its own (a silent peer holds it until
  // Timer F, 32 s, which must not hold the call's end, its history record
  // or the user's count of calls).
  void release_both();
  Task<void> take_replacement(std::unique_ptr<sip::dialog::CallLeg> incoming);
  Task<void> blind_transfer(sip::dialog::InviteParams invite, sip::dialog::CallLeg* referrer);
  bool on_refer(const sip::Message& refer);
  void end_transfer();
  // CallLegObserver, for the callee's leg and whichever is on the user's
  // side (phone_); a leg being replaced is no longer observed.
  void on_leg_provisional(sip::dialog::CallLeg& leg, const sip::Message& provisional) override;
  void on_leg_end(sip::dialog::CallLeg& leg, sip::dialog::EndReason reason, int status) override;
  std::optional<std::string> on_leg_offer(sip::dialog::CallLeg& leg,
                                          std::string_view offer) override;
  bool on_leg_refer(sip::dialog::CallLeg& leg, const sip::Message& refer) override;
  // `next` takes the phone's place (a transfer); the old leg is released.
  // `media`: what the new party described.
  void swap_phone(std::unique_ptr<sip::dialog::CallLeg> next, sdp::LocalSession local,
                  PartyMedia media, TransferKind kind, std::string to);
  // Stops the ringback, then Call::finish.
  void finish(EndReason reason);
  void on_phone_gone(sip::dialog::EndReason reason);
  void on_callee_gone(sip::dialog::EndReason reason);
  // The ringback to where `phone_answer` (or the phone's later offer) says,
  // unless it asks to receive nothing; stop_ringback() ends it for good.
  void start_ringback(const sdp::Session& phone_answer);
  void stop_ringback();
  // Anchored media: points the relay at both parties' current media.
  void relay();
  // Where the callee now sends the user's side (a transfer): direct media
  // re-INVITEs the callee with `media`, whose party's stance is `wish`;
  // anchored, the relay follows instead and this does nothing. False when
  // the callee refused or left.
  Task<bool> point_callee_at(const sdp::Session& media, sdp::Direction wish);
  // The two sides: the user's (the phone, or who took its place) and the
  // callee's.
  sip::dialog::CallLeg& leg_of(Side s) { return s == Side::User ? *phone_ : callee_; }
  sdp::LocalSession& local_of(Side s) { return s == Side::User ? phone_sdp_ : callee_sdp_; }
  PartyMedia& media_of(Side s) { return s == Side::User ? phone_media_ : callee_media_; }
  std::uint64_t& told_of(Side s) { return s == Side::User ? told_phone_ : told_callee_; }
  bool joined() const { return info_.state == CallState::Connected && !first_to_leave_.ready(); }
  // The same for direct_media.hpp, while it works on them.
  friend class SidesOf<ClickToCall>;
  using Sides = SidesOf<ClickToCall>;
  // Direct media: once connected, a side whose picture of the other party is
  // out of date (the other moved its media, held or resumed the call, or
  // did so while the call was being set up or transferred) is re-INVITEd
  // with the other's media as it is now (calls::follow_media). Not while it
  // runs already or a transfer is under way.
  void follow_media();
  Task<void> follow();
  // How one side is shown the other's media, `other`: as it is (direct), or
  // as our relay endpoint at `port` with `other`'s formats (anchored).
  sdp::LocalEndpoint seen_endpoint(std::uint16_t port, const sdp::Session& other) const;
  sdp::Session seen_offer(std::uint16_t port, const sdp::Session& other) const;

  sip::dialog::UserAgent& ua_;
  TimerService& timers_;
  std::unique_ptr<CallMedia> media_;
  // What the call keeps of its plan: the info went into info_, and each
  // leg's INVITE parameters are dropped once that leg is invited. An
  // established call is held by the thousand (issue #4's memory target), so
  // it carries no copy of what it will not read again.
  std::unique_ptr<sip::dialog::InviteParams> phone_invite_;  // until leg A is invited
  std::unique_ptr<sip::dialog::InviteParams> callee_invite_;  // until leg B is invited
  Duration phone_ring_timeout_;
  Duration callee_ring_timeout_;
  const TransferPlanner* transfers_;

  // The user's side: their phone, then whoever a transfer put in its place.
  std::unique_ptr<sip::dialog::CallLeg> phone_;
  std::unique_ptr<sip::dialog::CallLeg> old_phone_;  // replaced by a transfer, being released
  sip::dialog::CallLeg callee_;
  Task<void> transfer_;          // the transfer under way, if any
  Task<void> follower_;          // follow(), while it runs (never with a transfer)
  bool transferring_ = false;
  bool phone_left_during_transfer_ = false;
  bool following_ = false;
  bool ringback_ =
      false;  // the phone hears cvw's ringback (between its answer and the callee's media)
  // What each side was last told of the other party (media_fingerprint of
  // the other's description and the direction shown): direct media follows
  // a party's change only where it differs.
  std::uint64_t told_phone_ = 0;
  std::uint64_t told_callee_ = 0;
  sdp::LocalSession phone_sdp_;   // our o= line towards the phone
  sdp::LocalSession callee_sdp_;  // and towards the callee
  PartyMedia phone_media_;        // what the phone (or who took its place) last described
  PartyMedia callee_media_;       // and the callee

  // Who went first, as it happens; the flow reads them when it resumes.
  bool user_hung_up_ = false;
  std::optional<sip::dialog::EndReason> phone_gone_;
  std::optional<sip::dialog::EndReason> callee_gone_;
  // Completes when anyone ends a connected call.
  Completion<Party> first_to_leave_;
  TimerService::Handle cancel_callee_ = 0;
};

}  // namespace cvw::calls
