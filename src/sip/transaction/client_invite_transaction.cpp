#include "sip/transaction/client_invite_transaction.hpp"

#include <utility>

#include "sip/transaction/message_builders.hpp"

namespace cvw::sip::txn {

ClientInviteTransaction::ClientInviteTransaction(Context& ctx, ClientTransactionId id,
                                                 Message&& invite, const Peer& next_hop,
                                                 ClientCallbacks callbacks)
    : ClientTransaction(ctx, id, TransactionState::Calling, invite, next_hop, std::move(callbacks)),
      invite_(std::make_unique<Message>(std::move(invite))),
      timer_a_(ctx),
      timer_b_(ctx),
      timer_d_(ctx),
      timer_m_(ctx),
      cancel_timer_(ctx) {}

void ClientInviteTransaction::start() {
  // §17.1.1.2: "The client transaction MUST pass the request to the transport
  // layer for transmission ... If an unreliable transport is being used, the
  // client transaction MUST start timer A with a value of T1. If a reliable
  // transport is being used, the client transaction SHOULD NOT start timer A
  // ... For any transport, the client transaction MUST start timer B with a
  // value of 64*T1 seconds".
  send_request();
  const TimerConfig& cfg = ctx_.config();
  if (!reliable()) {
    timer_a_interval_ = cfg.t1;
    timer_a_.start(timer_a_interval_, [this] { on_timer_a(); });
  }
  timer_b_.start(cfg.timer_b, [this] { on_timer_b(); });
}

void ClientInviteTransaction::transition(TransactionState next) {
  enter(next, TransactionKind::ClientInvite);
  const TimerConfig& cfg = ctx_.config();
  // After a final response the INVITE is never sent again (no Timer A) nor
  // cancelled (§9.1); Completed keeps only the ACK, Accepted only its timer.
  // A call's INVITE transactions wait 32 s there: a few KB each, freed now.
  if (next == TransactionState::Completed || next == TransactionState::Accepted ||
      next == TransactionState::Terminated) {
    invite_.reset();
    release_request();
  }
  switch (next) {
    case TransactionState::Proceeding:
      // §17.1.1.2: retransmissions "SHOULD only be done while the client
      // transaction is in the "Calling" state"; Timer B only acts there too.
      timer_a_.stop();
      timer_b_.stop();
      break;
    case TransactionState::Completed:
      // §17.1.1.2: "The client transaction SHOULD start timer D when it
      // enters the "Completed" state, with a value of at least 32 seconds for
      // unreliable transports, and a value of zero seconds for reliable
      // transports."
      stop_timers();
      if (reliable()) {
        transition(TransactionState::Terminated);
      } else {
        timer_d_.start(cfg.timer_d, [this] { transition(TransactionState::Terminated); });
      }
      break;
    case TransactionState::Accepted:
      // RFC 6026 §7.2: on a 2xx in Calling or Proceeding "the client
      // transaction MUST transition to the "Accepted" state, and Timer M MUST
      // be started with a value of 64*T1."
      stop_timers();
      timer_m_.start(cfg.timer_m, [this] { transition(TransactionState::Terminated); });
      break;
    case TransactionState::Terminated:
      stop_timers();
      timer_d_.stop();
      timer_m_.stop();
      break;
    default:
      break;
  }
}

void ClientInviteTransaction::stop_timers() {
  timer_a_.stop();
  timer_b_.stop();
  cancel_timer_.stop();
}

void ClientInviteTransaction::on_timer_a() {
  if (state() != TransactionState::Calling) return;
  // §17.1.1.2: "When timer A fires, the client transaction MUST retransmit
  // the request ... and MUST reset the timer with a value of 2*T1. ... This
  // process MUST continue so that the request is retransmitted with
  // intervals that double after each transmission." No T2 cap for INVITE.
  resend_request();
  timer_a_interval_ *= 2;
  timer_a_.start(timer_a_interval_, [this] { on_timer_a(); });
}

void ClientInviteTransaction::on_timer_b() {
  if (state() != TransactionState::Calling) return;
  // §17.1.1.2: "If the client transaction is still in the "Calling" state
  // when timer B fires, the client transaction SHOULD inform the TU that a
  // timeout has occurred. The client transaction MUST NOT generate an ACK."
  transition(TransactionState::Terminated);
  report_timeout();
}

void ClientInviteTransaction::on_response(Message&& response) {
  const int status = response.status();
  if (status < 200) {
    on_provisional(std::move(response));
  } else if (status < 300) {
    on_2xx(std::move(response));
  } else {
    on_failure_response(std::move(response));
  }
}

void ClientInviteTransaction::on_provisional(Message&& response) {
  // §17.1.1.2: "If the client transaction receives a provisional response
  // while in the "Calling" state, it transitions to the "Proceeding" state.
  // ... any further provisional responses MUST be passed up to the TU while
  // in the "Proceeding" state."
  if (state() == TransactionState::Calling) transition(TransactionState::Proceeding);
  if (state() != TransactionState::Proceeding) return;
  pass_up(std::move(response));
}

void ClientInviteTransaction::on_2xx(Message&& response) {
  // RFC 6026 §7.2: "A 2xx response received while in the "Accepted" state
  // MUST be passed to the TU and the machine remains in the "Accepted"
  // state." Each fork's answer reaches the TU, which ACKs it.
  if (state() == TransactionState::Calling || state() == TransactionState::Proceeding) {
    transition(TransactionState::Accepted);
  } else if (state() != TransactionState::Accepted) {
    return;
  }
  pass_up(std::move(response));
}

void ClientInviteTransaction::on_failure_response(Message&& response) {
  if (state() == TransactionState::Completed) {
    // §17.1.1.2: "Any retransmissions of the final response that are
    // received while in the "Completed" state MUST cause the ACK to be
    // re-passed to the transport layer for retransmission, but the newly
    // received response MUST NOT be passed up to the TU."
    ++ctx_.metrics().retransmissions_absorbed;
    ++ctx_.metrics().retransmissions_sent;
    ctx_.send(ack_, next_hop());
    return;
  }
  if (state() != TransactionState::Calling && state() != TransactionState::Proceeding) return;
  // §17.1.1.2: "the client transaction MUST generate an ACK request, even if
  // the transport is reliable ... The ACK MUST be passed to the transport
  // layer for transmission" and "MUST ... transition to "Completed"" while
  // the response is passed up to the TU.
  ack_ = make_ack(*invite_, response).serialize();
  ctx_.send(ack_, next_hop());
  transition(TransactionState::Completed);
  pass_up(std::move(response));
}

void ClientInviteTransaction::on_transport_error() {
  // §17.1.1.2 Figure 5: from Calling ("Timer B fires or Transport Err. /
  // inform TU") and from Completed (the ACK could not be sent) to Terminated.
  if (state() != TransactionState::Calling && state() != TransactionState::Completed) return;
  transition(TransactionState::Terminated);
  report_transport_error();
}

void ClientInviteTransaction::queue_cancel(std::string reason) {
  cancel_ = Cancel::Queued;
  cancel_reason_ = std::move(reason);
}

void ClientInviteTransaction::cancel_sent() {
  cancel_ = Cancel::Sent;
  cancel_timer_.start(ctx_.config().cancel_timeout, [this] { on_cancel_timeout(); });
}

void ClientInviteTransaction::on_cancel_timeout() {
  if (state() != TransactionState::Proceeding) return;
  // §9.1: "If there is no final response for the original request in 64*T1
  // seconds ..., the client SHOULD then consider the original transaction
  // cancelled and SHOULD destroy the client transaction handling the
  // original request."
  transition(TransactionState::Terminated);
  report_timeout();
}

}  // namespace cvw::sip::txn
