#include "sip/transaction/transaction_id.hpp"

namespace cvw::sip::txn {

std::string_view to_string(TransactionState state) {
  switch (state) {
    case TransactionState::Calling:
      return "Calling";
    case TransactionState::Trying:
      return "Trying";
    case TransactionState::Proceeding:
      return "Proceeding";
    case TransactionState::Completed:
      return "Completed";
    case TransactionState::Confirmed:
      return "Confirmed";
    case TransactionState::Accepted:
      return "Accepted";
    case TransactionState::Terminated:
      return "Terminated";
  }
  return "?";
}

std::string_view to_string(TransactionKind kind) {
  switch (kind) {
    case TransactionKind::ClientInvite:
      return "INVITE client";
    case TransactionKind::ClientNonInvite:
      return "non-INVITE client";
    case TransactionKind::ServerInvite:
      return "INVITE server";
    case TransactionKind::ServerNonInvite:
      return "non-INVITE server";
  }
  return "?";
}

}  // namespace cvw::sip::txn
