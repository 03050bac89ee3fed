#include "sip/transaction/client_transaction.hpp"

#include <utility>

#include "common/log.hpp"

namespace cvw::sip::txn {

ClientTransaction::ClientTransaction(Context& ctx, ClientTransactionId id, TransactionState initial,
                                     const Message& request, const Peer& next_hop,
                                     ClientCallbacks callbacks)
    : ctx_(ctx),
      id_(id),
      state_(initial),
      next_hop_(next_hop),
      method_(request.method_name()),
      request_wire_(request.serialize()),
      callbacks_(std::move(callbacks)) {}

void ClientTransaction::resend_request() {
  ++ctx_.metrics().retransmissions_sent;
  send_request();
}

void ClientTransaction::enter(TransactionState next, TransactionKind kind) {
  log().debug("sip txn: {} {} #{} {} -> {}", to_string(kind), method_, id_.value, to_string(state_),
              to_string(next));
  state_ = next;
  if (next != TransactionState::Terminated) return;
  TransactionMetrics& m = ctx_.metrics();
  ++(kind == TransactionKind::ClientInvite ? m.client_invite : m.client_non_invite).terminated;
  ctx_.retire(id_);
}

void ClientTransaction::pass_up(Message&& response) {
  if (callbacks_.on_response) callbacks_.on_response(id_, std::move(response));
}

void ClientTransaction::report_timeout() {
  ++ctx_.metrics().client_timeouts;
  if (callbacks_.on_timeout) callbacks_.on_timeout(id_);
}

void ClientTransaction::report_transport_error() {
  ++ctx_.metrics().transport_errors;
  if (callbacks_.on_transport_error) callbacks_.on_transport_error(id_);
}

}  // namespace cvw::sip::txn
