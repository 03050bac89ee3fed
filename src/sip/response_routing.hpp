// Where responses go and what a request's top Via records about its source
// (RFC 3261 §18.2.1, §18.2.2, RFC 3581). Shared by the transport (stateless
// rejections), the transaction layer's user (2xx retransmissions) and tests.
#pragma once

#include <string_view>

#include "sip/message.hpp"
#include "sip/peer.hpp"

namespace cvw::sip {

// RFC 3261 §18.2.1 + RFC 3581 §4: records where a request really came from in
// its top Via (received=, and rport=<port> when the client asked with rport),
// and returns where its responses go (reply_destination()), from the one
// reading of the Via both need: the transport calls it for every request.
Peer stamp_received(Message& request, const Peer& source);

// RFC 3261 §18.2.2 + RFC 3581 §4: where the response to `request` goes. For
// streams, back on the connection it came on; for UDP, to the source address
// and the rport, or the sent-by port (5060 when absent). The address is always
// the source address: a response is never aimed at a host named in a Via.
Peer reply_destination(const Message& request, const Peer& source);

// A response built from a request (§8.2.6.2): copies Via, From, To, Call-ID
// and CSeq; a To tag is added when the request had none and the status is
// above 100 (`to_tag` when given, else a random one).
Message make_response(const Message& request, int status, std::string_view reason = {},
                      std::string_view to_tag = {});

// The wire form of make_response(request, 100).serialize(), byte for byte,
// written straight from the request's header views. Every INVITE server
// transaction prepares its 100 (Trying) up front (it may have to send it from
// a timer, when the request is no longer at hand), and most never send it:
// building a Message for it was a tenth of the transaction's cost.
std::string trying_wire(const Message& request);

}  // namespace cvw::sip
