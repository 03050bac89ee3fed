// The INVITE client transaction: RFC 3261 §17.1.1 as corrected by RFC 6026
// §7.2 (the Accepted state), plus the CANCEL rules of §9.1 that concern it.
//
//   Calling    --Timer A / resend INVITE, double A--> Calling (unreliable only)
//   Calling    --Timer B / tell TU--> Terminated
//   Calling    --1xx / to TU--> Proceeding
//   Proceeding --1xx / to TU--> Proceeding
//   Calling, Proceeding --2xx / to TU--> Accepted     (Timer M)
//   Calling, Proceeding --300-699 / send ACK, to TU--> Completed (Timer D, zero if reliable)
//   Completed  --300-699 / resend ACK--> Completed
//   Completed  --Timer D--> Terminated
//   Accepted   --2xx / to TU--> Accepted
//   Accepted   --Timer M--> Terminated
//   Calling, Completed --transport error / tell TU--> Terminated
//
// The TU ACKs every 2xx itself (§13.2.2.4); this machine "MUST NOT generate
// an ACK to any 2xx response on its own" (RFC 6026 §7.2).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "sip/transaction/client_transaction.hpp"

namespace cvw::sip::txn {

class ClientInviteTransaction final : public ClientTransaction {
 public:
  ClientInviteTransaction(Context& ctx, ClientTransactionId id, Message&& invite,
                          const Peer& next_hop, ClientCallbacks callbacks);

  void start() override;
  void on_response(Message&& response) override;
  void on_transport_error() override;
  ClientInviteTransaction* as_invite() override { return this; }

  // The INVITE, for building its CANCEL: only until a final response. From
  // then on (Completed, Accepted: 32 s over UDP) nothing needs it, nor its
  // serialized copy, and both are freed (see transition()).
  const Message& request() const { return *invite_; }

  // §9.1: "If no provisional response has been received, the CANCEL request
  // MUST NOT be sent; rather, the client MUST wait for the arrival of a
  // provisional response before sending the request." The layer queues the
  // CANCEL here while Calling and sends it on the first provisional.
  enum class Cancel { None, Queued, Sent };
  Cancel cancel_state() const { return cancel_; }
  const std::string& cancel_reason() const { return cancel_reason_; }
  void queue_cancel(std::string reason);
  // The CANCEL went out: from now on the §9.1 wait for a final runs.
  void cancel_sent();

 private:
  void transition(TransactionState next);
  void on_provisional(Message&& response);
  void on_2xx(Message&& response);
  void on_failure_response(Message&& response);
  void on_timer_a();
  void on_timer_b();
  void on_cancel_timeout();
  void stop_timers();

  // On the heap, not inline: a Message is about 1.2 KB of header slots, and
  // the transaction outlives its need for it by 32 s.
  std::unique_ptr<Message> invite_;
  std::string ack_;  // the ACK for the non-2xx final, serialized once
  Duration timer_a_interval_{};
  Cancel cancel_ = Cancel::None;
  std::string cancel_reason_;
  TransactionTimer timer_a_;
  TransactionTimer timer_b_;
  TransactionTimer timer_d_;
  TransactionTimer timer_m_;
  TransactionTimer cancel_timer_;
};

}  // namespace cvw::sip::txn
