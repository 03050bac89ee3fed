// Routes: a method and a path pattern ("/users/{id}/policy") to a handler.
// A request is either answered by the route that matches, 405 with Allow when
// the path exists under other methods, or 404. The route table is also what
// the OpenAPI test compares with the checked-in document, so "what cvwd
// serves" has one source.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.hpp"

namespace cvw::http {

class WebSocket;

// What the server hands a handler besides the request.
class PathParams {
 public:
  // The decoded value of {name}; empty when the pattern has no such name.
  std::string_view operator[](std::string_view name) const {
    for (const auto& [k, v] : values_)
      if (k == name) return v;
    return {};
  }
  void add(std::string_view name, std::string value) { values_.emplace_back(name, std::move(value)); }
  void clear() { values_.clear(); }

 private:
  std::vector<std::pair<std::string_view, std::string>> values_;
};

// The session side of one request: implemented by the server.
class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual void deliver(Response&& response) = 0;
  // Only for a WebSocket route and an upgrade request: nullptr otherwise.
  virtual std::shared_ptr<WebSocket> upgrade() = 0;
};

// A handler answers through its Responder exactly once: at once, or later
// (a long-poll held open, a password hashed on another thread). It must call
// send() on the server's event-loop thread. A Responder dropped without an
// answer sends 500 and logs it, so a handler bug never leaves a client hanging.
class Responder {
 public:
  explicit Responder(std::shared_ptr<Exchange> exchange) : exchange_(std::move(exchange)) {}
  Responder(Responder&&) noexcept = default;
  Responder& operator=(Responder&&) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  void send(Response&& response);
  // Accepts a WebSocket upgrade (WebSocket routes only); the returned socket
  // is open for sending at once. Reject an upgrade with send() instead.
  std::shared_ptr<WebSocket> upgrade();
  bool pending() const { return exchange_ != nullptr; }

 private:
  std::shared_ptr<Exchange> exchange_;
};

struct Incoming {
  const Request& request;
  const PathParams& params;
  const boost::asio::ip::address& remote;
};

using Handler = std::function<void(const Incoming&, Responder)>;

struct Route {
  Verb method;
  std::string pattern;
  bool websocket = false;
  Handler handler;
  std::vector<std::string> segments;  // "{name}" marks a parameter
};

class Router {
 public:
  void add(Verb method, std::string pattern, Handler handler);
  // A GET route that upgrades to WebSocket (RFC 6455).
  void add_websocket(std::string pattern, Handler handler);

  struct Match {
    const Route* route = nullptr;
    std::string allow;  // methods of the path when route is null and the path exists
  };
  // `path` is the target without the query; parameters go to `params`.
  Match find(Verb method, std::string_view path, PathParams& params) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// The path and the query of a request target.
std::pair<std::string_view, std::string_view> split_target(std::string_view target);
// A query parameter's decoded value, or nullopt.
std::optional<std::string> query_param(std::string_view query, std::string_view name);
// %XX decoding; nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

}  // namespace cvw::http
