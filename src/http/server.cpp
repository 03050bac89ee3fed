#include "http/server.hpp"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/log.hpp"
#include "http/websocket.hpp"

namespace cvw::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

namespace {

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

template <typename Stream>
constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

// What the server can close when it stops: HTTP sessions and WebSockets.
class Connection {
 public:
  virtual void shut_down() = 0;

 protected:
  ~Connection() = default;
};

bool is_http_parse_error(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

// A prepared reply (Content-Length set, never chunked) as the bytes on the
// wire, into one reused buffer. Beast's serializer would hand the socket a
// buffer sequence walked through nested views per field; on a small reply
// such as GET /me that walk cost about a sixth of the request in the
// profile. One contiguous buffer is also one TLS record.
void serialize_response(const Response& response, std::string& out) {
  out.clear();
  out.reserve(256 + response.body().size());
  const unsigned version = response.version();
  out += "HTTP/";
  out += static_cast<char>('0' + version / 10 % 10);
  out += '.';
  out += static_cast<char>('0' + version % 10);
  out += ' ';
  out += std::to_string(response.result_int());
  out += ' ';
  out += std::string_view(response.reason());
  out += "\r\n";
  for (const auto& field : response) {
    out += std::string_view(field.name_string());
    out += ": ";
    out += std::string_view(field.value());
    out += "\r\n";
  }
  out += "\r\n";
  out += response.body();
}

// A connection keeps its write buffer between replies, but not one grown by
// an export of every user.
constexpr std::size_t kKeptWriteBuffer = 64 * 1024;

}  // namespace

class Server::Impl : public std::enable_shared_from_this<Server::Impl> {
 public:
  Impl(net::io_context& io, ServerConfig config, const Router& router)
      : io_(io), config_(std::move(config)), router_(router), acceptor_(io), retry_(io) {}

  Result<void> start();
  void stop();
  void accept();
  void enroll(Connection* c) {
    connections_.insert(c);
    metrics_.connections_open = connections_.size();
  }
  void leave(Connection* c) {
    connections_.erase(c);
    metrics_.connections_open = connections_.size();
  }

  net::io_context& io_;
  ServerConfig config_;
  const Router& router_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_;
  ServerMetrics metrics_;
  std::unordered_set<Connection*> connections_;
  bool stopping_ = false;
};

namespace {

template <typename Stream>
class WsSession final : public WebSocket, public Connection, public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  WsSession(std::shared_ptr<Server::Impl> server, Stream&& stream)
      : server_(std::move(server)), ws_(std::move(stream)) {
    server_->enroll(this);
  }
  ~WsSession() override { server_->leave(this); }

  void accept(Request request) {
    request_ = std::move(request);
    beast::get_lowest_layer(ws_).expires_never();  // the WebSocket keeps its own timeouts
    // Pings on an idle socket find peers that vanished without a FIN (a
    // laptop lid closed) so their channel does not stay open for ever.
    websocket::stream_base::timeout timeouts{server_->config_.io_timeout, server_->config_.idle_timeout, true};
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [name = server_->config_.server_name](websocket::response_type& res) { res.set(bhttp::field::server, name); }));
    ws_.read_message_max(64 * 1024);
    ws_.async_accept(request_, [self = this->shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

  void send(std::string text) override {
    if (finished_ || closing_) return;
    if (queue_.size() - next_ >= kMaxQueued) {
      ++server_->metrics_.websockets_dropped_slow;
      log().warn("http: WebSocket peer does not read ({} frames queued); closing it",
                 queue_.size() - next_);
      hard_close();
      return;
    }
    queue_.push_back(std::move(text));
    if (accepted_ && !writing_) write_next();
  }

  void close() override {
    if (finished_ || closing_) return;
    closing_ = true;
    if (accepted_ && !writing_) send_close();
  }

  bool open() const override { return accepted_ && !finished_ && !closing_; }

  void shut_down() override { close(); }

 private:
  void on_accept(beast::error_code ec) {
    request_ = {};
    if (ec) {
      log().debug("http: WebSocket handshake failed: {}", ec.message());
      return finish();
    }
    accepted_ = true;
    ++server_->metrics_.websockets_opened;
    ++server_->metrics_.websockets_open;
    read();
    if (closing_ && queue_.empty()) send_close();
    else if (!queue_.empty()) write_next();
  }

  void read() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return finish();
    ++server_->metrics_.websocket_frames_received;
    auto data = buffer_.cdata();
    if (on_message_) on_message_(std::string_view(static_cast<const char*>(data.data()), data.size()));
    buffer_.consume(buffer_.size());
    if (!finished_) read();
  }

  void write_next() {
    writing_ = true;
    ws_.text(true);
    // The frame leaves the queue for in_flight_, which nothing touches until
    // the write completes: a send() meanwhile may grow (move) the vector.
    in_flight_ = std::move(queue_[next_++]);
    if (next_ == queue_.size()) {
      queue_.clear();  // keeps its capacity for the next burst
      next_ = 0;
    } else if (next_ >= 64) {
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(next_));
      next_ = 0;
    }
    ws_.async_write(net::buffer(in_flight_),
                    [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                      self->on_write(ec);
                    });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    if (ec) return finish();
    ++server_->metrics_.websocket_frames_sent;
    if (!queue_.empty()) return write_next();
    std::string().swap(in_flight_);  // an idle channel keeps no frame
    if (closing_) send_close();
  }

  void send_close() {
    writing_ = true;  // a close frame is a write: nothing else may start
    ws_.async_close(websocket::close_code::normal, [self = this->shared_from_this()](beast::error_code) {
      self->writing_ = false;  // the read loop ends with `closed` and finishes
    });
  }

  void hard_close() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    finish();
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    if (accepted_) --server_->metrics_.websockets_open;
    queue_.clear();  // in_flight_ stays: a write may still be using it
    next_ = 0;
    if (auto handler = std::move(on_close_)) handler();
    on_message_ = nullptr;
  }

  std::shared_ptr<Server::Impl> server_;
  websocket::stream<Stream> ws_;
  Request request_;
  beast::flat_buffer buffer_;
  // Frames waiting, from queue_[next_]; the one being written is in_flight_.
  // A vector, not a deque: an idle channel (most of them) then costs no heap
  // for its queue, where an empty std::deque holds about 600 bytes.
  std::vector<std::string> queue_;
  std::size_t next_ = 0;
  std::string in_flight_;
  bool accepted_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool finished_ = false;
};

template <typename Stream>
class HttpSession final : public Exchange, public Connection, public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(std::shared_ptr<Server::Impl> server, Stream&& stream, net::ip::address remote)
      : server_(std::move(server)), stream_(std::move(stream)), remote_(std::move(remote)) {
    server_->enroll(this);
  }
  ~HttpSession() override {
    if (state_ != State::Upgraded) server_->leave(this);
  }

  void run() {
    if constexpr (kIsTls<Stream>) {
      beast::get_lowest_layer(stream_).expires_after(server_->config_.io_timeout);
      stream_.async_handshake(net::ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) {
          ++self->server_->metrics_.tls_handshake_failures;
          log().debug("http: TLS handshake with {} failed: {}", self->remote_.to_string(), ec.message());
          return self->close_now();
        }
        self->read();
      });
    } else {
      read();
    }
  }

  void deliver(Response&& response) override {
    if (state_ != State::Busy) return;
    state_ = State::Writing;
    unsigned code = response.result_int();
    ++server_->metrics_.responses_by_status[code < 600 ? code : 599];
    keep_alive_ = request_.keep_alive() && !closing_ && !server_->stopping_;
    response.version(request_.version());
    response.keep_alive(keep_alive_);
    response.set(bhttp::field::server, server_->config_.server_name);
    response.prepare_payload();
    serialize_response(response, wire_);
    beast::get_lowest_layer(stream_).expires_after(server_->config_.io_timeout);
    net::async_write(stream_, net::buffer(wire_), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_write(ec);
    });
  }

  std::shared_ptr<WebSocket> upgrade() override {
    if (state_ != State::Busy || !upgrade_allowed_) return nullptr;
    state_ = State::Upgraded;
    // The socket moves to the WebSocket session, which enrolls itself; this
    // session leaves the registry now as it will own nothing.
    server_->leave(this);
    auto socket = std::make_shared<WsSession<Stream>>(server_, std::move(stream_));
    socket->accept(std::move(request_));
    return socket;
  }

  void shut_down() override {
    closing_ = true;
    if (state_ == State::Idle) beast::get_lowest_layer(stream_).cancel();
  }

 private:
  enum class State { Idle, Busy, Writing, Upgraded, Closed };

  void read() {
    if (closing_ || server_->stopping_) return close_gracefully();
    state_ = State::Idle;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->config_.header_limit));
    parser_->body_limit(server_->config_.body_limit);
    beast::get_lowest_layer(stream_).expires_after(server_->config_.idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      if (ec == bhttp::error::body_limit)
        return reject(Status::payload_too_large, "the body is larger than " +
                                                     std::to_string(server_->config_.body_limit) + " bytes");
      if (ec == bhttp::error::header_limit)
        return reject(Status::request_header_fields_too_large,
                      "the header is larger than " + std::to_string(server_->config_.header_limit) + " bytes");
      if (is_http_parse_error(ec) && ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        log().info("http: malformed request from {}: {}", remote_.to_string(), ec.message());
        return reject(Status::bad_request, "malformed HTTP request: " + ec.message());
      }
      return close_gracefully();  // end of stream, idle timeout, reset, or stop()
    }
    request_ = parser_->release();
    state_ = State::Busy;
    beast::get_lowest_layer(stream_).expires_never();  // a handler may hold the request (long-poll)
    dispatch();
  }

  void dispatch() {
    auto [path, query] = split_target(request_.target());
    Router::Match match = server_->router_.find(request_.method(), path, params_);
    if (!match.route) {
      if (!match.allow.empty()) {
        Response r = error_response(Status::method_not_allowed, "", "this resource allows " + match.allow);
        r.set(bhttp::field::allow, match.allow);
        return deliver(std::move(r));
      }
      return deliver(error_response(Status::not_found, "", "no such resource"));
    }
    const bool is_upgrade = websocket::is_upgrade(request_);
    if (match.route->websocket && !is_upgrade)
      return deliver(error_response(Status::upgrade_required, "", "this resource is a WebSocket"));
    upgrade_allowed_ = match.route->websocket;
    try {
      match.route->handler(Incoming{request_, params_, remote_}, Responder(this->shared_from_this()));
    } catch (const std::exception& e) {
      // The Responder, destroyed by the unwinding, has answered 500.
      log().error("http: {} {}: handler failed: {}", std::string_view(request_.method_string()), path, e.what());
    }
  }

  void reject(Status status, const std::string& message) {
    closing_ = true;
    state_ = State::Busy;
    request_ = {};
    deliver(error_response(status, "", message));
  }

  void on_write(beast::error_code ec) {
    if (wire_.capacity() > kKeptWriteBuffer) std::string().swap(wire_);
    if (ec) return close_now();
    if (!keep_alive_ || closing_) return close_gracefully();
    read();
  }

  void close_gracefully() {
    if (state_ == State::Closed) return;
    state_ = State::Closed;
    if constexpr (kIsTls<Stream>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close_now(); });
    } else {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      close_now();
    }
  }

  void close_now() {
    state_ = State::Closed;
    beast::get_lowest_layer(stream_).close();
  }

  std::shared_ptr<Server::Impl> server_;
  Stream stream_;
  net::ip::address remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Request request_;
  PathParams params_;
  std::string wire_;  // the reply being written
  State state_ = State::Idle;
  bool keep_alive_ = false;
  bool closing_ = false;
  bool upgrade_allowed_ = false;
};

}  // namespace

Result<void> Server::Impl::start() {
  boost::system::error_code ec;
  const std::string where = config_.listen.address().to_string() + ":" + std::to_string(config_.listen.port());
  acceptor_.open(config_.listen.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec && config_.listen.address().is_v6()) acceptor_.set_option(net::ip::v6_only(true), ec);
  if (!ec) acceptor_.bind(config_.listen, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Error{500, "http: cannot listen on " + where + ": " + ec.message()};
  accept();
  return {};
}

void Server::Impl::accept() {
  acceptor_.async_accept([self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
    if (self->stopping_ || !self->acceptor_.is_open()) return;
    if (ec) {
      // Out of descriptors (EMFILE) or a transient failure: try again shortly
      // rather than spin or stop serving.
      log().warn("http: accept failed: {}; retrying in 100 ms", ec.message());
      self->retry_.expires_after(std::chrono::milliseconds(100));
      self->retry_.async_wait([self](boost::system::error_code wait_ec) {
        if (!wait_ec) self->accept();
      });
      return;
    }
    ++self->metrics_.connections_accepted;
    boost::system::error_code ignored;
    net::ip::address remote = socket.remote_endpoint(ignored).address();
    socket.set_option(tcp::no_delay(true), ignored);
    if (self->config_.tls) {
      std::make_shared<HttpSession<TlsStream>>(self, TlsStream(beast::tcp_stream(std::move(socket)), *self->config_.tls),
                                               remote)
          ->run();
    } else {
      std::make_shared<HttpSession<PlainStream>>(self, PlainStream(std::move(socket)), remote)->run();
    }
    self->accept();
  });
}

void Server::Impl::stop() {
  if (stopping_) return;
  stopping_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
  // shut_down() may end a connection, which leaves the set: iterate a copy.
  std::vector<Connection*> open(connections_.begin(), connections_.end());
  for (Connection* c : open)
    if (connections_.count(c)) c->shut_down();
}

Server::Server(net::io_context& io, ServerConfig config, const Router& router)
    : impl_(std::make_shared<Impl>(io, std::move(config), router)) {}

Server::~Server() { impl_->stop(); }

Result<void> Server::start() { return impl_->start(); }
void Server::stop() { impl_->stop(); }

tcp::endpoint Server::local_endpoint() const {
  boost::system::error_code ec;
  return impl_->acceptor_.local_endpoint(ec);
}

const ServerMetrics& Server::metrics() const { return impl_->metrics_; }

void Server::collect(MetricsWriter& out) const {
  const ServerMetrics& m = impl_->metrics_;
  using T = MetricsWriter::Type;
  out.family("cvw_http_responses_total", T::Counter, "HTTP responses sent, by status code.");
  for (std::size_t code = 100; code < m.responses_by_status.size(); ++code)
    if (m.responses_by_status[code] != 0)
      out.sample("cvw_http_responses_total", m.responses_by_status[code], {{"code", std::to_string(code)}});
  out.counter("cvw_http_connections_accepted_total", "TCP connections accepted by the HTTP server.",
              m.connections_accepted);
  out.gauge("cvw_http_connections_open", "HTTP connections and WebSockets open now.",
            m.connections_open);
  out.counter("cvw_http_tls_handshake_failures_total", "TLS handshakes that failed.",
              m.tls_handshake_failures);
  out.gauge("cvw_http_websockets_open", "WebSockets open now.", m.websockets_open);
  out.counter("cvw_http_websockets_opened_total", "WebSockets accepted.", m.websockets_opened);
  out.family("cvw_http_websocket_frames_total", T::Counter, "WebSocket text frames, by direction.");
  out.sample("cvw_http_websocket_frames_total", m.websocket_frames_sent, {{"direction", "out"}});
  out.sample("cvw_http_websocket_frames_total", m.websocket_frames_received, {{"direction", "in"}});
  out.counter("cvw_http_websockets_dropped_slow_total",
              "WebSockets closed because the peer did not read.", m.websockets_dropped_slow);
}

}  // namespace cvw::http
