// Messages the transaction layer writes itself: the 100 (Trying) of an INVITE
// server transaction, the responses to CANCEL, the ACK for a non-2xx final
// and the CANCEL of a client INVITE. Each copies exactly the header fields
// its RFC rule lists, as raw text, so they match what the peer sent.
#pragma once

#include <string>
#include <string_view>

#include "sip/message.hpp"

namespace cvw::sip::txn {

// The first value of a comma-separated header line (commas inside quoted
// strings do not count), trimmed.
std::string_view first_list_value(std::string_view value);

// The first Via value of `m` ("SIP/2.0/UDP host;branch=..."), or empty.
std::string_view top_via_value(const Message& m);

// The tag parameter of the To header of `m`, or empty (also when To does not
// parse: the transport validated it, and an empty tag only weakens matching).
std::string to_tag(const Message& m);

// sip::make_response (response_routing.hpp) with the To tag as the third
// argument, as the transaction code and its tests write it.
Message make_response(const Message& request, int status, std::string_view tag = {});

// RFC 3261 §17.1.1.3, the ACK for a 300-699 response to `invite`.
Message make_ack(const Message& invite, const Message& response);

// RFC 3261 §9.1, the CANCEL of `invite`. `reason`, when not empty, becomes a
// Reason header (RFC 3326), e.g. SIP;cause=200;text="Call completed elsewhere".
Message make_cancel(const Message& invite, std::string_view reason = {});

}  // namespace cvw::sip::txn
