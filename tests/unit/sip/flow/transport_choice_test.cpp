// RFC 3261 §18.1.1: which transport the UA core picks for a request.
#include <gtest/gtest.h>

#include "common/timer.hpp"
#include "sip/dialog/user_agent.hpp"

namespace cvw::sip::test {
namespace {

struct Recorder : txn::Sender {
  std::vector<std::pair<std::string, Peer>> sent;
  void send(std::string_view wire, const Peer& to) override { sent.emplace_back(std::string(wire), to); }
};

struct Fixture {
  explicit Fixture(bool with_tcp) {
    dialog::UaConfig config;
    config.local.push_back(dialog::LocalAddress{Protocol::Udp, "127.0.0.1", 5060});
    if (with_tcp) config.local.push_back(dialog::LocalAddress{Protocol::Tcp, "127.0.0.1", 5060});
    layer = std::make_unique<txn::TransactionLayer>(timers, sender, config.timers);
    ua = std::make_unique<dialog::UserAgent>(*layer, sender, timers, config);
  }
  ManualTimerService timers;
  Recorder sender;
  std::unique_ptr<txn::TransactionLayer> layer;
  std::unique_ptr<dialog::UserAgent> ua;
};

dialog::InviteParams invite_with_body(std::size_t body_size) {
  dialog::InviteParams p;
  p.request_uri = "sip:bob@127.0.0.2:5060";
  p.body = "v=0\r\n" + std::string(body_size, 'a') + "\r\n";
  return p;
}

TEST(TransportChoice, SmallRequestsGoOverUdp) {
  Fixture f(true);
  ASSERT_TRUE(f.ua->invite(invite_with_body(200), nullptr).ok());
  ASSERT_EQ(f.sender.sent.size(), 1u);
  EXPECT_EQ(f.sender.sent[0].second.protocol, Protocol::Udp);
  EXPECT_NE(f.sender.sent[0].first.find("Via: SIP/2.0/UDP "), std::string::npos);
}

TEST(TransportChoice, RequestsOver1300BytesSwitchToTcpWithATcpVia) {
  Fixture f(true);
  ASSERT_TRUE(f.ua->invite(invite_with_body(1400), nullptr).ok());
  ASSERT_EQ(f.sender.sent.size(), 1u);
  EXPECT_GT(f.sender.sent[0].first.size(), 1300u);
  EXPECT_EQ(f.sender.sent[0].second.protocol, Protocol::Tcp);
  EXPECT_NE(f.sender.sent[0].first.find("Via: SIP/2.0/TCP 127.0.0.1:5060;"), std::string::npos);
  EXPECT_NE(f.sender.sent[0].first.find("Contact: <sip:cvw@127.0.0.1:5060;transport=tcp>"), std::string::npos);
}

TEST(TransportChoice, WithoutATcpListenerLargeRequestsStayOnUdp) {
  Fixture f(false);
  ASSERT_TRUE(f.ua->invite(invite_with_body(1400), nullptr).ok());
  ASSERT_EQ(f.sender.sent.size(), 1u);
  EXPECT_EQ(f.sender.sent[0].second.protocol, Protocol::Udp);
}

}  // namespace
}  // namespace cvw::sip::test
