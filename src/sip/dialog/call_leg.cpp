#include "sip/dialog/call_leg.hpp"

namespace cvw::sip::dialog {

CallLeg::CallLeg(UserAgent& ua, TimerService& timers) : ua_(ua), timers_(timers) {}

CallLeg::CallLeg(UserAgent& ua, TimerService& timers, std::shared_ptr<InviteSession> incoming)
    : ua_(ua), timers_(timers), session_(std::move(incoming)) {
  session_->set_handler(this);
}

CallLeg::~CallLeg() {
  stop_timer();
  if (!session_) return;
  session_->set_handler(nullptr);
  if (session_->state() != SessionState::Terminated) session_->bye();
}

void CallLeg::stop_timer() {
  timers_.cancel(timeout_);
  timeout_ = 0;
}

Completion<int>& CallLeg::invite(const InviteParams& params, Duration timeout) {
  Result<std::shared_ptr<InviteSession>> s = ua_.invite(params, this);
  if (!s) {
    established_.set(s.error().status);
    return established_;
  }
  session_ = *s;
  timeout_ = timers_.schedule(timeout, [this] {
    timeout_ = 0;
    timed_out_ = !established_.ready();
    if (session_) session_->cancel();
    alerting_.set(408);
    established_.set(408);
  });
  return established_;
}

Completion<int>& CallLeg::answer(std::string_view content_type, std::string_view body) {
  if (session_) session_->answer(content_type, body);
  return established_;
}

Completion<int>& CallLeg::reinvite(std::string_view content_type, std::string_view body) {
  reinvited_.reset();
  if (!session_ || session_->state() != SessionState::Confirmed) {
    reinvited_.set(481);
  } else {
    session_->reinvite(content_type, body);
  }
  return reinvited_;
}

Completion<EndReason>& CallLeg::hangup(std::string_view cancel_reason) {
  if (session_ && session_->state() != SessionState::Terminated) session_->bye(cancel_reason);
  return ended_;
}

void CallLeg::on_progress(InviteSession&, const Message& provisional) {
  alerting_.set(provisional.status());
  if (observer_) observer_->on_leg_provisional(*this, provisional);
}

void CallLeg::on_established(InviteSession& s) {
  stop_timer();
  if (s.is_uac()) alerting_.set(200);
  established_.set(200);
}

std::optional<std::string> CallLeg::on_offer(InviteSession&, std::string_view offer) {
  return observer_ ? observer_->on_leg_offer(*this, offer) : std::nullopt;
}

void CallLeg::on_reinvite_result(InviteSession&, int status) {
  reinvited_.set(status);
}

bool CallLeg::on_refer(InviteSession&, const Message& refer) {
  return observer_ && observer_->on_leg_refer(*this, refer);
}

void CallLeg::on_terminated(InviteSession&, EndReason reason, int status) {
  stop_timer();
  // Whatever was pending learns how the leg ended. Order matters: ended_
  // last, so a flow awaiting the answer sees the failure status first.
  const int final_status = status != 0 ? status : 487;
  alerting_.set(final_status);
  established_.set(final_status);
  reinvited_.set(481);
  ended_.set(reason);
  if (observer_) observer_->on_leg_end(*this, reason, status);
}

}  // namespace cvw::sip::dialog
