#include "sip/transaction/client_non_invite_transaction.hpp"

#include <algorithm>
#include <utility>

namespace cvw::sip::txn {

ClientNonInviteTransaction::ClientNonInviteTransaction(Context& ctx, ClientTransactionId id,
                                                       const Message& request, const Peer& next_hop,
                                                       ClientCallbacks callbacks)
    : ClientTransaction(ctx, id, TransactionState::Trying, request, next_hop, std::move(callbacks)),
      timer_e_(ctx),
      timer_f_(ctx),
      timer_k_(ctx) {}

bool ClientNonInviteTransaction::waiting() const {
  return state() == TransactionState::Trying || state() == TransactionState::Proceeding;
}

void ClientNonInviteTransaction::start() {
  // §17.1.2.2: "The "Trying" state is entered when the TU initiates a new
  // client transaction with a request. When entering this state, the client
  // transaction SHOULD set timer F to fire in 64*T1 seconds. The request MUST
  // be passed to the transport layer for transmission. If an unreliable
  // transport is in use, the client transaction MUST set timer E to fire in
  // T1 seconds."
  const TimerConfig& cfg = ctx_.config();
  timer_f_.start(cfg.timer_f, [this] { on_timer_f(); });
  send_request();
  if (!reliable()) {
    timer_e_interval_ = cfg.t1;
    timer_e_.start(timer_e_interval_, [this] { on_timer_e(); });
  }
}

void ClientNonInviteTransaction::transition(TransactionState next) {
  enter(next, TransactionKind::ClientNonInvite);
  if (next == TransactionState::Completed) {
    // §17.1.2.2: "Once the client transaction enters the "Completed" state,
    // it MUST set Timer K to fire in T4 seconds for unreliable transports,
    // and zero seconds for reliable transports."
    timer_e_.stop();
    timer_f_.stop();
    release_request();  // never sent again; Timer K keeps the rest 5 s
    if (reliable()) {
      transition(TransactionState::Terminated);
    } else {
      timer_k_.start(ctx_.config().t4, [this] { transition(TransactionState::Terminated); });
    }
  } else if (next == TransactionState::Terminated) {
    timer_e_.stop();
    timer_f_.stop();
    timer_k_.stop();
  }
}

void ClientNonInviteTransaction::on_timer_e() {
  if (!waiting()) return;
  // §17.1.2.2: in Trying, "when timer E fires again, the timer is reset to
  // a MIN(4*T1, T2) ... the timer is reset to MIN(2*previous, T2)"; "If Timer
  // E fires while in the "Proceeding" state, the request MUST be passed to
  // the transport layer for retransmission, and Timer E MUST be reset with a
  // value of T2 seconds."
  resend_request();
  const Duration t2 = ctx_.config().t2;
  timer_e_interval_ =
      state() == TransactionState::Trying ? std::min(2 * timer_e_interval_, t2) : t2;
  timer_e_.start(timer_e_interval_, [this] { on_timer_e(); });
}

void ClientNonInviteTransaction::on_timer_f() {
  if (!waiting()) return;
  // §17.1.2.2: "If Timer F fires while the client transaction is still in
  // the "Trying" state, the client transaction SHOULD inform the TU about the
  // timeout, and then it SHOULD enter the "Terminated" state." Same in
  // Proceeding.
  transition(TransactionState::Terminated);
  report_timeout();
}

void ClientNonInviteTransaction::on_response(Message&& response) {
  if (!waiting()) {
    // Completed: "any retransmissions of the response" are absorbed.
    if (state() == TransactionState::Completed) ++ctx_.metrics().retransmissions_absorbed;
    return;
  }
  // §17.1.2.2: "If a provisional response is received while in the "Trying"
  // state, the response MUST be passed to the TU, and then the client
  // transaction SHOULD move to the "Proceeding" state. If a final response
  // (status codes 200-699) is received while in the "Trying" state [or in
  // Proceeding], the response MUST be passed to the TU, and the client
  // transaction MUST transition to the "Completed" state." The state changes
  // first here, so a TU calling back into the layer sees the new state.
  if (response.status() >= 200) {
    transition(TransactionState::Completed);
  } else if (state() == TransactionState::Trying) {
    transition(TransactionState::Proceeding);
  }
  pass_up(std::move(response));
}

void ClientNonInviteTransaction::on_transport_error() {
  if (!waiting()) return;
  // §17.1.2.2 Figure 6: "Timer F or Transport Err. / inform TU" to Terminated.
  transition(TransactionState::Terminated);
  report_transport_error();
}

}  // namespace cvw::sip::txn
