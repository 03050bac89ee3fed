// Cutting a byte stream (TCP, TLS) into SIP messages, RFC 3261 §18.3:
// "In the case of stream-oriented transports such as TCP, the Content-Length
// header field indicates the size of the body. All stream-oriented transports
// MUST use Content-Length to indicate the size of the body."
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "common/result.hpp"
#include "sip/message.hpp"

namespace cvw::sip {

struct Frame {
  std::size_t skip = 0;    // leading CRLFs (keep-alives, RFC 5626 §3.5.1) to drop first
  std::size_t length = 0;  // the message after them, headers and body
};

// Looks for one complete message at the start of `buffered`.
// - a Frame when one is complete;
// - nullopt when more bytes are needed (and the limits are not exceeded yet);
// - an Error when the stream cannot be framed (no/negative/conflicting
//   Content-Length, headers or message over the limits): the connection must
//   be closed, since there is no way to find the next message.
// A buffer holding only CRLFs gives a Frame with length 0 and skip > 0.
Result<std::optional<Frame>> find_frame(std::string_view buffered, const ParseLimits& limits);

}  // namespace cvw::sip
