// Header names cvw understands, with their compact forms (RFC 3261 §7.3.3,
// §20 and the extension RFCs). Anything else is HeaderId::Other and is kept
// and forwarded byte for byte under its own name.
#pragma once

#include <cstdint>
#include <string_view>

namespace cvw::sip {

enum class HeaderId : std::uint8_t {
  Other,
  Accept,
  AcceptContact,      // a
  AllowEvents,        // u
  Allow,
  AlertInfo,
  AnswerMode,
  Authorization,
  CallId,             // i
  CallInfo,
  Contact,            // m
  ContentDisposition,
  ContentEncoding,    // e
  ContentLength,      // l
  ContentType,        // c
  CSeq,
  Date,
  Event,              // o
  Expires,
  From,               // f
  MaxForwards,
  MinExpires,
  MinSE,
  PAssertedIdentity,
  PPreferredIdentity,
  Privacy,
  ProxyAuthenticate,
  ProxyAuthorization,
  ProxyRequire,
  RAck,
  Reason,
  RecordRoute,
  ReferTo,            // r
  ReferredBy,         // b
  Replaces,
  Require,
  RetryAfter,
  Route,
  RSeq,
  Server,
  SessionExpires,     // x
  Subject,            // s
  SubscriptionState,
  Supported,          // k
  Timestamp,
  To,                 // t
  Unsupported,
  UserAgent,
  Via,                // v
  Warning,
  WwwAuthenticate,
  kCount
};

// Case-insensitive lookup of a long or compact header name.
HeaderId header_id(std::string_view name);
// The canonical long name, used when cvw itself adds a header.
std::string_view header_name(HeaderId id);

}  // namespace cvw::sip
