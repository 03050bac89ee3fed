// Helpers shared by the SIP test suites for writing and reading wire text.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "sip/peer.hpp"

namespace cvw::sip::test {

// Literal messages are written with "\n" line ends for readability; the wire
// wants CRLF.
inline std::string crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 32);
  for (char c : text) {
    if (c == '\n') out.push_back('\r');
    out.push_back(c);
  }
  return out;
}

inline Peer peer(Protocol protocol, const char* address, std::uint16_t port) {
  return Peer{protocol, boost::asio::ip::make_address(address), port, 0};
}

// "INVITE", "ACK"... for a request on the wire; "180", "200"... for a response.
inline std::string first_word(std::string_view wire) {
  if (wire.starts_with("SIP/2.0 ")) return std::string(wire.substr(8, 3));
  return std::string(wire.substr(0, wire.find(' ')));
}

}  // namespace cvw::sip::test
