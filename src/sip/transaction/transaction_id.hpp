// Handles the transaction layer gives out, and the vocabulary shared by the
// four state machines of RFC 3261 §17.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace cvw::sip::txn {

// Ids are small integers, never reused while the layer lives: a TU holding the
// id of a transaction that has since terminated gets an error from the layer,
// never a different transaction. 0 is never a valid id.
struct ServerTransactionId {
  std::uint64_t value = 0;
  explicit operator bool() const { return value != 0; }
  auto operator<=>(const ServerTransactionId&) const = default;
};

struct ClientTransactionId {
  std::uint64_t value = 0;
  explicit operator bool() const { return value != 0; }
  auto operator<=>(const ClientTransactionId&) const = default;
};

// The states named by RFC 3261 §17 and RFC 6026. Each machine uses a subset:
//   INVITE client      Calling, Proceeding, Completed, Accepted, Terminated
//   non-INVITE client  Trying, Proceeding, Completed, Terminated
//   INVITE server      Proceeding, Completed, Confirmed, Accepted, Terminated
//   non-INVITE server  Trying, Proceeding, Completed, Terminated
enum class TransactionState : std::uint8_t {
  Calling,
  Trying,
  Proceeding,
  Completed,
  Confirmed,
  Accepted,
  Terminated,
};

std::string_view to_string(TransactionState state);

enum class TransactionKind : std::uint8_t {
  ClientInvite,
  ClientNonInvite,
  ServerInvite,
  ServerNonInvite
};

std::string_view to_string(TransactionKind kind);

}  // namespace cvw::sip::txn

template <>
struct std::hash<cvw::sip::txn::ServerTransactionId> {
  std::size_t operator()(cvw::sip::txn::ServerTransactionId id) const noexcept {
    return std::hash<std::uint64_t>{}(id.value);
  }
};

template <>
struct std::hash<cvw::sip::txn::ClientTransactionId> {
  std::size_t operator()(cvw::sip::txn::ClientTransactionId id) const noexcept {
    return std::hash<std::uint64_t>{}(id.value);
  }
};
