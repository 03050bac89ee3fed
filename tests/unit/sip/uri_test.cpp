// URIs (RFC 3261 §19.1, tel: RFC 3966): the parts, escapes, parameters and
// the comparison rules of §19.1.4.
#include "sip/uri.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace {

using cvw::sip::parse_uri;
using cvw::sip::Uri;
using cvw::sip::UriScheme;

Uri parsed(std::string_view text) {
  cvw::Result<Uri> u = parse_uri(text);
  EXPECT_TRUE(u.ok()) << text << ": " << (u.ok() ? "" : u.error().message);
  return u.ok() ? *u : Uri{};
}

bool equal(std::string_view a, std::string_view b) {
  const Uri ua = parsed(a);
  const Uri ub = parsed(b);
  return cvw::sip::uri_equal(ua, ub);
}

// --- parts ----------------------------------------------------------------------

TEST(UriParse, SipWithEveryPart) {
  const Uri u = parsed(
      "sip:alice:secretword@atlanta.example.com:5070;transport=tcp;lr?subject=project%20x&priority="
      "urgent");
  EXPECT_EQ(u.scheme, UriScheme::Sip);
  EXPECT_TRUE(u.is_sip());
  EXPECT_EQ(u.scheme_text, "sip");
  EXPECT_EQ(u.user, "alice");
  EXPECT_EQ(u.password, "secretword");
  EXPECT_EQ(u.host, "atlanta.example.com");
  EXPECT_FALSE(u.ipv6);
  EXPECT_EQ(u.port, 5070);
  EXPECT_EQ(u.params, "transport=tcp;lr");
  EXPECT_EQ(u.headers, "subject=project%20x&priority=urgent");
  EXPECT_EQ(u.text,
            "sip:alice:secretword@atlanta.example.com:5070;transport=tcp;lr?subject=project%20x&"
            "priority=urgent");
  EXPECT_EQ(u.host_port(), "atlanta.example.com:5070");
}

TEST(UriParse, HostOnly) {
  const Uri u = parsed("sip:proxy1.atlanta.example.com");
  EXPECT_EQ(u.user, "");
  EXPECT_EQ(u.password, "");
  EXPECT_EQ(u.host, "proxy1.atlanta.example.com");
  EXPECT_EQ(u.port, 0);
  EXPECT_EQ(u.params, "");
  EXPECT_EQ(u.headers, "");
  EXPECT_EQ(u.host_port(), "proxy1.atlanta.example.com");
}

TEST(UriParse, Sips) {
  const Uri u = parsed("sips:bob@biloxi.example.com:5061");
  EXPECT_EQ(u.scheme, UriScheme::Sips);
  EXPECT_TRUE(u.is_sip());
  EXPECT_EQ(u.user, "bob");
  EXPECT_EQ(u.port, 5061);
}

TEST(UriParse, SchemeIsCaseInsensitive) {
  const Uri u = parsed("SIP:Bob@Biloxi.Example.COM");
  EXPECT_EQ(u.scheme, UriScheme::Sip);
  EXPECT_EQ(u.scheme_text, "SIP");
  EXPECT_EQ(u.user, "Bob");
  EXPECT_EQ(u.host, "Biloxi.Example.COM");
  EXPECT_EQ(parsed("SiPs:x@example.com").scheme, UriScheme::Sips);
  EXPECT_EQ(parsed("TEL:+15551234").scheme, UriScheme::Tel);
}

TEST(UriParse, UserWithTelephoneSubscriberCharacters) {
  // §19.1.3: user parts may hold ';' and '=' (a telephone-subscriber).
  const Uri u = parsed("sip:+1-212-555-1212;postd=pp22@gateway.example.com;user=phone");
  EXPECT_EQ(u.user, "+1-212-555-1212;postd=pp22");
  EXPECT_EQ(u.host, "gateway.example.com");
  EXPECT_EQ(u.params, "user=phone");
  EXPECT_EQ(u.param("user").value_or("?"), "phone");
}

TEST(UriParse, Ipv4Host) {
  const Uri u = parsed("sip:2041@192.0.2.31:5060");
  EXPECT_EQ(u.host, "192.0.2.31");
  EXPECT_EQ(u.port, 5060);
  EXPECT_FALSE(u.ipv6);
}

TEST(UriParse, Ipv6Reference) {
  const Uri u = parsed("sip:[::1]:5060");
  EXPECT_TRUE(u.ipv6);
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 5060);
  EXPECT_EQ(u.host_port(), "[::1]:5060");

  const Uri v = parsed("sip:alice@[2001:db8::10];transport=udp");
  EXPECT_TRUE(v.ipv6);
  EXPECT_EQ(v.user, "alice");
  EXPECT_EQ(v.host, "2001:db8::10");
  EXPECT_EQ(v.port, 0);
  EXPECT_EQ(v.params, "transport=udp");
  EXPECT_EQ(v.host_port(), "[2001:db8::10]");

  const Uri w = parsed("sips:[2001:db8::ffff:192.0.2.7]:5061");
  EXPECT_EQ(w.host, "2001:db8::ffff:192.0.2.7");
  EXPECT_EQ(w.port, 5061);
}

TEST(UriParse, PortLimits) {
  EXPECT_EQ(parsed("sip:h.example.com:65535").port, 65535);
  EXPECT_EQ(parsed("sip:h.example.com:1").port, 1);
}

TEST(UriParse, Tel) {
  const Uri u = parsed("tel:+1-201-555-0123;ext=1234");
  EXPECT_EQ(u.scheme, UriScheme::Tel);
  EXPECT_FALSE(u.is_sip());
  EXPECT_EQ(u.user, "+1-201-555-0123");
  EXPECT_EQ(u.host, "");
  EXPECT_EQ(u.params, "ext=1234");
  EXPECT_EQ(u.param("ext").value_or("?"), "1234");

  const Uri local = parsed("tel:7042;phone-context=example.com");
  EXPECT_EQ(local.user, "7042");
  EXPECT_EQ(local.param("phone-context").value_or("?"), "example.com");

  const Uri plain = parsed("tel:+14085551234");
  EXPECT_EQ(plain.user, "+14085551234");
  EXPECT_EQ(plain.params, "");
}

TEST(UriParse, OtherSchemesAreOpaque) {
  const Uri mail = parsed("mailto:alice@atlanta.example.com");
  EXPECT_EQ(mail.scheme, UriScheme::Other);
  EXPECT_EQ(mail.scheme_text, "mailto");
  EXPECT_EQ(mail.opaque, "alice@atlanta.example.com");
  EXPECT_EQ(mail.host, "");

  const Uri urn = parsed("urn:service:sos");
  EXPECT_EQ(urn.scheme, UriScheme::Other);
  EXPECT_EQ(urn.opaque, "service:sos");

  const Uri http = parsed("http://www.example.com/alice/photo.jpg");
  EXPECT_EQ(http.scheme_text, "http");
  EXPECT_EQ(http.opaque, "//www.example.com/alice/photo.jpg");
}

TEST(UriParse, EscapesAreKeptRaw) {
  const Uri u = parsed("sip:%61lice%20b@atlanta.example.com;name=value%41?Subject=hi%20there");
  EXPECT_EQ(u.user, "%61lice%20b");
  EXPECT_EQ(u.param("name").value_or("?"), "value%41");
  EXPECT_EQ(u.headers, "Subject=hi%20there");
  EXPECT_EQ(cvw::sip::unescape(u.user).value(), "alice b");
  EXPECT_EQ(cvw::sip::unescape(*u.param("name")).value(), "valueA");
}

TEST(Unescape, DecodesOnceAndChecksEscapes) {
  EXPECT_EQ(cvw::sip::unescape("plain").value(), "plain");
  EXPECT_EQ(cvw::sip::unescape("").value(), "");
  EXPECT_EQ(cvw::sip::unescape("%41%42c").value(), "ABc");
  EXPECT_EQ(cvw::sip::unescape("%3c%3E").value(), "<>");
  EXPECT_EQ(cvw::sip::unescape("%2541").value(), "%41");  // one level only
  EXPECT_EQ(cvw::sip::unescape("a%00b").value(), std::string("a\0b", 3));
  for (std::string_view bad : {"%", "%4", "abc%", "%G1", "%1g", "x%zzy", "%%41"}) {
    EXPECT_FALSE(cvw::sip::unescape(bad).ok()) << bad;
  }
}

// --- parameters ----------------------------------------------------------------

TEST(UriParams, LookupIsCaseInsensitiveAndFlagsHaveNoValue) {
  const Uri u = parsed("sip:proxy.example.com;LR;Transport=TCP;maddr=239.255.255.1;ttl=15");
  ASSERT_TRUE(u.param("lr").has_value());
  EXPECT_EQ(*u.param("lr"), "");
  EXPECT_TRUE(u.has_param("LR"));
  EXPECT_EQ(u.param("transport").value_or("?"), "TCP");  // value as written
  EXPECT_EQ(u.param("TRANSPORT").value_or("?"), "TCP");
  EXPECT_EQ(u.param("maddr").value_or("?"), "239.255.255.1");
  EXPECT_EQ(u.param("ttl").value_or("?"), "15");
  EXPECT_FALSE(u.param("method").has_value());
  EXPECT_FALSE(u.has_param("l"));  // not a prefix match
  EXPECT_FALSE(u.has_param("lrx"));
}

TEST(UriParams, FirstOccurrenceWins) {
  const Uri u = parsed("sip:h.example.com;x=1;x=2");
  EXPECT_EQ(u.param("x").value_or("?"), "1");
}

TEST(UriParams, ForEachParamVisitsInOrderAndStops) {
  std::vector<std::string> seen;
  cvw::sip::for_each_param("lr;transport=udp;ob;x=",
                           [&](std::string_view n, std::string_view v, bool has) {
                             seen.push_back(std::string(n) + (has ? "=" + std::string(v) : ""));
                             return true;
                           });
  EXPECT_EQ(seen, (std::vector<std::string>{"lr", "transport=udp", "ob", "x="}));
  int calls = 0;
  cvw::sip::for_each_param("a;b;c",
                           [&](std::string_view, std::string_view, bool) { return ++calls < 2; });
  EXPECT_EQ(calls, 2);
  cvw::sip::for_each_param("", [&](std::string_view, std::string_view, bool) {
    ADD_FAILURE() << "called on an empty list";
    return true;
  });
}

// --- invalid ---------------------------------------------------------------------

TEST(UriParse, InvalidUris) {
  for (std::string_view bad : {
           "",                                  // nothing
           "alice@atlanta.example.com",         // no scheme
           ":alice@atlanta.example.com",        // empty scheme
           "1sip:alice@example.com",            // scheme must start with a letter
           "si p:alice@example.com",            // space in scheme
           "sip:",                              // nothing after the scheme
           "sip:alice smith@example.com",       // space in user
           "sip:alice@atlanta example.com",     // space in host
           "sip:alice@atlanta.example.com ",    // trailing space
           " sip:alice@atlanta.example.com",    // leading space
           "sip:al%4@example.com",              // short escape
           "sip:al%zzice@example.com",          // not hex
           "sip:alice@example.com;x=%4",        // bad escape in a parameter
           "sip:alice@example.com?h=%",         // bad escape in a header
           "sip:alice@example.com:",            // empty port
           "sip:alice@example.com:5o60",        // not digits
           "sip:alice@example.com:65536",       // out of range
           "sip:alice@example.com:123456",      // too long
           "sip:alice@",                        // empty host
           "sip:@example.com",                  // empty user before '@'
           "sip::5060",                         // empty host with a port
           "sip:;transport=udp",                // empty host with params
           "sip:alice@exa_mple.com",            // '_' not allowed in a hostname
           "sip:alice@[::1",                    // open IPv6 reference
           "sip:alice@[]",                      // empty IPv6 reference
           "sip:alice@[::g1]",                  // not hex in IPv6
           "sip:alice@[::1]x",                  // junk after the reference
           "sip:alice@example.com;;lr",         // empty parameter
           "sip:alice@example.com;=udp",        // parameter without a name
           "sip:alice@example.com;transport=",  // '=' without a value
           "sip:alice@example.com?",            // empty headers
           "sip:alice@example.com?subject",     // header without '='
           "sip:alice@example.com?=x",          // header without a name
           "sip:alice@b@example.com",           // second '@'
           "sip:alice:pa:ss@example.com",       // ':' in password
           "sip:<alice@example.com>",           // brackets
           "tel:",                              // no number
           "tel:+1 555 1234",                   // spaces in number
           "tel:;ext=1",                        // empty number
           "mailto:a b@example.com",            // whitespace in an opaque URI
           "urn:\"quoted\"",                    // quotes in an opaque URI
       }) {
    const cvw::Result<Uri> u = parse_uri(bad);
    EXPECT_FALSE(u.ok()) << "accepted: '" << bad << "'";
    if (!u.ok()) {
      EXPECT_EQ(u.error().status, 400) << bad;
      EXPECT_FALSE(u.error().message.empty()) << bad;
    }
  }
}

// --- comparison, RFC 3261 §19.1.4 ----------------------------------------------

TEST(UriEqual, RfcEquivalentPairs) {
  // The URIs §19.1.4 lists as equivalent.
  EXPECT_TRUE(
      equal("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"));
  EXPECT_TRUE(equal("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"));
  EXPECT_TRUE(equal("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"));
  EXPECT_TRUE(equal("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"));
  EXPECT_TRUE(equal("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
                    "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"));
}

TEST(UriEqual, RfcEquivalentHeadersInAnyOrder) {
  // §19.1.4 lists these two as equivalent: header order does not matter.
  EXPECT_TRUE(equal("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
                    "sip:alice@atlanta.com?priority=urgent&subject=project%20x"));
}

TEST(UriEqual, RfcNonEquivalentPairs) {
  // The URIs §19.1.4 lists as not equivalent, with the reason it gives.
  EXPECT_FALSE(equal("SIP:ALICE@AtLanTa.CoM;Transport=udp",
                     "sip:alice@AtLanTa.CoM;Transport=UDP"));  // different user names
  EXPECT_FALSE(
      equal("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));  // can resolve to different ports
  EXPECT_FALSE(
      equal("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"));  // different transports
  EXPECT_FALSE(
      equal("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"));  // port and transport
  EXPECT_FALSE(
      equal("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"));  // header
  EXPECT_FALSE(
      equal("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"));  // a name is not its address
  // Equivalence is not transitive: each of these equals sip:carol@chicago.com.
  EXPECT_FALSE(equal("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"));
}

TEST(UriEqual, MoreRules) {
  // sip and sips never match.
  EXPECT_FALSE(equal("sip:alice@atlanta.com", "sips:alice@atlanta.com"));
  // Scheme case does not matter, user case does, host case does not.
  EXPECT_TRUE(equal("SIP:alice@ATLANTA.com", "sip:alice@atlanta.COM"));
  EXPECT_FALSE(equal("sip:Alice@atlanta.com", "sip:alice@atlanta.com"));
  // Passwords are compared like users.
  EXPECT_TRUE(equal("sip:alice:pw%21@atlanta.com", "sip:alice:pw!@atlanta.com"));
  EXPECT_FALSE(equal("sip:alice:pw@atlanta.com", "sip:alice:PW@atlanta.com"));
  EXPECT_FALSE(equal("sip:alice:pw@atlanta.com", "sip:alice@atlanta.com"));
  // user, ttl, method, maddr must match when present in either.
  EXPECT_FALSE(equal("sip:+15551234@gw.com;user=phone", "sip:+15551234@gw.com"));
  EXPECT_FALSE(equal("sip:gw.com;maddr=239.255.255.1", "sip:gw.com"));
  EXPECT_FALSE(equal("sip:gw.com;ttl=15", "sip:gw.com"));
  EXPECT_FALSE(equal("sip:gw.com;method=INVITE", "sip:gw.com"));
  EXPECT_FALSE(equal("sip:gw.com;method=INVITE", "sip:gw.com;method=BYE"));
  EXPECT_TRUE(equal("sip:gw.com;user=phone;lr", "sip:gw.com;USER=PHONE"));
  // Parameter values are compared after unescaping.
  EXPECT_TRUE(equal("sip:gw.com;foo=b%61r", "sip:gw.com;foo=bar"));
  // IPv6 hosts.
  EXPECT_TRUE(equal("sip:bob@[2001:DB8::1]:5060", "sip:bob@[2001:db8::1]:5060"));
  EXPECT_FALSE(equal("sip:bob@[2001:db8::1]", "sip:bob@[2001:db8::2]"));
  // tel: URIs compare the number.
  EXPECT_TRUE(equal("tel:+14085551234", "tel:+14085551234"));
  EXPECT_FALSE(equal("tel:+14085551234", "tel:+14085551235"));
  EXPECT_FALSE(equal("tel:+14085551234", "sip:+14085551234@gw.com"));
  // Other schemes: same text.
  EXPECT_TRUE(equal("mailto:a@b.com", "MAILTO:a@b.com"));
  EXPECT_FALSE(equal("mailto:a@b.com", "mailto:c@b.com"));
  EXPECT_FALSE(equal("mailto:a@b.com", "urn:a@b.com"));
}

}  // namespace
