// The non-INVITE server transaction, RFC 3261 §17.2.2.
//
//   Trying     --request / absorb--> Trying
//   Trying     --1xx from TU / send--> Proceeding
//   Trying     --200-699 from TU / send--> Completed (Timer J, zero if reliable)
//   Proceeding --request / resend last 1xx; 1xx from TU / send--> Proceeding
//   Proceeding --200-699 from TU / send--> Completed
//   Completed  --request / resend final; other finals from TU discarded--> Completed
//   Completed  --Timer J--> Terminated
//   Proceeding, Completed --transport error / tell TU--> Terminated
#pragma once

#include "sip/transaction/server_transaction.hpp"

namespace cvw::sip::txn {

class ServerNonInviteTransaction final : public ServerTransaction {
 public:
  // `tu_owned` is false for a CANCEL, which the layer answers itself.
  ServerNonInviteTransaction(Context& ctx, ServerTransactionId id, const Message& request,
                             const Peer& reply_to, bool tu_owned);

  void on_retransmission() override;
  Result<void> respond(Message&& response) override;
  void on_transport_error() override;

 private:
  void transition(TransactionState next);

  TransactionTimer timer_j_;
};

}  // namespace cvw::sip::txn
