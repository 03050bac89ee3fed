#include "sip/transaction/server_transaction.hpp"

#include "common/log.hpp"
#include "sip/transaction/message_builders.hpp"

namespace cvw::sip::txn {

ServerTransaction::ServerTransaction(Context& ctx, ServerTransactionId id, TransactionState initial,
                                     const Message& request, const Peer& reply_to, bool tu_owned)
    : ctx_(ctx),
      id_(id),
      state_(initial),
      reply_to_(reply_to),
      tu_owned_(tu_owned),
      method_(request.method_name()) {}

void ServerTransaction::keep_request_to_tag(const Message& request) {
  request_to_tag_ = to_tag(request);
}

void ServerTransaction::send_response(const Message& response) {
  last_response_.clear();
  response.serialize_to(last_response_);
  if (std::string tag = to_tag(response); !tag.empty()) response_to_tag_ = std::move(tag);
  ctx_.send(last_response_, reply_to_);
}

void ServerTransaction::send_wire(std::string wire) {
  last_response_ = std::move(wire);
  ctx_.send(last_response_, reply_to_);
}

void ServerTransaction::resend_response() {
  if (last_response_.empty()) return;
  ++ctx_.metrics().retransmissions_sent;
  ctx_.send(last_response_, reply_to_);
}

void ServerTransaction::enter(TransactionState next, TransactionKind kind) {
  log().debug("sip txn: {} {} #{} {} -> {}", to_string(kind), method_, id_.value, to_string(state_),
              to_string(next));
  state_ = next;
  if (next != TransactionState::Terminated) return;
  TransactionMetrics& m = ctx_.metrics();
  ++(kind == TransactionKind::ServerInvite ? m.server_invite : m.server_non_invite).terminated;
  ctx_.retire(id_);
}

void ServerTransaction::report_failure(ServerFailure failure) {
  if (failure == ServerFailure::TransportError) ++ctx_.metrics().transport_errors;
  if (!tu_owned_ || ctx_.user() == nullptr) return;
  ctx_.user()->on_server_failure(id_, failure);
}

Result<void> check_response(const Message& response) {
  if (!response.is_response()) return Error{500, "not a response"};
  if (response.status() < 100 || response.status() > 699)
    return Error{500, "status code outside 100-699"};
  return {};
}

}  // namespace cvw::sip::txn
