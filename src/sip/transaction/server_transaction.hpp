// What the two server machines (RFC 3261 §17.2) share: their identity, where
// responses go, the bytes of the last response sent, and the To tags that
// RFC 2543 matching compares.
//
// Owned by the TransactionLayer; used on its thread only.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"
#include "sip/message.hpp"
#include "sip/peer.hpp"
#include "sip/transaction/context.hpp"
#include "sip/transaction/transaction_id.hpp"

namespace cvw::sip::txn {

class ServerInviteTransaction;

class ServerTransaction {
 public:
  virtual ~ServerTransaction() = default;
  ServerTransaction(const ServerTransaction&) = delete;
  ServerTransaction& operator=(const ServerTransaction&) = delete;

  ServerTransactionId id() const { return id_; }
  TransactionState state() const { return state_; }
  const Peer& reply_to() const { return reply_to_; }
  std::string_view method_name() const { return method_; }
  // The To tag of the request that created it; kept only for a request
  // matched by the RFC 2543 rules (no magic cookie), the only ones that
  // compare it (§17.2.3). Empty otherwise.
  std::string_view request_to_tag() const { return request_to_tag_; }
  void keep_request_to_tag(const Message& request);
  // The To tag of the last response sent with one (empty before).
  std::string_view response_to_tag() const { return response_to_tag_; }

  // §17.2.3 matched a retransmission of the request.
  virtual void on_retransmission() = 0;
  // A response from the TU. Fails when the state does not allow it.
  virtual Result<void> respond(Message&& response) = 0;
  // §17.2.4: a response could not be delivered to reply_to().
  virtual void on_transport_error() = 0;

  virtual ServerInviteTransaction* as_invite() { return nullptr; }

 protected:
  // `tu_owned`: false for the CANCEL transactions the layer answers itself;
  // their failures are not reported to the TU, which never saw them.
  ServerTransaction(Context& ctx, ServerTransactionId id, TransactionState initial,
                    const Message& request, const Peer& reply_to, bool tu_owned);

  bool reliable() const { return is_reliable(reply_to_.protocol); }
  // Serializes `response` into the stored bytes (the only serialization) and
  // sends them; remembers its To tag.
  void send_response(const Message& response);
  // Stores and sends bytes serialized earlier (the automatic 100 Trying).
  void send_wire(std::string wire);
  // Sends the stored bytes again (a retransmission).
  void resend_response();
  // Frees the stored bytes once no retransmission can need them.
  void forget_response() { std::string().swap(last_response_); }
  bool has_response() const { return !last_response_.empty(); }
  // Sets the state (the machines' transition() functions call this), logs
  // it, and retires the transaction when it becomes Terminated.
  void enter(TransactionState next, TransactionKind kind);
  void report_failure(ServerFailure failure);

  Context& ctx_;

 private:
  ServerTransactionId id_;
  TransactionState state_;
  Peer reply_to_;
  bool tu_owned_;
  std::string method_;
  std::string request_to_tag_;
  std::string response_to_tag_;
  std::string last_response_;
};

// Checks the status code the TU passed (100-699).
Result<void> check_response(const Message& response);

}  // namespace cvw::sip::txn
