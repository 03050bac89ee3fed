// The HTTP/1.1 server (Boost.Beast) under the REST API, /healthz, /metrics and
// the event channel: keep-alive, optional TLS, WebSocket upgrade, limits on
// what a client may send, and a graceful stop.
//
// One event-loop thread: the server, its handlers and the application share
// the io_context with the SIP stack, so handlers read application state
// without locks. Work that would block the loop (password hashing) goes to a
// thread pool and comes back with asio::post before answering.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/metrics.hpp"
#include "common/result.hpp"
#include "http/router.hpp"

namespace cvw::http {

struct ServerConfig {
  boost::asio::ip::tcp::endpoint listen;
  // TLS when set (HTTPS and WSS); plain HTTP otherwise.
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 1024 * 1024;
  // A keep-alive connection with no request for this long is closed.
  std::chrono::seconds idle_timeout{60};
  // Time allowed to receive a request once it has started, and to send a reply.
  std::chrono::seconds io_timeout{30};
  std::string server_name = "cvw";
};

struct ServerMetrics {
  std::array<std::uint64_t, 600> responses_by_status{};
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_open = 0;
  std::uint64_t tls_handshake_failures = 0;
  std::uint64_t websockets_opened = 0;
  std::uint64_t websockets_open = 0;
  std::uint64_t websocket_frames_sent = 0;
  std::uint64_t websocket_frames_received = 0;
  std::uint64_t websockets_dropped_slow = 0;
};

class Server {
 public:
  Server(boost::asio::io_context& io, ServerConfig config, const Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting; the error names the address.
  Result<void> start();
  // Stops accepting, closes idle connections and WebSockets at once and the
  // busy ones after their reply. Returns without waiting.
  void stop();

  boost::asio::ip::tcp::endpoint local_endpoint() const;
  const ServerMetrics& metrics() const;
  // Writes cvw_http_* families.
  void collect(MetricsWriter& out) const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace cvw::http
