// stop() and destruction: listeners and connections are closed, sending
// afterwards does nothing, and nothing left in the io_context touches the
// layer after it is gone (ASan watches the last part).
#include <gtest/gtest.h>

#include "transport_test_support.hpp"

namespace cvw::sip::transport::test {
namespace {

class TransportLifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<void> started = layer->start();
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

  asio::io_context io;
  Layer layer{io, config_for({"udp:127.0.0.1:0", "tcp:127.0.0.1:0", "udp:[::1]:0", "tcp:[::1]:0"})};
};

RequestText request(std::uint16_t port, std::string_view transport = "UDP") {
  RequestText r;
  r.via = "SIP/2.0/" + std::string(transport) + " 127.0.0.1:" + std::to_string(port) + ";branch=z9hG4bK-life";
  return r;
}

TEST_F(TransportLifecycle, StopClosesListeners) {
  const udp::endpoint udp4(kLoopback4, layer.port(Protocol::Udp));
  const tcp::endpoint tcp4(kLoopback4, layer.port(Protocol::Tcp));
  const tcp::endpoint tcp6(kLoopback6, layer.port(Protocol::Tcp, true));
  RawUdp client(io, kLoopback4);

  // Working before stop().
  client.send_to(request(client.port()).wire(), udp4);
  ASSERT_TRUE(run_until(io, [&] { return layer.delivered.size() == 1; }));

  layer->stop();
  run_for(io, 20ms);

  client.send_to(request(client.port()).wire(), udp4);
  run_for(io, 50ms);
  EXPECT_EQ(layer.delivered.size(), 1u) << "a datagram was delivered after stop()";
  EXPECT_EQ(layer.metrics().received, 1u);

  for (const tcp::endpoint& ep : {tcp4, tcp6}) {
    tcp::socket s(io);
    boost::system::error_code ec;
    s.connect(ep, ec);
    EXPECT_EQ(ec, asio::error::connection_refused) << ep << ": " << ec.message();
  }
  // The ports are free again.
  boost::system::error_code ec;
  udp::socket rebind(io, udp::v4());
  rebind.bind(udp4, ec);
  EXPECT_FALSE(ec) << ec.message();
}

TEST_F(TransportLifecycle, StopClosesInboundAndOutboundConnections) {
  RawTcp inbound(io);
  inbound.connect(tcp::endpoint(kLoopback4, layer.port(Protocol::Tcp)));
  inbound.write(request(inbound.local_port(), "TCP").wire());
  ASSERT_TRUE(run_until(io, [&] { return layer.delivered.size() == 1; }));

  RawTcpServer far(io, kLoopback6);
  layer->send(ok_response(), Peer{Protocol::Tcp, kLoopback6, far.port(), 0});
  ASSERT_TRUE(run_until(io, [&] { return !far.accepted().empty() && !far.accepted()[0]->received().empty(); }));
  ASSERT_EQ(layer.metrics().connections_opened, 2u);

  layer->stop();
  ASSERT_TRUE(run_until(io, [&] { return inbound.closed() && far.accepted()[0]->closed(); }))
      << "inbound closed: " << inbound.closed() << ", outbound closed: " << far.accepted()[0]->closed();
  EXPECT_EQ(layer.metrics().connections_closed, 2u);
}

TEST_F(TransportLifecycle, SendAfterStopIsANoOp) {
  RawUdp peer(io, kLoopback4);
  RawTcpServer far(io, kLoopback4);
  layer->stop();
  const TransportMetrics before = layer.metrics();

  layer->send(ok_response(), Peer{Protocol::Udp, kLoopback4, peer.port(), 0});
  layer->send(ok_response(), Peer{Protocol::Tcp, kLoopback4, far.port(), 0});
  run_for(io, 50ms);

  EXPECT_TRUE(peer.received().empty());
  EXPECT_TRUE(far.accepted().empty()) << "a connection was opened after stop()";
  EXPECT_EQ(layer.metrics().sent, before.sent);
  EXPECT_EQ(layer.metrics().send_errors, before.send_errors);
  EXPECT_EQ(layer.metrics().connections_opened, before.connections_opened);
}

TEST_F(TransportLifecycle, StopTwiceIsHarmless) {
  layer->stop();
  layer->stop();
  run_for(io, 10ms);
  EXPECT_EQ(layer.metrics().connections_closed, 0u);
}

TEST_F(TransportLifecycle, StopFromTheHandlerStopsDeliveringTheRestOfTheRead) {
  RawTcp client(io);
  client.connect(tcp::endpoint(kLoopback4, layer.port(Protocol::Tcp)));
  layer.on_message = [&](const Delivered&) { layer->stop(); };
  RequestText a = request(client.local_port(), "TCP");
  RequestText b = request(client.local_port(), "TCP");
  b.call_id = "second@test";
  client.write(a.wire() + b.wire());
  ASSERT_TRUE(run_until(io, [&] { return client.closed(); }));
  run_for(io, 20ms);
  EXPECT_EQ(layer.delivered.size(), 1u);
}

// Destroying the layer with a connection open, a connect in flight and
// reads pending, then running the io_context: handlers already queued must
// not reach into the destroyed layer.
TEST(TransportDestruction, PendingOperationsOutliveTheLayerSafely) {
  asio::io_context io;
  RawTcpServer far(io, kLoopback4);
  RawTcp client(io);
  {
    Layer layer(io, config_for({"udp:127.0.0.1:0", "tcp:127.0.0.1:0"}));
    ASSERT_TRUE(layer->start().ok());
    client.connect(tcp::endpoint(kLoopback4, layer.port(Protocol::Tcp)));
    client.write(request(client.local_port(), "TCP").wire());
    ASSERT_TRUE(run_until(io, [&] { return layer.delivered.size() == 1; }));
    layer->send(ok_response(), Peer{Protocol::Tcp, kLoopback4, far.port(), 0});  // connect in flight
  }
  ASSERT_TRUE(run_until(io, [&] { return client.closed(); })) << "the destructor left the connection open";
  run_for(io, 50ms);
}

}  // namespace
}  // namespace cvw::sip::transport::test
