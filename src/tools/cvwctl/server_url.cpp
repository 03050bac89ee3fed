#include "tools/cvwctl/server_url.hpp"

#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <charconv>

namespace cvw::cvwctl {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_unreserved(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

// RFC 3986 reg-name as DNS uses it: letters, digits, '-' and '.'.
bool is_host_name(std::string_view host) {
  for (const char c : host) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '.') return false;
  }
  return true;
}

std::string percent_encode(std::string_view text, bool keep_colon_and_at) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (is_unreserved(c) || (keep_colon_and_at && (c == ':' || c == '@'))) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

}  // namespace

std::string ServerUrl::authority() const {
  const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return shown_host + ":" + std::to_string(port);
}

std::string ServerUrl::to_string() const {
  const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  const std::uint16_t default_port = tls ? 443 : 80;
  std::string out = (tls ? "https://" : "http://") + shown_host;
  if (port != default_port) out += ":" + std::to_string(port);
  return out;
}

bool ServerUrl::host_is_ip() const {
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(host, ec);
  return !ec;
}

Result<ServerUrl> ServerUrl::parse(std::string_view text) {
  auto fail = [&text](const std::string& problem) {
    return Error{0, "\"" + std::string(text) + "\": " + problem};
  };

  const std::size_t separator = text.find("://");
  if (separator == std::string_view::npos) return fail("must start with http:// or https://");
  const std::string scheme = lower(text.substr(0, separator));
  if (scheme != "http" && scheme != "https")
    return fail("scheme must be http or https (got \"" + scheme + "\")");

  ServerUrl url;
  url.tls = scheme == "https";
  url.port = url.tls ? 443 : 80;

  std::string_view rest = text.substr(separator + 3);
  if (const std::size_t end = rest.find_first_of("/?#"); end != std::string_view::npos) {
    if (rest.substr(end) != "/")
      return fail("must not have a path, query or fragment (the API is always under /api/v1)");
    rest = rest.substr(0, end);
  }
  if (rest.find('@') != std::string_view::npos)
    return fail("must not contain a user name or password");

  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (rest.starts_with('[')) {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return fail("IPv6 address has no closing ']'");
    host = rest.substr(1, close - 1);
    boost::system::error_code ec;
    (void)boost::asio::ip::make_address_v6(std::string(host), ec);
    if (ec) return fail("\"" + std::string(host) + "\" is not an IPv6 address");
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("unexpected text after the IPv6 address");
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    const std::size_t colon = rest.find(':');
    host = rest.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = rest.substr(colon + 1);
      has_port = true;
      if (port_text.find(':') != std::string_view::npos)
        return fail("an IPv6 address must be in brackets, e.g. https://[::1]:8443");
    }
    if (!is_host_name(host))
      return fail("host \"" + std::string(host) + "\" is not a host name or IP address");
  }
  if (host.empty()) return fail("has no host");
  url.host = lower(host);

  if (has_port) {
    unsigned port = 0;
    const char* end = port_text.data() + port_text.size();
    const auto [ptr, err] = std::from_chars(port_text.data(), end, port);
    if (port_text.empty() || err != std::errc{} || ptr != end || port < 1 || port > 65535)
      return fail("port must be 1-65535 (got \"" + std::string(port_text) + "\")");
    url.port = static_cast<std::uint16_t>(port);
  }
  return url;
}

std::string encode_path_segment(std::string_view text) {
  return percent_encode(text, true);
}

std::string encode_query_value(std::string_view text) {
  return percent_encode(text, false);
}

}  // namespace cvw::cvwctl
