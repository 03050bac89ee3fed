// The non-INVITE client transaction, RFC 3261 §17.1.2.
//
//   Trying     --Timer E / resend, E = MIN(2E, T2)--> Trying     (unreliable only)
//   Trying     --1xx / to TU--> Proceeding
//   Proceeding --Timer E / resend, E = T2; 1xx / to TU--> Proceeding
//   Trying, Proceeding --200-699 / to TU--> Completed (Timer K: T4, zero if reliable)
//   Trying, Proceeding --Timer F or transport error / tell TU--> Terminated
//   Completed  --responses / absorb--> Completed
//   Completed  --Timer K--> Terminated
#pragma once

#include "sip/transaction/client_transaction.hpp"

namespace cvw::sip::txn {

class ClientNonInviteTransaction final : public ClientTransaction {
 public:
  ClientNonInviteTransaction(Context& ctx, ClientTransactionId id, const Message& request,
                             const Peer& next_hop, ClientCallbacks callbacks);

  void start() override;
  void on_response(Message&& response) override;
  void on_transport_error() override;

 private:
  void transition(TransactionState next);
  void on_timer_e();
  void on_timer_f();
  bool waiting() const;  // Trying or Proceeding

  Duration timer_e_interval_{};
  TransactionTimer timer_e_;
  TransactionTimer timer_f_;
  TransactionTimer timer_k_;
};

}  // namespace cvw::sip::txn
