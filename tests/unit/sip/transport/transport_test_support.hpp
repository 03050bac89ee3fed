// Helpers for the transport tests: a real io_context driven with deadlines,
// a TransportLayer that records what its handler saw, raw Asio sockets for
// the far side, and request text builders. Loopback only (127.0.0.1, ::1),
// port 0 wherever the OS can pick.
//
// Handlers of the raw sockets keep their state in a shared_ptr, so a socket
// destroyed before the io_context never leaves a handler pointing at freed
// memory.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sip/header_values.hpp"
#include "sip/message.hpp"
#include "sip/transport/transport.hpp"

namespace cvw::sip::transport::test {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using namespace std::chrono_literals;

inline const asio::ip::address kLoopback4 = asio::ip::make_address("127.0.0.1");
inline const asio::ip::address kLoopback6 = asio::ip::make_address("::1");

// Runs `io` until `done()` holds or `limit` passes; true when done() held.
inline bool run_until(asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = 2000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    const auto slice = std::min<std::chrono::steady_clock::duration>(deadline - now, 20ms);
    if (io.run_one_for(slice) == 0 && io.stopped()) {
      // Out of work (nothing started yet, or everything stopped): wait a tick
      // for the kernel, then look again.
      io.restart();
      std::this_thread::sleep_for(1ms);
    }
  }
  return true;
}

// Runs `io` for `span` whatever happens: used to show that something does NOT
// happen (no reply, no delivery), after the thing that would cause it has
// already been processed.
inline void run_for(asio::io_context& io, std::chrono::milliseconds span) {
  run_until(io, [] { return false; }, span);
}

// What the TransportLayer's handler was given.
struct Delivered {
  Message message;
  Peer source;
  Peer reply_to;
};

// A TransportLayer plus the list of messages its handler received and of
// the peers it reported requests failed for.
struct Layer {
  std::vector<Delivered> delivered;
  std::vector<Peer> failures;
  std::vector<std::string> failed_requests;  // each failure's request bytes ("" = the whole peer)
  std::function<void(const Delivered&)> on_message;  // optional, called after recording
  std::unique_ptr<TransportLayer> transport;

  Layer(asio::io_context& io, TransportConfig config) {
    transport = std::make_unique<TransportLayer>(
        io, std::move(config),
        [this](Message&& m, const Peer& from, const Peer& reply_to) {
          delivered.push_back(Delivered{std::move(m), from, reply_to});
          if (on_message) on_message(delivered.back());
        },
        [this](const Peer& to, std::string_view request) {
          failures.push_back(to);
          failed_requests.emplace_back(request);
        });
  }
  TransportLayer* operator->() { return transport.get(); }
  const TransportMetrics& metrics() const { return transport->metrics(); }
  std::uint16_t port(Protocol p, bool ipv6 = false) const {
    std::optional<ListenAddress> la = transport->local(p, ipv6);
    return la ? la->port : 0;
  }
};

inline TransportConfig config_for(std::vector<std::string> listen) {
  TransportConfig c;
  for (const std::string& text : listen) {
    Result<ListenAddress> la = ListenAddress::parse(text);
    EXPECT_TRUE(la.ok()) << text << ": " << (la.ok() ? "" : la.error().message);
    if (la) c.listen.push_back(*la);
  }
  return c;
}

// A raw UDP socket on the far side, reading every datagram into `received`.
class RawUdp {
 public:
  RawUdp(asio::io_context& io, const asio::ip::address& address) : socket_(io, udp::endpoint(address, 0)) {
    read();
  }
  std::uint16_t port() const { return socket_.local_endpoint().port(); }
  udp::endpoint endpoint() const { return socket_.local_endpoint(); }
  void send_to(std::string_view bytes, const udp::endpoint& to) {
    socket_.send_to(asio::buffer(bytes.data(), bytes.size()), to);
  }
  const std::vector<std::string>& received() const { return state_->datagrams; }
  const std::vector<udp::endpoint>& senders() const { return state_->from; }

 private:
  struct State {
    std::array<char, 65536> buffer{};
    udp::endpoint sender;
    std::vector<std::string> datagrams;
    std::vector<udp::endpoint> from;
  };
  void read() {
    auto state = state_;
    socket_.async_receive_from(asio::buffer(state->buffer), state->sender,
                               [this, state](boost::system::error_code ec, std::size_t n) {
                                 if (ec) return;  // closed: `this` may be gone
                                 state->datagrams.emplace_back(state->buffer.data(), n);
                                 state->from.push_back(state->sender);
                                 read();
                               });
  }
  std::shared_ptr<State> state_ = std::make_shared<State>();
  udp::socket socket_;
};

// A raw TCP connection on the far side: blocking writes, asynchronous reads
// collected into `received()`, `closed()` once the other end closed it.
class RawTcp {
 public:
  explicit RawTcp(asio::io_context& io) : socket_(io) {}
  explicit RawTcp(tcp::socket socket) : socket_(std::move(socket)) {}

  void connect(const tcp::endpoint& to) {
    socket_.connect(to);
    socket_.set_option(tcp::no_delay(true));
    read();
  }
  // For a socket handed over by an acceptor.
  void start_reading() { read(); }
  void write(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes.data(), bytes.size())); }
  void close() {
    boost::system::error_code ignore;
    socket_.close(ignore);
  }
  std::uint16_t local_port() const { return socket_.local_endpoint().port(); }
  const std::string& received() const { return state_->data; }
  bool closed() const { return state_->closed; }

 private:
  struct State {
    std::array<char, 4096> buffer{};
    std::string data;
    bool closed = false;
  };
  void read() {
    auto state = state_;
    socket_.async_read_some(asio::buffer(state->buffer), [this, state](boost::system::error_code ec, std::size_t n) {
      if (ec) {
        state->closed = true;
        return;  // `this` may be gone when the socket was closed locally
      }
      state->data.append(state->buffer.data(), n);
      read();
    });
  }
  std::shared_ptr<State> state_ = std::make_shared<State>();
  tcp::socket socket_;
};

// A raw TCP listener on the far side: accepts connections and reads them.
class RawTcpServer {
 public:
  RawTcpServer(asio::io_context& io, const asio::ip::address& address) : acceptor_(io, tcp::endpoint(address, 0)) {
    accept();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  const std::vector<std::unique_ptr<RawTcp>>& accepted() const { return state_->accepted; }

 private:
  struct State {
    std::vector<std::unique_ptr<RawTcp>> accepted;
  };
  void accept() {
    auto state = state_;
    acceptor_.async_accept([this, state](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      state->accepted.push_back(std::make_unique<RawTcp>(std::move(socket)));
      state->accepted.back()->start_reading();
      accept();
    });
  }
  std::shared_ptr<State> state_ = std::make_shared<State>();
  tcp::acceptor acceptor_;
};

// A port on `address` that nothing listens on (bound, then released).
inline std::uint16_t closed_tcp_port(asio::io_context& io, const asio::ip::address& address) {
  tcp::acceptor a(io, tcp::endpoint(address, 0));
  const std::uint16_t port = a.local_endpoint().port();
  a.close();
  return port;
}

// A request as a SIP client would write it; every part can be replaced to
// make it faulty.
struct RequestText {
  std::string request_line = "OPTIONS sip:bob@127.0.0.1 SIP/2.0";
  std::string via = "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-test-1;rport";
  std::string from = "<sip:alice@127.0.0.1>;tag=a1";
  std::string to = "<sip:bob@127.0.0.1>";
  std::optional<std::string> call_id = "call-1@test";
  std::string cseq = "1 OPTIONS";
  std::string extra;  // more header lines, each ending in CRLF
  std::string body;
  bool content_length = true;

  std::string wire() const {
    std::string out = request_line + "\r\n";
    out += "Via: " + via + "\r\n";
    out += "Max-Forwards: 70\r\n";
    out += "From: " + from + "\r\n";
    out += "To: " + to + "\r\n";
    if (call_id) out += "Call-ID: " + *call_id + "\r\n";
    out += "CSeq: " + cseq + "\r\n";
    out += extra;
    if (content_length) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    out += "\r\n";
    out += body;
    return out;
  }
};

// A well-formed 200 response to the request above.
inline std::string ok_response(std::string_view via = "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-test-1",
                               std::string_view call_id = "call-1@test") {
  std::string out = "SIP/2.0 200 OK\r\n";
  out += "Via: " + std::string(via) + "\r\n";
  out += "From: <sip:alice@127.0.0.1>;tag=a1\r\n";
  out += "To: <sip:bob@127.0.0.1>;tag=b1\r\n";
  out += "Call-ID: " + std::string(call_id) + "\r\n";
  out += "CSeq: 1 OPTIONS\r\n";
  out += "Content-Length: 0\r\n\r\n";
  return out;
}

// Every Via value of `m`, top first, parsed.
struct ViaValue {
  std::string text;
  std::string host;
  std::uint16_t port = 0;
  std::optional<std::string> received;
  std::optional<std::string> rport;
};

inline std::vector<ViaValue> vias(const Message& m) {
  std::vector<ViaValue> out;
  for (const HeaderField& h : m.headers()) {
    if (h.id != HeaderId::Via) continue;
    Result<void> r = for_each_list_value(h.value, [&](std::string_view item) -> Result<void> {
      std::string scratch;
      Result<Via> via = parse_via(item, scratch);
      if (!via) return via.error();
      ViaValue v;
      v.text = std::string(item);
      v.host = std::string(via->host);
      v.port = via->port;
      if (auto x = via->received()) v.received = std::string(*x);
      if (auto x = via->rport()) v.rport = std::string(*x);
      out.push_back(std::move(v));
      return {};
    });
    EXPECT_TRUE(r.ok()) << h.value;
  }
  return out;
}

// Parses bytes a raw socket received; fails the test when they do not parse.
inline std::optional<Message> parse_wire(std::string_view bytes) {
  Result<Message> m = Message::parse(bytes);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message) << "\n" << bytes;
  if (!m) return std::nullopt;
  return std::move(*m);
}

}  // namespace cvw::sip::transport::test
