// Where a message came from or goes to: the transport protocol, the address
// and port, and for stream transports the connection it arrived on (so a
// response can reuse it, RFC 3261 §18.2.2). A plain value; no I/O here.
#pragma once

#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace cvw::sip {

enum class Protocol : std::uint8_t { Udp, Tcp, Tls };

std::string_view protocol_name(Protocol p);  // "UDP", "TCP", "TLS" (as in Via)
inline bool is_reliable(Protocol p) { return p != Protocol::Udp; }

// RFC 3261 §18.1.1: "If a request is within 200 bytes of the path MTU, or if
// it is larger than 1300 bytes and the path MTU is unknown, the request MUST
// be sent using an RFC 2914 congestion controlled transport protocol, such
// as TCP." The UA core asks this before it writes the Via.
inline bool must_use_stream(std::size_t request_size) { return request_size > 1300; }

// An address as text, without allocating: it is written once per received
// request (the Via's received=), and Asio's to_string() goes through
// inet_ntop and sprintf, which cost more than parsing the whole Via. IPv4 is
// formatted by hand; IPv6 still by inet_ntop (its "::" rules are not worth
// repeating here).
class AddressText {
 public:
  explicit AddressText(const boost::asio::ip::address& address);
  std::string_view view() const { return {buf_.data(), size_}; }

 private:
  std::array<char, 64> buf_{};  // INET6_ADDRSTRLEN (46) with a scope id
  std::size_t size_ = 0;
};

struct Peer {
  Protocol protocol = Protocol::Udp;
  boost::asio::ip::address address;
  std::uint16_t port = 0;
  // Where on our side it arrived or leaves: for streams the id of the
  // connection (0: any connection to address:port, or a new one); for UDP the
  // id of the listener (0: the first one of the address family).
  std::uint64_t connection = 0;

  std::string to_string() const;  // "udp:127.0.0.1:5060", "tcp:[::1]:5061"
  bool operator==(const Peer& o) const {
    return protocol == o.protocol && address == o.address && port == o.port;
  }
};

}  // namespace cvw::sip
