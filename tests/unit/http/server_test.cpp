// The HTTP server over real loopback sockets: a Beast client in the test
// thread, the server's io_context on its own thread.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <future>
#include <thread>

#include "http/server.hpp"
#include "http/tls.hpp"
#include "http/websocket.hpp"

namespace cvw::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add(Verb::get, "/hello", [](const Incoming&, Responder r) {
      r.send(json_response(Status::ok, boost::json::object{{"hello", "world"}}));
    });
    router_.add(Verb::post, "/hello", [](const Incoming& in, Responder r) {
      r.send(json_response(Status::created, boost::json::object{{"echo", in.request.body()}}));
    });
    router_.add(Verb::get, "/users/{id}/notes/{n}", [](const Incoming& in, Responder r) {
      auto [path, query] = split_target(in.request.target());
      auto sort = query_param(query, "sort");
      r.send(json_response(Status::ok, boost::json::object{{"id", in.params["id"]},
                                                           {"n", in.params["n"]},
                                                           {"sort", sort ? *sort : "-"}}));
    });
    router_.add(Verb::get, "/later", [this](const Incoming&, Responder r) {
      auto timer = std::make_shared<net::steady_timer>(io_, std::chrono::milliseconds(50));
      timer->async_wait([timer, r = std::move(r)](boost::system::error_code) mutable {
        r.send(empty_response(Status::no_content));
      });
    });
    router_.add(Verb::get, "/forgotten", [](const Incoming&, Responder) {});
    router_.add(Verb::get, "/throws", [](const Incoming&, Responder) { throw std::runtime_error("boom"); });
    router_.add_websocket("/ws", [this](const Incoming& in, Responder r) {
      if (in.request["Authorization"] != "Bearer good") {
        r.send(error_response(Status::unauthorized, "", "no"));
        return;
      }
      auto socket = r.upgrade();
      std::weak_ptr<WebSocket> weak = socket;
      socket->send("welcome");
      socket->on_message([weak](std::string_view text) {
        if (auto s = weak.lock()) {
          if (text == "bye") s->close();
          else s->send("echo:" + std::string(text));
        }
      });
      socket->on_close([this] { closed_.set_value(); });
      sockets_.push_back(socket);
    });
  }

  void start(ServerConfig config = {}) {
    config.listen = tcp::endpoint(net::ip::make_address("127.0.0.1"), 0);
    config.body_limit = 1024;
    config.header_limit = 2048;
    server_ = std::make_unique<Server>(io_, std::move(config), router_);
    ASSERT_TRUE(server_->start().ok());
    port_ = server_->local_endpoint().port();
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (server_) net::post(io_, [this] { server_->stop(); });
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }

  tcp::socket connect() {
    tcp::socket s(client_io_);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    return s;
  }

  template <typename Stream>
  bhttp::response<bhttp::string_body> exchange(Stream& s, Verb verb, std::string target, std::string body = {}) {
    bhttp::request<bhttp::string_body> req{verb, target, 11};
    req.set(bhttp::field::host, "localhost");
    if (!body.empty()) {
      req.body() = body;
      req.prepare_payload();
    }
    bhttp::write(s, req);
    bhttp::response<bhttp::string_body> res;
    bhttp::read(s, buffer_, res);
    return res;
  }

  bhttp::response<bhttp::string_body> once(Verb verb, std::string target, std::string body = {}) {
    auto s = connect();
    return exchange(s, verb, std::move(target), std::move(body));
  }

  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(io_);
  net::io_context client_io_;
  Router router_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  unsigned short port_ = 0;
  beast::flat_buffer buffer_;
  std::vector<std::shared_ptr<WebSocket>> sockets_;
  std::promise<void> closed_;
};

TEST_F(ServerTest, AnswersJsonAndKeepsTheConnectionAlive) {
  start();
  auto s = connect();
  for (int i = 0; i < 3; ++i) {
    auto res = exchange(s, Verb::get, "/hello");
    EXPECT_EQ(res.result(), Status::ok);
    EXPECT_EQ(res[bhttp::field::content_type], "application/json");
    EXPECT_EQ(res[bhttp::field::server], "cvw");
    EXPECT_TRUE(res.keep_alive());
    EXPECT_EQ(boost::json::parse(res.body()).at("hello").as_string(), "world");
  }
  auto posted = exchange(s, Verb::post, "/hello", "abc");
  EXPECT_EQ(posted.result(), Status::created);
  EXPECT_EQ(boost::json::parse(posted.body()).at("echo").as_string(), "abc");
}

TEST_F(ServerTest, DecodesPathParametersAndQuery) {
  start();
  auto res = once(Verb::get, "/users/sip%3Aalice%40example.com/notes/7?x=1&sort=a+b%21");
  ASSERT_EQ(res.result(), Status::ok);
  auto body = boost::json::parse(res.body());
  EXPECT_EQ(body.at("id").as_string(), "sip:alice@example.com");
  EXPECT_EQ(body.at("n").as_string(), "7");
  EXPECT_EQ(body.at("sort").as_string(), "a b!");
  EXPECT_EQ(once(Verb::get, "/users/%zz/notes/7").result(), Status::not_found);
}

TEST_F(ServerTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  start();
  auto missing = once(Verb::get, "/nope");
  EXPECT_EQ(missing.result(), Status::not_found);
  EXPECT_EQ(boost::json::parse(missing.body()).at("code").as_string(), "NotFound");
  auto wrong = once(Verb::delete_, "/hello");
  EXPECT_EQ(wrong.result(), Status::method_not_allowed);
  EXPECT_EQ(wrong[bhttp::field::allow], "GET, POST");
}

TEST_F(ServerTest, MalformedRequestGets400AndTheConnectionCloses) {
  start();
  auto s = connect();
  net::write(s, net::buffer(std::string("GET /hello HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")));
  bhttp::response<bhttp::string_body> res;
  bhttp::read(s, buffer_, res);
  EXPECT_EQ(res.result(), Status::bad_request);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_NE(boost::json::parse(res.body()).at("message").as_string().find("malformed"), std::string::npos);
  char c;
  boost::system::error_code ec;
  s.read_some(net::buffer(&c, 1), ec);
  EXPECT_EQ(ec, net::error::eof);
}

TEST_F(ServerTest, OversizedBodyIs413AndOversizedHeaderIs431) {
  start();
  EXPECT_EQ(once(Verb::post, "/hello", std::string(2000, 'x')).result(), Status::payload_too_large);
  auto s = connect();
  bhttp::request<bhttp::string_body> req{Verb::get, "/hello", 11};
  req.set("X-Big", std::string(4000, 'y'));
  bhttp::write(s, req);
  bhttp::response<bhttp::string_body> res;
  bhttp::read(s, buffer_, res);
  EXPECT_EQ(res.result(), Status::request_header_fields_too_large);
}

TEST_F(ServerTest, AHandlerMayAnswerLater) {
  start();
  auto s = connect();
  EXPECT_EQ(exchange(s, Verb::get, "/later").result(), Status::no_content);
  EXPECT_EQ(exchange(s, Verb::get, "/hello").result(), Status::ok);
}

TEST_F(ServerTest, ForgottenAndThrowingHandlersAnswer500) {
  start();
  EXPECT_EQ(once(Verb::get, "/forgotten").result(), Status::internal_server_error);
  EXPECT_EQ(once(Verb::get, "/throws").result(), Status::internal_server_error);
  EXPECT_EQ(server_->metrics().responses_by_status[500], 2u);
}

TEST_F(ServerTest, WebSocketUpgradeExchangesFramesAndCloses) {
  start();
  websocket::stream<tcp::socket> ws(connect());
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::request_type& req) { req.set(bhttp::field::authorization, "Bearer good"); }));
  ws.handshake("localhost", "/ws");
  beast::flat_buffer b;
  ws.read(b);
  EXPECT_EQ(beast::buffers_to_string(b.data()), "welcome");
  b.clear();
  ws.write(net::buffer(std::string("hi")));
  ws.read(b);
  EXPECT_EQ(beast::buffers_to_string(b.data()), "echo:hi");
  b.clear();
  ws.write(net::buffer(std::string("bye")));
  boost::system::error_code ec;
  ws.read(b, ec);
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(closed_.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
}

TEST_F(ServerTest, WebSocketRouteRejectsWithoutCredentialsAndPlainGetGets426) {
  start();
  websocket::stream<tcp::socket> ws(connect());
  boost::system::error_code ec;
  websocket::response_type res;
  ws.handshake(res, "localhost", "/ws", ec);
  EXPECT_TRUE(ec);
  EXPECT_EQ(res.result(), Status::unauthorized);
  EXPECT_EQ(once(Verb::get, "/ws").result(), Status::upgrade_required);
}

TEST_F(ServerTest, StopClosesIdleConnectionsAndFinishesBusyOnes) {
  start();
  auto idle = connect();
  EXPECT_EQ(exchange(idle, Verb::get, "/hello").result(), Status::ok);
  auto busy = connect();
  bhttp::request<bhttp::string_body> req{Verb::get, "/later", 11};
  bhttp::write(busy, req);
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  net::post(io_, [this] { server_->stop(); });
  bhttp::response<bhttp::string_body> res;
  bhttp::read(busy, buffer_, res);
  EXPECT_EQ(res.result(), Status::no_content);
  EXPECT_FALSE(res.keep_alive());
  char c;
  boost::system::error_code ec;
  idle.read_some(net::buffer(&c, 1), ec);
  EXPECT_EQ(ec, net::error::eof);
}

TEST_F(ServerTest, MetricsCountResponsesByCode) {
  start();
  once(Verb::get, "/hello");
  once(Verb::get, "/nope");
  std::promise<std::string> text;
  net::post(io_, [&] {
    MetricsWriter w;
    server_->collect(w);
    text.set_value(w.text());
  });
  std::string metrics = text.get_future().get();
  EXPECT_NE(metrics.find("cvw_http_responses_total{code=\"200\"} 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("cvw_http_responses_total{code=\"404\"} 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("# TYPE cvw_http_connections_open gauge"), std::string::npos);
}

class TlsServerTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    dir_ = std::filesystem::temp_directory_path() / ("cvw-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    cert_ = (dir_ / "cert.pem").string();
    key_ = (dir_ / "key.pem").string();
  }
  void TearDown() override {
    ServerTest::TearDown();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::string cert_, key_;
};

TEST_F(TlsServerTest, SelfSignedCertificateServesHttpsThatVerifies) {
  auto created = ensure_self_signed(cert_, key_, {"localhost", "127.0.0.1"});
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_TRUE(*created);
  EXPECT_EQ(std::filesystem::status(key_).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto again = ensure_self_signed(cert_, key_, {"localhost"});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);  // kept, not replaced

  auto tls = make_server_tls(cert_, key_);
  ASSERT_TRUE(tls.ok()) << tls.error().message;
  ServerConfig config;
  config.tls = *tls;
  start(config);

  net::ssl::context client_tls(net::ssl::context::tls_client);
  client_tls.load_verify_file(cert_);
  client_tls.set_verify_mode(net::ssl::verify_peer);
  beast::ssl_stream<tcp::socket> s(connect(), client_tls);
  s.set_verify_callback(net::ssl::host_name_verification("localhost"));
  s.handshake(net::ssl::stream_base::client);
  auto res = exchange(s, Verb::get, "/hello");
  EXPECT_EQ(res.result(), Status::ok);
  EXPECT_EQ(boost::json::parse(res.body()).at("hello").as_string(), "world");
}

TEST_F(TlsServerTest, MismatchedOrMissingFilesAreNamed) {
  auto missing = make_server_tls(cert_, key_);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find(cert_), std::string::npos);
  ASSERT_TRUE(ensure_self_signed(cert_, key_, {"localhost"}).ok());
  std::filesystem::remove(key_);
  auto half = ensure_self_signed(cert_, key_, {"localhost"});
  ASSERT_FALSE(half.ok());
  EXPECT_NE(half.error().message.find("only one of"), std::string::npos);
}

TEST(MetricsWriter, EscapesLabelValues) {
  MetricsWriter w;
  w.family("x_total", MetricsWriter::Type::Counter, "x.");
  w.sample("x_total", std::uint64_t{3}, {{"a", "q\"b\\c\nd"}});
  EXPECT_EQ(w.text(), "# HELP x_total x.\n# TYPE x_total counter\nx_total{a=\"q\\\"b\\\\c\\nd\"} 3\n");
}

TEST(MetricsWriter, GaugeAndCounterWriteAFamilyOfOneSample) {
  MetricsWriter w;
  w.gauge("x_open", "Open now.", 7);
  w.counter("y_total", "Done.", 12);
  EXPECT_EQ(w.text(),
            "# HELP x_open Open now.\n# TYPE x_open gauge\nx_open 7\n"
            "# HELP y_total Done.\n# TYPE y_total counter\ny_total 12\n");
}

}  // namespace
}  // namespace cvw::http
