// What the transaction layer needs from the transport below it: put bytes on
// the wire towards a peer.
#pragma once

#include <string_view>

#include "sip/peer.hpp"

namespace cvw::sip::txn {

// Implemented by the transport layer (or a test double). Transactions
// serialize a message once and hand the same bytes to send() again for each
// retransmission, so `wire` is only valid during the call: copy it if it has
// to be queued.
//
// Sending is fire-and-forget. A failure to reach a peer is reported back
// through TransactionLayer::transport_error(); that call is safe even from
// inside send().
class Sender {
 public:
  virtual ~Sender() = default;
  virtual void send(std::string_view wire, const Peer& to) = 0;
};

}  // namespace cvw::sip::txn
