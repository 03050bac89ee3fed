// The --server URL and the escaping of what cvwctl puts into request targets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace cvw::cvwctl {

// An API origin: "https://cvw.example.com:8443", "http://127.0.0.1:8080",
// "https://[::1]:8443". Only scheme, host and port: the API's paths are
// absolute (/api/v1/...), so a path in the URL would be silently ignored and
// is refused instead, as is user information (credentials do not belong in
// a URL that ends up in shell history and error messages).
struct ServerUrl {
  bool tls = true;
  std::string host;  // lower case; an IPv6 address without brackets
  std::uint16_t port = 443;

  // "scheme://host[:port]", the port left out when it is the scheme's
  // default. Two spellings of one server give the same text, so it is also
  // the key the saved session is bound to.
  std::string to_string() const;
  // The Host header value: host:port, IPv6 in brackets.
  std::string authority() const;
  bool host_is_ip() const;

  // Errors name the URL and the fault: `"ftp://x": scheme must be http or https`.
  static Result<ServerUrl> parse(std::string_view text);
};

// A path segment with everything but unreserved characters, ':' and '@'
// percent-encoded, so "sip:alice@example.com" and "Tag:Sales" stay readable
// in logs while '/', '?', '%', '#', spaces and non-ASCII bytes cannot change
// which resource is addressed.
std::string encode_path_segment(std::string_view text);

// A query parameter value: everything but unreserved characters encoded
// ('+' too, because the server reads '+' in a query as a space).
std::string encode_query_value(std::string_view text);

}  // namespace cvw::cvwctl
