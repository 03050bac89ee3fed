// UDP over IPv4 and IPv6: delivery with the right source, sending, received/
// rport stamping (RFC 3261 §18.2.1, RFC 3581 §4), where replies go (§18.2.2)
// and the stateless handling of malformed input. The TransportLayer under
// test on one side, raw Asio sockets (or a second TransportLayer) on the other.
#include <gtest/gtest.h>

#include <thread>

#include "sip/response_routing.hpp"
#include "transport_test_support.hpp"

namespace cvw::sip::transport::test {
namespace {

class UdpTransport : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<void> started = layer->start();
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

  udp::endpoint server4() const { return {kLoopback4, layer.port(Protocol::Udp, false)}; }
  udp::endpoint server6() const { return {kLoopback6, layer.port(Protocol::Udp, true)}; }

  // Sends `bytes` from `from` and runs until the transport has taken them in.
  void inject(RawUdp& from, std::string_view bytes, const udp::endpoint& to) {
    const std::uint64_t before = layer.metrics().received;
    from.send_to(bytes, to);
    ASSERT_TRUE(run_until(io, [&] { return layer.metrics().received > before; }))
        << "the transport never received the datagram";
  }

  // A request whose Via asks for rport, so replies come back to `from`.
  static RequestText request_from(const RawUdp& from) {
    RequestText r;
    r.via = "SIP/2.0/UDP 127.0.0.1:" + std::to_string(from.port()) + ";branch=z9hG4bK-udp-1;rport";
    return r;
  }

  // Injects a faulty request and returns the one reply that came back.
  std::optional<Message> reply_to(RawUdp& from, const std::string& wire) {
    inject(from, wire, server4());
    EXPECT_TRUE(run_until(io, [&] { return !from.received().empty(); })) << "no reply to\n" << wire;
    if (from.received().empty()) return std::nullopt;
    return parse_wire(from.received().front());
  }

  // After a datagram was processed: nothing was delivered and nothing came
  // back. The transport answers synchronously inside its receive handler, so
  // a reply would already sit in the raw socket; the short run is a margin.
  void expect_silence(const RawUdp& from) {
    run_for(io, 50ms);
    EXPECT_TRUE(from.received().empty()) << "unexpected reply:\n" << from.received().front();
    EXPECT_TRUE(layer.delivered.empty()) << "the handler saw an invalid message";
    EXPECT_EQ(layer.metrics().rejected, 0u);
    EXPECT_EQ(layer.metrics().sent, 0u);
  }

  asio::io_context io;
  Layer layer{io, config_for({"udp:127.0.0.1:0", "udp:[::1]:0"})};
};

// --- delivery and sending --------------------------------------------------

TEST_F(UdpTransport, Ipv4RequestArrivesWithItsSource) {
  RawUdp client(io, kLoopback4);
  RequestText r;
  r.via = "SIP/2.0/UDP 127.0.0.1:" + std::to_string(client.port()) + ";branch=z9hG4bK-v4";
  inject(client, r.wire(), server4());

  ASSERT_EQ(layer.delivered.size(), 1u);
  const Delivered& d = layer.delivered[0];
  EXPECT_TRUE(d.message.is_request());
  EXPECT_EQ(d.message.method(), Method::Options);
  EXPECT_EQ(d.message.header(HeaderId::CallId), "call-1@test");
  EXPECT_EQ(d.source.protocol, Protocol::Udp);
  EXPECT_EQ(d.source.address, kLoopback4);
  EXPECT_EQ(d.source.port, client.port());
  // The listener it arrived at: replies leave from it (RFC 3581 §4).
  EXPECT_EQ(d.source.connection, 1u);
  // sent-by is the source and no rport: RFC 3261 §18.2.1 adds nothing.
  std::vector<ViaValue> v = vias(d.message);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_FALSE(v[0].received) << v[0].text;
  EXPECT_FALSE(v[0].rport) << v[0].text;
  EXPECT_EQ(layer.metrics().received, 1u);
  EXPECT_EQ(layer.metrics().dropped, 0u);
}

// A burst queued before the loop runs is read in batches (recvmmsg) and in
// bounded turns: every datagram arrives, in order, from its own source, the
// largest payload whole; and after the drain the listener still wakes for
// the next one.
TEST_F(UdpTransport, ABurstArrivesWholeAndInOrderAndTheListenerWakesAfterIt) {
  RawUdp a(io, kLoopback4);
  RawUdp b(io, kLoopback4);
  constexpr int kBurst = 150;  // more than one drain turn (64) and many batches (16)
  for (int i = 0; i < kBurst; ++i) {
    RawUdp& from = i % 2 == 0 ? a : b;
    RequestText r;
    r.via = "SIP/2.0/UDP 127.0.0.1:" + std::to_string(from.port()) + ";branch=z9hG4bK-burst-" +
            std::to_string(i);
    r.call_id = "burst-" + std::to_string(i) + "@test";
    if (i == 77) r.body = std::string(60000, 'x');  // near the largest UDP payload
    from.send_to(r.wire(), server4());
  }
  ASSERT_TRUE(run_until(io, [&] { return layer.delivered.size() == kBurst; }))
      << layer.delivered.size() << " of " << kBurst << " delivered";
  for (int i = 0; i < kBurst; ++i) {
    const Delivered& d = layer.delivered[static_cast<std::size_t>(i)];
    EXPECT_EQ(d.message.header(HeaderId::CallId), "burst-" + std::to_string(i) + "@test");
    EXPECT_EQ(d.source.port, (i % 2 == 0 ? a : b).port()) << i;
  }
  EXPECT_EQ(layer.delivered[77].message.body().size(), 60000u);

  RequestText late;
  late.call_id = "late@test";
  inject(a, late.wire(), server4());
  EXPECT_EQ(layer.delivered.back().message.header(HeaderId::CallId), "late@test");
  EXPECT_EQ(layer.metrics().received, kBurst + 1u);
}

TEST_F(UdpTransport, Ipv4SendReachesRawSocketFromTheListenPort) {
  RawUdp peer(io, kLoopback4);
  const std::string wire = ok_response();
  layer->send(wire, Peer{Protocol::Udp, kLoopback4, peer.port(), 0});
  ASSERT_TRUE(run_until(io, [&] { return !peer.received().empty(); }));
  ASSERT_EQ(peer.received().size(), 1u);
  EXPECT_EQ(peer.received()[0], wire);
  // Sent from the listening socket, so the far side can answer it (symmetric).
  EXPECT_EQ(peer.senders()[0], server4());
  EXPECT_EQ(layer.metrics().sent, 1u);
  EXPECT_EQ(layer.metrics().send_errors, 0u);
}

TEST_F(UdpTransport, Ipv6RequestArrivesWithItsSource) {
  RawUdp client(io, kLoopback6);
  RequestText r;
  r.via = "SIP/2.0/UDP [::1]:" + std::to_string(client.port()) + ";branch=z9hG4bK-v6";
  inject(client, r.wire(), server6());

  ASSERT_EQ(layer.delivered.size(), 1u);
  const Delivered& d = layer.delivered[0];
  EXPECT_EQ(d.source.protocol, Protocol::Udp);
  EXPECT_EQ(d.source.address, kLoopback6);
  EXPECT_EQ(d.source.port, client.port());
  std::vector<ViaValue> v = vias(d.message);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].host, "::1");
  EXPECT_FALSE(v[0].received) << v[0].text;
}

TEST_F(UdpTransport, Ipv6SendReachesRawSocketFromTheIpv6ListenPort) {
  RawUdp peer(io, kLoopback6);
  const std::string wire = ok_response("SIP/2.0/UDP [::1]:5060;branch=z9hG4bK-test-1");
  layer->send(wire, Peer{Protocol::Udp, kLoopback6, peer.port(), 0});
  ASSERT_TRUE(run_until(io, [&] { return !peer.received().empty(); }));
  EXPECT_EQ(peer.received()[0], wire);
  EXPECT_EQ(peer.senders()[0], server6());
  EXPECT_EQ(layer.metrics().sent, 1u);
}

TEST_F(UdpTransport, SendToAFamilyWithNoListenerCountsAnError) {
  asio::io_context io4;
  Layer only4(io4, config_for({"udp:127.0.0.1:0"}));
  ASSERT_TRUE(only4->start().ok());
  RawUdp peer(io4, kLoopback6);
  only4->send(ok_response(), Peer{Protocol::Udp, kLoopback6, peer.port(), 0});
  run_for(io4, 50ms);
  EXPECT_TRUE(peer.received().empty());
  EXPECT_EQ(only4.metrics().send_errors, 1u);
  EXPECT_EQ(only4.metrics().sent, 0u);
}

// RFC 3261 §18.4: a request that cannot be sent is reported (its
// transaction ends as a 503 at once); a response is only counted.
TEST_F(UdpTransport, ARequestThatCannotBeSentIsReportedAndAResponseIsNot) {
  asio::io_context io4;
  Layer only4(io4, config_for({"udp:127.0.0.1:0"}));
  ASSERT_TRUE(only4->start().ok());
  const Peer v6{Protocol::Udp, kLoopback6, 5060, 7};
  only4->send(ok_response(), v6);
  EXPECT_TRUE(only4.failures.empty());
  only4->send(RequestText{}.wire(), v6);
  ASSERT_EQ(only4.failures.size(), 1u) << "no listener of the address family";
  EXPECT_EQ(only4.failures[0], v6);
  EXPECT_EQ(only4.failed_requests[0], "") << "every request to that peer fails";

  // Larger than any datagram: EMSGSIZE at once, nothing on the wire.
  RawUdp far(io4, kLoopback4);
  RequestText huge;
  huge.body.assign(70000, 'x');
  only4->send(huge.wire(), Peer{Protocol::Udp, kLoopback4, far.port(), 0});
  ASSERT_EQ(only4.failures.size(), 2u) << "a send error other than a full buffer";
  EXPECT_EQ(only4.failures[1].port, far.port());
  EXPECT_EQ(only4.failed_requests[1], huge.wire()) << "this message fails, the peer does not";
  EXPECT_EQ(only4.metrics().send_errors, 3u);
  run_for(io4, 20ms);
  EXPECT_TRUE(far.received().empty());
}

// A UDP port nobody listens on: bound, then closed.
udp::endpoint closed_port(asio::io_context& io, const asio::ip::address& address = kLoopback4) {
  udp::socket s(io, udp::endpoint(address, 0));
  const udp::endpoint e = s.local_endpoint();
  s.close();
  return e;
}

// RFC 3261 §18.4 with ICMP (udp_errors.hpp): a request to a port nobody
// listens on gets "port unreachable", which ends the transaction of the
// request the ICMP message quotes (a 503 now, not Timer B in 32 s).
TEST_F(UdpTransport, AnIcmpPortUnreachableIsReportedForTheRequestItQuotes) {
  const udp::endpoint nobody = closed_port(io);
  RequestText r;
  r.request_line = "INVITE sip:1001@127.0.0.1 SIP/2.0";
  r.via = "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-icmp-1;rport";
  r.cseq = "1 INVITE";
  r.body.assign(1500, 'x');  // more than an IPv4 ICMP error quotes
  const std::string wire = r.wire();
  layer->send(wire, Peer{Protocol::Udp, kLoopback4, nobody.port(), 0});
  ASSERT_TRUE(run_until(io, [&] { return !layer.failures.empty(); }))
      << "no ICMP error read for a datagram to a closed port";
  ASSERT_EQ(layer.failures.size(), 1u);
  EXPECT_EQ(layer.failures[0], (Peer{Protocol::Udp, kLoopback4, nobody.port(), 0}));
  const std::string& quoted = layer.failed_requests[0];
  ASSERT_FALSE(quoted.empty()) << "the peer as a whole is not failed by an ICMP error";
  EXPECT_LT(quoted.size(), wire.size()) << "ICMP quotes the start of the datagram";
  EXPECT_TRUE(wire.starts_with(quoted));
  EXPECT_EQ(layer.metrics().icmp_errors, 1u);
  EXPECT_EQ(layer.metrics().send_errors, 0u);

  // A response's error is read and counted, never reported.
  layer->send(ok_response(), Peer{Protocol::Udp, kLoopback4, nobody.port(), 0});
  ASSERT_TRUE(run_until(io, [&] { return layer.metrics().icmp_errors == 2; }));
  EXPECT_EQ(layer.failures.size(), 1u);
}

// The same over IPv6 (ICMPv6 "port unreachable", IPV6_RECVERR), which
// quotes more of the datagram.
TEST_F(UdpTransport, AnIcmpv6PortUnreachableIsReportedForTheRequestItQuotes) {
  const udp::endpoint nobody = closed_port(io, kLoopback6);
  RequestText r;
  r.request_line = "INVITE sip:1001@[::1] SIP/2.0";
  r.via = "SIP/2.0/UDP [::1]:5060;branch=z9hG4bK-icmp6-1;rport";
  r.cseq = "1 INVITE";
  r.body.assign(3000, 'x');
  const std::string wire = r.wire();
  layer->send(wire, Peer{Protocol::Udp, kLoopback6, nobody.port(), 0});
  ASSERT_TRUE(run_until(io, [&] { return !layer.failures.empty(); }))
      << "no ICMPv6 error read for a datagram to a closed port";
  EXPECT_EQ(layer.failures[0], (Peer{Protocol::Udp, kLoopback6, nobody.port(), 0}));
  const std::string& quoted = layer.failed_requests.at(0);
  EXPECT_FALSE(quoted.empty());
  EXPECT_TRUE(wire.starts_with(quoted));
  EXPECT_EQ(layer.metrics().icmp_errors, 1u);
}

// The ICMP error also stays pending on the socket, and fails the next send
// or receive on it once, whoever it is for: a send to another peer is sent
// again, and the datagrams queued behind the error are all read.
TEST_F(UdpTransport, APendingIcmpErrorFailsNeitherTheNextSendNorTheDatagramsBehindIt) {
  const udp::endpoint nobody = closed_port(io);
  RawUdp peer(io, kLoopback4);
  RawUdp sender(io, kLoopback4);
  RequestText to_nobody;
  to_nobody.via = "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-icmp-2;rport";
  layer->send(to_nobody.wire(), Peer{Protocol::Udp, kLoopback4, nobody.port(), 0});
  // The loop has not run: the error is pending when the next send goes.
  std::this_thread::sleep_for(20ms);
  RequestText to_peer;
  to_peer.via = "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-icmp-3;rport";
  layer->send(to_peer.wire(), Peer{Protocol::Udp, kLoopback4, peer.port(), 0});
  ASSERT_EQ(layer.failures.size(), 1u) << "the error read by the send, for the request it quotes";
  EXPECT_EQ(layer.failures[0].port, nobody.port());
  EXPECT_EQ(layer.metrics().send_errors, 0u);

  // Again, now with datagrams queued for the transport behind the error.
  layer->send(to_nobody.wire(), Peer{Protocol::Udp, kLoopback4, nobody.port(), 0});
  std::this_thread::sleep_for(20ms);
  for (int i = 0; i < 3; ++i) {
    RequestText in = request_from(sender);
    in.call_id = "behind-" + std::to_string(i) + "@test";
    sender.send_to(in.wire(), server4());
  }
  ASSERT_TRUE(
      run_until(io, [&] { return layer.delivered.size() == 3 && layer.failures.size() == 2; }))
      << layer.delivered.size() << " of 3 datagrams delivered, " << layer.failures.size()
      << " failures";
  ASSERT_TRUE(run_until(io, [&] { return peer.received().size() == 1; }));
  EXPECT_EQ(peer.received()[0], to_peer.wire());
  EXPECT_EQ(layer.metrics().icmp_errors, 2u);
}

TEST_F(UdpTransport, TwoTransportLayersTalk) {
  Layer other(io, config_for({"udp:127.0.0.1:0"}));
  ASSERT_TRUE(other->start().ok());
  RequestText r;
  r.via = "SIP/2.0/UDP 127.0.0.1:" + std::to_string(other.port(Protocol::Udp)) + ";branch=z9hG4bK-two;rport";
  other->send(r.wire(), Peer{Protocol::Udp, kLoopback4, server4().port(), 0});
  ASSERT_TRUE(run_until(io, [&] { return !layer.delivered.empty(); }));
  EXPECT_EQ(layer.delivered[0].source.port, other.port(Protocol::Udp));

  // The answer goes where reply_destination says and reaches the other layer.
  const Delivered& d = layer.delivered[0];
  const Peer back = reply_destination(d.message, d.source);
  EXPECT_EQ(back.port, other.port(Protocol::Udp));
  EXPECT_EQ(d.reply_to, back);
  layer->send(make_response(d.message, 200).serialize(), back);
  ASSERT_TRUE(run_until(io, [&] { return !other.delivered.empty(); }));
  EXPECT_TRUE(other.delivered[0].message.is_response());
  EXPECT_EQ(other.delivered[0].message.status(), 200);
  EXPECT_EQ(other.delivered[0].source.port, server4().port());
}

// --- received / rport (RFC 3261 §18.2.1, RFC 3581 §4) ----------------------

TEST_F(UdpTransport, SentByHostDifferentFromSourceGetsReceived) {
  RawUdp client(io, kLoopback4);
  RequestText r;
  r.via = "SIP/2.0/UDP client.invalid:5070;branch=z9hG4bK-recv";
  inject(client, r.wire(), server4());

  ASSERT_EQ(layer.delivered.size(), 1u);
  std::vector<ViaValue> v = vias(layer.delivered[0].message);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].host, "client.invalid");
  EXPECT_EQ(v[0].port, 5070);
  EXPECT_EQ(v[0].received, "127.0.0.1") << v[0].text;
  EXPECT_FALSE(v[0].rport) << "rport added though the client did not ask: " << v[0].text;
  EXPECT_NE(v[0].text.find("branch=z9hG4bK-recv"), std::string::npos) << v[0].text;
}

TEST_F(UdpTransport, BareRportGetsSourcePortAndReceivedEvenWhenSentByMatches) {
  RawUdp client(io, kLoopback4);
  RequestText r;
  // sent-by names the right address but a wrong port, as behind a NAT.
  r.via = "SIP/2.0/UDP 127.0.0.1:5999;rport;branch=z9hG4bK-rport";
  inject(client, r.wire(), server4());

  ASSERT_EQ(layer.delivered.size(), 1u);
  std::vector<ViaValue> v = vias(layer.delivered[0].message);
  ASSERT_EQ(v.size(), 1u);
  // RFC 3581 §4: "it MUST set the value of the parameter to the source port"
  // and "MUST insert a received parameter ... even if it is identical".
  EXPECT_EQ(v[0].rport, std::to_string(client.port())) << v[0].text;
  EXPECT_EQ(v[0].received, "127.0.0.1") << v[0].text;
  EXPECT_EQ(v[0].port, 5999);
  EXPECT_NE(v[0].text.find("branch=z9hG4bK-rport"), std::string::npos) << v[0].text;
}

TEST_F(UdpTransport, Ipv6BareRportIsStamped) {
  RawUdp client(io, kLoopback6);
  RequestText r;
  r.via = "SIP/2.0/UDP [::1];branch=z9hG4bK-rport6;rport";
  inject(client, r.wire(), server6());

  ASSERT_EQ(layer.delivered.size(), 1u);
  std::vector<ViaValue> v = vias(layer.delivered[0].message);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].host, "::1");
  EXPECT_EQ(v[0].rport, std::to_string(client.port())) << v[0].text;
  EXPECT_EQ(v[0].received, "::1") << v[0].text;
}

TEST_F(UdpTransport, OnlyTheTopViaIsStampedAndOrderIsKept) {
  RawUdp client(io, kLoopback4);
  RequestText r;
  r.via = "SIP/2.0/UDP proxy.invalid;branch=z9hG4bK-top;rport, SIP/2.0/UDP ua.invalid:5080;branch=z9hG4bK-ua";
  r.extra = "Via: SIP/2.0/TCP third.invalid;branch=z9hG4bK-third\r\n";
  inject(client, r.wire(), server4());

  ASSERT_EQ(layer.delivered.size(), 1u);
  std::vector<ViaValue> v = vias(layer.delivered[0].message);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].host, "proxy.invalid");
  EXPECT_EQ(v[0].received, "127.0.0.1");
  EXPECT_EQ(v[0].rport, std::to_string(client.port()));
  EXPECT_EQ(v[1].host, "ua.invalid");
  EXPECT_EQ(v[1].port, 5080);
  EXPECT_FALSE(v[1].received);
  EXPECT_EQ(v[2].host, "third.invalid");
  EXPECT_FALSE(v[2].received);
}

// --- where replies go (RFC 3261 §18.2.2, RFC 3581 §4) ----------------------

Message parse_request(const RequestText& r) {
  Result<Message> m = Message::parse(r.wire());
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
  return std::move(*m);
}

TEST(ReplyDestination, RportValueGivesThatPortAtTheSourceAddress) {
  RequestText r;
  r.via = "SIP/2.0/UDP client.invalid:5070;branch=z9hG4bK-1;received=127.0.0.1;rport=40123";
  const Peer to = reply_destination(parse_request(r), Peer{Protocol::Udp, kLoopback4, 40123, 0});
  EXPECT_EQ(to.protocol, Protocol::Udp);
  EXPECT_EQ(to.address, kLoopback4);
  EXPECT_EQ(to.port, 40123);
}

TEST(ReplyDestination, BareRportGivesTheSourcePort) {
  RequestText r;
  r.via = "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1;rport";
  const Peer to = reply_destination(parse_request(r), Peer{Protocol::Udp, kLoopback4, 40999, 0});
  EXPECT_EQ(to.address, kLoopback4);
  EXPECT_EQ(to.port, 40999);
}

TEST(ReplyDestination, NoRportGivesTheSentByPortAtTheSourceAddress) {
  RequestText r;
  r.via = "SIP/2.0/UDP client.invalid:5070;branch=z9hG4bK-1";
  const Peer to = reply_destination(parse_request(r), Peer{Protocol::Udp, kLoopback4, 40999, 0});
  EXPECT_EQ(to.address, kLoopback4) << "a reply must never be aimed at the sent-by host";
  EXPECT_EQ(to.port, 5070);
}

TEST(ReplyDestination, NoRportAndNoSentByPortGives5060) {
  RequestText r;
  r.via = "SIP/2.0/UDP [::1];branch=z9hG4bK-1";
  const Peer to = reply_destination(parse_request(r), Peer{Protocol::Udp, kLoopback6, 40999, 0});
  EXPECT_EQ(to.address, kLoopback6);
  EXPECT_EQ(to.port, 5060);
}

TEST(ReplyDestination, SentByAddressIsNeverUsed) {
  RequestText r;
  // sent-by is an IPv6 literal, the packet came over IPv4: the reply still
  // goes to the IPv4 source address.
  r.via = "SIP/2.0/UDP [::1]:5072;branch=z9hG4bK-1";
  const Peer to = reply_destination(parse_request(r), Peer{Protocol::Udp, kLoopback4, 40999, 0});
  EXPECT_EQ(to.address, kLoopback4);
  EXPECT_EQ(to.port, 5072);
}

// §18.2.2: the same connection; if it has closed meanwhile, a new one to the
// source (received) address and the sent-by port.
TEST(ReplyDestination, StreamGoesBackOnTheSameConnection) {
  RequestText r;
  r.via = "SIP/2.0/TCP client.invalid:5070;branch=z9hG4bK-1";
  const Peer source{Protocol::Tcp, kLoopback4, 41000, 17};
  const Peer to = reply_destination(parse_request(r), source);
  EXPECT_EQ(to.protocol, Protocol::Tcp);
  EXPECT_EQ(to.address, kLoopback4);
  EXPECT_EQ(to.connection, 17u);
  EXPECT_EQ(to.port, 5070) << "the fallback when connection 17 is gone";
}

TEST_F(UdpTransport, ReplyToStampedRequestReachesTheRportSource) {
  RawUdp client(io, kLoopback4);
  RequestText r;
  r.via = "SIP/2.0/UDP client.invalid:5070;branch=z9hG4bK-back;rport";
  inject(client, r.wire(), server4());
  ASSERT_EQ(layer.delivered.size(), 1u);
  const Delivered& d = layer.delivered[0];

  const Peer to = reply_destination(d.message, d.source);
  EXPECT_EQ(to.address, kLoopback4);
  EXPECT_EQ(to.port, client.port());
  // What the transport handed up with the request, from the Via as it came
  // (stamp_received reads it once for both), is the same place.
  EXPECT_EQ(d.reply_to, to);
  layer->send(make_response(d.message, 200).serialize(), to);
  ASSERT_TRUE(run_until(io, [&] { return !client.received().empty(); }));
  std::optional<Message> reply = parse_wire(client.received()[0]);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status(), 200);
  // The response carries the stamped Via back to the client (RFC 3581 §4).
  std::vector<ViaValue> v = vias(*reply);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].rport, std::to_string(client.port()));
  EXPECT_EQ(v[0].received, "127.0.0.1");
}

// --- malformed input --------------------------------------------------------

TEST_F(UdpTransport, GarbageIsDroppedWithoutReply) {
  RawUdp client(io, kLoopback4);
  inject(client, std::string("\x16\x03\x01\x02\x00garbage\r\n\r\nnot sip at all", 30), server4());
  EXPECT_EQ(layer.metrics().dropped, 1u);
  expect_silence(client);
}

TEST_F(UdpTransport, ExtraSpaceInRequestLineGets400NamingIt) {
  RawUdp client(io, kLoopback4);
  RequestText r = request_from(client);
  // RFC 3261 §25.1: Request-Line = Method SP Request-URI SP SIP-Version CRLF.
  r.request_line = "OPTIONS  sip:bob@127.0.0.1 SIP/2.0";
  std::optional<Message> reply = reply_to(client, r.wire());
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status(), 400);
  EXPECT_NE(reply->reason().find("SP in request line"), std::string_view::npos) << reply->reason();
  // §8.2.6.2: the response copies Via, From, Call-ID, CSeq and tags To.
  EXPECT_EQ(reply->header(HeaderId::CallId), "call-1@test");
  EXPECT_EQ(reply->header(HeaderId::CSeq), "1 OPTIONS");
  std::vector<ViaValue> v = vias(*reply);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].text.find("branch=z9hG4bK-udp-1"), std::string::npos) << v[0].text;
  std::string scratch;
  Result<NameAddr> to = parse_name_addr(reply->header(HeaderId::To), scratch);
  ASSERT_TRUE(to.ok());
  EXPECT_TRUE(to->tag());
  EXPECT_TRUE(layer.delivered.empty());
  EXPECT_EQ(layer.metrics().rejected, 1u);
  EXPECT_EQ(layer.metrics().sent, 1u);
}

TEST_F(UdpTransport, MissingCallIdGets400NamingIt) {
  RawUdp client(io, kLoopback4);
  RequestText r = request_from(client);
  r.call_id.reset();
  std::optional<Message> reply = reply_to(client, r.wire());
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status(), 400);
  EXPECT_NE(reply->reason().find("Call-ID"), std::string_view::npos) << reply->reason();
  EXPECT_TRUE(layer.delivered.empty());
  EXPECT_EQ(layer.metrics().rejected, 1u);
}

TEST_F(UdpTransport, BadCSeqGets400NamingIt) {
  RawUdp client(io, kLoopback4);
  RequestText r = request_from(client);
  r.cseq = "1 INVITE";  // does not match the request line (§8.2.1)
  std::optional<Message> reply = reply_to(client, r.wire());
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status(), 400);
  EXPECT_NE(reply->reason().find("CSeq"), std::string_view::npos) << reply->reason();
}

TEST_F(UdpTransport, ForeignSipVersionGets505) {
  RawUdp client(io, kLoopback4);
  RequestText r = request_from(client);
  r.request_line = "OPTIONS sip:bob@127.0.0.1 SIP/3.0";
  std::optional<Message> reply = reply_to(client, r.wire());
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status(), 505);
  EXPECT_NE(reply->reason().find("version"), std::string_view::npos) << reply->reason();
  EXPECT_TRUE(layer.delivered.empty());
}

TEST_F(UdpTransport, RejectionWithoutRportGoesToSentByPortAtSourceAddress) {
  // The faulty request comes from `client`, but its Via names another port
  // and a host name: the 400 goes to 127.0.0.1:<sent-by port>, never to the
  // sent-by host and not to the source port (RFC 3261 §18.2.2).
  RawUdp client(io, kLoopback4);
  RawUdp sent_by(io, kLoopback4);
  RequestText r;
  r.via = "SIP/2.0/UDP client.invalid:" + std::to_string(sent_by.port()) + ";branch=z9hG4bK-sentby";
  r.call_id.reset();
  inject(client, r.wire(), server4());
  ASSERT_TRUE(run_until(io, [&] { return !sent_by.received().empty(); })) << "no 400 at the sent-by port";
  std::optional<Message> reply = parse_wire(sent_by.received()[0]);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status(), 400);
  EXPECT_TRUE(client.received().empty());
}

// RFC 3581 §4: on receiving a request whose top Via has a bare rport the
// server "MUST set the value of the parameter to the source port of the
// request" and "MUST insert a received parameter"; a response copies the
// request's Via (RFC 3261 §8.2.6.2), a stateless 400 included.
TEST_F(UdpTransport, StatelessRejectionCarriesReceivedAndRport) {
  RawUdp client(io, kLoopback4);
  RequestText r;
  r.via = "SIP/2.0/UDP client.invalid:5070;branch=z9hG4bK-rej;rport";
  r.call_id.reset();
  std::optional<Message> reply = reply_to(client, r.wire());
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status(), 400);
  std::vector<ViaValue> v = vias(*reply);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].rport, std::to_string(client.port())) << "Via in the 400: " << v[0].text;
  EXPECT_EQ(v[0].received, "127.0.0.1") << "Via in the 400: " << v[0].text;
}

// RFC 3581 §4: "The response MUST be sent from the same address and port
// that the corresponding request was received on" (symmetric NATs only let
// the answer through from there). With two UDP listeners of one family, the
// transport's own stateless 400 to a request that came in on the second one
// must leave from the second one.
TEST(UdpTwoListeners, StatelessRejectionLeavesFromTheListenerTheRequestCameIn) {
  asio::io_context io;
  Layer layer(io, config_for({"udp:127.0.0.1:0", "udp:127.0.0.1:0"}));
  ASSERT_TRUE(layer->start().ok());
  ASSERT_EQ(layer->bound().size(), 2u);
  const udp::endpoint second(kLoopback4, layer->bound()[1].port);
  RawUdp client(io, kLoopback4);
  RequestText r;
  r.via = "SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-second;rport";
  r.call_id.reset();
  client.send_to(r.wire(), second);
  ASSERT_TRUE(run_until(io, [&] { return !client.received().empty(); }));
  EXPECT_EQ(client.senders()[0], second) << "the 400 left from the first listener ("
                                         << layer->bound()[0].port << ") instead";
}

TEST_F(UdpTransport, MalformedResponseIsDroppedWithoutReply) {
  RawUdp client(io, kLoopback4);
  std::string wire = ok_response();
  wire.replace(wire.find("CSeq: 1 OPTIONS"), 15, "CSeq: one OPTIONS");
  inject(client, wire, server4());
  EXPECT_EQ(layer.metrics().dropped, 1u);
  expect_silence(client);
}

TEST_F(UdpTransport, ResponseWithBadStatusCodeIsDroppedWithoutReply) {
  RawUdp client(io, kLoopback4);
  std::string wire = ok_response();
  wire.replace(0, 14, "SIP/2.0 2000 OK");
  inject(client, wire, server4());
  EXPECT_EQ(layer.metrics().dropped, 1u);
  expect_silence(client);
}

TEST_F(UdpTransport, InvalidAckGetsNoReply) {
  RawUdp client(io, kLoopback4);
  RequestText r = request_from(client);
  r.request_line = "ACK sip:bob@127.0.0.1 SIP/2.0";
  r.cseq = "1 ACK";
  r.call_id.reset();
  inject(client, r.wire(), server4());
  EXPECT_EQ(layer.metrics().dropped, 1u);
  expect_silence(client);
}

TEST_F(UdpTransport, AckWithExtraSpaceGetsNoReply) {
  RawUdp client(io, kLoopback4);
  RequestText r = request_from(client);
  r.request_line = "ACK  sip:bob@127.0.0.1 SIP/2.0";
  r.cseq = "1 ACK";
  inject(client, r.wire(), server4());
  EXPECT_EQ(layer.metrics().dropped, 1u);
  expect_silence(client);
}

TEST_F(UdpTransport, ValidAckIsDeliveredNotAnswered) {
  RawUdp client(io, kLoopback4);
  RequestText r = request_from(client);
  r.request_line = "ACK sip:bob@127.0.0.1 SIP/2.0";
  r.cseq = "1 ACK";
  inject(client, r.wire(), server4());
  ASSERT_EQ(layer.delivered.size(), 1u);
  EXPECT_EQ(layer.delivered[0].message.method(), Method::Ack);
  EXPECT_EQ(layer.metrics().dropped, 0u);
  run_for(io, 20ms);
  EXPECT_TRUE(client.received().empty());
}

TEST_F(UdpTransport, DatagramOverTheSizeLimitIsDropped) {
  asio::io_context io2;
  TransportConfig config = config_for({"udp:127.0.0.1:0"});
  config.limits.max_message_size = 1000;
  Layer small(io2, config);
  ASSERT_TRUE(small->start().ok());
  RawUdp client(io2, kLoopback4);
  RequestText r = request_from(client);
  r.extra = "Subject: " + std::string(1200, 'x') + "\r\n";
  client.send_to(r.wire(), udp::endpoint(kLoopback4, small.port(Protocol::Udp)));
  ASSERT_TRUE(run_until(io2, [&] { return small.metrics().received == 1; }));
  EXPECT_EQ(small.metrics().dropped, 1u);
  EXPECT_TRUE(small.delivered.empty());
  run_for(io2, 20ms);
  EXPECT_TRUE(client.received().empty());

  // The same request under the limit is delivered.
  r.extra.clear();
  client.send_to(r.wire(), udp::endpoint(kLoopback4, small.port(Protocol::Udp)));
  ASSERT_TRUE(run_until(io2, [&] { return !small.delivered.empty(); }));
}

}  // namespace
}  // namespace cvw::sip::transport::test
