// The checks a message must pass before the transaction layer sees it: the
// mandatory headers exist once each and parse (RFC 3261 §8.1.1, §8.2,
// §16.3), and the grammar of every header cvw relies on holds. Lazy parsing
// (message.hpp) keeps the parse fast; this is where the strictness lives, run
// once per received message.
#pragma once

#include "common/result.hpp"
#include "sip/message.hpp"

namespace cvw::sip {

// A request that fails gets a stateless response with error().status (400 or
// 505) and error().message as the reason phrase.
Result<void> validate_request(const Message& request);

// A response that fails is dropped (RFC 3261 §18.1.2, RFC 4475 §3.1.2.5).
Result<void> validate_response(const Message& response);

}  // namespace cvw::sip
