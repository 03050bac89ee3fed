// read_register: what a REGISTER asks, as RFC 3261 §10.2/§10.3 and RFC 3327
// define it, and a 400 naming the fault for what they forbid.
#include <gtest/gtest.h>

#include "registrar/register_request.hpp"

namespace cvw::registrar {
namespace {

std::string register_with(const std::string& extra, const std::string& cseq = "2 REGISTER") {
  return "REGISTER sip:example.com SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:alice@example.com>;tag=a1\r\n"
         "To: <sip:alice@example.com>\r\n"
         "Call-ID: reg-1@127.0.0.1\r\n"
         "CSeq: " + cseq + "\r\n" + extra + "Content-Length: 0\r\n\r\n";
}

struct Read {
  Result<sip::Message> message;
  std::deque<std::string> scratch;
  Result<RegisterRequest> request = Error{500, "not read"};
  explicit Read(const std::string& text) : message(sip::Message::parse(text)) {
    if (message) request = read_register(*message, scratch);
  }
};

TEST(ReadRegister, ContactsWithTheirParametersExpiresPathAndUserAgent) {
  Read r(register_with(
      "Contact: <sip:alice@127.0.0.1:5070;transport=udp>;expires=600;q=0.7;+sip.instance=\"<urn:uuid:1>\", "
      "sip:alice@[::1]:5072\r\n"
      "Contact: \"Desk\" <sips:alice@10.0.0.9>\r\n"
      "Expires: 1800\r\nPath: <sip:edge1.example.com;lr>, <sip:edge2.example.com;lr>\r\nPath: <sip:edge3;lr>\r\n"
      "User-Agent: baresip 3.x\r\n"));
  ASSERT_TRUE(r.request.ok()) << r.request.error().message;
  const RegisterRequest& q = *r.request;
  EXPECT_EQ(q.call_id, "reg-1@127.0.0.1");
  EXPECT_EQ(q.cseq, 2u);
  EXPECT_EQ(q.expires, std::optional<std::uint32_t>(1800));
  EXPECT_FALSE(q.wildcard);
  ASSERT_EQ(q.contacts.size(), 3u);
  EXPECT_EQ(q.contacts[0].uri, "sip:alice@127.0.0.1:5070;transport=udp");
  EXPECT_EQ(q.contacts[0].expires, std::optional<std::uint32_t>(600));
  EXPECT_EQ(q.contacts[0].q, "0.7");
  EXPECT_EQ(q.contacts[0].instance, "\"<urn:uuid:1>\"");
  EXPECT_EQ(q.contacts[1].uri, "sip:alice@[::1]:5072");
  EXPECT_FALSE(q.contacts[1].expires.has_value());
  EXPECT_EQ(q.contacts[2].uri, "sips:alice@10.0.0.9");
  EXPECT_EQ(q.path, (std::vector<std::string_view>{"<sip:edge1.example.com;lr>", "<sip:edge2.example.com;lr>",
                                                  "<sip:edge3;lr>"}));
  EXPECT_EQ(q.user_agent, "baresip 3.x");
}

TEST(ReadRegister, NoContactIsAQueryAndAStarWithExpiresZeroRemovesAll) {
  Read query(register_with(""));
  ASSERT_TRUE(query.request.ok());
  EXPECT_TRUE(query.request->contacts.empty());
  EXPECT_FALSE(query.request->wildcard);
  Read all(register_with("Contact: *\r\nExpires: 0\r\n"));
  ASSERT_TRUE(all.request.ok()) << all.request.error().message;
  EXPECT_TRUE(all.request->wildcard);
}

TEST(ReadRegister, WhatTheRfcForbidsIsA400NamingIt) {
  const std::pair<std::string, std::string> cases[] = {
      {"Contact: *\r\n", "Contact: * must be the only Contact"},
      {"Contact: *\r\nExpires: 60\r\n", "Contact: * must be the only Contact"},
      {"Contact: *, <sip:a@127.0.0.1>\r\nExpires: 0\r\n", "Contact: * must be the only Contact"},
      {"Contact: <tel:+14255550100>\r\n", "not a sip: or sips: URI"},
      {"Contact: <sip:a@127.0.0.1>;expires=soon\r\n", "Contact expires"},
      {"Contact: <sip:a@127.0.0.1>\r\nExpires: -1\r\n", "Expires"},
      {"Contact: <sip:a@127.0.0.1\r\n", "Contact"},
      {"Contact: <sip:a@127.0.0.1>,,<sip:b@127.0.0.1>\r\n", "Contact"},
  };
  for (const auto& [headers, fault] : cases) {
    Read r(register_with(headers));
    ASSERT_TRUE(r.message.ok()) << headers;
    ASSERT_FALSE(r.request.ok()) << headers;
    EXPECT_EQ(r.request.error().status, 400) << headers;
    EXPECT_NE(r.request.error().message.find(fault), std::string::npos) << headers << " -> " << r.request.error().message;
  }
  Read wrong_method(register_with("", "2 INVITE"));
  ASSERT_FALSE(wrong_method.request.ok());
  EXPECT_NE(wrong_method.request.error().message.find("CSeq"), std::string::npos);
}

}  // namespace
}  // namespace cvw::registrar
