// Structured forms of header values, parsed on demand from the raw text a
// Message keeps (RFC 3261 §20, §25.1). Every type here is a set of views into
// that text: parse, use, drop. Parameters are kept normalised ("a=b;c") so
// lookups need no second pass over whitespace; when a value had whitespace
// around ';' or '=', the normalised copy lives in the caller-provided storage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "sip/method.hpp"
#include "sip/uri.hpp"

namespace cvw::sip {

// Where the first item of a comma-separated list ends: the index of the
// separating comma (outside quoted strings and <>), value.size() when there is
// only one item, npos when a quoted string or <> is left open.
std::size_t list_item_end(std::string_view value);

// One value of a comma-separated header list. Splits at commas outside
// quoted strings and <>; empty items are an error (RFC 4475 §3.1.2.1).
// Calls f(item) for each trimmed item; returns the first error.
template <typename F>
Result<void> for_each_list_value(std::string_view value, F&& f);

// Parameters after a header value: ";name=value;flag". `params` is the text
// without the first ';', whitespace already removed.
struct Params {
  std::string_view text;
  std::optional<std::string_view> get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
};

// name-addr or addr-spec with header parameters (From, To, Contact, Route,
// Record-Route, Refer-To, P-Asserted-Identity...).
struct NameAddr {
  std::string_view display_name;  // without quotes; escapes still in place
  bool quoted_display = false;
  bool angle_brackets = false;    // written as <uri>
  Uri uri;
  Params params;
  std::optional<std::string_view> tag() const { return params.get("tag"); }
};

// `scratch` receives a normalised copy of the parameters when they had
// whitespace in them; it must outlive the result.
Result<NameAddr> parse_name_addr(std::string_view value, std::string& scratch);

// The tag parameter of a From/To value, "" when absent or unparsable. The
// common form ("<sip:a@b>;tag=x", no whitespace in the parameters) is read
// without parsing the URI; anything else goes through parse_name_addr, and
// the result may then live in `scratch`.
std::string_view tag_param(std::string_view value, std::string& scratch);
// The same as a string of its own, for a caller that keeps the tag.
std::string tag_of(std::string_view value);
// The same, telling "no tag" (nullopt) from an empty one, and an unparsable
// value (an error) from both.
Result<std::optional<std::string_view>> find_tag_param(std::string_view value,
                                                       std::string& scratch);

// One Via value (RFC 3261 §20.42, RFC 3581 rport).
struct Via {
  std::string_view protocol;   // "SIP/2.0" normalised by the parser
  std::string_view transport;  // "UDP", "TCP", "TLS", "SCTP", "WS" or an extension token
  std::string_view host;       // without IPv6 brackets
  bool ipv6 = false;
  std::uint16_t port = 0;      // 0: not given
  Params params;

  std::string_view branch() const { return params.get("branch").value_or(std::string_view{}); }
  std::optional<std::string_view> received() const { return params.get("received"); }
  // RFC 3581: rport without value asks for the port; with a value, it is the port.
  std::optional<std::string_view> rport() const { return params.get("rport"); }
  // RFC 3261 §8.1.1.7: a branch starting with the magic cookie is unique.
  bool rfc3261_branch() const { return branch().size() > 7 && branch().starts_with("z9hG4bK"); }
};

Result<Via> parse_via(std::string_view value, std::string& scratch);

struct CSeq {
  std::uint32_t number = 0;
  Method method = Method::Unknown;
  std::string_view method_name;
};

Result<CSeq> parse_cseq(std::string_view value);

// A decimal number with a limit (Max-Forwards 0-255, Expires 0-2^32-1...).
Result<std::uint32_t> parse_uint(std::string_view value, std::uint32_t max, std::string_view what);

// Replaces (RFC 3891 §6.1): the dialog an INVITE takes the place of.
// "call-id ;to-tag=... ;from-tag=... [;early-only]"
struct Replaces {
  std::string_view call_id;
  std::string_view to_tag;
  std::string_view from_tag;
  bool early_only = false;
};
Result<Replaces> parse_replaces(std::string_view value, std::string& scratch);

// Session-Expires (RFC 4028 §4): "delta-seconds [;refresher=uac|uas]".
struct SessionExpires {
  std::uint32_t seconds = 0;
  std::string_view refresher;  // "uac", "uas" or empty
};
Result<SessionExpires> parse_session_expires(std::string_view value, std::string& scratch);

// Whether a list of option tags or methods (Supported, Require, Allow) holds
// `option`, compared case-insensitively.
bool has_option(std::string_view list, std::string_view option);

// The status code in a message/sipfrag body (RFC 3420) carrying a status
// line, as REFER's NOTIFYs do (RFC 3515 §2.4.5); nullopt when it has none.
std::optional<int> sipfrag_status(std::string_view body);

// Checks an HTTP-date as SIP requires (RFC 3261 §20.17: RFC 1123, GMT only).
Result<void> check_sip_date(std::string_view value);

// Character classes of RFC 3261 §25.1 used across the parsers.
bool is_token_char(char c);
bool is_token(std::string_view s);

}  // namespace cvw::sip

#include "sip/header_values_inl.hpp"
