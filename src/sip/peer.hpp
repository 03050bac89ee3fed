// Where a message came from or goes to: the transport protocol, the address
// and port, and for stream transports the connection it arrived on (so a
// response can reuse it, RFC 3261 §18.2.2). A plain value; no I/O here.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace cvw::sip {

enum class Protocol : std::uint8_t { Udp, Tcp, Tls };

std::string_view protocol_name(Protocol p);  // "UDP", "TCP", "TLS" (as in Via)
inline bool is_reliable(Protocol p) { return p != Protocol::Udp; }

struct Peer {
  Protocol protocol = Protocol::Udp;
  boost::asio::ip::address address;
  std::uint16_t port = 0;
  // Stream transports: the id of the connection a request arrived on; 0 means
  // "any connection to address:port, or a new one".
  std::uint64_t connection = 0;

  std::string to_string() const;  // "udp:127.0.0.1:5060", "tcp:[::1]:5061"
  bool operator==(const Peer& o) const {
    return protocol == o.protocol && address == o.address && port == o.port;
  }
};

}  // namespace cvw::sip
