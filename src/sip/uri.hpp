// URIs as SIP uses them (RFC 3261 §19.1, §25.1; tel: RFC 3966).
//
// A Uri is a set of views into text owned elsewhere (usually a Message).
// %-escapes are kept as received; unescape() gives the value when it matters
// (RFC 3261 §19.1.4 compares URIs after unescaping).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace cvw::sip {

enum class UriScheme : std::uint8_t { Sip, Sips, Tel, Other };

struct Uri {
  UriScheme scheme = UriScheme::Other;
  std::string_view scheme_text;  // as written ("SIP" is allowed, §19.1.4)
  std::string_view user;         // escaped form; for tel: the number
  std::string_view password;
  std::string_view host;         // IPv6 references without the brackets
  bool ipv6 = false;
  std::uint16_t port = 0;        // 0: not given
  std::string_view params;       // "lr;transport=tcp" (without the first ';')
  std::string_view headers;      // "Route=%3C...%3E" (without the '?')
  std::string_view opaque;       // Other schemes: everything after "scheme:"
  std::string_view text;         // the whole URI as parsed

  bool is_sip() const { return scheme == UriScheme::Sip || scheme == UriScheme::Sips; }
  // A uri-parameter by name (case-insensitive). A parameter without a value
  // ("lr") gives an empty view; a missing one gives nullopt.
  std::optional<std::string_view> param(std::string_view name) const;
  bool has_param(std::string_view name) const { return param(name).has_value(); }
  // "host" or "[v6]" followed by ":port" when a port is given.
  std::string host_port() const;
};

// Parses a URI that stands alone (Request-URI, inside <>). The text must be the
// URI only, without surrounding whitespace.
Result<Uri> parse_uri(std::string_view text);

// Replaces %HH escapes by the octet they stand for. Fails on a broken escape.
Result<std::string> unescape(std::string_view text);

// URI equivalence per RFC 3261 §19.1.4 (user/password case-sensitive after
// unescaping, host case-insensitive, user/ttl/method/maddr/transport must match
// when present in either, other parameters when present in both, headers all).
bool uri_equal(const Uri& a, const Uri& b);

// Iterates "name[=value]" items of a ';'-separated parameter list (without the
// leading ';'). Calls f(name, value, has_value); stops early if f returns false.
template <typename F>
void for_each_param(std::string_view params, F&& f);

}  // namespace cvw::sip

#include "sip/uri_inl.hpp"
