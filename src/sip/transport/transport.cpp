#include "sip/transport/transport.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <unordered_map>
#include <vector>

#include "common/log.hpp"
#include "common/log_budget.hpp"
#include "common/random.hpp"
#include "common/timer.hpp"
#include "sip/framing.hpp"
#include "sip/header_values.hpp"
#include "sip/response_routing.hpp"
#include "sip/transport/udp_errors.hpp"
#include "sip/validate.hpp"

namespace cvw::sip::transport {

void SipTraffic::count(const Message& m) {
  if (m.is_request()) {
    ++requests[static_cast<std::size_t>(m.method())];
  } else if (m.status() >= 100 && m.status() < 700) {
    ++responses[static_cast<std::size_t>(m.status() / 100 - 1)];
  }
}

void SipTraffic::count(std::string_view wire) {
  constexpr std::string_view kVersion = "SIP/2.0 ";
  if (wire.starts_with(kVersion)) {
    if (wire.size() > kVersion.size() && wire[kVersion.size()] >= '1' && wire[kVersion.size()] <= '6')
      ++responses[static_cast<std::size_t>(wire[kVersion.size()] - '1')];
    return;
  }
  const std::size_t space = wire.find(' ');
  if (space == std::string_view::npos) return;
  ++requests[static_cast<std::size_t>(method_from_name(wire.substr(0, space)))];
}

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

// ---------------------------------------------------------------------------
// Listen addresses

Result<ListenAddress> ListenAddress::parse(std::string_view text) {
  ListenAddress la;
  const std::size_t colon = text.find(':');
  const std::string_view proto = text.substr(0, colon);
  if (proto == "udp") la.protocol = Protocol::Udp;
  else if (proto == "tcp") la.protocol = Protocol::Tcp;
  else return bad_request("listen address '" + std::string(text) + "': protocol must be udp or tcp");
  if (colon == std::string_view::npos) return bad_request("listen address '" + std::string(text) + "': no address");
  std::string_view rest = text.substr(colon + 1);
  std::string_view host;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad_request("listen address '" + std::string(text) + "': unterminated [");
    host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
  } else {
    const std::size_t c = rest.rfind(':');
    host = rest.substr(0, c);
    rest = c == std::string_view::npos ? std::string_view{} : rest.substr(c);
  }
  boost::system::error_code ec;
  la.address = asio::ip::make_address(std::string(host), ec);
  if (ec) return bad_request("listen address '" + std::string(text) + "': '" + std::string(host) + "' is not an IP address");
  if (rest.size() < 2 || rest.front() != ':') return bad_request("listen address '" + std::string(text) + "': no port");
  Result<std::uint32_t> port = parse_uint(rest.substr(1), 65535, "port");
  if (!port) return bad_request("listen address '" + std::string(text) + "': bad port");
  la.port = static_cast<std::uint16_t>(*port);
  return la;
}

std::string ListenAddress::to_string() const {
  Peer p{protocol, address, port, 0};
  return p.to_string();
}

// ---------------------------------------------------------------------------
// The layer

namespace {
constexpr std::size_t kReadChunk = 16384;
constexpr int kDrainBatch = 64;
// Datagrams one recvmmsg() takes; each has room for the largest UDP payload.
constexpr int kRecvBatch = 16;
constexpr std::size_t kDatagramRoom = 65536;
constexpr int kUdpBufferBytes = 4 << 20;
// Error-queue reads one drain or one send makes before giving up: a peer
// flooding us with ICMP errors must not hold the loop.
constexpr int kErrorReads = 4;

// Our own serialized messages: a response's start line is "SIP/2.0 NNN".
bool is_response_wire(std::string_view wire) {
  return wire.starts_with("SIP/2.0 ");
}
}  // namespace

struct TransportLayer::Impl {
  struct UdpListener {
    udp::socket socket;
    ListenAddress address;
    std::uint64_t id = 0;  // Peer::connection of what it receives: replies leave from it
    // recvmmsg()'s batch: a buffer, an iovec, a source address and a header
    // per datagram. The buffers are 1 MiB of address space, left
    // uninitialised so that only what datagrams fill is ever touched.
    std::unique_ptr<char[]> buffers =
        std::make_unique_for_overwrite<char[]>(kRecvBatch * kDatagramRoom);
    std::array<iovec, kRecvBatch> iov{};
    std::array<sockaddr_storage, kRecvBatch> sources{};
    std::array<mmsghdr, kRecvBatch> headers{};
    // What an ICMP error quotes of a datagram of ours: about 500 bytes on
    // IPv4, 1,200 on IPv6. Apart from the batch's buffers, which may hold
    // datagrams not yet delivered when a send reads the error queue.
    std::array<char, 2048> quoted{};
    explicit UdpListener(asio::io_context& io) : socket(io) {
      for (int i = 0; i < kRecvBatch; ++i) {
        iov[i] = iovec{buffers.get() + i * kDatagramRoom, kDatagramRoom};
        headers[i].msg_hdr.msg_iov = &iov[i];
        headers[i].msg_hdr.msg_iovlen = 1;
        headers[i].msg_hdr.msg_name = &sources[i];
      }
    }
  };

  struct TcpListener {
    tcp::acceptor acceptor;
    ListenAddress address;
    explicit TcpListener(asio::io_context& io) : acceptor(io) {}
  };

  // One TCP connection, inbound or outbound. Owned by `connections`; async
  // operations hold a shared_ptr so a close mid-operation is safe.
  struct Connection : std::enable_shared_from_this<Connection> {
    tcp::socket socket;
    std::uint64_t id = 0;
    Peer peer;
    bool connected = false;
    bool closed = false;
    std::string inbox;
    std::array<char, kReadChunk> chunk{};
    std::deque<std::string> outbox;
    bool writing = false;
    Clock::time_point last_activity = Clock::now();
    explicit Connection(asio::io_context& io) : socket(io) {}
  };

  asio::io_context& io;
  TransportConfig config;
  Handler handler;
  FailureHandler on_failure;
  std::vector<std::unique_ptr<UdpListener>> udp;
  std::vector<std::unique_ptr<TcpListener>> tcp_listeners;
  std::unordered_map<std::uint64_t, std::shared_ptr<Connection>> connections;
  std::map<std::pair<asio::ip::address, std::uint16_t>, std::uint64_t> by_peer;
  std::uint64_t next_connection_id = 1;
  std::vector<ListenAddress> bound;
  TransportMetrics metrics;
  // What peers send wrong is logged, up to a flood (see LogBudget).
  LogBudget bad_input_log{"sip: bad input"};
  asio::steady_timer sweep_timer;
  bool running = false;
  bool started = false;
  // A handler posted to the io_context may run after this layer is gone
  // (the context drains its queue at shutdown): it checks this first.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  Impl(asio::io_context& io_, TransportConfig config_, Handler handler_, FailureHandler on_failure_)
      : io(io_),
        config(std::move(config_)),
        handler(std::move(handler_)),
        on_failure(std::move(on_failure_)),
        sweep_timer(io_) {}

  // Tells the layer above that the request in `wire` did not leave for `to`
  // (see FailureHandler: responses are not reported).
  // `only_this_message`: the peer is fine, the message is not (see
  // FailureHandler).
  void request_failed(std::string_view wire, const Peer& to, bool only_this_message = false) {
    if (!is_response_wire(wire)) report_failure(to, only_this_message ? wire : std::string_view());
  }
  void report_failure(const Peer& to, std::string_view request = {}) {
    if (on_failure && running) on_failure(Peer{to.protocol, to.address, to.port, 0}, request);
  }

  // --- receiving --------------------------------------------------------
  void deliver(std::string_view bytes, Framing framing, const Peer& source) {
    ++metrics.received;
    Result<Message> m = Message::parse(bytes, framing, config.limits);
    if (!m) {
      ++metrics.dropped;
      if (bad_input_log.allow())
        log().info("sip: dropped {} bytes from {}: {}", bytes.size(), source.to_string(),
                   m.error().message);
      return;
    }
    metrics.in.count(*m);
    // Stamp first: a stateless rejection copies the Via and must carry
    // received/rport like any response (RFC 3581 §4).
    const Peer reply_to = m->is_request() ? stamp_received(*m, source) : source;
    Result<void> valid = m->is_request() ? validate_request(*m) : validate_response(*m);
    if (!valid) {
      reject(*m, valid.error(), source, reply_to);
      return;
    }
    handler(std::move(*m), source, reply_to);
  }

  // An invalid request that can be answered gets a stateless 4xx/5xx naming
  // the problem; ACKs and responses are never answered (§17.1.1.3, §18.1.2).
  void reject(const Message& m, const Error& error, const Peer& source, const Peer& reply_to) {
    if (m.is_response() || m.method() == Method::Ack || error.status == 0 || m.count(HeaderId::Via) == 0) {
      ++metrics.dropped;
      if (bad_input_log.allow())
        log().info("sip: dropped invalid {} from {}: {}", m.is_response() ? "response" : "request",
                   source.to_string(), error.message);
      return;
    }
    ++metrics.rejected;
    if (bad_input_log.allow())
      log().info("sip: {} {} from {}: {}", error.status, m.method_name(), source.to_string(),
                 error.message);
    const Message response = make_response(m, error.status, error.message);
    send(response.serialize(), reply_to);
  }

  // --- UDP --------------------------------------------------------------
  // One wake-up reads every datagram already queued, kRecvBatch per
  // recvmmsg() call: under load that saves an epoll_wait and a re-arm per
  // message, and a system call per datagram. The drain is bounded (so TCP
  // and timers still get their turn); a drain that stopped with datagrams
  // still queued continues from a posted handler rather than waiting for the
  // reactor, which (edge-triggered) reports only datagrams that arrive later.
  void receive_udp(UdpListener& l) {
    l.socket.async_wait(udp::socket::wait_read, [this, &l](boost::system::error_code ec) {
      if (ec == asio::error::operation_aborted || !running) return;
      drain_udp(l);
    });
  }

  void drain_udp(UdpListener& l) {
    int error_reads = 0;
    for (int budget = kDrainBatch; running && budget > 0;) {
      const int want = std::min(budget, kRecvBatch);
      for (int i = 0; i < want; ++i) l.headers[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      const int got = ::recvmmsg(l.socket.native_handle(), l.headers.data(),
                                 static_cast<unsigned>(want), MSG_DONTWAIT, nullptr);
      if (got < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        // An ICMP error pending on the socket is reported once, before the
        // datagrams queued behind it: read the error queue, then go on
        // reading (bounded: errors could keep coming).
        if (may_be_queued_error(errno) && ++error_reads <= kErrorReads && read_udp_errors(l) > 0)
          continue;
        if (bad_input_log.allow())
          log().warn("sip: receiving on {} failed: {}", l.address.to_string(),
                     std::strerror(errno));
        break;
      }
      for (int i = 0; i < got && running; ++i) deliver_datagram(l, i);
      if (got < want) break;  // the queue is empty
      budget -= got;
      if (budget == 0) {
        asio::post(io, [this, &l, alive = std::weak_ptr<bool>(alive_)] {
          if (!alive.expired() && running) drain_udp(l);
        });
        return;
      }
    }
    if (running) receive_udp(l);
  }

  // Reads the ICMP errors queued on `l`; each ends the client transaction
  // whose request it quotes (a response's error is only logged: see
  // FailureHandler). Returns how many errors were read.
  int read_udp_errors(UdpListener& l) {
    return drain_udp_errors(l.socket.native_handle(), l.quoted, [this](const UdpError& e) {
      ++metrics.icmp_errors;
      const Peer peer{Protocol::Udp, e.to.address(), e.to.port(), 0};
      const bool request = !is_response_wire(e.quoted);
      if (bad_input_log.allow())
        log().info("sip: {} unreachable ({}), reported by ICMP for a {} of ours", peer.to_string(),
                   std::strerror(e.error), request ? "request" : "response");
      if (request) report_failure(peer, e.quoted);
    });
  }

  void deliver_datagram(UdpListener& l, int i) {
    const msghdr& h = l.headers[i].msg_hdr;
    udp::endpoint from;
    std::memcpy(from.data(), h.msg_name, h.msg_namelen);
    from.resize(h.msg_namelen);
    deliver(std::string_view(static_cast<const char*>(h.msg_iov->iov_base), l.headers[i].msg_len),
            Framing::Datagram, Peer{Protocol::Udp, from.address(), from.port(), l.id});
  }

  // RFC 3581 §4: "The response MUST be sent from the same address and port
  // that the corresponding request was received on": a Peer that came from a
  // listener names it; anything else leaves from the first of its family.
  void send_udp(std::string_view wire, const Peer& to) {
    UdpListener* from = nullptr;
    for (auto& l : udp) {
      if (l->address.address.is_v6() != to.address.is_v6()) continue;
      if (to.connection == l->id) {
        from = l.get();
        break;
      }
      if (!from) from = l.get();
    }
    if (!from) {
      ++metrics.send_errors;
      log().warn("sip: no UDP listener for the address family of {}", to.to_string());
      request_failed(wire, to);
      return;
    }
    boost::system::error_code ec;
    const udp::endpoint destination(to.address, to.port);
    from->socket.send_to(asio::buffer(wire.data(), wire.size()), destination, 0, ec);
    // An ICMP error about an earlier datagram, to any peer, fails the next
    // send once (udp_errors.hpp): read the queue and send again.
    for (int retry = 0;
         ec && retry < kErrorReads && may_be_queued_error(ec.value()) && read_udp_errors(*from) > 0;
         ++retry) {
      ec.clear();
      from->socket.send_to(asio::buffer(wire.data(), wire.size()), destination, 0, ec);
    }
    if (ec) {
      ++metrics.send_errors;
      if (bad_input_log.allow())
        log().warn("sip: send to {} failed: {}", to.to_string(), ec.message());
      // A full socket buffer loses the datagram as the network would, and
      // retransmission is for that; anything else will fail again: for the
      // peer (no route, a refused address) or, too large, for this message.
      if (ec != asio::error::would_block && ec != asio::error::no_buffer_space)
        request_failed(wire, to, ec == asio::error::message_size);
    } else {
      ++metrics.sent;
      metrics.out.count(wire);
    }
  }

  // --- TCP --------------------------------------------------------------
  void accept(TcpListener& l) {
    auto conn = std::make_shared<Connection>(io);
    l.acceptor.async_accept(conn->socket, [this, &l, conn](boost::system::error_code ec) {
      if (ec == asio::error::operation_aborted || !running) return;
      if (!ec) {
        if (connections.size() >= config.max_connections) {
          if (bad_input_log.allow())
            log().warn("sip: refusing TCP connection: {} connections open", connections.size());
          boost::system::error_code ignore;
          conn->socket.close(ignore);
        } else {
          const tcp::endpoint remote = conn->socket.remote_endpoint(ec);
          if (!ec) {
            conn->peer = Peer{Protocol::Tcp, remote.address(), remote.port(), 0};
            adopt(conn);
            conn->connected = true;
            read(conn);
          }
        }
      }
      if (ec && ec != asio::error::operation_aborted) {
        // Out of descriptors and the like: try again shortly rather than spin.
        log().warn("sip: accept on {} failed: {}", l.address.to_string(), ec.message());
        auto retry = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(100));
        retry->async_wait([this, &l, retry](boost::system::error_code wait_ec) {
          if (!wait_ec && running) accept(l);
        });
        return;
      }
      accept(l);
    });
  }

  void adopt(const std::shared_ptr<Connection>& conn) {
    conn->id = next_connection_id++;
    conn->peer.connection = conn->id;
    connections.emplace(conn->id, conn);
    by_peer[{conn->peer.address, conn->peer.port}] = conn->id;
    ++metrics.connections_opened;
  }

  // Requests still in the outbox never left (a write error stops at the
  // message it failed on): the transactions that sent them are told.
  void close(const std::shared_ptr<Connection>& conn, std::string_view why) {
    if (conn->closed) return;
    conn->closed = true;
    log().debug("sip: closing {} (connection {}): {}", conn->peer.to_string(), conn->id, why);
    const bool requests_unsent = std::ranges::any_of(
        conn->outbox, [](const std::string& wire) { return !is_response_wire(wire); });
    boost::system::error_code ignore;
    conn->socket.shutdown(tcp::socket::shutdown_both, ignore);
    conn->socket.close(ignore);
    auto it = by_peer.find({conn->peer.address, conn->peer.port});
    if (it != by_peer.end() && it->second == conn->id) by_peer.erase(it);
    connections.erase(conn->id);
    ++metrics.connections_closed;
    if (requests_unsent) report_failure(conn->peer);
  }

  void read(const std::shared_ptr<Connection>& conn) {
    conn->socket.async_read_some(asio::buffer(conn->chunk), [this, conn](boost::system::error_code ec, std::size_t n) {
      if (conn->closed) return;
      if (ec) {
        close(conn, ec == asio::error::eof ? "closed by peer" : ec.message());
        return;
      }
      conn->last_activity = Clock::now();
      conn->inbox.append(conn->chunk.data(), n);
      if (!drain_frames(conn)) return;
      read(conn);
    });
  }

  // Cuts complete messages out of the connection's buffer. A framing error
  // closes the connection: there is no way to find the next message
  // (RFC 4475 §3.1.2.3: "the framing error is fatal").
  bool drain_frames(const std::shared_ptr<Connection>& conn) {
    std::size_t offset = 0;
    while (offset < conn->inbox.size()) {
      Result<std::optional<Frame>> frame =
          find_frame(std::string_view(conn->inbox).substr(offset), config.limits);
      if (!frame) {
        ++metrics.dropped;
        if (bad_input_log.allow())
          log().info("sip: framing error from {}: {}", conn->peer.to_string(),
                     frame.error().message);
        close(conn, frame.error().message);
        return false;
      }
      if (!*frame) break;
      const Frame f = **frame;
      offset += f.skip;
      if (f.length > 0) {
        deliver(std::string_view(conn->inbox).substr(offset, f.length), Framing::Stream, conn->peer);
        if (conn->closed) return false;
        offset += f.length;
      }
    }
    conn->inbox.erase(0, offset);
    return true;
  }

  void send_tcp(std::string_view wire, const Peer& to) {
    std::shared_ptr<Connection> conn;
    if (to.connection != 0) {
      // A response goes back on the connection of its request; when that is
      // gone, to.port is the sent-by port to connect to (§18.2.2).
      if (auto it = connections.find(to.connection); it != connections.end()) conn = it->second;
    }
    if (!conn) {
      if (auto it = by_peer.find({to.address, to.port}); it != by_peer.end()) conn = connections.at(it->second);
    }
    if (!conn) conn = connect(to);
    conn->outbox.emplace_back(wire);
    conn->last_activity = Clock::now();
    if (conn->connected) write(conn);
  }

  std::shared_ptr<Connection> connect(const Peer& to) {
    auto conn = std::make_shared<Connection>(io);
    conn->peer = Peer{Protocol::Tcp, to.address, to.port, 0};
    adopt(conn);
    conn->socket.async_connect(tcp::endpoint(to.address, to.port), [this, conn](boost::system::error_code ec) {
      if (conn->closed) return;
      if (ec) {
        metrics.send_errors += conn->outbox.size();
        log().warn("sip: TCP connect to {} failed: {}", conn->peer.to_string(), ec.message());
        close(conn, "connect failed");
        return;
      }
      conn->connected = true;
      read(conn);
      write(conn);
    });
    return conn;
  }

  void write(const std::shared_ptr<Connection>& conn) {
    if (conn->writing || conn->outbox.empty()) return;
    conn->writing = true;
    asio::async_write(conn->socket, asio::buffer(conn->outbox.front()),
                      [this, conn](boost::system::error_code ec, std::size_t) {
                        conn->writing = false;
                        if (conn->closed) return;
                        if (ec) {
                          ++metrics.send_errors;
                          close(conn, ec.message());
                          return;
                        }
                        ++metrics.sent;
                        metrics.out.count(conn->outbox.front());
                        conn->outbox.pop_front();
                        write(conn);
                      });
  }

  // Closes connections idle for longer than the configured timeout.
  void sweep() {
    const auto period = std::min<Clock::duration>(config.idle_timeout / 2, std::chrono::seconds(5));
    sweep_timer.expires_after(std::max<Clock::duration>(period, std::chrono::milliseconds(100)));
    sweep_timer.async_wait([this](boost::system::error_code ec) {
      if (ec || !running) return;
      const auto now = Clock::now();
      std::vector<std::shared_ptr<Connection>> idle;
      for (auto& [id, conn] : connections) {
        if (now - conn->last_activity > config.idle_timeout && conn->outbox.empty()) idle.push_back(conn);
      }
      for (auto& conn : idle) close(conn, "idle");
      sweep();
    });
  }

  Result<void> start() {
    // Listeners are not re-created: a stopped layer stays stopped.
    if (started) return Error{0, "the transport was already started"};
    started = true;
    for (const ListenAddress& la : config.listen) {
      boost::system::error_code ec;
      if (la.protocol == Protocol::Udp) {
        auto l = std::make_unique<UdpListener>(io);
        const udp::endpoint ep(la.address, la.port);
        l->socket.open(ep.protocol(), ec);
        if (!ec && la.address.is_v6()) l->socket.set_option(asio::ip::v6_only(true), ec);
        if (!ec) l->socket.bind(ep, ec);
        if (!ec) l->socket.non_blocking(true, ec);
        if (ec) return Error{0, "cannot listen on " + la.to_string() + ": " + ec.message()};
        // A burst must not overflow the default ~200 KiB socket buffer before
        // the loop drains it; the kernel caps this at net.core.rmem_max.
        if (const boost::system::error_code icmp =
                enable_udp_errors(l->socket.native_handle(), la.address.is_v6()))
          log().warn("sip: ICMP errors on {} will not be read: {}", la.to_string(), icmp.message());
        boost::system::error_code ignore;
        l->socket.set_option(asio::socket_base::receive_buffer_size(kUdpBufferBytes), ignore);
        l->socket.set_option(asio::socket_base::send_buffer_size(kUdpBufferBytes), ignore);
        l->address = la;
        l->address.port = l->socket.local_endpoint().port();
        l->id = udp.size() + 1;
        bound.push_back(l->address);
        udp.push_back(std::move(l));
      } else {
        auto l = std::make_unique<TcpListener>(io);
        const tcp::endpoint ep(la.address, la.port);
        l->acceptor.open(ep.protocol(), ec);
        if (!ec) l->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec && la.address.is_v6()) l->acceptor.set_option(asio::ip::v6_only(true), ec);
        if (!ec) l->acceptor.bind(ep, ec);
        if (!ec) l->acceptor.listen(asio::socket_base::max_listen_connections, ec);
        if (ec) return Error{0, "cannot listen on " + la.to_string() + ": " + ec.message()};
        l->address = la;
        l->address.port = l->acceptor.local_endpoint().port();
        bound.push_back(l->address);
        tcp_listeners.push_back(std::move(l));
      }
    }
    running = true;
    for (auto& l : udp) receive_udp(*l);
    for (auto& l : tcp_listeners) accept(*l);
    sweep();
    return {};
  }

  void stop() {
    running = false;
    boost::system::error_code ignore;
    sweep_timer.cancel();
    for (auto& l : udp) l->socket.close(ignore);
    for (auto& l : tcp_listeners) l->acceptor.close(ignore);
    std::vector<std::shared_ptr<Connection>> all;
    for (auto& [id, conn] : connections) all.push_back(conn);
    for (auto& conn : all) close(conn, "shutdown");
  }

  void send(std::string_view wire, const Peer& to) {
    if (!running) return;
    if (to.protocol == Protocol::Udp) send_udp(wire, to);
    else if (to.protocol == Protocol::Tcp) send_tcp(wire, to);
    else {
      ++metrics.send_errors;
      log().warn("sip: {} is not supported yet", to.to_string());
      request_failed(wire, to);
    }
  }
};

TransportLayer::TransportLayer(asio::io_context& io, TransportConfig config, Handler handler,
                               FailureHandler on_failure)
    : impl_(std::make_unique<Impl>(io, std::move(config), std::move(handler),
                                   std::move(on_failure))) {}
TransportLayer::~TransportLayer() { impl_->stop(); }
Result<void> TransportLayer::start() { return impl_->start(); }
void TransportLayer::stop() { impl_->stop(); }
void TransportLayer::send(std::string_view wire, const Peer& to) { impl_->send(wire, to); }
const std::vector<ListenAddress>& TransportLayer::bound() const { return impl_->bound; }
const TransportMetrics& TransportLayer::metrics() const { return impl_->metrics; }

std::optional<ListenAddress> TransportLayer::local(Protocol protocol, bool ipv6) const {
  for (const ListenAddress& la : impl_->bound) {
    if (la.protocol == protocol && la.address.is_v6() == ipv6) return la;
  }
  return std::nullopt;
}

}  // namespace cvw::sip::transport
