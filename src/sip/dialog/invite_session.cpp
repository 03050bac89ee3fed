#include "sip/dialog/invite_session.hpp"

#include <random>

#include "common/log.hpp"
#include "common/random.hpp"
#include "sip/dialog/user_agent.hpp"
#include "sip/header_values.hpp"
#include "sip/response_routing.hpp"

namespace cvw::sip::dialog {

std::string_view to_string(SessionState state) {
  switch (state) {
    case SessionState::Calling: return "Calling";
    case SessionState::Incoming: return "Incoming";
    case SessionState::Early: return "Early";
    case SessionState::Answered: return "Answered";
    case SessionState::Confirmed: return "Confirmed";
    case SessionState::Terminating: return "Terminating";
    case SessionState::Terminated: return "Terminated";
  }
  return "?";
}

std::string_view to_string(EndReason reason) {
  switch (reason) {
    case EndReason::LocalBye: return "local BYE";
    case EndReason::RemoteBye: return "remote BYE";
    case EndReason::Rejected: return "rejected";
    case EndReason::Cancelled: return "cancelled";
    case EndReason::AckTimeout: return "no ACK";
    case EndReason::Timeout: return "timeout";
    case EndReason::TransportError: return "transport error";
  }
  return "?";
}

namespace {

std::uint32_t cseq_number(const Message& m) {
  Result<CSeq> c = parse_cseq(m.header(HeaderId::CSeq));
  return c ? c->number : 0;
}

}  // namespace

InviteSession::InviteSession(UserAgent& ua, InviteHandler* handler, bool uac)
    : ua_(ua), handler_(handler), uac_(uac), state_(uac ? SessionState::Calling : SessionState::Incoming),
      local_tag_(random_token(10)) {}

InviteSession::~InviteSession() {
  ua_.timers_.cancel(retransmit_timer_);
  ua_.timers_.cancel(glare_timer_);
}

void InviteSession::transition(SessionState next) {
  log().trace("sip: session {} {} -> {}", call_id_, to_string(state_), to_string(next));
  state_ = next;
}

void InviteSession::end(EndReason reason, int status) {
  if (state_ == SessionState::Terminated) return;
  ua_.timers_.cancel(retransmit_timer_);
  ua_.timers_.cancel(glare_timer_);
  retransmit_timer_ = glare_timer_ = 0;
  transition(SessionState::Terminated);
  end_reason_ = reason;
  auto self = shared_from_this();  // the UA may hold the last reference
  ua_.detach(*this);
  if (handler_) handler_->on_terminated(*this, reason, status);
}

Message InviteSession::response_to(const Message& request, int status, std::string_view reason) const {
  Message response = make_response(request, status, reason, local_tag_);
  if (request.method() == Method::Invite && status > 100 && status < 300) {
    // §12.1.1: "The UAS MUST copy all Record-Route header field values from
    // the request into the response" and add a Contact.
    response.copy_headers(request, HeaderId::RecordRoute);
  }
  if ((request.method() == Method::Invite || request.method() == Method::Update) && status > 100 && status < 300) {
    response.add(HeaderId::Contact, "<" + local_contact_ + ">");
  }
  if (status / 100 == 2 && request.method() == Method::Invite) {
    response.add(HeaderId::Allow, "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO");
  }
  if (!ua_.config_.user_agent.empty()) response.add(HeaderId::Server, ua_.config_.user_agent);
  return response;
}

// --- UAC ---------------------------------------------------------------------

void InviteSession::start_uac(Message&& invite, txn::ClientTransactionId id) {
  invite_ = std::make_unique<Message>(std::move(invite));
  invite_txn_ = id;
}

void InviteSession::on_invite_response(Message&& response) {
  const int status = response.status();
  if (status == 100) return;
  if (status < 200) {
    if (state_ != SessionState::Calling && state_ != SessionState::Early) return;
    if (!dialog_ && !tag_of(response.header(HeaderId::To)).empty()) {
      Result<Dialog> d = Dialog::as_uac(*invite_, response, local_contact_);
      if (d) dialog_ = std::move(*d);
    }
    transition(SessionState::Early);
    if (handler_) handler_->on_progress(*this, response);
    return;
  }
  if (status >= 300) {
    end(cancel_requested_ && status == 487 ? EndReason::Cancelled : EndReason::Rejected, status);
    return;
  }
  const std::string tag = tag_of(response.header(HeaderId::To));
  const bool confirmed = dialog_ && !dialog_->early();
  if (confirmed && dialog_->id().remote_tag == tag) {
    // A retransmitted 2xx: our ACK was lost; §13.2.2.4 "MUST ... send ACK".
    if (!ack_wire_.empty()) ua_.send_wire(ack_wire_, ack_to_);
    return;
  }
  if (confirmed || state_ == SessionState::Terminated) {
    // §13.2.2.4: another fork answered too. Keep the first; ACK and BYE the rest.
    ack_and_bye_fork(response);
    return;
  }
  if (!dialog_ || dialog_->id().remote_tag != tag) {
    Result<Dialog> d = Dialog::as_uac(*invite_, response, local_contact_);
    if (!d) {
      log().warn("sip: 2xx for {} cannot make a dialog: {}", call_id_, d.error().message);
      end(EndReason::Rejected, 500);
      return;
    }
    dialog_ = std::move(*d);
  }
  dialog_->confirm(response);
  remote_body_ = std::string(response.body());
  send_ack(response);
  ua_.attach(shared_from_this());
  transition(SessionState::Confirmed);
  if (cancel_requested_) {
    bye();  // §9.1: the 2xx won the race against our CANCEL
    return;
  }
  if (handler_) handler_->on_established(*this);
}

void InviteSession::send_ack(const Message&) {
  Message ack = dialog_->make_ack(cseq_number(*invite_));
  Result<std::pair<std::string, Peer>> sent = ua_.send_stateless(std::move(ack), dialog_->next_hop_uri());
  if (!sent) {
    log().warn("sip: cannot send ACK for {}: {}", call_id_, sent.error().message);
    return;
  }
  ack_wire_ = std::move(sent->first);
  ack_to_ = sent->second;
}

void InviteSession::ack_and_bye_fork(const Message& response_2xx) {
  Result<Dialog> fork = Dialog::as_uac(*invite_, response_2xx, local_contact_);
  if (!fork) return;
  fork->confirm(response_2xx);
  (void)ua_.send_stateless(fork->make_ack(cseq_number(*invite_)), fork->next_hop_uri());
  Message bye = fork->make_request(Method::Bye);
  (void)ua_.send_request(std::move(bye), fork->next_hop_uri(), {});
}

void InviteSession::on_invite_failure(EndReason reason, int status) { end(reason, status); }

void InviteSession::cancel() {
  if (!uac_ || (state_ != SessionState::Calling && state_ != SessionState::Early)) return;
  if (cancel_requested_) return;
  cancel_requested_ = true;
  // The transaction layer holds the CANCEL until a provisional arrived (§9.1).
  (void)ua_.transactions_.cancel(invite_txn_);
}

// --- UAS ---------------------------------------------------------------------

void InviteSession::start_uas(txn::ServerTransactionId id, Message&& invite, const Peer& from) {
  server_txn_ = id;
  reply_to_ = from;
  local_contact_ = ua_.contact_for(from);
  call_id_ = std::string(invite.header(HeaderId::CallId));
  remote_body_ = std::string(invite.body());
  invite_ = std::make_unique<Message>(std::move(invite));
}

void InviteSession::ring(int status, std::string_view content_type, std::string_view body) {
  if (state_ != SessionState::Incoming && state_ != SessionState::Early) return;
  if (!dialog_) {
    Result<Dialog> d = Dialog::as_uas(*invite_, local_tag_, local_contact_);
    if (d) dialog_ = std::move(*d);
  }
  Message response = response_to(*invite_, status);
  if (!body.empty()) response.set_body(content_type, body);
  (void)ua_.transactions_.respond(server_txn_, std::move(response));
  transition(SessionState::Early);
}

void InviteSession::answer(std::string_view content_type, std::string_view body) {
  if (state_ != SessionState::Incoming && state_ != SessionState::Early) return;
  if (!dialog_) {
    Result<Dialog> d = Dialog::as_uas(*invite_, local_tag_, local_contact_);
    if (!d) {
      reject(400, d.error().message);
      return;
    }
    dialog_ = std::move(*d);
  }
  dialog_->confirm(*invite_);
  local_body_type_ = std::string(content_type);
  local_body_ = std::string(body);
  Message response = response_to(*invite_, 200);
  if (!body.empty()) response.set_body(content_type, body);
  ok_cseq_ = cseq_number(*invite_);
  (void)ua_.transactions_.respond(server_txn_, std::move(response));
  ua_.attach(shared_from_this());
  transition(SessionState::Answered);
  // §13.3.1.4: "the 2xx response is passed to the transport with an interval
  // that starts at T1 seconds and doubles for each retransmission until it
  // reaches T2 seconds"; it stops when the ACK arrives.
  retransmit_interval_ = ua_.config_.timers.t1;
  retransmit_elapsed_ = Duration{0};
  std::weak_ptr<InviteSession> weak = shared_from_this();
  retransmit_timer_ = ua_.timers_.schedule(retransmit_interval_, [weak] {
    if (auto s = weak.lock()) s->retransmit_2xx();
  });
}

void InviteSession::retransmit_2xx() {
  retransmit_timer_ = 0;
  retransmit_elapsed_ += retransmit_interval_;
  // "If the server retransmits the 2xx response for 64*T1 seconds without
  // receiving an ACK, the dialog is confirmed, but the session SHOULD be
  // terminated. This is accomplished with a BYE".
  if (retransmit_elapsed_ >= 64 * ua_.config_.timers.t1) {
    log().info("sip: no ACK for the 2xx of {}: sending BYE", call_id_);
    transition(SessionState::Confirmed);
    send_in_dialog(Method::Bye, {}, {});
    end(EndReason::AckTimeout, 408);
    return;
  }
  (void)ua_.transactions_.retransmit_2xx(server_txn_);
  retransmit_interval_ = std::min(retransmit_interval_ * 2, ua_.config_.timers.t2);
  std::weak_ptr<InviteSession> weak = shared_from_this();
  retransmit_timer_ = ua_.timers_.schedule(retransmit_interval_, [weak] {
    if (auto s = weak.lock()) s->retransmit_2xx();
  });
}

void InviteSession::on_ack(const Message& ack) {
  if (cseq_number(ack) != ok_cseq_ || retransmit_timer_ == 0) return;  // a late or repeated ACK
  ua_.timers_.cancel(retransmit_timer_);
  retransmit_timer_ = 0;
  if (!ack.body().empty()) remote_body_ = std::string(ack.body());  // the answer to an offer in our 2xx
  if (state_ == SessionState::Answered) {
    transition(SessionState::Confirmed);
    if (handler_) handler_->on_established(*this);
  }
}

void InviteSession::on_cancelled() {
  if (state_ != SessionState::Incoming && state_ != SessionState::Early) return;
  // §9.2: "the UAS SHOULD then respond to the INVITE with a 487".
  (void)ua_.transactions_.respond(server_txn_, response_to(*invite_, 487));
  end(EndReason::Cancelled, 487);
}

void InviteSession::reject(int status, std::string_view reason) {
  if (state_ != SessionState::Incoming && state_ != SessionState::Early) return;
  (void)ua_.transactions_.respond(server_txn_, response_to(*invite_, status, reason));
  end(EndReason::Rejected, status);
}

// --- both sides ----------------------------------------------------------------

void InviteSession::bye() {
  switch (state_) {
    case SessionState::Calling:
    case SessionState::Early:
      if (uac_) cancel();
      else reject(480);
      return;
    case SessionState::Incoming:
      reject(480);
      return;
    case SessionState::Answered:
    case SessionState::Confirmed:
      // An unACKed 2xx: §15 lets the callee send BYE only after the ACK or
      // the retransmission timeout; we send it now and stop retransmitting,
      // which the peer handles (it ACKs the 2xx it got and answers the BYE).
      ua_.timers_.cancel(retransmit_timer_);
      retransmit_timer_ = 0;
      transition(SessionState::Terminating);
      send_in_dialog(Method::Bye, {}, {});
      return;
    case SessionState::Terminating:
    case SessionState::Terminated:
      return;
  }
}

void InviteSession::send_in_dialog(Method method, std::string_view content_type, std::string_view body) {
  Message request = dialog_->make_request(method);
  if (!body.empty()) request.set_body(content_type, body);
  const std::uint32_t cseq = dialog_->local_cseq();
  std::weak_ptr<InviteSession> weak = shared_from_this();
  txn::ClientCallbacks callbacks;
  if (method == Method::Bye) {
    callbacks.on_response = [weak](txn::ClientTransactionId, Message&& r) {
      if (auto s = weak.lock(); s && r.status() >= 200) s->end(EndReason::LocalBye, r.status());
    };
    callbacks.on_timeout = [weak](txn::ClientTransactionId) {
      if (auto s = weak.lock()) s->end(EndReason::LocalBye, 408);
    };
    callbacks.on_transport_error = [weak](txn::ClientTransactionId) {
      if (auto s = weak.lock()) s->end(EndReason::LocalBye, 503);
    };
  } else if (method == Method::Invite) {
    reinvite_cseq_ = cseq;
    callbacks.on_response = [weak](txn::ClientTransactionId, Message&& r) {
      if (auto s = weak.lock()) s->on_reinvite_response(std::move(r));
    };
    callbacks.on_timeout = [weak](txn::ClientTransactionId) {
      // §14.1: a 408 (or timeout) to a re-INVITE ends the dialog.
      if (auto s = weak.lock()) {
        s->reinvite_pending_ = false;
        s->bye();
      }
    };
  }
  Result<txn::ClientTransactionId> id = ua_.send_request(std::move(request), dialog_->next_hop_uri(), std::move(callbacks));
  if (!id) {
    log().warn("sip: cannot send {} in {}: {}", method_name(method), call_id_, id.error().message);
    if (method == Method::Bye) end(EndReason::TransportError, id.error().status);
  }
}

void InviteSession::reinvite(std::string_view content_type, std::string_view body) {
  if (state_ != SessionState::Confirmed || reinvite_pending_) return;
  reinvite_pending_ = true;
  pending_reinvite_type_ = std::string(content_type);
  pending_reinvite_body_ = std::string(body);
  local_body_type_ = pending_reinvite_type_;
  local_body_ = pending_reinvite_body_;
  send_in_dialog(Method::Invite, content_type, body);
}

void InviteSession::on_reinvite_response(Message&& response) {
  const int status = response.status();
  if (status < 200) return;
  if (status < 300) {
    if (!reinvite_pending_ && cseq_number(response) == reinvite_cseq_) {
      if (!ack_wire_.empty()) ua_.send_wire(ack_wire_, ack_to_);  // retransmitted 2xx
      return;
    }
    reinvite_pending_ = false;
    dialog_->refresh_remote_target(response);
    remote_body_ = std::string(response.body());
    Result<std::pair<std::string, Peer>> sent =
        ua_.send_stateless(dialog_->make_ack(reinvite_cseq_), dialog_->next_hop_uri());
    if (sent) {
      ack_wire_ = std::move(sent->first);
      ack_to_ = sent->second;
    }
    if (handler_) handler_->on_reinvite_result(*this, status);
    return;
  }
  reinvite_pending_ = false;
  if (status == 491) {
    schedule_reinvite_retry();
    return;
  }
  if (handler_) handler_->on_reinvite_result(*this, status);
  // §12.2.1.2: "If the response for a request within a dialog is a 481
  // (Call/Transaction Does Not Exist) or a 408 (Request Timeout), the UAC
  // SHOULD terminate the dialog."
  if (status == 481 || status == 408) end(EndReason::Rejected, status);
}

// §14.1: after a 491, "If the UAC ... is the owner of the Call-ID of the
// dialog ID (meaning it generated the value), T has a randomly chosen value
// between 2.1 and 4 seconds in units of 10 ms. If the UAC is not the owner
// ... T has a randomly chosen value of between 0 and 2 seconds".
void InviteSession::schedule_reinvite_retry() {
  std::uniform_int_distribution<int> tens_of_ms = uac_ ? std::uniform_int_distribution<int>(210, 400)
                                                       : std::uniform_int_distribution<int>(0, 200);
  const Duration wait{10 * tens_of_ms(random_engine())};
  std::weak_ptr<InviteSession> weak = shared_from_this();
  glare_timer_ = ua_.timers_.schedule(wait, [weak] {
    auto s = weak.lock();
    if (!s) return;
    s->glare_timer_ = 0;
    s->reinvite(s->pending_reinvite_type_, s->pending_reinvite_body_);
  });
}

void InviteSession::on_in_dialog(txn::ServerTransactionId id, Message&& request) {
  if (Result<void> ok = dialog_->accept_remote_request(request); !ok) {
    (void)ua_.transactions_.respond(id, response_to(request, ok.error().status, ok.error().message));
    return;
  }
  switch (request.method()) {
    case Method::Bye: {
      (void)ua_.transactions_.respond(id, response_to(request, 200));
      // §15.1.2: a BYE on an early dialog: "the UAS MUST respond to the
      // original INVITE with a 487".
      if (!uac_ && (state_ == SessionState::Early || state_ == SessionState::Incoming)) {
        (void)ua_.transactions_.respond(server_txn_, response_to(*invite_, 487));
      }
      end(EndReason::RemoteBye, 0);
      return;
    }
    case Method::Invite:
      on_reinvite(id, std::move(request));
      return;
    case Method::Update: {
      if (request.body().empty()) {
        (void)ua_.transactions_.respond(id, response_to(request, 200));
        return;
      }
      std::optional<std::string> answer = handler_ ? handler_->on_offer(*this, request.body()) : std::nullopt;
      if (!answer) {
        (void)ua_.transactions_.respond(id, response_to(request, 488));
        return;
      }
      dialog_->refresh_remote_target(request);
      remote_body_ = std::string(request.body());
      Message ok = response_to(request, 200);
      ok.set_body("application/sdp", *answer);
      (void)ua_.transactions_.respond(id, std::move(ok));
      return;
    }
    case Method::Options:
    case Method::Info:
      (void)ua_.transactions_.respond(id, response_to(request, 200));
      return;
    default:
      (void)ua_.transactions_.respond(id, response_to(request, request.method() == Method::Unknown ? 501 : 405));
      return;
  }
}

void InviteSession::on_reinvite(txn::ServerTransactionId id, Message&& request) {
  // §14.2: "A UAS that receives a second INVITE before it sends the final
  // response to a first INVITE with a lower CSeq sequence number on the same
  // dialog MUST return a 500 (Server Internal Error) response to the second
  // INVITE and MUST include a Retry-After header field".
  if (retransmit_timer_ != 0) {
    Message busy = response_to(request, 500, "Previous INVITE still pending");
    busy.add(HeaderId::RetryAfter, std::to_string(std::uniform_int_distribution<int>(0, 10)(random_engine())));
    (void)ua_.transactions_.respond(id, std::move(busy));
    return;
  }
  // "A UAS that receives an INVITE on a dialog while an INVITE it had sent on
  // that dialog is in progress MUST return a 491 (Request Pending)".
  if (reinvite_pending_) {
    (void)ua_.transactions_.respond(id, response_to(request, 491));
    return;
  }
  std::string answer;
  if (request.body().empty()) {
    answer = local_body_;  // offer-less re-INVITE: our offer goes in the 2xx (§14.2)
  } else {
    std::optional<std::string> a = handler_ ? handler_->on_offer(*this, request.body()) : std::nullopt;
    if (!a) {
      (void)ua_.transactions_.respond(id, response_to(request, 488));
      return;
    }
    answer = std::move(*a);
    remote_body_ = std::string(request.body());
  }
  dialog_->refresh_remote_target(request);
  Message ok = response_to(request, 200);
  if (!answer.empty()) ok.set_body(local_body_type_.empty() ? "application/sdp" : local_body_type_, answer);
  server_txn_ = id;
  ok_cseq_ = cseq_number(request);
  (void)ua_.transactions_.respond(id, std::move(ok));
  retransmit_interval_ = ua_.config_.timers.t1;
  retransmit_elapsed_ = Duration{0};
  std::weak_ptr<InviteSession> weak = shared_from_this();
  retransmit_timer_ = ua_.timers_.schedule(retransmit_interval_, [weak] {
    if (auto s = weak.lock()) s->retransmit_2xx();
  });
}

}  // namespace cvw::sip::dialog
