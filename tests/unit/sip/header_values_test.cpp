// Structured header values parsed on demand: comma lists, name-addr, Via,
// CSeq, numbers and dates (RFC 3261 §20, §25.1).
#include "sip/header_values.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using cvw::Result;
using cvw::sip::CSeq;
using cvw::sip::Method;
using cvw::sip::NameAddr;
using cvw::sip::Via;

Result<std::vector<std::string>> items(std::string_view value) {
  std::vector<std::string> out;
  Result<void> r = cvw::sip::for_each_list_value(value, [&](std::string_view item) -> Result<void> {
    out.emplace_back(item);
    return {};
  });
  if (!r) return r.error();
  return out;
}

using Strings = std::vector<std::string>;

// --- comma-separated lists ---------------------------------------------------

TEST(ListValues, SplitsAndTrims) {
  EXPECT_EQ(items("INVITE, ACK,CANCEL ,  BYE").value(),
            (Strings{"INVITE", "ACK", "CANCEL", "BYE"}));
  EXPECT_EQ(items("single").value(), (Strings{"single"}));
  EXPECT_EQ(items("  padded\t").value(), (Strings{"padded"}));
}

TEST(ListValues, CommasInsideQuotesAndAngleBracketsDoNotSplit) {
  EXPECT_EQ(
      items(R"("Smith, John" <sip:john@example.com>;q=0.7, <sip:j2@example.com;x=a,b>)").value(),
      (Strings{R"("Smith, John" <sip:john@example.com>;q=0.7)", "<sip:j2@example.com;x=a,b>"}));
  // An escaped quote does not end the quoted string.
  EXPECT_EQ(items(R"("a \", b" <sip:a@example.com>, <sip:c@example.com>)").value(),
            (Strings{R"("a \", b" <sip:a@example.com>)", "<sip:c@example.com>"}));
  EXPECT_EQ(items(R"(Digest realm="a,b", nonce="x")").value(),
            (Strings{R"(Digest realm="a,b")", R"(nonce="x")"}));
}

TEST(ListValues, EmptyItemsAreErrors) {
  for (std::string_view bad : {"", " ", "a,,b", "a, ,b", ",a", "a,", "a, "}) {
    const auto r = items(bad);
    ASSERT_FALSE(r.ok()) << "'" << bad << "'";
    EXPECT_EQ(r.error().status, 400);
  }
}

TEST(ListValues, OpenQuotesOrBracketsAreErrors) {
  EXPECT_FALSE(items(R"("unterminated, <sip:a@example.com>)").ok());
  EXPECT_FALSE(items("<sip:a@example.com").ok());
}

TEST(ListValues, CallbackErrorStopsTheWalk) {
  int calls = 0;
  Result<void> r =
      cvw::sip::for_each_list_value("a, b, c", [&](std::string_view item) -> Result<void> {
        ++calls;
        if (item == "b") return cvw::bad_request("b is not welcome");
        return {};
      });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "b is not welcome");
  EXPECT_EQ(calls, 2);
}

TEST(ListValues, ItemEnd) {
  EXPECT_EQ(cvw::sip::list_item_end("a, b"), 1u);
  EXPECT_EQ(cvw::sip::list_item_end("abc"), 3u);
  EXPECT_EQ(cvw::sip::list_item_end(R"("x,y", z)"), 5u);
  EXPECT_EQ(cvw::sip::list_item_end("<a,b>,c"), 5u);
  EXPECT_EQ(cvw::sip::list_item_end("\"open"), std::string_view::npos);
  EXPECT_EQ(cvw::sip::list_item_end("<open"), std::string_view::npos);
}

// --- name-addr ----------------------------------------------------------------

NameAddr addr(std::string_view value, std::string& scratch) {
  Result<NameAddr> a = cvw::sip::parse_name_addr(value, scratch);
  EXPECT_TRUE(a.ok()) << value << ": " << (a.ok() ? "" : a.error().message);
  return a.ok() ? *a : NameAddr{};
}

TEST(NameAddrParse, QuotedDisplayNameWithEscapes) {
  std::string s;
  const NameAddr a =
      addr(R"("Alice \"Al\" Liddell \\ Ltd" <sip:alice@atlanta.example.com>;tag=9fxced76sl)", s);
  EXPECT_TRUE(a.quoted_display);
  EXPECT_EQ(a.display_name, R"(Alice \"Al\" Liddell \\ Ltd)");  // escapes kept
  EXPECT_TRUE(a.angle_brackets);
  EXPECT_EQ(a.uri.user, "alice");
  EXPECT_EQ(a.uri.host, "atlanta.example.com");
  EXPECT_EQ(a.tag().value_or("?"), "9fxced76sl");
}

TEST(NameAddrParse, QuotedDisplayNameWithCommaAndNoSpaceBeforeBracket) {
  std::string s;
  const NameAddr a = addr(R"("Smith, Bob"<sip:bob@biloxi.example.com>)", s);
  EXPECT_EQ(a.display_name, "Smith, Bob");
  EXPECT_EQ(a.uri.user, "bob");
  EXPECT_FALSE(a.tag().has_value());
}

TEST(NameAddrParse, EmptyQuotedDisplayName) {
  std::string s;
  const NameAddr a = addr(R"("" <sip:anonymous@anonymous.invalid>;tag=x)", s);
  EXPECT_TRUE(a.quoted_display);
  EXPECT_EQ(a.display_name, "");
  EXPECT_EQ(a.uri.host, "anonymous.invalid");
}

TEST(NameAddrParse, TokenDisplayName) {
  std::string s;
  const NameAddr a = addr("Bob Smith <sip:bob@biloxi.example.com>;tag=a6c85cf", s);
  EXPECT_FALSE(a.quoted_display);
  EXPECT_EQ(a.display_name, "Bob Smith");
  EXPECT_TRUE(a.angle_brackets);
  EXPECT_EQ(a.tag().value_or("?"), "a6c85cf");
}

TEST(NameAddrParse, TokenDisplayNameWithoutSpaceBeforeBracket) {
  // RFC 4475 §3.1.1.6 accepts "caller<sip:...>".
  std::string s;
  const NameAddr a = addr("caller<sip:caller@example.net>;tag=323", s);
  EXPECT_EQ(a.display_name, "caller");
  EXPECT_EQ(a.uri.user, "caller");
  EXPECT_EQ(a.tag().value_or("?"), "323");
}

TEST(NameAddrParse, BareAngleBrackets) {
  std::string s;
  const NameAddr a = addr("<sip:proxy1.atlanta.example.com;lr>", s);
  EXPECT_EQ(a.display_name, "");
  EXPECT_TRUE(a.angle_brackets);
  EXPECT_EQ(a.uri.host, "proxy1.atlanta.example.com");
  EXPECT_TRUE(a.uri.has_param("lr"));  // a URI parameter inside <>
  EXPECT_FALSE(a.params.has("lr"));    // not a header parameter
  EXPECT_EQ(a.params.text, "");
}

TEST(NameAddrParse, AddrSpecParametersBelongToTheHeader) {
  // §20: in the addr-spec form, ';' starts header parameters.
  std::string s;
  const NameAddr a = addr("sip:bob@biloxi.example.com;tag=887s", s);
  EXPECT_FALSE(a.angle_brackets);
  EXPECT_EQ(a.uri.text, "sip:bob@biloxi.example.com");
  EXPECT_EQ(a.uri.params, "");
  EXPECT_EQ(a.tag().value_or("?"), "887s");
  EXPECT_EQ(a.params.text, "tag=887s");

  const NameAddr t = addr("tel:+14085551234;tag=1", s);
  EXPECT_EQ(t.uri.user, "+14085551234");
  EXPECT_EQ(t.uri.params, "");
  EXPECT_EQ(t.tag().value_or("?"), "1");
}

TEST(NameAddrParse, HeaderParamsAfterBrackets) {
  std::string s;
  const NameAddr a = addr(
      R"(<sip:bob@198.51.100.23:50612;transport=tcp>;+sip.instance="<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>";reg-id=1;expires=3600)",
      s);
  EXPECT_EQ(a.uri.param("transport").value_or("?"), "tcp");
  EXPECT_EQ(a.params.get("+sip.instance").value_or("?"),
            R"("<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>")");
  EXPECT_EQ(a.params.get("REG-ID").value_or("?"), "1");
  EXPECT_EQ(a.params.get("expires").value_or("?"), "3600");
  EXPECT_FALSE(a.params.has("q"));
}

TEST(NameAddrParse, WhitespaceAroundParamsIsNormalised) {
  std::string s;
  const NameAddr a = addr("<sip:a@example.com> ; tag = 77 ; flag", s);
  EXPECT_EQ(a.params.text, "tag=77;flag");
  EXPECT_EQ(a.tag().value_or("?"), "77");
  EXPECT_TRUE(a.params.has("flag"));
  EXPECT_EQ(s, "tag=77;flag");  // the normalised copy lives in scratch
  EXPECT_EQ(a.params.text.data(), s.data());
}

TEST(NameAddrParse, ParamsWithoutWhitespaceAreAViewIntoTheValue) {
  std::string s;
  const std::string value = "<sip:a@example.com>;tag=77;flag";
  const NameAddr a = addr(value, s);
  EXPECT_EQ(a.params.text, "tag=77;flag");
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(a.params.text.data(), value.data() + value.find("tag"));
}

TEST(NameAddrParse, QuotedParamValueMayHoldSemicolons) {
  // gen-value = token / host / quoted-string: a ';' inside quotes does not
  // start a parameter, so it must not shadow the real tag.
  std::string s;
  const NameAddr a = addr(R"(<sip:a@example.com>;note="lunch; then call";tag=good)", s);
  EXPECT_EQ(a.params.get("note").value_or("?"), std::string_view(R"("lunch; then call")"));
  EXPECT_EQ(a.tag().value_or("?"), std::string_view("good"));
  const NameAddr b = addr(R"(<sip:a@example.com>;x="a;tag=evil";tag=good)", s);
  EXPECT_EQ(b.tag().value_or("?"), std::string_view("good"));
}

TEST(NameAddrParse, Rejections) {
  for (std::string_view bad : {
           "",                                        // nothing
           "   ",                                     // only whitespace
           "sip:bob@biloxi.example.com?Subject=hi",   // '?' needs <>
           "sip:bob@biloxi.example.com,sip:x@y.com",  // ',' needs <>
           "<sip:bob@biloxi.example.com >",           // whitespace inside <>
           "< sip:bob@biloxi.example.com>",           // whitespace inside <>
           "<sip:bob@biloxi.example.com",             // no '>'
           R"("Bob <sip:bob@biloxi.example.com>)",    // open quote
           R"("Bob" sip:bob@biloxi.example.com)",     // quoted name without <>
           "Bob@home <sip:bob@biloxi.example.com>",   // '@' in an unquoted name
           "<sip:bob@biloxi.example.com> junk",       // text after the address
           "<sip:bob@biloxi.example.com>;;tag=1",     // empty parameter
           "<sip:bob@biloxi.example.com>;tag=",       // '=' without value
           "<sip:bob@bi loxi.example.com>",           // bad URI
           "<bob@biloxi.example.com>",                // no scheme
           "sip:bob@biloxi.example.com;tag=1?x=1",    // '?' after the params
       }) {
    std::string s;
    const Result<NameAddr> a = cvw::sip::parse_name_addr(bad, s);
    EXPECT_FALSE(a.ok()) << "accepted: " << bad;
    if (!a.ok()) {
      EXPECT_EQ(a.error().status, 400) << bad;
    }
  }
}

// --- Via --------------------------------------------------------------------------

Via via(std::string_view value, std::string& scratch) {
  Result<Via> v = cvw::sip::parse_via(value, scratch);
  EXPECT_TRUE(v.ok()) << value << ": " << (v.ok() ? "" : v.error().message);
  return v.ok() ? *v : Via{};
}

TEST(ViaParse, Typical) {
  std::string s;
  const Via v = via("SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK74bf9;rport", s);
  EXPECT_EQ(v.protocol, "SIP/2.0");
  EXPECT_EQ(v.transport, "UDP");
  EXPECT_EQ(v.host, "192.0.2.101");
  EXPECT_FALSE(v.ipv6);
  EXPECT_EQ(v.port, 5060);
  EXPECT_EQ(v.branch(), "z9hG4bK74bf9");
  EXPECT_TRUE(v.rfc3261_branch());
  ASSERT_TRUE(v.rport().has_value());
  EXPECT_EQ(*v.rport(), "");  // asks for the port
  EXPECT_FALSE(v.received().has_value());
}

TEST(ViaParse, ReceivedAndRportWithValues) {
  std::string s;
  const Via v = via(
      "SIP/2.0/TCP client.atlanta.example.com;received=198.51.100.23;rport=50612;branch=z9hG4bKx",
      s);
  EXPECT_EQ(v.transport, "TCP");
  EXPECT_EQ(v.host, "client.atlanta.example.com");
  EXPECT_EQ(v.port, 0);
  EXPECT_EQ(v.received().value_or("?"), "198.51.100.23");
  EXPECT_EQ(v.rport().value_or("?"), "50612");
  EXPECT_EQ(v.branch(), "z9hG4bKx");
}

TEST(ViaParse, NoBranch) {
  std::string s;
  const Via v = via("SIP/2.0/UDP old.example.com", s);
  EXPECT_EQ(v.branch(), "");
  EXPECT_FALSE(v.rfc3261_branch());
  EXPECT_FALSE(v.rport().has_value());
  const Via legacy = via("SIP/2.0/UDP old.example.com;branch=1a2b3c", s);
  EXPECT_FALSE(legacy.rfc3261_branch());
  const Via cookie_only = via("SIP/2.0/UDP old.example.com;branch=z9hG4bK", s);
  EXPECT_FALSE(cookie_only.rfc3261_branch());
}

TEST(ViaParse, WhitespaceAroundSlashes) {
  // RFC 4475 §3.1.1.1: SLASH = SWS "/" SWS.
  std::string s;
  const Via v = via("SIP  /  2.0 /\tUDP   192.0.2.2:5070;branch=z9hG4bKws", s);
  EXPECT_EQ(v.protocol, "SIP/2.0");
  EXPECT_EQ(v.transport, "UDP");
  EXPECT_EQ(v.host, "192.0.2.2");
  EXPECT_EQ(v.port, 5070);
  EXPECT_EQ(v.branch(), "z9hG4bKws");
}

TEST(ViaParse, Ipv6SentBy) {
  std::string s;
  const Via v = via("SIP/2.0/UDP [2001:db8::10]:5060;branch=z9hG4bK1f2e;rport", s);
  EXPECT_TRUE(v.ipv6);
  EXPECT_EQ(v.host, "2001:db8::10");
  EXPECT_EQ(v.port, 5060);
  EXPECT_EQ(v.branch(), "z9hG4bK1f2e");
  const Via no_port = via("SIP/2.0/TLS [::1];branch=z9hG4bKlo", s);
  EXPECT_EQ(no_port.host, "::1");
  EXPECT_EQ(no_port.port, 0);
}

TEST(ViaParse, Ipv6ReceivedWithBrackets) {
  std::string s;
  const Via v = via("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKr6;received=[2001:db8::9:255]", s);
  EXPECT_EQ(v.received().value_or("?"), "[2001:db8::9:255]");
}

TEST(ViaParse, Ipv6ReceivedAsTheRfc3261GrammarWritesIt) {
  // §25.1: via-received = "received" EQUAL (IPv4address / IPv6address);
  // IPv6address has no brackets.
  std::string s;
  const Via v = via("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKr6;received=2001:db8::9:255", s);
  EXPECT_EQ(v.received().value_or("?"), std::string_view("2001:db8::9:255"));
  EXPECT_EQ(v.branch(), std::string_view("z9hG4bKr6"));
}

TEST(ViaParse, TransportsAndCase) {
  std::string s;
  for (std::string_view t : {"UDP", "TCP", "TLS", "SCTP", "WS", "WSS", "tls-sctp"}) {
    const std::string value = "SIP/2.0/" + std::string(t) + " h.example.com;branch=z9hG4bKt";
    const Via v = via(value, s);  // views into `value`
    EXPECT_EQ(v.transport, t);
  }
  const Via lower = via("sip/2.0/udp h.example.com", s);
  EXPECT_EQ(lower.protocol, "SIP/2.0");
  EXPECT_EQ(lower.transport, "udp");
}

TEST(ViaParse, NormalisedParamsWithWhitespace) {
  std::string s;
  const Via v =
      via("SIP/2.0/UDP 192.0.2.3:5060 ; branch = z9hG4bKsp ;rport ; received= 192.0.2.3", s);
  EXPECT_EQ(v.port, 5060);
  EXPECT_EQ(v.params.text, "branch=z9hG4bKsp;rport;received=192.0.2.3");
  EXPECT_EQ(v.branch(), "z9hG4bKsp");
  EXPECT_EQ(v.rport().value_or("?"), "");
  EXPECT_EQ(v.received().value_or("?"), "192.0.2.3");
  EXPECT_EQ(s, "branch=z9hG4bKsp;rport;received=192.0.2.3");
}

TEST(ViaParse, ParamNamesAreCaseInsensitive) {
  std::string s;
  const Via v = via("SIP/2.0/UDP h.example.com;BRANCH=z9hG4bKUP;Received=192.0.2.9", s);
  EXPECT_EQ(v.branch(), "z9hG4bKUP");
  EXPECT_EQ(v.received().value_or("?"), "192.0.2.9");
}

TEST(ViaParse, ExtensionParamsAreKept) {
  std::string s;
  const Via v =
      via("SIP/2.0/TLS "
          "192.0.2.88:49821;branch=z9hG4bK7e;ms-received-port=49821;alias;maddr=[2001:db8::1]",
          s);
  EXPECT_EQ(v.params.get("ms-received-port").value_or("?"), "49821");
  EXPECT_TRUE(v.params.has("alias"));
  EXPECT_EQ(v.params.get("maddr").value_or("?"), "[2001:db8::1]");
}

TEST(ViaParse, Rejections) {
  for (std::string_view bad : {
           "",
           "SIP/2.0/UDP",                            // no sent-by
           "SIP/2.0/UDP ",                           // no sent-by
           "SIP/2.0 192.0.2.1",                      // no transport
           "SIP/2.0/ 192.0.2.1",                     // empty transport
           "SIP/3.0/UDP 192.0.2.1",                  // version
           "SIP/2/UDP 192.0.2.1",                    // version
           "HTTP/2.0/UDP 192.0.2.1",                 // protocol
           "SIP/2.0/UDP192.0.2.1",                   // no LWS before sent-by
           "SIP/2.0/UDP 192.0.2.1:",                 // empty port
           "SIP/2.0/UDP 192.0.2.1:65536",            // port out of range
           "SIP/2.0/UDP 192.0.2.1:5o60",             // port not digits
           "SIP/2.0/UDP [2001:db8::1",               // open IPv6 reference
           "SIP/2.0/UDP host_name.example.com",      // bad host
           "SIP/2.0/UDP 192.0.2.1 junk",             // text after sent-by
           "SIP/2.0/UDP 192.0.2.1;branch=",          // '=' without value
           "SIP/2.0/UDP 192.0.2.1;;branch=z9hG4bK",  // empty param
           "SIP/2.0/UDP 192.0.2.1;branch=\"open",    // open quote
       }) {
    std::string s;
    const Result<Via> v = cvw::sip::parse_via(bad, s);
    EXPECT_FALSE(v.ok()) << "accepted: " << bad;
    if (!v.ok()) {
      EXPECT_EQ(v.error().status, 400) << bad;
    }
  }
}

// --- CSeq -----------------------------------------------------------------------

TEST(CSeqParse, NumberAndMethod) {
  const Result<CSeq> c = cvw::sip::parse_cseq("31862 INVITE");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->number, 31862u);
  EXPECT_EQ(c->method, Method::Invite);
  EXPECT_EQ(c->method_name, "INVITE");
}

TEST(CSeqParse, WhitespaceAndLeadingZeros) {
  const Result<CSeq> c = cvw::sip::parse_cseq("  0009 \t ACK ");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->number, 9u);
  EXPECT_EQ(c->method, Method::Ack);
  EXPECT_EQ(c->method_name, "ACK");
  const Result<CSeq> z = cvw::sip::parse_cseq("000000000000000000001 BYE");
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->number, 1u);
}

TEST(CSeqParse, ExtensionMethod) {
  const Result<CSeq> c = cvw::sip::parse_cseq("5 BENOTIFY");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->method, Method::Unknown);
  EXPECT_EQ(c->method_name, "BENOTIFY");
}

TEST(CSeqParse, Limits) {
  const Result<CSeq> max = cvw::sip::parse_cseq("4294967295 REGISTER");
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->number, 4294967295u);
  EXPECT_EQ(max->method, Method::Register);
  EXPECT_FALSE(cvw::sip::parse_cseq("4294967296 REGISTER").ok());
  EXPECT_FALSE(cvw::sip::parse_cseq("36893488147419103232 REGISTER").ok());
  EXPECT_EQ(cvw::sip::parse_cseq("0 OPTIONS").value().number, 0u);
}

TEST(CSeqParse, Rejections) {
  for (std::string_view bad : {"", "INVITE", "1", "1 ", "1INVITE", "-1 INVITE", "1.5 INVITE",
                               "one INVITE", "1 INVITE BYE", "1 INV@ITE", "1,INVITE"}) {
    const Result<CSeq> c = cvw::sip::parse_cseq(bad);
    EXPECT_FALSE(c.ok()) << "accepted: '" << bad << "'";
    if (!c.ok()) {
      EXPECT_EQ(c.error().status, 400);
    }
  }
}

// --- numbers ----------------------------------------------------------------------

TEST(UintParse, Limits) {
  EXPECT_EQ(cvw::sip::parse_uint("70", 255, "Max-Forwards").value(), 70u);
  EXPECT_EQ(cvw::sip::parse_uint("0", 255, "Max-Forwards").value(), 0u);
  EXPECT_EQ(cvw::sip::parse_uint("255", 255, "Max-Forwards").value(), 255u);
  EXPECT_EQ(cvw::sip::parse_uint(" 69\t", 255, "Max-Forwards").value(), 69u);
  EXPECT_EQ(cvw::sip::parse_uint("00000000000000000000255", 255, "Max-Forwards").value(), 255u);
  EXPECT_EQ(cvw::sip::parse_uint("4294967295", UINT32_MAX, "Expires").value(), 4294967295u);

  const auto over = cvw::sip::parse_uint("256", 255, "Max-Forwards");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().status, 400);
  EXPECT_NE(over.error().message.find("Max-Forwards"), std::string::npos) << over.error().message;
  EXPECT_FALSE(cvw::sip::parse_uint("4294967296", UINT32_MAX, "Expires").ok());
  EXPECT_FALSE(cvw::sip::parse_uint("99999999999999999999999999", UINT32_MAX, "Expires").ok());
}

TEST(UintParse, Rejections) {
  for (std::string_view bad : {"", "  ", "-1", "+1", "1 2", "0x10", "12a", "1.0"}) {
    const auto r = cvw::sip::parse_uint(bad, UINT32_MAX, "Expires");
    EXPECT_FALSE(r.ok()) << "accepted: '" << bad << "'";
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("Expires"), std::string::npos) << r.error().message;
    }
  }
}

// --- dates ------------------------------------------------------------------------

TEST(SipDate, Rfc1123GmtOnly) {
  EXPECT_TRUE(cvw::sip::check_sip_date("Sat, 13 Nov 2010 23:29:00 GMT").ok());
  EXPECT_TRUE(cvw::sip::check_sip_date("Wed, 13 Mar 2024 14:22:07 GMT").ok());
  EXPECT_TRUE(cvw::sip::check_sip_date("  Thu, 01 Jan 1970 00:00:00 GMT ").ok());
  for (std::string_view bad : {
           "",
           "Sat, 13 Nov 2010 23:29:00 UTC",       // not GMT
           "Sat, 13 Nov 2010 23:29:00 +0000",     // offset
           "Sat, 13 Nov 2010 23:29:00",           // no zone
           "Sat, 1 Nov 2010 23:29:00 GMT",        // day needs two digits
           "Saturday, 13 Nov 2010 23:29:00 GMT",  // long day name
           "Sat 13 Nov 2010 23:29:00 GMT",        // no comma
           "Sat, 13 November 2010 23:29:00 GMT",
           "Sat, 13 Nov 10 23:29:00 GMT",  // two-digit year
           "Sat, 13 Nov 2010 23.29.00 GMT",
           "Xyz, 13 Nov 2010 23:29:00 GMT",  // not a day
           "Sat, 13 Nox 2010 23:29:00 GMT",  // not a month
           "Sat, 1a Nov 2010 23:29:00 GMT",
           "Sat, 13 Nov 2010 2a:29:00 GMT",
           "Sat, 13 Nov 2010 23:29:00 GMTX",
           "Sat, 13-Nov-2010 23:29:00 GMT",
           "Sun, 06 Nov 1994 08:49:37 gmt",
       }) {
    const Result<void> r = cvw::sip::check_sip_date(bad);
    EXPECT_FALSE(r.ok()) << "accepted: '" << bad << "'";
    if (!r.ok()) {
      EXPECT_EQ(r.error().status, 400);
    }
  }
}

// --- tokens -----------------------------------------------------------------------

TEST(Tokens, CharacterClass) {
  EXPECT_TRUE(cvw::sip::is_token("INVITE"));
  EXPECT_TRUE(cvw::sip::is_token("!interesting-Method0123456789_*+`.%indeed'~"));
  for (std::string_view bad : {"", "a b", "a:b", "a;b", "a,b", "a/b", "a\"b", "a(b", "a<b", "a=b",
                               "a@b", "a?b", "a[b", "a{b", "a\\b", "a\tb"}) {
    EXPECT_FALSE(cvw::sip::is_token(bad)) << "'" << bad << "'";
  }
  EXPECT_FALSE(cvw::sip::is_token_char('\0'));
  EXPECT_FALSE(cvw::sip::is_token_char('\x80'));
}

}  // namespace

namespace {

using cvw::sip::Params;

// Params::get has a fast path for parameters without quoted values; both
// paths must find the same things.
TEST(ParamsGet, FindsWholeNamesOnlyAndIgnoresCase) {
  for (std::string_view quote : {"", ";q=\"a;b\""}) {  // second round: the quoted path
    const std::string text =
        "branchx=1;BRANCH=z9hG4bK2;rport;received=10.0.0.1" + std::string(quote);
    const Params p{text};
    EXPECT_EQ(p.get("branch"), std::optional<std::string_view>("z9hG4bK2")) << quote;
    EXPECT_EQ(p.get("rport"), std::optional<std::string_view>(""))
        << quote;  // a flag: present, empty
    EXPECT_EQ(p.get("received"), std::optional<std::string_view>("10.0.0.1")) << quote;
    EXPECT_FALSE(p.get("bran").has_value()) << quote;
    EXPECT_FALSE(p.get("maddr").has_value()) << quote;
  }
  EXPECT_FALSE(Params{}.get("tag").has_value());
  EXPECT_EQ(Params{"tag="}.get("tag"), std::optional<std::string_view>(""));
  EXPECT_EQ(Params{"a;;tag=x;"}.get("tag"), std::optional<std::string_view>("x"));
  EXPECT_EQ(Params{"x=\"tag=no\";tag=yes"}.get("tag"), std::optional<std::string_view>("yes"));
}

TEST(TagParam, TellsNoTagFromAnEmptyOneAndFromGarbage) {
  std::string scratch;
  EXPECT_EQ(*cvw::sip::find_tag_param("<sip:a@b>;tag=1x", scratch),
            std::optional<std::string_view>("1x"));
  EXPECT_EQ(*cvw::sip::find_tag_param("<sip:a@b;tag=uri>", scratch),
            std::nullopt);  // a URI parameter
  EXPECT_EQ(*cvw::sip::find_tag_param("sip:a@b;tag=2", scratch),
            std::optional<std::string_view>("2"));
  EXPECT_EQ(*cvw::sip::find_tag_param("\"A;tag=x\" <sip:a@b>", scratch), std::nullopt);
  EXPECT_EQ(*cvw::sip::find_tag_param("<sip:a@b> ; tag = 3", scratch),
            std::optional<std::string_view>("3"));
  EXPECT_FALSE(cvw::sip::find_tag_param("\"unterminated <sip:a@b>;tag=4", scratch).ok());
  EXPECT_EQ(cvw::sip::tag_param("\"unterminated <sip:a@b>;tag=4", scratch), "");
}

// The quick path (no parse of the URI) must agree with the parser wherever
// the display name is quoted: the usual From of a phone or a PBX.
TEST(TagParam, ReadsPastAQuotedDisplayNameAndStillRefusesAnOpenQuote) {
  std::string scratch;
  EXPECT_EQ(
      *cvw::sip::find_tag_param("\"Alice Example\" <sip:2001@pbx.example.com>;tag=5", scratch),
      std::optional<std::string_view>("5"));
  EXPECT_EQ(*cvw::sip::find_tag_param("\"A \\\"B\\\" C\" <sip:a@b>;tag=6", scratch),
            std::optional<std::string_view>("6"));  // escaped quotes inside the name
  EXPECT_EQ(*cvw::sip::find_tag_param("\"a>b;tag=no\" <sip:a@b>;tag=7", scratch),
            std::optional<std::string_view>("7"));
  EXPECT_EQ(*cvw::sip::find_tag_param("<sip:a@b>;x=\"a>b\";tag=8", scratch),
            std::optional<std::string_view>("8"));  // a '>' in a quoted parameter value
  EXPECT_FALSE(cvw::sip::find_tag_param("\"open \\\" <sip:a@b>;tag=9", scratch).ok())
      << "the escaped quote leaves the display name open";
  for (std::string_view v : {"\"Alice\" <sip:a@b>;tag=1", "\"A\" <sip:a@b>;tag=x;y=\"q\"",
                             "\"A\" <sip:a@b> ;tag=2", "\"A\" <sip:a@b>"}) {
    std::string s2;
    auto parsed = cvw::sip::parse_name_addr(v, s2);
    ASSERT_TRUE(parsed.ok()) << v;
    EXPECT_EQ(*cvw::sip::find_tag_param(v, scratch), parsed->tag()) << v;
  }
}

TEST(TagOf, ReadsTheTagHeaderParameter) {
  EXPECT_EQ(cvw::sip::tag_of("Bob <sip:bob@b.example.com>;tag=a6c85cf"), "a6c85cf");
  EXPECT_EQ(cvw::sip::tag_of("<sip:bob@b.example.com>;foo=bar;tag=t1;x"), "t1");
  EXPECT_EQ(cvw::sip::tag_of("sip:bob@b.example.com;tag=addrspec"), "addrspec")
      << "§20: in an addr-spec, parameters after the URI are header parameters";
  EXPECT_EQ(cvw::sip::tag_of("\"Bob\" <sip:bob@b.example.com> ; tag = spaced"), "spaced");
}

TEST(TagOf, IsEmptyWithoutATagOrForGarbage) {
  EXPECT_EQ(cvw::sip::tag_of("Bob <sip:bob@b.example.com>"), "");
  EXPECT_EQ(cvw::sip::tag_of("<sip:bob@b.example.com;tag=inside-the-uri>"), "")
      << "a URI parameter is not the header's tag";
  EXPECT_EQ(cvw::sip::tag_of("\"tag=quoted\" <sip:bob@b.example.com>"), "");
  EXPECT_EQ(cvw::sip::tag_of(""), "");
  EXPECT_EQ(cvw::sip::tag_of("<sip:unclosed"), "");
}

}  // namespace
