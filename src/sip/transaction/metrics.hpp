// Counters of the transaction layer, read by /metrics. Plain values owned by
// the TransactionLayer and updated on its thread; copy the struct to publish.
#pragma once

#include <cstdint>

namespace cvw::sip::txn {

struct TransactionMetrics {
  struct PerKind {
    std::uint64_t created = 0;
    std::uint64_t terminated = 0;
  };
  PerKind client_invite;
  PerKind client_non_invite;
  PerKind server_invite;
  PerKind server_non_invite;

  // Messages sent again from stored bytes: requests on Timers A/E, finals on
  // Timer G, and responses or ACKs resent because a retransmission arrived.
  std::uint64_t retransmissions_sent = 0;
  // Requests and responses recognised as retransmissions and absorbed.
  std::uint64_t retransmissions_absorbed = 0;

  std::uint64_t client_timeouts = 0;   // Timer B, Timer F, and the §9.1 CANCEL wait
  std::uint64_t server_timeouts = 0;   // Timer H: the ACK never came
  std::uint64_t transport_errors = 0;  // transactions told of a transport failure

  std::uint64_t automatic_trying = 0;   // 100 Trying sent by the INVITE server transaction
  std::uint64_t cancels_received = 0;   // CANCEL requests that opened a server transaction
  std::uint64_t cancels_unmatched = 0;  // of which answered 481
  std::uint64_t stray_acks = 0;         // ACKs passed to the TU (for 2xx, or matching nothing)
  std::uint64_t stray_responses = 0;    // responses matching no transaction, passed to the TU
  std::uint64_t dropped = 0;            // input the layer could not read (see receive())
};

}  // namespace cvw::sip::txn
