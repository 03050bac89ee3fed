#include "sip/transaction/server_non_invite_transaction.hpp"

#include <string>

namespace cvw::sip::txn {

ServerNonInviteTransaction::ServerNonInviteTransaction(Context& ctx, ServerTransactionId id,
                                                       const Message& request, const Peer& reply_to,
                                                       bool tu_owned)
    : ServerTransaction(ctx, id, TransactionState::Trying, request, reply_to, tu_owned),
      timer_j_(ctx) {}

void ServerNonInviteTransaction::transition(TransactionState next) {
  enter(next, TransactionKind::ServerNonInvite);
  if (next == TransactionState::Completed) {
    // §17.2.2: "When the server transaction enters the "Completed" state, it
    // MUST set Timer J to fire in 64*T1 seconds for unreliable transports,
    // and zero seconds for reliable transports."
    if (reliable()) {
      transition(TransactionState::Terminated);
    } else {
      timer_j_.start(ctx_.config().timer_j, [this] { transition(TransactionState::Terminated); });
    }
  } else if (next == TransactionState::Terminated) {
    timer_j_.stop();
  }
}

void ServerNonInviteTransaction::on_retransmission() {
  ++ctx_.metrics().retransmissions_absorbed;
  // §17.2.2: in Trying, "any further request retransmissions are discarded";
  // in Proceeding "the most recent provisional response that was received
  // from the TU MUST be passed to the transport layer for retransmission"; in
  // Completed "the server transaction MUST pass the final response to the
  // transport layer for retransmission".
  if (state() == TransactionState::Proceeding || state() == TransactionState::Completed)
    resend_response();
}

Result<void> ServerNonInviteTransaction::respond(Message&& response) {
  if (Result<void> r = check_response(response); !r) return r;
  if (state() != TransactionState::Trying && state() != TransactionState::Proceeding) {
    // §17.2.2: "Any other final responses passed by the TU to the server
    // transaction MUST be discarded while in the "Completed" state."
    return Error{500, "non-INVITE server transaction is " + std::string(to_string(state()))};
  }
  send_response(response);
  if (response.status() >= 200) {
    transition(TransactionState::Completed);
  } else if (state() == TransactionState::Trying) {
    transition(TransactionState::Proceeding);
  }
  return {};
}

void ServerNonInviteTransaction::on_transport_error() {
  if (state() != TransactionState::Proceeding && state() != TransactionState::Completed) return;
  // §17.2.2 Figure 8: "Trnsprt Err / Inform TU" from Proceeding and Completed
  // to Terminated; §17.2.4: "the server transaction SHOULD inform the TU ...
  // and SHOULD transition directly to the "Terminated" state."
  transition(TransactionState::Terminated);
  report_failure(ServerFailure::TransportError);
}

}  // namespace cvw::sip::txn
