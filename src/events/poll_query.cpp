#include "events/poll_query.hpp"

#include <charconv>
#include <optional>
#include <string>

#include "events/event_json.hpp"
#include "http/router.hpp"

namespace cvw::events {

namespace {

// A client's value for an error message: at most 40 characters, anything but
// printable ASCII as %XX, so the reply stays readable and valid UTF-8.
std::string shown(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (std::size_t i = 0; i < value.size() && i < 40; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (value.size() > 40) out += "...";
  return out + "\"";
}

// Digits only: no sign, no spaces, no hex; nullopt when out of range too.
std::optional<std::uint64_t> whole_number(std::string_view text) {
  std::uint64_t value = 0;
  if (text.empty()) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Result<std::uint64_t> parse_ack(std::string_view query) {
  const std::optional<std::string> text = http::query_param(query, "ack");
  if (!text) return std::uint64_t{0};
  const std::optional<std::uint64_t> ack = whole_number(*text);
  if (!ack || *ack > kMaxSeq)
    return bad_request("query parameter 'ack' must be a whole number from 0 to " +
                       std::to_string(kMaxSeq) + " (got " + shown(*text) + ")");
  return *ack;
}

}  // namespace

Result<PollQuery> parse_poll_query(std::string_view query) {
  PollQuery out;
  auto ack = parse_ack(query);
  if (!ack) return ack.error();
  out.ack = *ack;
  if (const std::optional<std::string> text = http::query_param(query, "timeout")) {
    const std::optional<std::uint64_t> seconds = whole_number(*text);
    if (!seconds || *seconds < static_cast<std::uint64_t>(kMinPollTimeout.count()) ||
        *seconds > static_cast<std::uint64_t>(kMaxPollTimeout.count()))
      return bad_request("query parameter 'timeout' must be whole seconds from " +
                         std::to_string(kMinPollTimeout.count()) + " to " +
                         std::to_string(kMaxPollTimeout.count()) + " (got " + shown(*text) + ")");
    out.timeout = std::chrono::seconds(*seconds);
  }
  return out;
}

Result<std::uint64_t> parse_ack_query(std::string_view query) {
  return parse_ack(query);
}

}  // namespace cvw::events
