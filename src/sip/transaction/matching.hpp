// How a message finds its transaction: RFC 3261 §17.1.3 for responses
// (client transactions) and §17.2.3 for requests (server transactions),
// including the RFC 2543 fallback for requests whose branch lacks the magic
// cookie. Pure functions of the message, so they are unit-tested alone.
#pragma once

#include <string>

#include "common/result.hpp"
#include "sip/message.hpp"

namespace cvw::sip::txn {

// What a request contributes to server-transaction matching.
//
// `key` names a slot in which one request (INVITE or other) and its CANCEL
// live; an ACK finds the INVITE in the same slot. It deliberately leaves out
// the method, because §9.2 finds the transaction a CANCEL cancels by "assuming
// that the request method is anything but CANCEL or ACK"; the method is
// compared after the lookup.
struct RequestMatch {
  std::string key;
  // The top Via branch starts with "z9hG4bK" (§8.1.1.7): matching is by
  // branch and sent-by. Otherwise the RFC 2543 rules apply, which also compare
  // To tags (after the lookup, see below).
  bool rfc3261 = false;
  // The request's To tag: RFC 2543 matching compares it with the To tag of the
  // request that created the transaction, or, for an ACK, with the To tag of
  // the response the transaction sent.
  std::string to_tag;
};

// Fails (the caller drops the request) only if the top Via or CSeq does not
// parse, which validation should have caught.
Result<RequestMatch> match_request(const Message& request);

// §17.1.3: a response matches the client transaction whose request had the
// same top Via branch and the same CSeq method ("since a CANCEL request
// constitutes a different transaction, but shares the same value of the
// branch parameter"). Works for the request sent and for the responses to it.
// Fails when there is no Via, no branch or no parsable CSeq.
Result<std::string> client_key(const Message& message);

// The same key for a request of ours known only by its first bytes: what an
// ICMP error quotes of a datagram (udp_errors.hpp), or a whole request that
// could not be sent. The method is the request line's (§8.1.1.5: CSeq's
// method "MUST match that of the Request-Line"); the top Via is the first
// Via header line, which must be complete (ended by CRLF). Fails for a
// response, and when no complete Via line with a branch is there.
Result<std::string> client_key_of_prefix(std::string_view bytes);

}  // namespace cvw::sip::txn
