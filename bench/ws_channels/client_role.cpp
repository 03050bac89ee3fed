// The client role of ws_channels (the forked child): N Beast WebSocket
// clients on one single-threaded io_context, each signed in with its own
// session's bearer token. In a fan-out round every client stamps the time an
// event arrives before anything else.
//
// Every event is acknowledged ({"ack": N}) as a real client does, but those
// of a round only once the round is over: real clients are on as many
// machines, while these take turns on one core, and an ack is a loopback
// send() that costs this core about as much as the server's send of the
// event. Acknowledging at once would put every earlier client's ack in the
// later clients' latency.
//
// 50,000 connections from one source address to one server port would run
// out of ephemeral ports (about 28,000 by default), so the clients bind
// 127.0.0.2, 127.0.0.3, ... before connecting, kPerSourceAddress each, with
// IP_BIND_ADDRESS_NO_PORT so the port is chosen at connect() by the whole
// 4-tuple. Loopback only.
#include <netinet/in.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "shared.hpp"

namespace cvw::bench {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

constexpr std::size_t kPerSourceAddress = 10000;
constexpr auto kConnectDeadline = 120s;
constexpr auto kRoundDeadline = 10s;
constexpr std::string_view kSocketPath = "/api/v1/events/ws";

struct Connection {
  explicit Connection(net::io_context& io) : ws(io) {}
  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  std::string ack_frame;  // the ack being written
  std::uint64_t ack_due = 0;  // a newer seq to acknowledge once that write is done
  bool writing = false;
};

// One fan-out round as the clients see it.
struct Round {
  std::int64_t number = 0;
  std::size_t expected = 0;
  std::int64_t cpu_at_start = 0;
  std::vector<std::int64_t> from_start;  // receipt - start of the fan-out
  std::vector<std::int64_t> from_own;    // receipt - this channel's publish() call
  std::vector<std::pair<Connection*, std::uint64_t>> unacknowledged;
  std::size_t frame_bytes = 0;  // an event's WebSocket frame on the wire, header included
};

// A whole number member of a JSON object, or -1.
std::int64_t int_member(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v && v->is_int64() ? v->get_int64() : -1;
}

class Clients {
 public:
  explicit Clients(int control_fd) : control_(io_, control_fd), deadline_(io_) {}

  int run();

 private:
  bool receive_tokens();
  void connect(std::size_t i);
  void on_connected(bool ok);
  void report_connected();
  void read(Connection& c);
  void on_event(Connection& c, std::int64_t received_at);
  void acknowledge(Connection& c, std::uint64_t seq);
  void on_control(const std::string& line);
  void start_round(std::int64_t number, std::size_t expected);
  void finish_round();

  net::io_context io_;
  ControlChannel control_;
  net::steady_timer deadline_;
  tcp::endpoint server_;
  std::vector<std::string> tokens_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::size_t next_ = 0;  // the next client to connect
  std::size_t connected_ = 0;
  std::size_t failed_ = 0;
  std::int64_t connect_started_ = 0;
  bool connect_reported_ = false;
  Round round_;
  bool in_round_ = false;
};

bool Clients::receive_tokens() {
  unsigned port = 0;
  std::size_t count = 0;
  if (std::sscanf(control_.read_line().c_str(), "port %u", &port) != 1) return false;
  if (std::sscanf(control_.read_line().c_str(), "tokens %zu", &count) != 1) return false;
  server_ = tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), static_cast<unsigned short>(port));
  tokens_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    tokens_.push_back(control_.read_line());
    if (tokens_.back().empty()) return false;
  }
  return control_.read_line() == "connect";
}

void Clients::connect(std::size_t i) {
  auto& c = *connections_.emplace_back(std::make_unique<Connection>(io_));
  tcp::socket& socket = beast::get_lowest_layer(c.ws).socket();
  boost::system::error_code ec;
  socket.open(tcp::v4(), ec);
  if (!ec) {
    const int on = 1;
    setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
    const auto source = net::ip::address_v4(0x7f000002u + static_cast<std::uint32_t>(i / kPerSourceAddress));
    socket.bind(tcp::endpoint(source, 0), ec);
  }
  if (ec) {
    std::fprintf(stderr, "ws_channels client %zu: %s\n", i, ec.message().c_str());
    return on_connected(false);
  }
  socket.async_connect(server_, [this, i, &c](boost::system::error_code connect_ec) {
    if (connect_ec) {
      std::fprintf(stderr, "ws_channels client %zu: connect: %s\n", i, connect_ec.message().c_str());
      return on_connected(false);
    }
    beast::get_lowest_layer(c.ws).socket().set_option(tcp::no_delay(true));
    c.ws.set_option(websocket::stream_base::decorator([token = "Bearer " + tokens_[i]](websocket::request_type& req) {
      req.set(boost::beast::http::field::authorization, token);
    }));
    const std::string host = "127.0.0.1:" + std::to_string(server_.port());
    c.ws.async_handshake(host, kSocketPath, [this, i, &c](beast::error_code handshake_ec) {
      if (handshake_ec) {
        std::fprintf(stderr, "ws_channels client %zu: handshake: %s\n", i, handshake_ec.message().c_str());
        return on_connected(false);
      }
      read(c);
      on_connected(true);
    });
  });
}

void Clients::on_connected(bool ok) {
  ok ? ++connected_ : ++failed_;
  // Posted, not called: a run of failures must not recurse N deep.
  if (next_ < tokens_.size()) return net::post(io_, [this, i = next_++] { connect(i); });
  if (!connect_reported_ && connected_ + failed_ == tokens_.size()) report_connected();
}

void Clients::report_connected() {
  connect_reported_ = true;
  deadline_.cancel();
  const std::int64_t ms = (monotonic_ns() - connect_started_) / 1'000'000;
  tokens_ = {};  // what the clients still need is in their decorators
  control_.send("connected " + std::to_string(connected_) + " " + std::to_string(failed_) + " " +
                std::to_string(ms));
  control_.read_lines([this](const std::string& line) { on_control(line); });
}

void Clients::read(Connection& c) {
  c.ws.async_read(c.buffer, [this, &c](beast::error_code ec, std::size_t) {
    const std::int64_t received_at = monotonic_ns();  // first: nothing of ours is in the figure
    if (ec) return;  // closed by the server (or by us at the end)
    on_event(c, received_at);
    c.buffer.consume(c.buffer.size());
    read(c);
  });
}

void Clients::on_event(Connection& c, std::int64_t received_at) {
  const auto data = c.buffer.cdata();
  boost::system::error_code ec;
  const boost::json::value event =
      boost::json::parse(std::string_view(static_cast<const char*>(data.data()), data.size()), ec);
  if (ec || !event.is_object()) return;
  const boost::json::object& e = event.get_object();
  const std::int64_t seq = int_member(e, "seq");
  const boost::json::value* payload = e.if_contains("data");
  const boost::json::object* d = payload ? payload->if_object() : nullptr;
  if (!in_round_ || d == nullptr || int_member(*d, "round") != round_.number) {
    if (seq > 0) acknowledge(c, static_cast<std::uint64_t>(seq));
    return;
  }
  if (seq > 0) round_.unacknowledged.emplace_back(&c, static_cast<std::uint64_t>(seq));
  round_.from_start.push_back(received_at - int_member(*d, "t0"));
  round_.from_own.push_back(received_at - int_member(*d, "t"));
  // RFC 6455 §5.2: an unmasked server frame's header is 2 bytes up to 125
  // bytes of payload, 4 up to 65,535.
  round_.frame_bytes = data.size() + (data.size() < 126 ? 2 : data.size() < 65536 ? 4 : 10);
  if (round_.from_start.size() == round_.expected) finish_round();
}

void Clients::acknowledge(Connection& c, std::uint64_t seq) {
  if (c.writing) {
    c.ack_due = seq;
    return;
  }
  c.writing = true;
  c.ack_frame = "{\"ack\":" + std::to_string(seq) + "}";
  c.ws.text(true);
  c.ws.async_write(net::buffer(c.ack_frame), [this, &c](beast::error_code ec, std::size_t) {
    c.writing = false;
    if (ec || c.ack_due == 0) return;
    const std::uint64_t due = c.ack_due;
    c.ack_due = 0;
    acknowledge(c, due);
  });
}

void Clients::on_control(const std::string& line) {
  std::int64_t number = 0;
  std::size_t expected = 0;
  if (std::sscanf(line.c_str(), "round %ld %zu", &number, &expected) == 2) return start_round(number, expected);
  // "quit" or end of file: close the sockets (their destructors) and return.
  control_.close();
  io_.stop();
}

void Clients::start_round(std::int64_t number, std::size_t expected) {
  round_ = Round{number, expected, cpu_us(), {}, {}, {}, 0};
  round_.from_start.reserve(expected);
  round_.from_own.reserve(expected);
  round_.unacknowledged.reserve(expected);
  in_round_ = true;
  deadline_.expires_after(kRoundDeadline);
  deadline_.async_wait([this](boost::system::error_code ec) {
    if (!ec && in_round_) finish_round();  // report what arrived
  });
  control_.send("ready " + std::to_string(number));
}

void Clients::finish_round() {
  in_round_ = false;
  deadline_.cancel();
  const Percentiles s = percentiles(round_.from_start);
  const Percentiles o = percentiles(round_.from_own);
  char line[320];
  std::snprintf(line, sizeof line, "done %ld %zu %ld %ld %ld %ld %ld %ld %ld %ld %ld %zu",
                round_.number, round_.from_start.size(), cpu_us() - round_.cpu_at_start, s.p50,
                s.p90, s.p99, s.max, o.p50, o.p90, o.p99, o.max, round_.frame_bytes);
  // Acknowledged before "done" goes, so the acks are on their way when the
  // server's pause before the next round starts.
  for (const auto& [c, seq] : round_.unacknowledged) acknowledge(*c, seq);
  round_.unacknowledged.clear();
  control_.send(line);
}

int Clients::run() {
  if (!receive_tokens()) {
    std::fprintf(stderr, "ws_channels: the client role got no tokens from the server role\n");
    return 1;
  }
  connections_.reserve(tokens_.size());
  connect_started_ = monotonic_ns();
  deadline_.expires_after(kConnectDeadline);
  deadline_.async_wait([this](boost::system::error_code ec) {
    if (ec || connect_reported_) return;
    std::fprintf(stderr, "ws_channels: connecting took over %lld s; reporting what is connected\n",
                 static_cast<long long>(kConnectDeadline.count()));
    failed_ = tokens_.size() - connected_;
    next_ = tokens_.size();
    report_connected();
  });
  while (next_ < std::min(kConnectingAtOnce, tokens_.size())) connect(next_++);
  io_.run();
  return 0;
}

}  // namespace

int run_client(int control_fd) {
  Clients clients(control_fd);
  return clients.run();
}

}  // namespace cvw::bench
