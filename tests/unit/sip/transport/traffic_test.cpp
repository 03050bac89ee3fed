// SipTraffic: the per-method and per-class message counts behind
// cvw_sip_requests_total and cvw_sip_responses_total, from a parsed message
// (what arrives) and from serialized bytes (what is sent).
#include <gtest/gtest.h>

#include "sip/transport/transport.hpp"

namespace cvw::sip::transport {
namespace {

std::uint64_t requests(const SipTraffic& t, Method m) { return t.requests[static_cast<std::size_t>(m)]; }

TEST(SipTraffic, CountsRequestsByMethodAndResponsesByClassFromTheWire) {
  SipTraffic t;
  t.count("INVITE sip:bob@example.com SIP/2.0\r\nVia: x\r\n\r\n");
  t.count("INVITE sip:carol@example.com SIP/2.0\r\n\r\n");
  t.count("REGISTER sip:example.com SIP/2.0\r\n\r\n");
  t.count("FOO sip:example.com SIP/2.0\r\n\r\n");     // an extension method
  t.count("invite sip:example.com SIP/2.0\r\n\r\n");  // methods are case-sensitive: an extension too
  t.count("SIP/2.0 100 Trying\r\n\r\n");
  t.count("SIP/2.0 180 Ringing\r\n\r\n");
  t.count("SIP/2.0 487 Request Terminated\r\n\r\n");
  t.count("SIP/2.0 603 Decline\r\n\r\n");
  t.count("SIP/2.0 999 Nonsense\r\n\r\n");  // not a class: not counted
  t.count("");
  t.count("garbage");
  EXPECT_EQ(requests(t, Method::Invite), 2u);
  EXPECT_EQ(requests(t, Method::Register), 1u);
  EXPECT_EQ(requests(t, Method::Unknown), 2u);
  EXPECT_EQ(t.responses, (std::array<std::uint64_t, 6>{2, 0, 0, 1, 0, 1}));
}

TEST(SipTraffic, CountsAParsedMessageTheSameWay) {
  SipTraffic t;
  auto bye = Message::parse(
      "BYE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
      "To: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 2 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(bye.ok());
  t.count(*bye);
  auto ok = Message::parse(
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
      "To: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(ok.ok());
  t.count(*ok);
  EXPECT_EQ(requests(t, Method::Bye), 1u);
  EXPECT_EQ(t.responses[1], 1u);
}

}  // namespace
}  // namespace cvw::sip::transport
