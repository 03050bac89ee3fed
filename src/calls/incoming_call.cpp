#include "calls/incoming_call.hpp"

#include <utility>

#include "calls/call_sdp.hpp"
#include "common/log.hpp"
#include "sdp/session.hpp"

namespace cvw::calls {

namespace {

// RFC 3326 §2: why a branch stops ringing. cause=200 tells a phone the call
// was answered elsewhere, so it does not log a missed call (RFC 3261 §16.7
// step 10 uses the same words).
constexpr std::string_view kCompletedElsewhere = "SIP;cause=200;text=\"Call completed elsewhere\"";
constexpr std::string_view kDeclined = "SIP;cause=603;text=\"Declined\"";

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

// The branch legs ring a little longer than the call: the call's own ring
// timer decides (and cancels them), never a leg's timeout racing it.
constexpr Duration kLegGrace = std::chrono::seconds(2);

std::string seconds(Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

Party party_of(BranchKind kind) {
  switch (kind) {
    case BranchKind::Client: return Party::Client;
    case BranchKind::Phone: return Party::Phone;
    case BranchKind::Forward: return Party::Callee;
  }
  return Party::None;
}

}  // namespace

IncomingCall::IncomingCall(sip::dialog::UserAgent& ua, TimerService& timers,
                           std::shared_ptr<sip::dialog::InviteSession> caller,
                           IncomingCallPlan plan, Observer changed)
    : Call(std::move(plan.info), std::move(changed)),  // plan_ keeps no second copy
      ua_(ua),
      timers_(timers),
      plan_(std::move(plan)),
      caller_(ua, timers, std::move(caller)),
      decided_(&timers),
      caller_sdp_(origin_for(plan_.sdp_address)),
      device_sdp_(origin_for(plan_.sdp_address)),
      first_to_leave_(&timers) {
  info_.direction = Direction::Incoming;
  info_.state = CallState::Ringing;
  branches_.reserve(plan_.branches.size());
  for (RingBranch& b : plan_.branches) {
    Branch branch;
    branch.plan = std::move(b);
    branch.leg = std::make_unique<sip::dialog::CallLeg>(ua, timers);
    branches_.push_back(std::move(branch));
  }
  plan_.branches.clear();
  caller_.observe(this);
}

void IncomingCall::on_leg_provisional(sip::dialog::CallLeg& leg, const sip::Message&) {
  if (&leg == callback_leg_.get() && info_.state == CallState::CallingPhone)
    set_state(CallState::PhoneRinging);
}

void IncomingCall::on_leg_end(sip::dialog::CallLeg& leg, sip::dialog::EndReason r, int) {
  const bool from_caller = &leg == &caller_;
  if (!from_caller && &leg != device_) return;
  if (!leg_lost(lost_) && leg_lost(r)) lost_ = r;
  if (!from_caller) {
    first_to_leave_.set(device_party_);
    return;
  }
  first_to_leave_.set(Party::Caller);
  decide(Decision::CallerLeft);
  // A callback still ringing is cancelled now; not from inside the caller's
  // SIP callback, though.
  if (callback_leg_ && info_.state != CallState::Connected && cancel_callback_ == 0) {
    cancel_callback_ = timers_.schedule(Duration{0}, [this] {
      cancel_callback_ = 0;
      callback_leg_->hangup();
    });
  }
}

// A re-offer from either side (a session refresh, a hold, a move of its
// media) is answered at once on behalf of the other, from its last
// description and stance, then passed on to the other unless nothing that
// matters to its RTP changed (direct_media.hpp).
std::optional<std::string> IncomingCall::on_leg_offer(sip::dialog::CallLeg& leg,
                                                      std::string_view offer) {
  if (&leg != &caller_ && &leg != device_) return std::nullopt;
  const Side from = &leg == &caller_ ? Side::Remote : Side::User;
  const PartyMedia& other = media_of(opposite(from));
  auto parsed = sdp::parse(offer);
  if (!parsed || !other) return std::nullopt;
  const sdp::Session described = other.parsed();
  sdp::LocalEndpoint on_behalf = endpoint_of(described);
  on_behalf.direction = other.wish();
  sdp::Session answer = sdp::build_answer(*parsed, on_behalf);
  if (sdp::active_media_count(answer) > 0) {
    Sides sides(*this);
    accepted_offer(sides, from, offer, *parsed, &described);
    follow_media();
  }
  return local_of(from).stamp(std::move(answer));
}

void IncomingCall::follow_media() {
  if (following_ || !joined()) return;
  Sides sides(*this);
  if (!stale_side(sides)) return;
  following_ = true;
  follower_ = follow();
  follower_.start();
}

Task<void> IncomingCall::follow() {
  Sides sides(*this);
  co_await calls::follow_media(sides);
  following_ = false;
}

IncomingCall::~IncomingCall() {
  timers_.cancel(ring_timer_);
  timers_.cancel(cancel_callback_);
}

void IncomingCall::decide(Decision d) {
  if (decided_.ready()) return;
  decided_.set(d);
}

bool IncomingCall::accept() {
  if (info_.state != CallState::Ringing || decided_.ready() || !plan_.callback) return false;
  // The branches stop now, answered elsewhere: the client took the call.
  for (Branch& b : branches_) b.leg->hangup(kCompletedElsewhere);
  decide(Decision::Accepted);
  return true;
}

bool IncomingCall::decline() {
  if (info_.state != CallState::Ringing || decided_.ready()) return false;
  // Everything goes out now, not when the flow next runs: at shutdown the
  // SIP stack stops right after this.
  // Decided first: the caller's leg ending (our 603) must not read as the
  // caller leaving.
  declined_by_ = Party::User;
  decide(Decision::Declined);
  for (Branch& b : branches_) b.leg->hangup(kDeclined);
  // A user who forwards unanswered calls (their voicemail, a colleague)
  // forwards declined ones too: the caller waits for the target.
  if (!plan_.forward) caller_.reject(603);
  return true;
}

void IncomingCall::shut_down() {
  if (info_.state != CallState::Ringing || decided_.ready()) {
    hang_up();
    return;
  }
  // Not the user's decline: the caller may try again (503), and the devices
  // are told nothing but that the call stopped.
  declined_by_ = Party::Server;
  decide(Decision::Declined);
  for (Branch& b : branches_) b.leg->hangup();
  caller_.session()->reject(503, "Service Unavailable (shutting down)");
}

void IncomingCall::hang_up() {
  if (info_.state == CallState::Ended || user_hung_up_) return;
  if (info_.state == CallState::Ringing && decline()) return;
  user_hung_up_ = true;
  first_to_leave_.set(Party::User);
  caller_.hangup();
  if (callback_leg_) callback_leg_->hangup();
  if (winner_) branches_[*winner_].leg->hangup();
}

Task<void> IncomingCall::ring(std::size_t index) {
  Branch& b = branches_[index];
  const int status =
      co_await invite_with_offer(*b.leg, b.plan.invite, plan_.ring_timeout + kLegGrace);
  if (status == 200) {
    if (!decided_.ready()) {
      winner_ = index;
      decide(Decision::Answered);
    }
    co_return;  // a late answer: the session ACKs and BYEs it (our CANCEL crossed it)
  }
  b.status = status;
  ++failed_;
  if (decided_.ready()) co_return;
  if (status >= 600) {
    // RFC 3261 §16.7 step 5: a 6xx ends the whole fork.
    declined_by_ = party_of(b.plan.kind);
    declined_status_ = status;
    decide(Decision::Declined);
  } else if (failed_ == branches_.size() && !plan_.callback) {
    // Nothing left that can answer: forward now if the user forwards on no
    // answer, else tell the caller.
    decide(plan_.forward ? Decision::Timeout : Decision::AllFailed);
  }
}

void IncomingCall::stop_branches(std::size_t except, std::string_view why) {
  // Nothing waits for them: a branch that never sent a provisional keeps its
  // CANCEL queued until Timer B (32 s), and neither the caller nor the
  // winner should wait that long. A 200 crossing the CANCEL is ACKed and
  // BYEd by its session.
  for (std::size_t i = 0; i < branches_.size(); ++i) {
    if (i != except) branches_[i].leg->hangup(why);
  }
}

Completion<int>& IncomingCall::invite_with_offer(sip::dialog::CallLeg& leg,
                                                 const sip::dialog::InviteParams& target,
                                                 Duration timeout) {
  sip::dialog::InviteParams p = target;
  p.content_type = std::string(kSdp);
  p.body = offer_;
  return leg.invite(p, timeout);
}

bool IncomingCall::take_callers_offer() {
  auto offer = caller_media_.take(caller_);  // the offer in the caller's INVITE
  if (!offer || sdp::active_media_count(*offer) == 0) return false;
  caller_media_.set_wish(stance_of(*offer));
  told_device_ = told_fingerprint(*offer, caller_media_.wish(), sdp::Direction::SendRecv);
  // One text for every branch, stamped with our o= line towards the device
  // (the winner's later re-offers continue its version, RFC 3264 §8).
  offer_ = device_sdp_.stamp(std::move(*offer));
  return true;
}

Task<void> IncomingCall::run() {
  changed();  // ringing
  // Like ClickToCall's, this flow keeps no set-up state in a frame that
  // lives for the whole call: what is parsed is parsed in plain functions
  // (take_callers_offer(), invite_with_offer()), and answering the caller is
  // a stage of its own (answer_caller()), freed once the call is connected.
  if (!take_callers_offer()) {
    caller_.session()->reject(488, "Not Acceptable Here (cvw needs an SDP offer in the INVITE)");
    finish(end_reason(EndCode::Failed, Party::Caller, "The caller's INVITE had no SDP offer cvw can use", 488));
    co_await caller_.ended();
    co_return;
  }
  caller_.ring();
  if (branches_.empty() && !plan_.callback) {
    decide(plan_.forward ? Decision::Timeout : Decision::AllFailed);
  } else {
    for (std::size_t i = 0; i < branches_.size(); ++i) {
      branches_[i].ringing = ring(i);
      branches_[i].ringing.start();
    }
    ring_timer_ = timers_.schedule(plan_.ring_timeout, [this] {
      ring_timer_ = 0;
      decide(Decision::Timeout);
    });
  }

  const Decision decision = co_await decided_;
  timers_.cancel(ring_timer_);
  ring_timer_ = 0;
  switch (decision) {
    case Decision::Answered: {
      Branch& won = branches_[*winner_];
      stop_branches(*winner_, kCompletedElsewhere);
      info_.answered_on = won.plan.kind == BranchKind::Client  ? AnsweredOn::Client
                          : won.plan.kind == BranchKind::Phone ? AnsweredOn::Phone
                                                               : AnsweredOn::Forwarded;
      co_await connect(*won.leg, party_of(won.plan.kind));
      co_return;
    }
    case Decision::Accepted:
      stop_branches(kNone, kCompletedElsewhere);
      co_await ring_one_more(false);
      co_return;
    case Decision::Declined: {
      if (declined_by_ == Party::Server) {
        // Shutdown (shut_down()): the caller already has its 503.
        stop_branches(kNone, {});
        finish(end_reason(EndCode::Failed, Party::Server, "cvw shut down while the call rang", 503));
        break;
      }
      stop_branches(kNone, "SIP;cause=" + std::to_string(declined_status_) + ";text=\"Declined\"");
      if (plan_.forward && !first_to_leave_.ready()) {
        // Declined, in the client or on a device: forwarded as an
        // unanswered call would be.
        co_await ring_one_more(true);
        co_return;
      }
      // RFC 3261 §16.7: a device's 6xx goes to the caller as it was.
      caller_.reject(declined_status_);
      finish(declined_by_ == Party::User
                 ? end_reason(EndCode::DeclinedByUser, Party::User, "You declined the call")
                 : end_reason(EndCode::DeclinedByUser, declined_by_,
                          std::string(declined_by_ == Party::Client ? "Declined on your client" : "Declined on your phone") +
                              " (SIP " + std::to_string(declined_status_) + ")",
                          declined_status_));
      break;
    }
    case Decision::Timeout:
      stop_branches(kNone, {});
      if (plan_.forward && !first_to_leave_.ready()) {
        co_await ring_one_more(true);
        co_return;
      }
      caller_.reject(480);
      finish(end_reason(EndCode::Missed, Party::Server, "Missed call: nobody answered within " + seconds(plan_.ring_timeout),
                    480));
      break;
    case Decision::CallerLeft:
      stop_branches(kNone, {});
      finish(end_reason(EndCode::Missed, Party::Caller, "Missed call: the caller hung up"));
      break;
    case Decision::AllFailed: {
      stop_branches(kNone, {});  // they have all ended; nothing to send
      bool busy = false;
      for (const Branch& b : branches_) busy = busy || b.status == 486 || b.status == 600;
      if (busy) {
        caller_.reject(486);
        finish(end_reason(EndCode::UserBusy, Party::Server, "Your clients and phone were busy (SIP 486)", 486));
      } else {
        caller_.reject(480);
        finish(end_reason(EndCode::UserUnreachable, Party::Server,
                      branches_.empty() ? "Nothing could ring: no client is registered and no phone rings with it"
                                        : "None of your clients or phones could take the call (SIP 480)",
                      480));
      }
      break;
    }
  }
  co_await caller_.ended();
}

Task<void> IncomingCall::ring_one_more(bool forward) {
  // The callback rings the user's PBX phone (states callingPhone,
  // phoneRinging); forwarding rings the target (state forwarding).
  if (first_to_leave_.ready()) {
    // The caller (or the user) left while the branches were being stopped.
    caller_.reject(480);
    finish(user_hung_up_ ? end_reason(EndCode::CancelledByUser, Party::User, "You ended the call")
                         : end_reason(EndCode::Missed, Party::Caller, "Missed call: the caller hung up"));
    co_await caller_.ended();
    co_return;
  }
  const Duration timeout = forward ? plan_.forward_ring_timeout : plan_.callback_ring_timeout;
  set_state(forward ? CallState::Forwarding : CallState::CallingPhone);
  callback_leg_ = std::make_unique<sip::dialog::CallLeg>(ua_, timers_);
  callback_leg_->observe(this);  // its 180 is "phoneRinging" (not when forwarding)
  const int status = co_await invite_with_offer(
      *callback_leg_, forward ? *plan_.forward : *plan_.callback, timeout);
  if (status != 200) {
    // Decided before the reject: the caller's leg ending then must not read
    // as the caller leaving.
    EndReason why = one_more_failed(forward, status, timeout);
    // The caller learns what the last party said: busy stays busy.
    caller_.reject(status == 486 || status == 600 ? 486 : 480);
    finish(std::move(why));
    co_await caller_.ended();
    co_return;
  }
  info_.answered_on = forward ? AnsweredOn::Forwarded : AnsweredOn::Callback;
  co_await connect(*callback_leg_, forward ? Party::Callee : Party::Phone);
}

EndReason IncomingCall::one_more_failed(bool forward, int status, Duration timeout) const {
  if (user_hung_up_) return end_reason(EndCode::CancelledByUser, Party::User, "You ended the call");
  if (first_to_leave_.ready())
    return end_reason(EndCode::Missed, Party::Caller, "Missed call: the caller hung up");
  if (forward) {
    return end_reason(EndCode::Missed, Party::Server,
                      "Missed call: nobody answered, and forwarding it failed (" +
                          (callback_leg_->timed_out() ? "no answer within " + seconds(timeout)
                                                      : "SIP " + std::to_string(status)) +
                          ")",
                      status);
  }
  EndReason why = phone_failure(status);
  if (callback_leg_->timed_out())
    why.message = "Your phone did not answer within " + seconds(timeout);
  return why;
}

Task<void> IncomingCall::connect(sip::dialog::CallLeg& device, Party device_party) {
  device_ = &device;
  device_party_ = device_party;
  device.observe(this);
  // Named before it is tested: see ClickToCall::run() (g++ 12's debug build
  // and a co_await in an if condition).
  const bool answered = co_await answer_caller(device, device_party);
  if (!answered) co_return;
  co_await stay_connected(device);
}

Task<bool> IncomingCall::answer_caller(sip::dialog::CallLeg& device, Party device_party) {
  if (device.ended().ready()) {
    // The device hung up before the caller could be answered.
    caller_.reject(480);
    finish(end_reason(EndCode::Missed, device_party, "Missed call: the device that answered hung up at once"));
    co_await caller_.ended();
    co_return false;
  }
  auto answer = device_media_.take(device);
  if (!answer || sdp::active_media_count(*answer) == 0) {
    caller_.reject(488);
    device.hangup();
    finish(end_reason(EndCode::Failed, device_party, "Your device answered without media cvw can use"));
    co_return false;
  }
  // To the caller, on the device's behalf. The caller's offer asked for
  // what the caller wants: the answer says what the device wants.
  device_media_.set_wish(stance_of(*answer));
  told_caller_ = told_fingerprint(*answer, device_media_.wish(), caller_media_.wish());
  const int answered = co_await caller_.answer(kSdp, caller_sdp_.stamp(std::move(*answer)));
  if (answered != 200 || first_to_leave_.ready()) {
    // The caller gave up as the device answered (CANCEL and 200 crossed),
    // or never ACKed: release the device.
    EndReason why = user_hung_up_ ? end_reason(EndCode::CancelledByUser, Party::User, "You ended the call")
                                  : end_reason(EndCode::Missed, Party::Caller, "Missed call: the caller hung up");
    caller_.hangup();
    device.hangup();
    finish(std::move(why));
    co_return false;
  }
  info_.connected_at = Clock::now();
  set_state(CallState::Connected);
  follow_media();  // a re-offer the device made as it answered
  log().info("call {}: {} answered on {}", info_.id, info_.owner, to_string(info_.answered_on));
  co_return true;
}

Task<void> IncomingCall::stay_connected(sip::dialog::CallLeg& device) {
  const Party who = co_await first_to_leave_;
  // The call ends for the user as the BYEs go out; each leg's session
  // finishes its BYE on its own (see ClickToCall::release_both).
  caller_.hangup();
  device.hangup();
  if (leg_lost(lost_)) {
    finish(lost_call(who, *lost_));
    co_return;
  }
  const char* text = who == Party::Caller   ? "The caller hung up"
                     : who == Party::User   ? "You ended the call"
                     : who == Party::Client ? "You hung up on your client"
                                            : "You hung up your phone";
  finish(end_reason(EndCode::Completed, who, text));
}

}  // namespace cvw::calls
