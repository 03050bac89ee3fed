// The INVITE server transaction: RFC 3261 §17.2.1 as corrected by RFC 6026
// §7.1 (the Accepted state).
//
//   Proceeding --1xx from TU / send--> Proceeding
//   Proceeding --INVITE / resend last provisional (or a 100 now)--> Proceeding
//   Proceeding --2xx from TU / send--> Accepted      (Timer L)
//   Proceeding --300-699 from TU / send--> Completed (Timer G if unreliable, Timer H)
//   Completed  --INVITE or Timer G / resend final--> Completed
//   Completed  --ACK--> Confirmed                    (Timer I, zero if reliable)
//   Completed  --Timer H / tell TU--> Terminated
//   Confirmed  --ACK / absorb--> Confirmed
//   Confirmed  --Timer I--> Terminated
//   Accepted   --INVITE / absorb; ACK / to TU; 2xx from TU / send--> Accepted
//   Accepted   --acknowledged() from TU / free the 2xx--> Accepted
//   Accepted   --Timer L--> Terminated
//
// Retransmitting the 2xx is the TU's job (§13.3.1.4: the dialog layer runs
// that timer, resending through TransactionLayer::retransmit_2xx() or
// respond()); this machine "MUST NOT generate 2xx retransmissions on its own"
// (RFC 6026 §7.1).
#pragma once

#include <string>

#include "sip/transaction/server_transaction.hpp"

namespace cvw::sip::txn {

class ServerInviteTransaction final : public ServerTransaction {
 public:
  ServerInviteTransaction(Context& ctx, ServerTransactionId id, const Message& invite,
                          const Peer& reply_to);

  void on_retransmission() override;
  Result<void> respond(Message&& response) override;
  void on_transport_error() override;
  ServerInviteTransaction* as_invite() override { return this; }

  enum class AckDisposition { Absorbed, PassToTu };
  // An ACK matched this transaction (§17.2.3).
  AckDisposition on_ack();
  // Resends the last 2xx from its stored bytes (Accepted state only).
  Result<void> retransmit_2xx();
  // The TU has the ACK for the 2xx (§13.3.1.4), so nobody resends the 2xx
  // any more: its bytes are freed. The transaction stays Accepted until
  // Timer L to absorb retransmitted INVITEs, which needs no response.
  void on_2xx_acknowledged();
  // §9.2: "If the UAS has already sent a final response for the original
  // request, the CANCEL has no effect on the processing of the original request".
  bool final_sent() const { return state() != TransactionState::Proceeding; }

 private:
  void transition(TransactionState next);
  void send_trying();
  void on_trying_delay();
  void on_timer_g();
  void on_timer_h();
  void stop_timers();

  std::string trying_;  // the 100 (Trying), serialized once, freed when the TU responds
  bool tu_responded_ = false;
  Duration timer_g_interval_{};
  TransactionTimer trying_timer_;
  TransactionTimer timer_g_;
  TransactionTimer timer_h_;
  TransactionTimer timer_i_;
  TransactionTimer timer_l_;
};

}  // namespace cvw::sip::txn
