// ListenAddress::parse and TransportLayer::start(): the configuration side of
// the transport. Errors must name the text that was wrong (a startup message
// naming the bad key and value, STYLE.md).
#include <gtest/gtest.h>

#include "transport_test_support.hpp"

namespace cvw::sip::transport::test {
namespace {

TEST(ListenAddress, ParsesUdpIpv4) {
  Result<ListenAddress> la = ListenAddress::parse("udp:127.0.0.1:5060");
  ASSERT_TRUE(la.ok()) << la.error().message;
  EXPECT_EQ(la->protocol, Protocol::Udp);
  EXPECT_EQ(la->address, kLoopback4);
  EXPECT_EQ(la->port, 5060);
  EXPECT_EQ(la->to_string(), "udp:127.0.0.1:5060");
}

TEST(ListenAddress, ParsesTcpIpv6InBrackets) {
  Result<ListenAddress> la = ListenAddress::parse("tcp:[::1]:5061");
  ASSERT_TRUE(la.ok()) << la.error().message;
  EXPECT_EQ(la->protocol, Protocol::Tcp);
  EXPECT_TRUE(la->address.is_v6());
  EXPECT_EQ(la->address, kLoopback6);
  EXPECT_EQ(la->port, 5061);
  EXPECT_EQ(la->to_string(), "tcp:[::1]:5061");
}

TEST(ListenAddress, PortZeroAndHighestPort) {
  Result<ListenAddress> zero = ListenAddress::parse("udp:[::1]:0");
  ASSERT_TRUE(zero.ok()) << zero.error().message;
  EXPECT_EQ(zero->port, 0);
  Result<ListenAddress> top = ListenAddress::parse("tcp:127.0.0.1:65535");
  ASSERT_TRUE(top.ok()) << top.error().message;
  EXPECT_EQ(top->port, 65535);
}

// Each bad text gives an error whose message quotes the whole text and says
// which part is wrong.
struct BadAddress {
  const char* text;
  const char* says;  // a word the message must contain
};

class ListenAddressErrors : public ::testing::TestWithParam<BadAddress> {};

TEST_P(ListenAddressErrors, NamesTheText) {
  const BadAddress& bad = GetParam();
  Result<ListenAddress> la = ListenAddress::parse(bad.text);
  ASSERT_FALSE(la.ok()) << bad.text << " was accepted";
  // Appended, not "'" + text + "'": g++ 12 -O3 warns (-Wrestrict) on that.
  std::string quoted = "'";
  quoted.append(bad.text).append("'");
  EXPECT_NE(la.error().message.find(quoted), std::string::npos)
      << "message does not quote the text: " << la.error().message;
  EXPECT_NE(la.error().message.find(bad.says), std::string::npos)
      << "message does not say '" << bad.says << "': " << la.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Bad, ListenAddressErrors,
    ::testing::Values(BadAddress{"sctp:127.0.0.1:5060", "protocol"},   //
                      BadAddress{"tls:127.0.0.1:5061", "protocol"},    // not supported yet
                      BadAddress{"UDP127.0.0.1", "protocol"},          //
                      BadAddress{"udp", "no address"},                 //
                      BadAddress{"udp:localhost:5060", "'localhost' is not an IP address"},
                      BadAddress{"udp:127.0.0.256:5060", "not an IP address"},
                      BadAddress{"tcp:[::1:5060", "unterminated"},     //
                      BadAddress{"tcp:[::1]5060", "no port"},          //
                      BadAddress{"udp:127.0.0.1", "no port"},          //
                      BadAddress{"udp:127.0.0.1:", "no port"},         //
                      BadAddress{"udp:127.0.0.1:65536", "bad port"},   //
                      BadAddress{"udp:127.0.0.1:50x0", "bad port"},    //
                      BadAddress{"udp:127.0.0.1:-1", "bad port"}));

// --- start() ---------------------------------------------------------------

TEST(TransportStart, BindsEveryListenAddressAndResolvesPortZero) {
  asio::io_context io;
  Layer layer(io, config_for({"udp:127.0.0.1:0", "tcp:127.0.0.1:0", "udp:[::1]:0", "tcp:[::1]:0"}));
  Result<void> started = layer->start();
  ASSERT_TRUE(started.ok()) << started.error().message;

  const std::vector<ListenAddress>& bound = layer->bound();
  ASSERT_EQ(bound.size(), 4u);
  EXPECT_EQ(bound[0].protocol, Protocol::Udp);
  EXPECT_EQ(bound[0].address, kLoopback4);
  EXPECT_EQ(bound[1].protocol, Protocol::Tcp);
  EXPECT_EQ(bound[1].address, kLoopback4);
  EXPECT_EQ(bound[2].protocol, Protocol::Udp);
  EXPECT_EQ(bound[2].address, kLoopback6);
  EXPECT_EQ(bound[3].protocol, Protocol::Tcp);
  EXPECT_EQ(bound[3].address, kLoopback6);
  for (const ListenAddress& la : bound) EXPECT_NE(la.port, 0) << la.to_string();

  // local() answers per protocol and family with the resolved port.
  std::optional<ListenAddress> udp6 = layer->local(Protocol::Udp, true);
  ASSERT_TRUE(udp6);
  EXPECT_EQ(udp6->port, bound[2].port);
  std::optional<ListenAddress> tcp4 = layer->local(Protocol::Tcp, false);
  ASSERT_TRUE(tcp4);
  EXPECT_EQ(tcp4->port, bound[1].port);
  EXPECT_FALSE(layer->local(Protocol::Tls, false));

  // The resolved ports really are ours: a fresh socket cannot take them.
  boost::system::error_code ec;
  udp::socket u(io, udp::v4());
  u.bind(udp::endpoint(kLoopback4, bound[0].port), ec);
  EXPECT_EQ(ec, asio::error::address_in_use);
  tcp::socket t(io);
  t.connect(tcp::endpoint(kLoopback6, bound[3].port), ec);
  EXPECT_FALSE(ec) << "connect to the [::1] TCP listener: " << ec.message();
}

TEST(TransportStart, UdpPortInUseFailsNamingTheAddress) {
  asio::io_context io;
  udp::socket taken(io, udp::endpoint(kLoopback4, 0));
  const std::string text = "udp:127.0.0.1:" + std::to_string(taken.local_endpoint().port());
  Layer layer(io, config_for({text}));
  Result<void> started = layer->start();
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().message.find(text), std::string::npos) << started.error().message;
}

TEST(TransportStart, TcpPortInUseFailsNamingTheAddress) {
  asio::io_context io;
  tcp::acceptor taken(io, tcp::endpoint(kLoopback6, 0));  // listening, SO_REUSEADDR set by Asio
  const std::string text = "tcp:[::1]:" + std::to_string(taken.local_endpoint().port());
  Layer layer(io, config_for({"udp:127.0.0.1:0", text}));
  Result<void> started = layer->start();
  ASSERT_FALSE(started.ok());
  // The message names the address that failed, not the one that worked.
  EXPECT_NE(started.error().message.find(text), std::string::npos) << started.error().message;
  EXPECT_EQ(started.error().message.find("udp:"), std::string::npos) << started.error().message;
}

}  // namespace
}  // namespace cvw::sip::transport::test
