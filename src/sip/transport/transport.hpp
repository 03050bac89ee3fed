// The SIP transport layer (RFC 3261 §18): UDP and TCP listeners over IPv4 and
// IPv6, stream framing by Content-Length, connection reuse and idle close,
// received/rport stamping (RFC 3581) and stateless rejection of malformed
// requests. It hands well-formed messages up and sends bytes down; it knows
// nothing of transactions.
//
// Threading: everything runs on the io_context thread that owns the SIP
// state (docs/ARCHITECTURE.md); no locks. The handler is called on it.
//
// TLS (and later WebSocket) fit in as another Protocol with its own stream
// type: the layers above only ever see Peer and bytes.
#pragma once

#include <boost/asio/io_context.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "sip/message.hpp"
#include "sip/peer.hpp"

namespace cvw::sip::transport {

// "udp:127.0.0.1:5060", "tcp:[::1]:5060" (port 0 = any free port).
struct ListenAddress {
  Protocol protocol = Protocol::Udp;
  boost::asio::ip::address address;
  std::uint16_t port = 0;
  static Result<ListenAddress> parse(std::string_view text);
  std::string to_string() const;
};

struct TransportConfig {
  std::vector<ListenAddress> listen;
  ParseLimits limits;
  std::chrono::seconds idle_timeout{300};  // a TCP connection with no traffic is closed
  std::size_t max_connections = 10000;
};

// SIP messages by kind, one way: requests by method (extension methods as
// Unknown), responses by class. Counted from the start line only, so the
// count costs a few comparisons per message.
struct SipTraffic {
  std::array<std::uint64_t, static_cast<std::size_t>(Method::Update) + 1> requests{};  // by Method
  std::array<std::uint64_t, 6> responses{};                                            // [0] = 1xx ... [5] = 6xx
  void count(const Message& m);
  // From serialized bytes: "METHOD uri SIP/2.0" or "SIP/2.0 NNN reason".
  void count(std::string_view wire);
};

struct TransportMetrics {
  SipTraffic in;   // well-formed messages received (valid or not)
  SipTraffic out;  // messages sent (retransmissions included)
  std::uint64_t received = 0;
  std::uint64_t sent = 0;
  std::uint64_t rejected = 0;     // answered statelessly with 4xx/5xx
  std::uint64_t dropped = 0;      // not answerable: logged and dropped
  std::uint64_t send_errors = 0;
  std::uint64_t icmp_errors = 0;  // ICMP errors read for UDP datagrams we sent (udp_errors.hpp)
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_closed = 0;
};


class TransportLayer {
 public:
  // Called for every well-formed message, with its source and where its
  // responses go (requests already carry received/rport in their top Via;
  // for a response, `reply_to` is its source).
  using Handler = std::function<void(Message&&, const Peer& source, const Peer& reply_to)>;
  // Called when a request of ours could not be put on the way to `to`: no
  // listener of its address family, a send error other than a full socket
  // buffer (which is loss, as on the network, and retransmission's
  // business), a TCP connection that could not be opened or that closed with
  // the request unsent, an ICMP error for a UDP request (udp_errors.hpp).
  // RFC 3261 §18.4 hands this to the transaction layer,
  // where it ends the transaction as a 503 now instead of at Timer B or F
  // (§8.1.3.1, §17.1.1.2). It may be called from inside send().
  //
  // `request` says how far the failure reaches. Empty: `to` cannot be
  // reached, so every request towards it fails. The request's bytes, or as
  // many of its first bytes as an ICMP error quoted (valid during the call
  // only): only the transaction that sent it ends, because this one message
  // cannot be sent (larger than any datagram) and the peer is as reachable
  // as before, or because an ICMP error is believed for the request it
  // quotes only (a forged one would have to know its branch).
  //
  // Responses that cannot be sent are only counted and logged: their server
  // transactions end by their own timers, and reporting them would let
  // anyone make cvw search its transactions, by sending requests whose Via
  // names an address that cannot be reached.
  using FailureHandler = std::function<void(const Peer& to, std::string_view request)>;

  TransportLayer(boost::asio::io_context& io, TransportConfig config, Handler handler,
                 FailureHandler on_failure = {});
  ~TransportLayer();
  TransportLayer(const TransportLayer&) = delete;
  TransportLayer& operator=(const TransportLayer&) = delete;

  // Binds every listen address; fails naming the address that could not be bound.
  Result<void> start();
  // Closes listeners and connections.
  void stop();

  // Sends bytes to `to`. For streams, `to.connection` picks an open connection
  // (a response on the connection its request came on); otherwise one to the
  // same address and port is reused or a new one is opened.
  void send(std::string_view wire, const Peer& to);

  // The address a listener is bound to (port resolved), for Via and Contact.
  std::optional<ListenAddress> local(Protocol protocol, bool ipv6) const;
  const std::vector<ListenAddress>& bound() const;
  const TransportMetrics& metrics() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cvw::sip::transport
