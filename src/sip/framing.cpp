#include "sip/framing.hpp"

#include "sip/header_id.hpp"
#include "sip/header_values.hpp"

namespace cvw::sip {

Result<std::optional<Frame>> find_frame(std::string_view buffered, const ParseLimits& limits) {
  Frame frame;
  while (frame.skip < buffered.size() && (buffered[frame.skip] == '\r' || buffered[frame.skip] == '\n')) {
    ++frame.skip;
  }
  const std::string_view rest = buffered.substr(frame.skip);
  if (rest.empty()) return std::optional<Frame>(frame.skip > 0 ? std::optional<Frame>(frame) : std::nullopt);
  const std::size_t header_end = rest.find("\r\n\r\n");
  if (header_end == std::string_view::npos) {
    if (rest.size() > limits.max_message_size) return Error{0, "header section larger than the limit"};
    return std::optional<Frame>{};
  }
  // Find Content-Length (long or compact) among the header lines.
  std::optional<std::uint64_t> length;
  std::size_t pos = rest.find("\r\n") + 2;  // past the start line
  while (pos < header_end + 2) {
    const std::size_t eol = rest.find("\r\n", pos);
    const std::string_view line = rest.substr(pos, eol - pos);
    pos = eol + 2;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || line.empty() || line.front() == ' ' || line.front() == '\t') continue;
    if (header_id(detail::trim_lws(line.substr(0, colon))) != HeaderId::ContentLength) continue;
    Result<std::uint32_t> n = parse_uint(line.substr(colon + 1), UINT32_MAX, "Content-Length");
    if (!n) return Error{0, n.error().message};
    if (length && *length != *n) return Error{0, "conflicting Content-Length values"};
    length = *n;
  }
  if (!length) return Error{0, "stream message without Content-Length"};
  frame.length = header_end + 4 + *length;
  if (frame.length > limits.max_message_size) return Error{0, "message larger than the limit"};
  if (rest.size() < frame.length) return std::optional<Frame>{};
  return std::optional<Frame>(frame);
}

}  // namespace cvw::sip
