// The upward contract of the transaction layer: what it tells the
// Transaction User (TU: the dialog layer / UA core / proxy core).
//
// Every callback runs on the event-loop thread, from inside a TransactionLayer
// call (receive(), a timer, respond()...). Callbacks may call back into the
// layer (answer at once with respond(), start a client transaction, cancel);
// they must not destroy the layer.
#pragma once

#include <cstdint>
#include <functional>

#include "sip/message.hpp"
#include "sip/peer.hpp"
#include "sip/transaction/transaction_id.hpp"

namespace cvw::sip::txn {

enum class ServerFailure : std::uint8_t {
  // §17.2.1: "If timer H fires while in the "Completed" state, it implies that
  // the ACK was never received. ... [the server transaction] MUST indicate to
  // the TU that a transaction failure has occurred."
  AckTimeout,
  // §17.2.4: a response could not be delivered.
  TransportError,
};

// Implemented by the layer above; registered with TransactionLayer::set_user().
//
// The contract (reSIProcate's): every request given to on_request() must get
// exactly one final response through TransactionLayer::respond(), or the
// INVITE's caller waits for Timer B and, on the non-INVITE side, the server
// transaction lives until its request stops arriving.
class TransactionUser {
 public:
  virtual ~TransactionUser() = default;

  // A new request opened server transaction `id`. Never an ACK or a CANCEL:
  // those are handled by the layer (see on_ack(), on_cancel()).
  virtual void on_request(ServerTransactionId id, Message&& request, const Peer& from) = 0;

  // RFC 3261 §9.2: a CANCEL matched INVITE server transaction `invite` before
  // it sent a final response. The TU "SHOULD then respond to the INVITE with a
  // 487 (Request Terminated)" (unless it answered already). The layer itself
  // answers the CANCEL with 200, right after this call returns, copying the To
  // tag of the INVITE's last response (so a 487 sent from here gives both
  // responses the same tag, as §9.2 asks). CANCELs that match nothing get a 481
  // from the layer, and CANCELs arriving after the final response get their
  // 200 without the TU hearing of them ("the CANCEL has no effect").
  virtual void on_cancel(ServerTransactionId invite, const Message& cancel) = 0;

  // An ACK that no server transaction absorbed: the ACK for a 2xx (§13.2.2.4:
  // a new transaction of its own that the UAS core handles), or an ACK that
  // came too late. With RFC 2543 clients the 2xx ACK can also match an INVITE
  // server transaction in Accepted state, which passes it here too (RFC 6026
  // §7.1).
  virtual void on_ack(Message&& ack, const Peer& from) = 0;

  // A response matching no client transaction (§17.1.3, RFC 6026 §7.3): e.g. a
  // 2xx from a forked INVITE arriving after Timer M. A proxy forwards it
  // statelessly or drops it; a UA core may still ACK and BYE it.
  virtual void on_stray_response(Message&& response, const Peer& from) = 0;

  // Server transaction `id` failed. After AckTimeout the transaction is gone;
  // after TransportError it is gone unless it was still in Proceeding or
  // Accepted (RFC 6026 Figure 5 keeps those), so respond() may still work.
  virtual void on_server_failure(ServerTransactionId id, ServerFailure failure) = 0;
};

// Per client transaction, given to TransactionLayer::start_client(). Every
// callback is optional.
//
// Timer B and Timer F are reported as on_timeout(), not as a synthetic 408
// response: a made-up response would need a Via, a To tag and a reason nobody
// sent, and a proxy that wants a 408 (§16.7 step 6) builds its own. After
// on_timeout() or on_transport_error() the transaction is gone; no further
// callback follows.
struct ClientCallbacks {
  // Every response the transaction passes up (§17.1.1.2, §17.1.2.2): each
  // provisional, the final, and for an INVITE each further 2xx while in the
  // Accepted state (RFC 6026 §8.4: forked answers; the TU ACKs every one).
  // The ACK for a 300-699 was already sent by the transaction (§17.1.1.3).
  std::function<void(ClientTransactionId, Message&& response)> on_response;
  std::function<void(ClientTransactionId)> on_timeout;
  std::function<void(ClientTransactionId)> on_transport_error;
};

}  // namespace cvw::sip::txn
