// TCP: Content-Length framing of a byte stream (RFC 3261 §18.3), keep-alive
// CRLFs (RFC 5626 §3.5.1), fatal framing errors, responses on the connection
// the request came on (§18.2.2), connection reuse, idle close and connect
// failures. The TransportLayer under test on one side, raw Asio sockets on
// the other.
#include <gtest/gtest.h>

#include <algorithm>

#include "sip/response_routing.hpp"
#include "transport_test_support.hpp"

namespace cvw::sip::transport::test {
namespace {

TransportConfig tcp_config(std::chrono::seconds idle = std::chrono::seconds(300)) {
  TransportConfig c = config_for({"tcp:127.0.0.1:0", "tcp:[::1]:0"});
  c.limits.max_message_size = 4096;
  c.idle_timeout = idle;
  return c;
}

class TcpTransport : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<void> started = layer->start();
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

  tcp::endpoint server4() const { return {kLoopback4, layer.port(Protocol::Tcp, false)}; }
  tcp::endpoint server6() const { return {kLoopback6, layer.port(Protocol::Tcp, true)}; }

  // A request as a TCP client bound to `port` writes it.
  static RequestText request_from(std::uint16_t port, std::string_view call_id = "call-1@test") {
    RequestText r;
    std::string branch = "z9hG4bK-tcp-" + std::string(call_id);
    std::replace(branch.begin(), branch.end(), '@', '.');  // '@' is no token character
    r.via = "SIP/2.0/TCP 127.0.0.1:" + std::to_string(port) + ";branch=" + branch;
    r.call_id = std::string(call_id);
    return r;
  }
  static RequestText request_from(const RawTcp& client, std::string_view call_id = "call-1@test") {
    return request_from(client.local_port(), call_id);
  }

  bool wait_delivered(std::size_t n) {
    return run_until(io, [&] { return layer.delivered.size() >= n; });
  }

  asio::io_context io;
  Layer layer{io, tcp_config()};
};

// --- framing ----------------------------------------------------------------

TEST_F(TcpTransport, RequestArrivesWithItsConnection) {
  RawTcp client(io);
  client.connect(server4());
  client.write(request_from(client).wire());
  ASSERT_TRUE(wait_delivered(1));

  const Delivered& d = layer.delivered[0];
  EXPECT_EQ(d.message.method(), Method::Options);
  EXPECT_EQ(d.source.protocol, Protocol::Tcp);
  EXPECT_EQ(d.source.address, kLoopback4);
  EXPECT_EQ(d.source.port, client.local_port());
  EXPECT_NE(d.source.connection, 0u);
  EXPECT_EQ(layer.metrics().connections_opened, 1u);
  EXPECT_EQ(layer.metrics().received, 1u);
}

TEST_F(TcpTransport, MessageSplitAcrossManyWritesIsFramedRight) {
  RawTcp client(io);
  client.connect(server4());
  RequestText r = request_from(client);
  r.request_line = "MESSAGE sip:bob@127.0.0.1 SIP/2.0";
  r.cseq = "1 MESSAGE";
  r.extra = "Content-Type: text/plain\r\n";
  r.body = "hello over a slow stream\r\n\r\nwith a blank line inside";
  const std::string wire = r.wire();
  const std::size_t header_end = wire.find("\r\n\r\n") + 4;

  // The headers byte by byte, letting the transport read after each one.
  for (std::size_t i = 0; i < header_end; ++i) {
    client.write(wire.substr(i, 1));
    io.poll();
  }
  // The body in two pieces; nothing may be delivered before the last byte.
  const std::size_t half = header_end + r.body.size() / 2;
  client.write(wire.substr(header_end, half - header_end));
  client.write(wire.substr(half, wire.size() - half - 1));
  run_for(io, 30ms);
  EXPECT_TRUE(layer.delivered.empty()) << "delivered before the body was complete";
  client.write(wire.substr(wire.size() - 1));
  ASSERT_TRUE(wait_delivered(1));

  ASSERT_EQ(layer.delivered.size(), 1u);
  EXPECT_EQ(layer.delivered[0].message.method(), Method::Message);
  EXPECT_EQ(layer.delivered[0].message.body(), r.body);
  EXPECT_EQ(layer.metrics().dropped, 0u);
  EXPECT_EQ(layer.metrics().connections_closed, 0u);
}

TEST_F(TcpTransport, TwoMessagesInOneWriteBothArrive) {
  RawTcp client(io);
  client.connect(server4());
  RequestText first = request_from(client, "first@test");
  first.request_line = "MESSAGE sip:bob@127.0.0.1 SIP/2.0";
  first.cseq = "1 MESSAGE";
  first.extra = "Content-Type: text/plain\r\n";
  first.body = "OPTIONS sip:not-a-message SIP/2.0\r\n\r\n";  // a body that looks like a start line
  RequestText second = request_from(client, "second@test");
  client.write(first.wire() + second.wire());
  ASSERT_TRUE(wait_delivered(2));
  run_for(io, 20ms);

  ASSERT_EQ(layer.delivered.size(), 2u);
  EXPECT_EQ(layer.delivered[0].message.header(HeaderId::CallId), "first@test");
  EXPECT_EQ(layer.delivered[0].message.body(), first.body);
  EXPECT_EQ(layer.delivered[1].message.header(HeaderId::CallId), "second@test");
  EXPECT_EQ(layer.delivered[0].source.connection, layer.delivered[1].source.connection);
  EXPECT_EQ(layer.metrics().received, 2u);
}

TEST_F(TcpTransport, LeadingCrlfKeepAlivesAreSkipped) {
  RawTcp client(io);
  client.connect(server4());
  client.write("\r\n\r\n");  // an RFC 5626 ping on its own
  run_for(io, 20ms);
  client.write("\r\n\r\n\r\n" + request_from(client, "a@test").wire() + "\r\n\r\n" +
               request_from(client, "b@test").wire());
  ASSERT_TRUE(wait_delivered(2));

  EXPECT_EQ(layer.delivered[0].message.header(HeaderId::CallId), "a@test");
  EXPECT_EQ(layer.delivered[1].message.header(HeaderId::CallId), "b@test");
  EXPECT_EQ(layer.metrics().dropped, 0u);
  EXPECT_EQ(layer.metrics().connections_closed, 0u);
  EXPECT_FALSE(client.closed());
}

TEST_F(TcpTransport, CompactContentLengthFramesTheBody) {
  RawTcp client(io);
  client.connect(server4());
  RequestText r = request_from(client);
  r.request_line = "MESSAGE sip:bob@127.0.0.1 SIP/2.0";
  r.cseq = "1 MESSAGE";
  r.content_length = false;
  r.extra = "c: text/plain\r\nl: 5\r\n";
  r.body = "12345";
  client.write(r.wire() + request_from(client, "after@test").wire());
  ASSERT_TRUE(wait_delivered(2));
  EXPECT_EQ(layer.delivered[0].message.body(), "12345");
  EXPECT_EQ(layer.delivered[1].message.header(HeaderId::CallId), "after@test");
}

TEST_F(TcpTransport, NoContentLengthClosesTheConnection) {
  RawTcp client(io);
  client.connect(server4());
  RequestText r = request_from(client);
  r.content_length = false;  // RFC 3261 §18.3: streams MUST use Content-Length
  client.write(r.wire());
  ASSERT_TRUE(run_until(io, [&] { return client.closed(); })) << "connection left open";

  EXPECT_TRUE(layer.delivered.empty());
  EXPECT_EQ(layer.metrics().connections_closed, 1u);
  EXPECT_EQ(layer.metrics().dropped, 1u);
  EXPECT_TRUE(client.received().empty()) << "a framing error is not answered: " << client.received();
}

TEST_F(TcpTransport, ContentLengthOverTheLimitClosesTheConnection) {
  RawTcp client(io);
  client.connect(server4());
  RequestText r = request_from(client);
  r.content_length = false;
  r.extra = "Content-Length: 100000\r\n";  // max_message_size is 4096
  client.write(r.wire() + std::string(1000, 'x'));
  ASSERT_TRUE(run_until(io, [&] { return client.closed(); })) << "connection left open";
  EXPECT_TRUE(layer.delivered.empty());
  EXPECT_EQ(layer.metrics().connections_closed, 1u);
}

TEST_F(TcpTransport, HeaderSectionOverTheLimitClosesTheConnection) {
  RawTcp client(io);
  client.connect(server4());
  RequestText r = request_from(client);
  std::string wire = r.wire();
  wire.resize(wire.find("\r\n\r\n") + 2);  // headers never end...
  for (int i = 0; wire.size() <= 4096 + 100; ++i) wire += "X-Filler-" + std::to_string(i) + ": " + std::string(60, 'f') + "\r\n";
  client.write(wire);
  ASSERT_TRUE(run_until(io, [&] { return client.closed(); })) << "connection left open";
  EXPECT_TRUE(layer.delivered.empty());
  EXPECT_EQ(layer.metrics().connections_closed, 1u);
}

TEST_F(TcpTransport, MessageJustUnderTheLimitIsDelivered) {
  RawTcp client(io);
  client.connect(server4());
  RequestText r = request_from(client);
  r.request_line = "MESSAGE sip:bob@127.0.0.1 SIP/2.0";
  r.cseq = "1 MESSAGE";
  r.extra = "Content-Type: text/plain\r\n";
  r.body = std::string(4096 - r.wire().size() - 3, 'b');  // "0" becomes 4 digits
  ASSERT_EQ(r.wire().size(), 4096u);
  client.write(r.wire());
  ASSERT_TRUE(wait_delivered(1));
  EXPECT_EQ(layer.delivered[0].message.body().size(), r.body.size());
  EXPECT_FALSE(client.closed());
}

// --- responses and stateless rejections on the same connection -----------

TEST_F(TcpTransport, ResponseToInboundConnectionGoesBackOnIt) {
  RawTcp client(io);
  client.connect(server4());
  client.write(request_from(client).wire());
  ASSERT_TRUE(wait_delivered(1));
  const Delivered& d = layer.delivered[0];

  const Peer back = reply_destination(d.message, d.source);
  EXPECT_EQ(back.connection, d.source.connection);
  EXPECT_EQ(d.reply_to, back) << "what the transport handed up with the request";
  const std::string wire = make_response(d.message, 200).serialize();
  layer->send(wire, back);
  ASSERT_TRUE(run_until(io, [&] { return client.received().size() >= wire.size(); }));
  EXPECT_EQ(client.received(), wire);
  EXPECT_EQ(layer.metrics().connections_opened, 1u) << "a new connection was opened for the response";
  EXPECT_EQ(layer.metrics().sent, 1u);
}

TEST_F(TcpTransport, ConnectionIdWinsOverAddressAndPort) {
  RawTcp client(io);
  client.connect(server4());
  client.write(request_from(client).wire());
  ASSERT_TRUE(wait_delivered(1));

  // Same connection id, but a port nothing listens on: the id picks the
  // connection, so the bytes still go back to the client.
  Peer to = layer.delivered[0].source;
  to.port = closed_tcp_port(io, kLoopback4);
  const std::string wire = ok_response("SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-x");
  layer->send(wire, to);
  ASSERT_TRUE(run_until(io, [&] { return client.received().size() >= wire.size(); }));
  EXPECT_EQ(client.received(), wire);
  EXPECT_EQ(layer.metrics().connections_opened, 1u);
  EXPECT_EQ(layer.metrics().send_errors, 0u);
}

TEST_F(TcpTransport, MalformedRequestGets400OnTheSameConnection) {
  RawTcp client(io);
  client.connect(server4());
  RequestText r = request_from(client);
  r.call_id.reset();
  client.write(r.wire());
  ASSERT_TRUE(run_until(io, [&] { return client.received().find("\r\n\r\n") != std::string::npos; }));
  std::optional<Message> reply = parse_wire(client.received());
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status(), 400);
  EXPECT_NE(reply->reason().find("Call-ID"), std::string_view::npos) << reply->reason();
  EXPECT_EQ(layer.metrics().rejected, 1u);
  EXPECT_EQ(layer.metrics().connections_opened, 1u);

  // A parse fault is not a framing fault: the connection stays usable.
  client.write(request_from(client, "next@test").wire());
  ASSERT_TRUE(wait_delivered(1));
  EXPECT_EQ(layer.delivered[0].message.header(HeaderId::CallId), "next@test");
  EXPECT_FALSE(client.closed());
}

TEST_F(TcpTransport, Ipv6RequestAndResponse) {
  RawTcp client(io);
  client.connect(server6());
  RequestText r;
  r.via = "SIP/2.0/TCP [::1]:" + std::to_string(client.local_port()) + ";branch=z9hG4bK-tcp6";
  client.write(r.wire());
  ASSERT_TRUE(wait_delivered(1));
  const Delivered& d = layer.delivered[0];
  EXPECT_EQ(d.source.address, kLoopback6);
  EXPECT_EQ(d.source.port, client.local_port());
  const std::string wire = make_response(d.message, 200).serialize();
  layer->send(wire, reply_destination(d.message, d.source));
  ASSERT_TRUE(run_until(io, [&] { return client.received().size() >= wire.size(); }));
  EXPECT_EQ(client.received(), wire);
}

// --- outbound connections ---------------------------------------------------

TEST_F(TcpTransport, SendOpensAConnectionAndASecondSendReusesIt) {
  RawTcpServer far(io, kLoopback4);
  const Peer to{Protocol::Tcp, kLoopback4, far.port(), 0};
  const std::string one = request_from(5060, "one@test").wire();
  const std::string two = request_from(5060, "two@test").wire();

  layer->send(one, to);
  ASSERT_TRUE(run_until(io, [&] { return !far.accepted().empty() && far.accepted()[0]->received() == one; }));
  EXPECT_EQ(layer.metrics().connections_opened, 1u);

  layer->send(two, to);
  ASSERT_TRUE(run_until(io, [&] { return far.accepted()[0]->received() == one + two; }));
  run_for(io, 20ms);
  EXPECT_EQ(far.accepted().size(), 1u) << "the second send opened another connection";
  EXPECT_EQ(layer.metrics().connections_opened, 1u);
  EXPECT_EQ(layer.metrics().sent, 2u);
  EXPECT_EQ(layer.metrics().send_errors, 0u);
}

TEST_F(TcpTransport, SendsBeforeTheConnectCompletesAreQueuedInOrder) {
  RawTcpServer far(io, kLoopback6);
  const Peer to{Protocol::Tcp, kLoopback6, far.port(), 0};
  std::string all;
  for (int i = 0; i < 5; ++i) {
    const std::string wire = ok_response("SIP/2.0/TCP [::1];branch=z9hG4bK-q" + std::to_string(i));
    layer->send(wire, to);
    all += wire;
  }
  ASSERT_TRUE(run_until(io, [&] { return !far.accepted().empty() && far.accepted()[0]->received() == all; }));
  EXPECT_EQ(far.accepted().size(), 1u);
  EXPECT_EQ(layer.metrics().connections_opened, 1u);
  EXPECT_EQ(layer.metrics().sent, 5u);
}

TEST_F(TcpTransport, MessagesOnAnOutboundConnectionAreDelivered) {
  RawTcpServer far(io, kLoopback4);
  layer->send(request_from(5060, "out@test").wire(), Peer{Protocol::Tcp, kLoopback4, far.port(), 0});
  ASSERT_TRUE(run_until(io, [&] { return !far.accepted().empty() && !far.accepted()[0]->received().empty(); }));
  far.accepted()[0]->write(ok_response("SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-tcp-out.test", "out@test"));
  ASSERT_TRUE(wait_delivered(1));
  const Delivered& d = layer.delivered[0];
  EXPECT_TRUE(d.message.is_response());
  EXPECT_EQ(d.message.status(), 200);
  EXPECT_EQ(d.source.port, far.port());
  EXPECT_NE(d.source.connection, 0u);
}

TEST_F(TcpTransport, ConnectFailureCountsASendErrorAndDoesNotCrash) {
  const Peer to{Protocol::Tcp, kLoopback4, closed_tcp_port(io, kLoopback4), 0};
  layer->send(ok_response(), to);
  ASSERT_TRUE(run_until(io, [&] { return layer.metrics().send_errors == 1; }));
  ASSERT_TRUE(run_until(io, [&] { return layer.metrics().connections_closed == 1; }));
  EXPECT_EQ(layer.metrics().connections_opened, 1u);
  EXPECT_EQ(layer.metrics().sent, 0u);

  // The failed connection is forgotten: the next send tries again.
  layer->send(ok_response(), to);
  ASSERT_TRUE(run_until(io, [&] { return layer.metrics().send_errors == 2; }));
  EXPECT_EQ(layer.metrics().connections_opened, 2u);

  // And the layer still works.
  RawTcp client(io);
  client.connect(server4());
  client.write(request_from(client).wire());
  ASSERT_TRUE(wait_delivered(1));
}

// RFC 3261 §18.4: a request whose connection cannot be opened is reported,
// so that its transaction ends as a 503 at once instead of at Timer B or F.
// A response is not: its server transaction ends by its own timers.
TEST_F(TcpTransport, ARequestThatCannotConnectIsReportedAndAResponseIsNot) {
  const std::uint16_t port = closed_tcp_port(io, kLoopback4);
  const Peer to{Protocol::Tcp, kLoopback4, port, 0};
  layer->send(ok_response(), to);
  ASSERT_TRUE(run_until(io, [&] { return layer.metrics().connections_closed == 1; }));
  EXPECT_TRUE(layer.failures.empty()) << "a response that cannot be sent is not reported";

  layer->send(request_from(5060).wire(), to);
  ASSERT_TRUE(run_until(io, [&] { return !layer.failures.empty(); }));
  ASSERT_EQ(layer.failures.size(), 1u);
  EXPECT_EQ(layer.failures[0], to);
  EXPECT_EQ(layer.failures[0].connection, 0u) << "the peer as a transaction names its next hop";
}

// --- connection lifetime ----------------------------------------------------

// A connection the peer closes while nothing of ours waits to be written
// is counted, and reports no failure: closing is not failing.
TEST_F(TcpTransport, PeerCloseIsCountedAndIsNoFailure) {
  RawTcp client(io);
  client.connect(server4());
  client.write(request_from(client).wire());
  ASSERT_TRUE(wait_delivered(1));
  client.close();
  ASSERT_TRUE(run_until(io, [&] { return layer.metrics().connections_closed == 1; }));
  EXPECT_TRUE(layer.failures.empty());
}

TEST(TcpIdle, IdleConnectionIsClosedAfterTheTimeout) {
  asio::io_context io;
  Layer layer(io, tcp_config(std::chrono::seconds(1)));
  ASSERT_TRUE(layer->start().ok());
  RawTcp client(io);
  client.connect(tcp::endpoint(kLoopback4, layer.port(Protocol::Tcp)));
  RequestText r;
  r.via = "SIP/2.0/TCP 127.0.0.1:" + std::to_string(client.local_port()) + ";branch=z9hG4bK-idle";
  client.write(r.wire());
  ASSERT_TRUE(run_until(io, [&] { return !layer.delivered.empty(); }));
  const auto last_traffic = std::chrono::steady_clock::now();

  ASSERT_TRUE(run_until(io, [&] { return client.closed(); }, 2500ms)) << "idle connection still open";
  const auto idle_for = std::chrono::steady_clock::now() - last_traffic;
  EXPECT_GE(idle_for, 900ms) << "closed before the idle timeout";
  EXPECT_EQ(layer.metrics().connections_closed, 1u);
}

TEST(TcpLimits, ConnectionsOverTheLimitAreRefused) {
  asio::io_context io;
  TransportConfig config = tcp_config();
  config.max_connections = 1;
  Layer layer(io, config);
  ASSERT_TRUE(layer->start().ok());
  const tcp::endpoint server(kLoopback4, layer.port(Protocol::Tcp));

  RawTcp first(io);
  first.connect(server);
  ASSERT_TRUE(run_until(io, [&] { return layer.metrics().connections_opened == 1; }));
  RawTcp second(io);
  second.connect(server);
  ASSERT_TRUE(run_until(io, [&] { return second.closed(); })) << "connection over the limit left open";
  EXPECT_EQ(layer.metrics().connections_opened, 1u);
  EXPECT_FALSE(first.closed());
}

}  // namespace
}  // namespace cvw::sip::transport::test
