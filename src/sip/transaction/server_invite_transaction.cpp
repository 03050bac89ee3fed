#include "sip/transaction/server_invite_transaction.hpp"

#include <algorithm>

#include "common/log.hpp"
#include "sip/response_routing.hpp"
#include "sip/transaction/message_builders.hpp"

namespace cvw::sip::txn {

ServerInviteTransaction::ServerInviteTransaction(Context& ctx, ServerTransactionId id,
                                                 const Message& invite, const Peer& reply_to)
    : ServerTransaction(ctx, id, TransactionState::Proceeding, invite, reply_to, true),
      trying_(trying_wire(invite)),
      trying_timer_(ctx),
      timer_g_(ctx),
      timer_h_(ctx),
      timer_i_(ctx),
      timer_l_(ctx) {
  // §17.2.1: the server transaction "MUST generate a 100 (Trying) response
  // unless it knows that the TU will generate a provisional or final response
  // within 200 ms". The TU gets that long; the 100 goes out only if it is
  // silent by then.
  trying_timer_.start(ctx_.config().trying_delay, [this] { on_trying_delay(); });
}

void ServerInviteTransaction::transition(TransactionState next) {
  enter(next, TransactionKind::ServerInvite);
  const TimerConfig& cfg = ctx_.config();
  switch (next) {
    case TransactionState::Completed:
      // §17.2.1: "If an unreliable transport is being used, the server
      // transaction MUST start timer G with a value of T1 ... For any
      // transport, the server transaction MUST start timer H with a value of
      // 64*T1."
      if (!reliable()) {
        timer_g_interval_ = cfg.t1;
        timer_g_.start(timer_g_interval_, [this] { on_timer_g(); });
      }
      timer_h_.start(cfg.timer_h, [this] { on_timer_h(); });
      break;
    case TransactionState::Confirmed:
      // §17.2.1: "The purpose of the "Confirmed" state is to absorb any
      // additional ACK messages ... Timer I [is set] to T4 seconds for
      // unreliable transports, and zero seconds for reliable transports."
      timer_g_.stop();
      timer_h_.stop();
      if (reliable()) {
        transition(TransactionState::Terminated);
      } else {
        timer_i_.start(cfg.t4, [this] { transition(TransactionState::Terminated); });
      }
      break;
    case TransactionState::Accepted:
      // RFC 6026 §7.1: "If, while in the "Proceeding" state, the TU passes a
      // 2xx response to the server transaction, the server transaction MUST
      // pass this response to the transport layer for transmission. ... The
      // server transaction MUST then transition to the "Accepted" state" and
      // set Timer L to 64*T1.
      timer_l_.start(cfg.timer_l, [this] { transition(TransactionState::Terminated); });
      break;
    case TransactionState::Terminated:
      stop_timers();
      break;
    default:
      break;
  }
}

void ServerInviteTransaction::stop_timers() {
  trying_timer_.stop();
  timer_g_.stop();
  timer_h_.stop();
  timer_i_.stop();
  timer_l_.stop();
}

void ServerInviteTransaction::send_trying() {
  ++ctx_.metrics().automatic_trying;
  tu_responded_ = true;  // a later INVITE retransmission resends this 100
  send_wire(std::move(trying_));
  trying_.clear();
}

void ServerInviteTransaction::on_trying_delay() {
  if (state() == TransactionState::Proceeding && !tu_responded_) send_trying();
}

void ServerInviteTransaction::on_retransmission() {
  ++ctx_.metrics().retransmissions_absorbed;
  switch (state()) {
    case TransactionState::Proceeding:
      // §17.2.1: "If a request retransmission is received while in the
      // "Proceeding" state, the most recent provisional response that was
      // received from the TU MUST be passed to the transport layer for
      // retransmission." Before any, the client is already retransmitting,
      // so waiting out the 200 ms for the TU no longer saves a 100.
      if (tu_responded_) {
        resend_response();
      } else {
        trying_timer_.stop();
        send_trying();
      }
      break;
    case TransactionState::Completed:
      // §17.2.1: "while in the "Completed" state, if a request
      // retransmission is received, the server SHOULD pass the response to
      // the transport for retransmission."
      resend_response();
      break;
    default:
      // RFC 6026 §7.1: in Accepted, retransmissions of the INVITE "will be
      // absorbed by the machine without changing its state. These
      // retransmissions are not passed onto the TU." Confirmed absorbs too.
      break;
  }
}

Result<void> ServerInviteTransaction::respond(Message&& response) {
  if (Result<void> r = check_response(response); !r) return r;
  const int status = response.status();
  if (state() == TransactionState::Accepted && status >= 200 && status < 300) {
    // RFC 6026 §7.1: "Any retransmissions of the 2xx response passed from
    // the TU to the transaction while in the "Accepted" state MUST be passed
    // to the transport layer for transmission."
    send_response(response);
    return {};
  }
  if (state() != TransactionState::Proceeding) {
    return Error{500, "INVITE server transaction is " + std::string(to_string(state()))};
  }
  tu_responded_ = true;
  trying_timer_.stop();
  // Freed, not cleared: a 2xx keeps this transaction for 64*T1 (Timer L), and
  // a call's unsent 100 would stay allocated that long. (Swapped out: moving
  // an empty string in keeps the old buffer in libstdc++.)
  std::string().swap(trying_);
  send_response(response);
  if (status >= 300) {
    transition(TransactionState::Completed);
  } else if (status >= 200) {
    transition(TransactionState::Accepted);
  }
  return {};
}

void ServerInviteTransaction::on_timer_g() {
  if (state() != TransactionState::Completed) return;
  // §17.2.1: "If timer G fires, the response is passed to the transport layer
  // once more for retransmission, and timer G is set to fire in MIN(2*T1, T2)
  // seconds. From then on, when timer G fires, the response is passed to the
  // transport again for transmission, and timer G is reset with a value that
  // doubles, unless that value exceeds T2, in which case it is reset with the
  // value of T2."
  resend_response();
  timer_g_interval_ = std::min(2 * timer_g_interval_, ctx_.config().t2);
  timer_g_.start(timer_g_interval_, [this] { on_timer_g(); });
}

void ServerInviteTransaction::on_timer_h() {
  if (state() != TransactionState::Completed) return;
  // §17.2.1: "If timer H fires while in the "Completed" state, it implies
  // that the ACK was never received. In this case, the server transaction
  // MUST transition to the "Terminated" state, and MUST indicate to the TU
  // that a transaction failure has occurred."
  ++ctx_.metrics().server_timeouts;
  transition(TransactionState::Terminated);
  report_failure(ServerFailure::AckTimeout);
}

ServerInviteTransaction::AckDisposition ServerInviteTransaction::on_ack() {
  switch (state()) {
    case TransactionState::Completed:
      // §17.2.1: "If an ACK is received while the server transaction is in
      // the "Completed" state, the server transaction MUST transition to the
      // "Confirmed" state."
      transition(TransactionState::Confirmed);
      return AckDisposition::Absorbed;
    case TransactionState::Confirmed:
      ++ctx_.metrics().retransmissions_absorbed;
      return AckDisposition::Absorbed;
    case TransactionState::Proceeding:
      // No final response yet, so nothing to acknowledge.
      log().debug("sip txn: ACK before any final response on INVITE #{} ignored", id().value);
      return AckDisposition::Absorbed;
    default:
      // Accepted: RFC 6026 Figure 5, "ACK / to TU". Terminated: as if unmatched.
      return AckDisposition::PassToTu;
  }
}

Result<void> ServerInviteTransaction::retransmit_2xx() {
  if (state() != TransactionState::Accepted) {
    return Error{500, "no 2xx to retransmit: INVITE server transaction is " +
                          std::string(to_string(state()))};
  }
  if (!has_response()) return Error{500, "the 2xx was acknowledged: nothing to retransmit"};
  resend_response();
  return {};
}

void ServerInviteTransaction::on_2xx_acknowledged() {
  if (state() == TransactionState::Accepted) forget_response();
}

void ServerInviteTransaction::on_transport_error() {
  switch (state()) {
    case TransactionState::Completed:
      // §17.2.1 Figure 7: Completed --Transport Err. / Inform TU--> Terminated.
      transition(TransactionState::Terminated);
      report_failure(ServerFailure::TransportError);
      break;
    case TransactionState::Proceeding:
    case TransactionState::Accepted:
      // RFC 6026 Figure 5 keeps these states on a transport error and only
      // informs the TU, which may still answer (or resend its 2xx) another way.
      report_failure(ServerFailure::TransportError);
      break;
    default:
      break;
  }
}

}  // namespace cvw::sip::txn
