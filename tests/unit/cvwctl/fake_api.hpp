// A stand-in for the cvw API in cvwctl's tests: the real cvw_http server on
// loopback (its own thread), with canned replies per route, recording every
// request it gets so tests can check what cvwctl sent.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/server.hpp"

namespace cvw::cvwctl::testing {

struct SeenRequest {
  std::string method;
  std::string target;
  std::string authorization;
  std::string content_type;
  std::string accept;
  std::string body;

  boost::json::value json() const { return boost::json::parse(body); }
};

class FakeApi {
 public:
  using Reply = std::function<http::Response(const SeenRequest&, const http::PathParams&)>;

  explicit FakeApi(std::shared_ptr<boost::asio::ssl::context> tls = nullptr)
      : tls_(std::move(tls)) {}

  ~FakeApi() {
    if (server_) boost::asio::post(io_, [this] { server_->stop(); });
    work_.reset();
    // Replies a test held back (timeouts) are dropped here, on the server's thread.
    boost::asio::post(io_, [this] { held_.clear(); });
    if (thread_.joinable()) thread_.join();
  }

  // Before start().
  void on(http::Verb verb, std::string pattern, Reply reply) {
    router_.add(verb, std::move(pattern),
                [this, reply](const http::Incoming& in, http::Responder responder) {
                  SeenRequest seen{
                      std::string(in.request.method_string()),
                      std::string(in.request.target()),
                      std::string(in.request[boost::beast::http::field::authorization]),
                      std::string(in.request[boost::beast::http::field::content_type]),
                      std::string(in.request[boost::beast::http::field::accept]),
                      in.request.body()};
                  {
                    std::lock_guard lock(mutex_);
                    seen_.push_back(seen);
                  }
                  responder.send(reply(seen, in.params));
                });
  }
  void on_json(http::Verb verb, std::string pattern, http::Status status,
               const boost::json::value& body) {
    on(verb, std::move(pattern), [status, body](const SeenRequest&, const http::PathParams&) {
      return http::json_response(status, body);
    });
  }
  // A route that never answers (until the FakeApi goes away).
  void on_silent(http::Verb verb, std::string pattern) {
    router_.add(verb, std::move(pattern), [this](const http::Incoming&, http::Responder responder) {
      held_.push_back(std::move(responder));
    });
  }

  void start() {
    http::ServerConfig config;
    config.listen = boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0);
    config.tls = tls_;
    server_ = std::make_unique<http::Server>(io_, std::move(config), router_);
    if (auto started = server_->start(); !started)
      throw std::runtime_error(started.error().message);
    port_ = server_->local_endpoint().port();
    thread_ = std::thread([this] { io_.run(); });
  }

  std::uint16_t port() const { return port_; }
  std::string url() const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
  }

  std::vector<SeenRequest> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  std::shared_ptr<boost::asio::ssl::context> tls_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::vector<SeenRequest> seen_;
  std::vector<http::Responder> held_;
};

// A loopback port with nothing listening on it.
inline std::uint16_t closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

}  // namespace cvw::cvwctl::testing
