// The event channel over real loopback sockets: the HTTP server and the hub on
// an io_context thread, Beast clients in the test thread. Every client read
// has a deadline, so a missing answer fails the test instead of hanging it.
#include "events/routes.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <future>
#include <regex>
#include <thread>

#include "common/asio_timer_service.hpp"
#include "http/server.hpp"

namespace cvw::events {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

using WsClient = websocket::stream<beast::tcp_stream>;

// Tokens "Bearer <name>/<session>" stand in for the application's sessions.
std::optional<Principal> test_authenticate(const http::Request& request) {
  std::string_view auth = request[bhttp::field::authorization];
  if (!auth.starts_with("Bearer ")) return std::nullopt;
  auth.remove_prefix(7);
  const std::size_t slash = auth.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  return Principal{"sip:" + std::string(auth.substr(0, slash)) + "@example.com",
                   std::string(auth.substr(slash + 1))};
}

const std::string kAlice = "sip:alice@example.com";
const std::string kBob = "sip:bob@example.com";

struct Reply {
  beast::error_code ec;
  bhttp::response<bhttp::string_body> res;
  boost::json::object body;

  const boost::json::array& events() const { return body.at("events").as_array(); }
  std::string next() const { return std::string(body.at("_links").at("next").as_string()); }
  std::string subcode() const {
    return body.contains("subcode") ? std::string(body.at("subcode").as_string()) : "";
  }
  std::string message() const {
    return body.contains("message") ? std::string(body.at("message").as_string()) : "";
  }
};

struct Frame {
  beast::error_code ec;
  std::string text;
  boost::json::object json() const { return boost::json::parse(text).as_object(); }
};

// One keep-alive HTTP connection.
struct HttpClient {
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
};

std::vector<std::int64_t> seqs_of(const boost::json::array& events) {
  std::vector<std::int64_t> out;
  for (const auto& e : events) out.push_back(e.at("seq").as_int64());
  return out;
}

class EventChannelTest : public ::testing::Test {
 protected:
  void start(EventHubConfig config = {}) {
    hub_ = std::make_unique<EventHub>(*timers_, config);
    register_event_routes(router_, *hub_, test_authenticate);
    http::ServerConfig server_config;
    server_config.listen = tcp::endpoint(net::ip::make_address("127.0.0.1"), 0);
    server_ = std::make_unique<http::Server>(io_, server_config, router_);
    ASSERT_TRUE(server_->start().ok());
    port_ = server_->local_endpoint().port();
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (thread_.joinable()) {
      net::post(io_, [this] {
        hub_.reset();     // answers held polls, closes sockets, cancels its timers
        timers_.reset();  // its Asio timer would hold run() until the next due time
        server_->stop();
      });
      work_.reset();
      thread_.join();
    }
  }

  // Runs `fn` on the server's thread, where the hub lives, and returns its result.
  template <typename F>
  auto on_loop(F fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    net::post(io_, [&task] { task(); });
    return result.get();
  }

  void publish(const std::string& user, const std::string& type, boost::json::object data = {},
               std::optional<std::string> operation_id = {}) {
    on_loop([&] { hub_->publish(user, type, std::move(data), std::move(operation_id)); });
  }

  void open_channel(const std::string& user, const std::string& session) {
    on_loop([&] { return hub_->open_channel(Principal{user, session}); });
  }

  std::optional<ChannelState> state(const std::string& session) {
    return on_loop([&] { return hub_->channel_state(session); });
  }

  // Waits (up to 5 s) for the hub to reach a state the client cannot see.
  template <typename Pred>
  bool wait_until(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (on_loop(pred)) return true;
      std::this_thread::sleep_for(2ms);
    }
    return false;
  }

  bool poll_held(const std::string& session) {
    return wait_until([&] {
      auto s = hub_->channel_state(session);
      return s && s->poll_held;
    });
  }

  // Runs the client's handlers until `done`. Not run(): a WebSocket's idle
  // timer stays pending between reads and run() would wait for it.
  void run_until(const bool& done) {
    client_io_.restart();
    while (!done && client_io_.run_one()) {
    }
  }

  std::unique_ptr<HttpClient> connect() {
    auto client = std::make_unique<HttpClient>(HttpClient{beast::tcp_stream(client_io_), {}});
    client->stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    return client;
  }

  void send_get(HttpClient& client, const std::string& target, const std::string& token) {
    bhttp::request<bhttp::empty_body> request{bhttp::verb::get, target, 11};
    request.set(bhttp::field::host, "localhost");
    if (!token.empty()) request.set(bhttp::field::authorization, "Bearer " + token);
    bhttp::write(client.stream, request);
  }

  Reply read_reply(HttpClient& client) {
    Reply reply;
    bool done = false;
    client.stream.expires_after(10s);
    bhttp::async_read(client.stream, client.buffer, reply.res,
                      [&](beast::error_code ec, std::size_t) {
                        reply.ec = ec;
                        done = true;
                      });
    run_until(done);
    if (!reply.ec && reply.res[bhttp::field::content_type] == "application/json")
      reply.body = boost::json::parse(reply.res.body()).as_object();
    return reply;
  }

  Reply get(const std::string& target, const std::string& token) {
    auto client = connect();
    send_get(*client, target, token);
    return read_reply(*client);
  }

  Reply poll(const std::string& token, const std::string& query = "") {
    return get("/api/v1/events" + (query.empty() ? "" : "?" + query), token);
  }

  // Opens a WebSocket; on a refused handshake returns null and fills `refused`.
  std::unique_ptr<WsClient> open_socket(const std::string& token, const std::string& query = "",
                                        websocket::response_type* refused = nullptr) {
    auto ws = std::make_unique<WsClient>(client_io_);
    beast::get_lowest_layer(*ws).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    ws->set_option(websocket::stream_base::decorator([token](websocket::request_type& request) {
      if (!token.empty()) request.set(bhttp::field::authorization, "Bearer " + token);
    }));
    // No frame for 5 s closes the socket: a missing frame fails the read.
    ws->set_option(websocket::stream_base::timeout{5s, 5s, false});
    websocket::response_type response;
    beast::error_code ec;
    bool done = false;
    ws->async_handshake(response, "localhost",
                        "/api/v1/events/ws" + (query.empty() ? "" : "?" + query),
                        [&](beast::error_code e) {
                          ec = e;
                          done = true;
                        });
    run_until(done);
    if (ec) {
      if (refused) *refused = response;
      return nullptr;
    }
    return ws;
  }

  Frame read_frame(WsClient& ws) {
    Frame frame;
    beast::flat_buffer buffer;
    bool done = false;
    ws.async_read(buffer, [&](beast::error_code ec, std::size_t) {
      frame.ec = ec;
      done = true;
    });
    run_until(done);
    frame.text = beast::buffers_to_string(buffer.data());
    return frame;
  }

  void send_frame(WsClient& ws, const std::string& text) {
    ws.text(true);
    ws.write(net::buffer(text));
  }

  // What must be declared first is destroyed last: the io_context outlives
  // the timers, the hub and the server that use it.
  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(io_);
  net::io_context client_io_;
  std::unique_ptr<AsioTimerService> timers_ = std::make_unique<AsioTimerService>(io_);
  http::Router router_;
  std::unique_ptr<EventHub> hub_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  unsigned short port_ = 0;
};

TEST_F(EventChannelTest, APublishedEventIsPolledWithItsOperationIdAndTime) {
  start();
  open_channel(kAlice, "a1");
  publish(kAlice, "callState", {{"state", "ringing"}}, "op-7");
  publish(kAlice, "presence", {{"availability", "busy"}});
  Reply reply = poll("alice/a1");
  ASSERT_FALSE(reply.ec) << reply.ec.message();
  ASSERT_EQ(reply.res.result(), http::Status::ok);
  EXPECT_EQ(reply.res[bhttp::field::cache_control], "no-store");
  ASSERT_EQ(reply.events().size(), 2u);
  const auto& first = reply.events()[0].as_object();
  EXPECT_EQ(first.at("seq").as_int64(), 1);
  EXPECT_EQ(first.at("type").as_string(), "callState");
  EXPECT_EQ(first.at("operationId").as_string(), "op-7");
  EXPECT_EQ(first.at("data").at("state").as_string(), "ringing");
  EXPECT_TRUE(std::regex_match(std::string(first.at("time").as_string()),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << first.at("time");
  const auto& second = reply.events()[1].as_object();
  EXPECT_EQ(second.at("seq").as_int64(), 2);
  EXPECT_FALSE(second.contains("operationId"));
  EXPECT_EQ(reply.next(), "/api/v1/events?ack=2");
}

TEST_F(EventChannelTest, AnEventStaysUntilAcknowledgedAndARepeatedPollGetsItAgain) {
  start();
  open_channel(kAlice, "a1");
  for (const char* type : {"a", "b", "c"}) publish(kAlice, type);
  EXPECT_EQ(seqs_of(poll("alice/a1", "ack=0").events()), (std::vector<std::int64_t>{1, 2, 3}));
  // The answer was lost: the client asks again with the same ack.
  EXPECT_EQ(seqs_of(poll("alice/a1", "ack=0").events()), (std::vector<std::int64_t>{1, 2, 3}));
  Reply acked = poll("alice/a1", "ack=2");
  EXPECT_EQ(seqs_of(acked.events()), (std::vector<std::int64_t>{3}));
  EXPECT_EQ(acked.next(), "/api/v1/events?ack=3");
  EXPECT_EQ(state("a1")->queued, 1u);
  // An older ack cannot bring back what was acknowledged.
  EXPECT_EQ(seqs_of(poll("alice/a1", "ack=1").events()), (std::vector<std::int64_t>{3}));
}

TEST_F(EventChannelTest, AHeldPollIsAnsweredWhenAnEventIsPublished) {
  start();
  auto client = connect();
  const auto began = std::chrono::steady_clock::now();
  send_get(*client, "/api/v1/events?timeout=60", "alice/a1");
  ASSERT_TRUE(poll_held("a1"));
  publish(kAlice, "callState", {{"state", "connected"}}, "op-1");
  Reply reply = read_reply(*client);
  ASSERT_EQ(reply.res.result(), http::Status::ok);
  ASSERT_EQ(reply.events().size(), 1u);
  EXPECT_EQ(reply.events()[0].at("operationId").as_string(), "op-1");
  EXPECT_LT(std::chrono::steady_clock::now() - began, 5s);
  // The same connection serves the next poll (keep-alive).
  send_get(*client, "/api/v1/events?ack=1&timeout=60", "alice/a1");
  ASSERT_TRUE(poll_held("a1"));
  publish(kAlice, "b");
  EXPECT_EQ(seqs_of(read_reply(*client).events()), (std::vector<std::int64_t>{2}));
}

TEST_F(EventChannelTest, AHeldPollTimesOutWithAnEmptyList) {
  start();
  const auto began = std::chrono::steady_clock::now();
  Reply reply = poll("alice/a1", "timeout=1");
  const auto took = std::chrono::steady_clock::now() - began;
  ASSERT_EQ(reply.res.result(), http::Status::ok);
  EXPECT_TRUE(reply.events().empty());
  EXPECT_EQ(reply.next(), "/api/v1/events?ack=0");
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 5s);
}

TEST_F(EventChannelTest, ASecondPollAnswersTheFirstWith409) {
  start();
  auto first = connect();
  send_get(*first, "/api/v1/events?timeout=60", "alice/a1");
  ASSERT_TRUE(poll_held("a1"));
  auto second = connect();
  send_get(*second, "/api/v1/events?timeout=60", "alice/a1");
  Reply replaced = read_reply(*first);
  EXPECT_EQ(replaced.res.result(), http::Status::conflict);
  EXPECT_EQ(replaced.subcode(), "PollReplaced");
  publish(kAlice, "a");
  EXPECT_EQ(seqs_of(read_reply(*second).events()), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(on_loop([&] { return hub_->metrics().polls_replaced; }), 1u);
}

TEST_F(EventChannelTest, BadParametersAre400NamingTheParameter) {
  start();
  for (const char* query : {"ack=x", "ack=-1", "ack=1.5", "ack=9007199254740992", "timeout=0",
                            "timeout=121", "timeout=abc", "ack=0&timeout="}) {
    Reply reply = poll("alice/a1", query);
    EXPECT_EQ(reply.res.result(), http::Status::bad_request) << query;
    EXPECT_EQ(reply.body.at("code").as_string(), "BadRequest") << query;
    EXPECT_EQ(reply.subcode(), "InvalidParameter") << query;
    const std::string parameter =
        std::string(query).find("timeout") != std::string::npos ? "'timeout'" : "'ack'";
    EXPECT_NE(reply.message().find(parameter), std::string::npos)
        << query << ": " << reply.message();
  }
  open_channel(kAlice, "a1");
  publish(kAlice, "a");
  Reply beyond = poll("alice/a1", "ack=2");
  EXPECT_EQ(beyond.res.result(), http::Status::bad_request);
  EXPECT_NE(beyond.message().find("'ack' is 2, beyond the last event of this channel (1)"),
            std::string::npos)
      << beyond.message();
  EXPECT_EQ(state("a1")->queued, 1u);  // a refused poll acknowledges nothing

  websocket::response_type refused;
  EXPECT_EQ(open_socket("alice/a1", "ack=x", &refused), nullptr);
  EXPECT_EQ(refused.result(), http::Status::bad_request);
  EXPECT_EQ(open_socket("alice/a1", "ack=5", &refused), nullptr);
  EXPECT_EQ(refused.result(), http::Status::bad_request);
}

TEST_F(EventChannelTest, UnauthenticatedRequestsAre401) {
  start();
  Reply reply = poll("");
  EXPECT_EQ(reply.res.result(), http::Status::unauthorized);
  EXPECT_EQ(reply.body.at("code").as_string(), "Authentication");
  EXPECT_EQ(poll("no-session-part").res.result(), http::Status::unauthorized);
  websocket::response_type refused;
  EXPECT_EQ(open_socket("", "", &refused), nullptr);
  EXPECT_EQ(refused.result(), http::Status::unauthorized);
  EXPECT_EQ(on_loop([&] { return hub_->channels_open(); }), 0u);
}

TEST_F(EventChannelTest, AUserNeverReceivesAnotherUsersEventsByPoll) {
  start();
  open_channel(kAlice, "a1");
  open_channel(kBob, "b1");
  publish(kAlice, "aliceOnly", {{"secret", "alice"}});
  publish(kBob, "bobOnly");
  Reply bob = poll("bob/b1");
  ASSERT_EQ(bob.events().size(), 1u);
  EXPECT_EQ(bob.events()[0].at("type").as_string(), "bobOnly");
  EXPECT_EQ(bob.res.body().find("alice"), std::string::npos);
  Reply alice = poll("alice/a1");
  ASSERT_EQ(alice.events().size(), 1u);
  EXPECT_EQ(alice.events()[0].at("type").as_string(), "aliceOnly");
  // Bob presenting Alice's session id does not get her channel.
  Reply impostor = poll("bob/a1");
  EXPECT_EQ(impostor.res.result(), http::Status::forbidden);
  EXPECT_EQ(impostor.res.body().find("secret"), std::string::npos);
  websocket::response_type refused;
  EXPECT_EQ(open_socket("bob/a1", "", &refused), nullptr);
  EXPECT_EQ(refused.result(), http::Status::forbidden);
}

TEST_F(EventChannelTest, AUserNeverReceivesAnotherUsersEventsByWebSocket) {
  start();
  auto alice = open_socket("alice/a1");
  auto bob = open_socket("bob/b1");
  ASSERT_TRUE(alice && bob);
  publish(kAlice, "aliceOnly");
  publish(kBob, "bobOnly");
  // Bob's first frame is his own event: Alice's was never sent to him.
  Frame frame = read_frame(*bob);
  ASSERT_FALSE(frame.ec) << frame.ec.message();
  EXPECT_EQ(frame.json().at("type").as_string(), "bobOnly");
  EXPECT_EQ(frame.json().at("seq").as_int64(), 1);
  frame = read_frame(*alice);
  ASSERT_FALSE(frame.ec) << frame.ec.message();
  EXPECT_EQ(frame.json().at("type").as_string(), "aliceOnly");
  EXPECT_EQ(state("b1")->queued, 1u);
  EXPECT_EQ(state("a1")->queued, 1u);
}

TEST_F(EventChannelTest, TwoSessionsOfOneUserBothReceiveEveryEvent) {
  start();
  open_channel(kAlice, "a1");
  auto socket = open_socket("alice/a2");
  ASSERT_TRUE(socket);
  publish(kAlice, "callState");
  Frame frame = read_frame(*socket);
  ASSERT_FALSE(frame.ec);
  EXPECT_EQ(frame.json().at("type").as_string(), "callState");
  send_frame(*socket, R"({"ack": 1})");
  ASSERT_TRUE(wait_until([&] { return hub_->channel_state("a2")->queued == 0; }));
  // The other session's acknowledgement is not this one's.
  Reply reply = poll("alice/a1");
  ASSERT_EQ(reply.events().size(), 1u);
  EXPECT_EQ(reply.events()[0].at("type").as_string(), "callState");
}

TEST_F(EventChannelTest, AReconnectingWebSocketGetsTheUnacknowledgedEventsAgain) {
  start();
  auto socket = open_socket("alice/a1");
  ASSERT_TRUE(socket);
  for (const char* type : {"a", "b", "c"}) publish(kAlice, type);
  for (int seq = 1; seq <= 3; ++seq)
    EXPECT_EQ(read_frame(*socket).json().at("seq").as_int64(), seq);
  socket->close(websocket::close_code::normal);
  ASSERT_TRUE(wait_until([&] { return !hub_->channel_state("a1")->socket_open; }));
  publish(kAlice, "d");  // while no transport is open
  auto again = open_socket("alice/a1", "ack=1");
  ASSERT_TRUE(again);
  std::vector<std::string> types;
  for (int i = 0; i < 3; ++i) {
    Frame frame = read_frame(*again);
    ASSERT_FALSE(frame.ec) << frame.ec.message();
    types.emplace_back(frame.json().at("type").as_string());
  }
  EXPECT_EQ(types, (std::vector<std::string>{"b", "c", "d"}));
}

TEST_F(EventChannelTest, AckFramesDropEventsAndAnAckBeyondTheLastGetsAnErrorFrame) {
  start();
  auto socket = open_socket("alice/a1");
  ASSERT_TRUE(socket);
  publish(kAlice, "a");
  publish(kAlice, "b");
  read_frame(*socket);
  read_frame(*socket);
  send_frame(*socket, R"({"ack": 1})");
  ASSERT_TRUE(wait_until([&] { return hub_->channel_state("a1")->queued == 1; }));
  send_frame(*socket, R"({"ack": 2})");
  ASSERT_TRUE(wait_until([&] { return hub_->channel_state("a1")->queued == 0; }));
  send_frame(*socket, R"({"ack": 3})");
  Frame error = read_frame(*socket);
  ASSERT_FALSE(error.ec);
  EXPECT_NE(
      std::string(error.json().at("error").as_string()).find("beyond the last event sent (2)"),
      std::string::npos)
      << error.text;
}

TEST_F(EventChannelTest, AMalformedFrameGetsAnErrorFrameAndTheSocketStays) {
  start();
  auto socket = open_socket("alice/a1");
  ASSERT_TRUE(socket);
  for (const char* bad : {"not json", "[1]", R"({"ack": "one"})", R"({"ack": -4})", "{}"}) {
    send_frame(*socket, bad);
    Frame error = read_frame(*socket);
    ASSERT_FALSE(error.ec) << bad << ": " << error.ec.message();
    EXPECT_TRUE(error.json().contains("error")) << bad << ": " << error.text;
  }
  publish(kAlice, "stillHere");
  Frame frame = read_frame(*socket);
  ASSERT_FALSE(frame.ec);
  EXPECT_EQ(frame.json().at("type").as_string(), "stillHere");
}

TEST_F(EventChannelTest, AWebSocketReplacesAHeldPoll) {
  start();
  auto client = connect();
  send_get(*client, "/api/v1/events?timeout=60", "alice/a1");
  ASSERT_TRUE(poll_held("a1"));
  auto socket = open_socket("alice/a1");
  ASSERT_TRUE(socket);
  Reply replaced = read_reply(*client);
  EXPECT_EQ(replaced.res.result(), http::Status::conflict);
  EXPECT_EQ(replaced.subcode(), "PollReplaced");
  publish(kAlice, "a");
  EXPECT_EQ(read_frame(*socket).json().at("type").as_string(), "a");
}

TEST_F(EventChannelTest, APollOrANewerWebSocketReplacesAWebSocket) {
  start();
  auto first = open_socket("alice/a1");
  ASSERT_TRUE(first);
  auto second = open_socket("alice/a1");
  ASSERT_TRUE(second);
  Frame last = read_frame(*first);
  ASSERT_FALSE(last.ec);
  EXPECT_EQ(last.text, R"({"type":"replaced"})");
  EXPECT_EQ(read_frame(*first).ec, websocket::error::closed);

  publish(kAlice, "a");
  EXPECT_EQ(read_frame(*second).json().at("type").as_string(), "a");
  Reply reply = poll("alice/a1");  // the poll takes over and gets the unacknowledged event
  EXPECT_EQ(seqs_of(reply.events()), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(read_frame(*second).text, R"({"type":"replaced"})");
  EXPECT_EQ(read_frame(*second).ec, websocket::error::closed);
  EXPECT_EQ(on_loop([&] { return hub_->metrics().polls_replaced; }), 2u);
}

TEST_F(EventChannelTest, LogoutEndsThePollAndTheSocket) {
  start();
  auto client = connect();
  send_get(*client, "/api/v1/events?timeout=60", "alice/a1");
  ASSERT_TRUE(poll_held("a1"));
  auto socket = open_socket("alice/a2");
  ASSERT_TRUE(socket);
  on_loop([&] {
    hub_->close_session("a1");
    hub_->close_session("a2");
  });
  Reply ended = read_reply(*client);
  EXPECT_EQ(ended.res.result(), http::Status::unauthorized);
  EXPECT_EQ(ended.subcode(), "SessionEnded");
  EXPECT_EQ(read_frame(*socket).text, R"({"type":"sessionEnded"})");
  EXPECT_EQ(read_frame(*socket).ec, websocket::error::closed);
  EXPECT_EQ(on_loop([&] { return hub_->channels_open(); }), 0u);
  publish(kAlice, "afterLogout");  // no channel: nothing kept
  EXPECT_EQ(on_loop([&] { return hub_->channels_open(); }), 0u);
}

TEST_F(EventChannelTest, AnOverflowingChannelDeliversOneResync) {
  start(EventHubConfig{3, std::chrono::minutes(10)});
  open_channel(kAlice, "a1");
  for (const char* type : {"e1", "e2", "e3", "e4", "e5"}) publish(kAlice, type);
  Reply reply = poll("alice/a1");
  std::vector<std::string> types;
  for (const auto& e : reply.events()) types.emplace_back(e.at("type").as_string());
  EXPECT_EQ(types, (std::vector<std::string>{"e4", "resync", "e5"}));
  EXPECT_EQ(on_loop([&] { return hub_->metrics().overflows; }), 1u);
}

TEST_F(EventChannelTest, AnIdleChannelIsFreedAndComesBackWithResync) {
  start(EventHubConfig{1000, 300ms});
  open_channel(kAlice, "a1");
  publish(kAlice, "a");
  EXPECT_EQ(seqs_of(poll("alice/a1").events()), (std::vector<std::int64_t>{1}));
  ASSERT_TRUE(wait_until([&] { return hub_->channels_open() == 0; }));
  Reply reply = poll("alice/a1", "ack=1");
  ASSERT_EQ(reply.events().size(), 1u);
  EXPECT_EQ(reply.events()[0].at("type").as_string(), "resync");
  EXPECT_EQ(reply.events()[0].at("seq").as_int64(), 2);
  EXPECT_EQ(reply.next(), "/api/v1/events?ack=2");
}

TEST_F(EventChannelTest, MetricsCountWhatHappened) {
  start();
  auto socket = open_socket("alice/a1");
  ASSERT_TRUE(socket);
  open_channel(kAlice, "a2");
  publish(kAlice, "a");
  read_frame(*socket);
  poll("alice/a2");
  std::string text = on_loop([&] {
    MetricsWriter writer;
    hub_->collect(writer);
    return writer.text();
  });
  EXPECT_NE(text.find("# TYPE cvw_events_channels_open gauge\ncvw_events_channels_open 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("cvw_events_published_total 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("cvw_events_delivered_total{transport=\"websocket\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("cvw_events_delivered_total{transport=\"longpoll\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("cvw_events_polls_replaced_total 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("cvw_events_overflows_total 0\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace cvw::events
