// CallLeg: one INVITE session driven from a coroutine (common/task.hpp), so
// an application flow reads like its ladder diagram:
//
//   CallLeg a(ua, timers);
//   int status = co_await a.invite(params, 30s);   // 200 once answered and ACKed
//   ...
//   co_await a.hangup();                           // BYE, completes when done
//
// Each operation returns a Completion to co_await; a Completion completes
// exactly once, with the first outcome (an answer, a failure, the timeout).
// Timeouts cancel what they time out (CANCEL for an INVITE).
//
// Ownership: the CallLeg is the session's handler; it must outlive the
// coroutine's use of it. Destroying a CallLeg whose call is still up hangs
// it up (BYE or CANCEL). Threading: the event-loop thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/task.hpp"
#include "common/timer.hpp"
#include "sip/dialog/invite_session.hpp"
#include "sip/dialog/user_agent.hpp"

namespace cvw::sip::dialog {

class CallLeg;

// What a flow hears from a leg besides the Completions it awaits: the events
// it must react to while it awaits something else (a click-to-call stops its
// ringback when the callee sends early media, and cancels the callee when the
// phone hangs up), and the peer's requests it answers. One observer per flow,
// told which leg spoke, rather than a std::function per event and leg: calls
// are held by the thousand (issue #4's memory per call). They run inside the
// SIP callbacks, after the Completions are set: keep them short and never
// destroy the leg from them.
class CallLegObserver {
 public:
  // A provisional response above 100 (180, 183, with or without SDP).
  virtual void on_leg_provisional(CallLeg&, const Message& /*provisional*/) {}
  // The leg ended, whoever ended it.
  virtual void on_leg_end(CallLeg&, EndReason, int /*status*/) {}
  // A re-offer from the peer (re-INVITE, UPDATE, PRACK): the answer, or
  // nothing to refuse it (488).
  virtual std::optional<std::string> on_leg_offer(CallLeg&, std::string_view /*offer*/) {
    return std::nullopt;
  }
  // A REFER from the peer (RFC 3515): true to accept it (202, then report
  // with CallLeg::notify_refer()), false to decline it (603).
  virtual bool on_leg_refer(CallLeg&, const Message& /*refer*/) { return false; }

 protected:
  ~CallLegObserver() = default;
};

class CallLeg final : public InviteHandler {
 public:
  // An outgoing leg; invite() places it.
  CallLeg(UserAgent& ua, TimerService& timers);
  // An incoming leg, from UaHandler::on_invite().
  CallLeg(UserAgent& ua, TimerService& timers, std::shared_ptr<InviteSession> incoming);
  ~CallLeg() override;
  CallLeg(const CallLeg&) = delete;
  CallLeg& operator=(const CallLeg&) = delete;

  // UAC: sends the INVITE. Completes with 200 when answered (the ACK is sent),
  // with the final status when refused, with 408 when `timeout` passes first
  // (the INVITE is then cancelled), or with 503 when there is no route.
  Completion<int>& invite(const InviteParams& params, Duration timeout);
  // Completes with the first provisional status above 100 (180, 183), or the
  // final status if none came first.
  Completion<int>& alerting() { return alerting_; }

  // UAS: rings (180), answers (completes with 200 on the ACK, or with the
  // status the leg ended with), rejects.
  void ring() { if (session_) session_->ring(); }
  Completion<int>& answer(std::string_view content_type, std::string_view body);
  void reject(int status) { if (session_) session_->reject(status); }

  // Both: a re-INVITE with a new offer; completes with its final status.
  Completion<int>& reinvite(std::string_view content_type, std::string_view body);
  // BYE (or CANCEL before the answer, with `cancel_reason` as its Reason
  // header, RFC 3326); completes when the leg is over.
  Completion<EndReason>& hangup(std::string_view cancel_reason = {});
  // Completes when the leg ends, whoever ends it.
  Completion<EndReason>& ended() { return ended_; }

  InviteSession* session() const { return session_.get(); }
  // True when invite() completed with 408 because its own timeout ran out
  // (and it cancelled the INVITE), not because the peer or Timer B said so.
  bool timed_out() const { return timed_out_; }
  std::string_view remote_body() const { return session_ ? session_->remote_body() : std::string_view{}; }
  std::string take_remote_body() { return session_ ? session_->take_remote_body() : std::string{}; }

  // InviteHandler
  void on_progress(InviteSession&, const Message& provisional) override;
  void on_established(InviteSession&) override;
  std::optional<std::string> on_offer(InviteSession&, std::string_view offer) override;
  void on_reinvite_result(InviteSession&, int status) override;
  bool on_refer(InviteSession&, const Message& refer) override;
  void on_terminated(InviteSession&, EndReason reason, int status) override;

  // Who hears this leg's events and answers its peer's re-offers and REFERs
  // (nullptr: nobody; re-offers get 488, REFERs 603). It must outlive the
  // leg, or be replaced first.
  void observe(CallLegObserver* observer) { observer_ = observer; }
  // After accepting a REFER: the referred call's progress as a NOTIFY.
  void notify_refer(int status) {
    if (session_) session_->notify_refer(status);
  }

 private:
  void stop_timer();

  UserAgent& ua_;
  TimerService& timers_;
  CallLegObserver* observer_ = nullptr;
  std::shared_ptr<InviteSession> session_;
  TimerService::Handle timeout_ = 0;
  bool timed_out_ = false;
  // Resumed from a zero-delay timer, never inside a SIP callback. A leg is
  // placed (invite()) or answered (answer()), never both: one Completion
  // serves either.
  Completion<int> established_{&timers_};
  Completion<int> alerting_{&timers_};
  Completion<int> reinvited_{&timers_};
  Completion<EndReason> ended_{&timers_};
};

}  // namespace cvw::sip::dialog
