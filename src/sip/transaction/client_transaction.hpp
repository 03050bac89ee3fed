// What the two client machines (RFC 3261 §17.1) share: identity, the next
// hop, the request serialized once, and the TU's callbacks.
//
// Owned by the TransactionLayer; used on its thread only.
#pragma once

#include <string>

#include "sip/message.hpp"
#include "sip/peer.hpp"
#include "sip/transaction/context.hpp"
#include "sip/transaction/transaction_id.hpp"
#include "sip/transaction/transaction_user.hpp"

namespace cvw::sip::txn {

class ClientInviteTransaction;

class ClientTransaction {
 public:
  virtual ~ClientTransaction() = default;
  ClientTransaction(const ClientTransaction&) = delete;
  ClientTransaction& operator=(const ClientTransaction&) = delete;

  ClientTransactionId id() const { return id_; }
  TransactionState state() const { return state_; }
  const Peer& next_hop() const { return next_hop_; }

  // Sends the request for the first time and starts the timers.
  virtual void start() = 0;
  // §17.1.3 matched a response to this transaction.
  virtual void on_response(Message&& response) = 0;
  // §17.1.4: the request (or the ACK) could not be delivered.
  virtual void on_transport_error() = 0;

  virtual ClientInviteTransaction* as_invite() { return nullptr; }

 protected:
  ClientTransaction(Context& ctx, ClientTransactionId id, TransactionState initial,
                    const Message& request, const Peer& next_hop, ClientCallbacks callbacks);

  bool reliable() const { return is_reliable(next_hop_.protocol); }
  void send_request() { ctx_.send(request_wire_, next_hop_); }
  // Frees the serialized request once it will never be sent again.
  void release_request() { std::string().swap(request_wire_); }
  void resend_request();
  // Sets the state (called by the machines' transition() functions), logs it,
  // and retires the transaction when it becomes Terminated.
  void enter(TransactionState next, TransactionKind kind);
  // Upcalls. Machines call them last, after their own state change, because
  // the TU may call back into the layer from them.
  void pass_up(Message&& response);
  void report_timeout();
  void report_transport_error();

  Context& ctx_;

 private:
  ClientTransactionId id_;
  TransactionState state_;
  Peer next_hop_;
  std::string method_;
  std::string request_wire_;  // serialized once; every retransmission resends it
  ClientCallbacks callbacks_;
};

}  // namespace cvw::sip::txn
