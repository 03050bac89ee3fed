#include "sip/uri.hpp"

#include "sip/charset.hpp"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

namespace cvw::sip {
namespace {

using charset::is;
bool is_alpha(char c) { return is(c, charset::kAlpha); }
bool is_digit(char c) { return is(c, charset::kDigit); }
bool is_alnum(char c) { return is(c, charset::kAlpha | charset::kDigit); }
bool is_hex(char c) { return is(c, charset::kHex); }
int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  return (c | 0x20) - 'a' + 10;
}
// Checks that `s` has only unreserved characters (RFC 3261 §25.1), characters
// of the `extra` class and well-formed %HH escapes.
bool only_chars(std::string_view s, std::uint16_t extra) {
  const std::uint16_t allowed = charset::kUnreserved | extra;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (is(c, allowed)) continue;
    if (c != '%' || i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
    i += 2;
  }
  return true;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

constexpr std::uint16_t kUserExtra = charset::kUserExtra;
constexpr std::uint16_t kPasswordExtra = charset::kPasswordExtra;
constexpr std::uint16_t kParamExtra = charset::kParamExtra;
constexpr std::uint16_t kHeaderExtra = charset::kHeaderExtra;
// Built once: a CharSet is a 256-entry table, and a temporary one would be
// filled again on every call (parse_sip_uri runs ~10 times per request).
constexpr CharSet kHostEnd{":;?"};
constexpr CharSet kPortEnd{";?"};

bool valid_hostname(std::string_view h) {
  if (h.empty()) return false;
  for (char c : h) {
    if (!is_alnum(c) && c != '-' && c != '.') return false;
  }
  return true;
}

bool valid_ipv6(std::string_view h) {
  if (h.size() < 2) return false;
  for (char c : h) {
    if (!is_hex(c) && c != ':' && c != '.') return false;
  }
  return true;
}

Result<void> parse_params(std::string_view params) {
  bool ok = true;
  for_each_param(params, [&](std::string_view name, std::string_view value, bool has_value) {
    ok = !name.empty() && only_chars(name, kParamExtra) && (!has_value || (!value.empty() && only_chars(value, kParamExtra)));
    return ok;
  });
  if (!ok) return bad_request("malformed URI parameter");
  return {};
}

Result<void> parse_uri_headers(std::string_view headers) {
  if (headers.empty()) return bad_request("empty URI headers");
  while (!headers.empty()) {
    const std::size_t amp = headers.find('&');
    const std::string_view h = headers.substr(0, amp);
    const std::size_t eq = h.find('=');
    if (eq == 0 || eq == std::string_view::npos || !only_chars(h.substr(0, eq), kHeaderExtra) ||
        !only_chars(h.substr(eq + 1), kHeaderExtra)) {
      return bad_request("malformed URI header");
    }
    headers = amp == std::string_view::npos ? std::string_view{} : headers.substr(amp + 1);
  }
  return {};
}

// sip: and sips: URIs, RFC 3261 §19.1.1. The first '@' ends the userinfo:
// no later part of a SIP URI may contain a literal '@'.
Result<Uri> parse_sip_uri(Uri uri, std::string_view rest) {
  const std::size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    const std::size_t colon = userinfo.find(':');
    uri.user = userinfo.substr(0, colon);
    if (colon != std::string_view::npos) uri.password = userinfo.substr(colon + 1);
    if (uri.user.empty() || !only_chars(uri.user, kUserExtra)) return bad_request("malformed URI user part");
    if (!only_chars(uri.password, kPasswordExtra)) return bad_request("malformed URI password");
    rest = rest.substr(at + 1);
  }
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad_request("unterminated IPv6 reference in URI");
    uri.host = rest.substr(1, close - 1);
    uri.ipv6 = true;
    if (!valid_ipv6(uri.host)) return bad_request("malformed IPv6 reference in URI");
    rest = rest.substr(close + 1);
  } else {
    const std::size_t end = find_first(rest, kHostEnd);
    uri.host = rest.substr(0, end);
    if (!valid_hostname(uri.host)) return bad_request("malformed URI host");
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  }
  if (!rest.empty() && rest.front() == ':') {
    const std::size_t end = find_first(rest, kPortEnd);
    const std::string_view digits = rest.substr(1, end == std::string_view::npos ? end : end - 1);
    unsigned port = 0;
    if (digits.empty() || digits.size() > 5) return bad_request("malformed URI port");
    for (char c : digits) {
      if (!is_digit(c)) return bad_request("malformed URI port");
      port = port * 10 + static_cast<unsigned>(c - '0');
    }
    if (port > 65535) return bad_request("URI port out of range");
    uri.port = static_cast<std::uint16_t>(port);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  }
  if (!rest.empty() && rest.front() == ';') {
    const std::size_t q = rest.find('?');
    uri.params = rest.substr(1, q == std::string_view::npos ? q : q - 1);
    if (Result<void> r = parse_params(uri.params); !r) return r.error();
    rest = q == std::string_view::npos ? std::string_view{} : rest.substr(q);
  }
  if (!rest.empty() && rest.front() == '?') {
    uri.headers = rest.substr(1);
    if (Result<void> r = parse_uri_headers(uri.headers); !r) return r.error();
    rest = {};
  }
  if (!rest.empty()) return bad_request("malformed SIP URI");
  return uri;
}

// tel: URIs, RFC 3966: the number, then parameters.
Result<Uri> parse_tel_uri(Uri uri, std::string_view rest) {
  const std::size_t semi = rest.find(';');
  uri.user = rest.substr(0, semi);
  // RFC 3966 global/local numbers: digits, visual separators, * # + and hex.
  if (uri.user.empty() || !only_chars(uri.user, charset::kPasswordExtra)) return bad_request("malformed tel URI number");
  for (char c : uri.user) {
    if (!is_hex(c) && c != '+' && c != '*' && c != '#' && c != '-' && c != '.' && c != '(' && c != ')' && c != '%') {
      return bad_request("malformed tel URI number");
    }
  }
  if (semi != std::string_view::npos) {
    uri.params = rest.substr(semi + 1);
    if (Result<void> r = parse_params(uri.params); !r) return r.error();
  }
  return uri;
}

}  // namespace

Result<Uri> parse_uri(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return bad_request("URI without a scheme");
  Uri uri;
  uri.text = text;
  uri.scheme_text = text.substr(0, colon);
  if (!is_alpha(uri.scheme_text.front())) return bad_request("malformed URI scheme");
  for (char c : uri.scheme_text) {
    if (!is_alnum(c) && c != '+' && c != '-' && c != '.') return bad_request("malformed URI scheme");
  }
  const std::string_view rest = text.substr(colon + 1);
  if (rest.empty()) return bad_request("empty URI");
  if (iequal(uri.scheme_text, "sip")) {
    uri.scheme = UriScheme::Sip;
    return parse_sip_uri(uri, rest);
  }
  if (iequal(uri.scheme_text, "sips")) {
    uri.scheme = UriScheme::Sips;
    return parse_sip_uri(uri, rest);
  }
  if (iequal(uri.scheme_text, "tel")) {
    uri.scheme = UriScheme::Tel;
    return parse_tel_uri(uri, rest);
  }
  // RFC 3261 §25.1 absoluteURI: opaque to us, but never whitespace, quotes or <>.
  for (char c : rest) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '<' || c == '>' || c == '"' || c == 0x7f) {
      return bad_request("malformed URI");
    }
  }
  uri.opaque = rest;
  return uri;
}

std::optional<std::string_view> Uri::param(std::string_view name) const {
  std::optional<std::string_view> found;
  for_each_param(params, [&](std::string_view n, std::string_view v, bool) {
    // Names may be %-escaped (RFC 4475 §3.1.1.3 "n%61me"); compare unescaped.
    if (n.find('%') != std::string_view::npos) {
      Result<std::string> plain = unescape(n);
      if (!plain || !iequal(*plain, name)) return true;
    } else if (!iequal(n, name)) {
      return true;
    }
    found = v;
    return false;
  });
  return found;
}

std::string Uri::host_port() const {
  std::string out;
  out.reserve(host.size() + 8);
  if (ipv6) out.append("[").append(host).append("]");
  else out.append(host);
  if (port != 0) out.append(":").append(std::to_string(port));
  return out;
}

Result<std::string> unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size() || !is_hex(text[i + 1]) || !is_hex(text[i + 2])) {
      return bad_request("malformed % escape");
    }
    out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
    i += 2;
  }
  return out;
}

namespace {

bool escaped_equal(std::string_view a, std::string_view b, bool case_insensitive) {
  Result<std::string> ua = unescape(a);
  Result<std::string> ub = unescape(b);
  if (!ua || !ub) return a == b;
  return case_insensitive ? iequal(*ua, *ub) : *ua == *ub;
}

// §19.1.4: "user, ttl, method, maddr, transport ... MUST match if present in
// either"; other parameters are compared only when present in both.
bool params_equal(const Uri& a, const Uri& b) {
  static constexpr std::string_view kMustMatch[] = {"user", "ttl", "method", "maddr", "transport"};
  for (std::string_view name : kMustMatch) {
    const auto pa = a.param(name);
    const auto pb = b.param(name);
    if (pa.has_value() != pb.has_value()) return false;
    if (pa && !escaped_equal(*pa, *pb, true)) return false;
  }
  bool equal = true;
  for_each_param(a.params, [&](std::string_view n, std::string_view v, bool) {
    const auto other = b.param(n);
    if (other && !escaped_equal(v, *other, true)) equal = false;
    return equal;
  });
  return equal;
}

// §19.1.4: "URI header components are never ignored. Any present header
// component MUST be present in both URIs and match". Order does not matter:
// compare the sorted (name, value) pairs, names case-insensitively, both
// after unescaping.
std::vector<std::pair<std::string, std::string>> header_pairs(std::string_view headers) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!headers.empty()) {
    const std::size_t amp = headers.find('&');
    const std::string_view h = headers.substr(0, amp);
    const std::size_t eq = h.find('=');
    Result<std::string> name = unescape(h.substr(0, eq));
    Result<std::string> value = unescape(eq == std::string_view::npos ? std::string_view{} : h.substr(eq + 1));
    std::string n = name ? *name : std::string(h.substr(0, eq));
    for (char& c : n) c = lower(c);
    out.emplace_back(std::move(n), value ? *value : std::string{});
    headers = amp == std::string_view::npos ? std::string_view{} : headers.substr(amp + 1);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool headers_equal(std::string_view a, std::string_view b) {
  if (a == b) return true;
  return header_pairs(a) == header_pairs(b);
}

}  // namespace

bool uri_equal(const Uri& a, const Uri& b) {
  if (a.scheme != b.scheme) return false;
  if (a.scheme == UriScheme::Other) return iequal(a.scheme_text, b.scheme_text) && a.opaque == b.opaque;
  if (!escaped_equal(a.user, b.user, false) || !escaped_equal(a.password, b.password, false)) return false;
  if (!iequal(a.host, b.host) || a.port != b.port) return false;
  if (!params_equal(a, b)) return false;
  return headers_equal(a.headers, b.headers);
}

}  // namespace cvw::sip
