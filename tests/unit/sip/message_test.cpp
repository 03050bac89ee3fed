// Message: parsing (start line, header lines, body framing, defects, limits),
// the builders cvw uses to make and change messages, and the wire form.
#include "sip/message.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "sip/header_id.hpp"
#include "sip/header_values.hpp"
#include "sip/method.hpp"
#include "sip/validate.hpp"

namespace {

using cvw::sip::Framing;
using cvw::sip::HeaderId;
using cvw::sip::Message;
using cvw::sip::Method;
using cvw::sip::ParseLimits;

// Joins lines with CRLF, each line ending in one; an empty string is the
// blank line that ends the header section.
std::string wire(std::initializer_list<std::string_view> lines) {
  std::string out;
  for (std::string_view l : lines) out.append(l).append("\r\n");
  return out;
}

// The mandatory headers of a small request from a Polycom phone.
std::string options_with(std::initializer_list<std::string_view> extra,
                         std::string_view body = {}) {
  std::string out =
      wire({"OPTIONS sip:pbx.example.com SIP/2.0",
            "Via: SIP/2.0/UDP 192.0.2.31:5060;branch=z9hG4bK8a3e91c5",
            "From: <sip:2041@pbx.example.com>;tag=6CB8D8A2-4E1F0A3D", "To: <sip:pbx.example.com>",
            "Call-ID: b2d3e4f5-a6b7c8d9@192.0.2.31", "CSeq: 1 OPTIONS", "Max-Forwards: 70"});
  for (std::string_view l : extra) out.append(l).append("\r\n");
  out.append("\r\n").append(body);
  return out;
}

Message parse_ok(std::string_view bytes, Framing framing = Framing::Datagram,
                 const ParseLimits& limits = {}) {
  cvw::Result<Message> m = Message::parse(bytes, framing, limits);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
  if (!m.ok()) return Message::request(Method::Options, "sip:parse-failed.invalid");
  return std::move(m).value();
}

std::vector<std::string> names_of(const Message& m) {
  std::vector<std::string> out;
  for (const auto& h : m.headers()) out.emplace_back(h.name);
  return out;
}

// --- start line -----------------------------------------------------------

TEST(MessageParse, RequestLine) {
  const Message m = parse_ok(options_with({"Content-Length: 0"}));
  EXPECT_TRUE(m.is_request());
  EXPECT_FALSE(m.is_response());
  EXPECT_EQ(m.method(), Method::Options);
  EXPECT_EQ(m.method_name(), "OPTIONS");
  EXPECT_EQ(m.request_uri(), "sip:pbx.example.com");
  EXPECT_EQ(m.status(), 0);
  EXPECT_FALSE(m.defect().has_value());
}

TEST(MessageParse, StatusLineWithSpacesInReason) {
  const Message m =
      parse_ok(wire({"SIP/2.0 183 Session Progress", "CSeq: 1 INVITE", "Content-Length: 0", ""}));
  EXPECT_TRUE(m.is_response());
  EXPECT_EQ(m.status(), 183);
  EXPECT_EQ(m.reason(), "Session Progress");
  EXPECT_EQ(m.header(HeaderId::CSeq), "1 INVITE");
}

TEST(MessageParse, StatusLineWithEmptyReason) {
  const Message m = parse_ok(wire({"SIP/2.0 200 ", "Content-Length: 0", ""}));
  EXPECT_EQ(m.status(), 200);
  EXPECT_EQ(m.reason(), "");
}

TEST(MessageParse, ReasonPhraseKeepsItsOwnWords) {
  const Message m =
      parse_ok(wire({"SIP/2.0 486 Busy Here - in a meeting", "Content-Length: 0", ""}));
  EXPECT_EQ(m.status(), 486);
  EXPECT_EQ(m.reason(), "Busy Here - in a meeting");
}

TEST(MessageParse, MethodsAreCaseSensitive) {
  // RFC 3261 §7.1: "invite" is not INVITE but an extension method.
  const Message m =
      parse_ok(wire({"invite sip:bob@biloxi.example.com SIP/2.0", "Content-Length: 0", ""}));
  EXPECT_EQ(m.method(), Method::Unknown);
  EXPECT_EQ(m.method_name(), "invite");
}

TEST(MessageParse, ExtensionMethodKeepsItsName) {
  const Message m =
      parse_ok(wire({"PUBLISH sip:pres.example.com SIP/2.0", "Content-Length: 0", ""}));
  EXPECT_EQ(m.method(), Method::Publish);
  const Message x = parse_ok(wire({"BENOTIFY sip:x@example.com SIP/2.0", "Content-Length: 0", ""}));
  EXPECT_EQ(x.method(), Method::Unknown);
  EXPECT_EQ(x.method_name(), "BENOTIFY");
}

TEST(MessageParse, VersionIsCaseInsensitive) {
  const Message m = parse_ok(wire({"BYE sip:a@192.0.2.1 sip/2.0", "Content-Length: 0", ""}));
  EXPECT_FALSE(m.defect().has_value());
  EXPECT_EQ(m.method(), Method::Bye);
  EXPECT_EQ(m.request_uri(), "sip:a@192.0.2.1");
}

TEST(MessageParse, UnsplittableInputIsAnErrorToDrop) {
  for (std::string_view bad :
       {std::string_view{}, std::string_view{"\r\n\r\n"},
        std::string_view{"OPTIONS sip:x SIP/2.0"},  // no line end at all
        std::string_view{"hello world\r\n\r\n"}, std::string_view{"OPTIONS\r\nVia: x\r\n\r\n"},
        std::string_view{"OPTIONS sip:x\r\n\r\n"}, std::string_view{"SIP/2.0 20 OK\r\n\r\n"},
        std::string_view{"SIP/2.0 2000 OK\r\n\r\n"}, std::string_view{"SIP/2.0 099 Low\r\n\r\n"},
        std::string_view{"SIP/2.0 abc OK\r\n\r\n"}}) {
    cvw::Result<Message> m = Message::parse(bad);
    ASSERT_FALSE(m.ok()) << bad;
    EXPECT_EQ(m.error().status, 0) << bad;
    EXPECT_FALSE(m.error().message.empty()) << bad;
  }
}

TEST(MessageParse, LeadingCrlfIsIgnored) {
  const std::string body = options_with({"Content-Length: 0"});
  const Message m = parse_ok("\r\n\r\n\n" + body);
  EXPECT_EQ(m.method(), Method::Options);
  EXPECT_EQ(m.serialize(), body);
}

TEST(MessageParse, BareLfLineEndsAreAccepted) {
  const Message m = parse_ok(
      "MESSAGE sip:bob@biloxi.example.com SIP/2.0\nCall-ID: lf-only\nContent-Length: 2\n\nhi");
  EXPECT_EQ(m.method(), Method::Message);
  EXPECT_EQ(m.header(HeaderId::CallId), "lf-only");
  EXPECT_EQ(m.body(), "hi");
}

// --- header lines -----------------------------------------------------------

TEST(MessageParse, CompactNamesMapToTheirHeaders) {
  const Message m = parse_ok(wire(
      {"INVITE sip:bob@biloxi.example.com SIP/2.0", "v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKc1",
       "f: <sip:alice@atlanta.example.com>;tag=1", "t: <sip:bob@biloxi.example.com>",
       "i: compact-1@192.0.2.1", "m: <sip:alice@192.0.2.1>", "k: timer", "s: lunch", "e: gzip",
       "o: refer", "r: <sip:carol@chicago.example.com>", "b: <sip:alice@atlanta.example.com>",
       "x: 1800", "u: talk", "a: *;audio", "c: text/plain", "l: 0", ""}));
  const std::vector<std::pair<std::string_view, HeaderId>> expect = {
      {"v", HeaderId::Via},         {"f", HeaderId::From},
      {"t", HeaderId::To},          {"i", HeaderId::CallId},
      {"m", HeaderId::Contact},     {"k", HeaderId::Supported},
      {"s", HeaderId::Subject},     {"e", HeaderId::ContentEncoding},
      {"o", HeaderId::Event},       {"r", HeaderId::ReferTo},
      {"b", HeaderId::ReferredBy},  {"x", HeaderId::SessionExpires},
      {"u", HeaderId::AllowEvents}, {"a", HeaderId::AcceptContact},
      {"c", HeaderId::ContentType}, {"l", HeaderId::ContentLength}};
  ASSERT_EQ(m.headers().size(), expect.size());
  for (std::size_t i = 0; i < expect.size(); ++i) {
    EXPECT_EQ(m.headers()[i].name, expect[i].first) << i;  // name as received
    EXPECT_EQ(m.headers()[i].id, expect[i].second) << expect[i].first;
  }
  EXPECT_EQ(m.header(HeaderId::CallId), "compact-1@192.0.2.1");
  // Lookup by long name finds the compact line, and the other way round.
  EXPECT_EQ(m.header("Call-ID"), "compact-1@192.0.2.1");
  EXPECT_EQ(m.header("Session-Expires"), "1800");
  EXPECT_EQ(m.header("I"), "compact-1@192.0.2.1");
}

TEST(MessageParse, HeaderNamesAreCaseInsensitive) {
  const Message m = parse_ok(
      wire({"OPTIONS sip:x@example.com SIP/2.0", "VIA: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa",
            "call-id: abc", "cSeQ: 7 OPTIONS", "CONTENT-length: 0", "x-CUSTOM: 1", ""}));
  EXPECT_EQ(m.headers()[0].id, HeaderId::Via);
  EXPECT_EQ(m.headers()[1].id, HeaderId::CallId);
  EXPECT_EQ(m.headers()[2].id, HeaderId::CSeq);
  EXPECT_EQ(m.headers()[3].id, HeaderId::ContentLength);
  EXPECT_EQ(m.headers()[1].name, "call-id");
  EXPECT_EQ(m.header("CALL-ID"), "abc");
  EXPECT_EQ(m.header("X-Custom"), "1");
  EXPECT_EQ(m.find("x-custom")->name, "x-CUSTOM");
  EXPECT_EQ(m.find("X-Absent"), nullptr);
  EXPECT_EQ(m.find(HeaderId::Route), nullptr);
  EXPECT_EQ(m.header(HeaderId::Route), "");
}

TEST(MessageParse, MultipleValuesOnOneLineVersusRepeatedLines) {
  const Message m = parse_ok(wire(
      {"SIP/2.0 200 OK",
       "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1, SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKua",
       "Record-Route: <sip:p2.example.com;lr>", "Record-Route: <sip:p1.example.com;lr>",
       "Content-Length: 0", ""}));
  EXPECT_EQ(m.count(HeaderId::Via), 1u);  // one line, two values
  EXPECT_EQ(m.count(HeaderId::RecordRoute), 2u);
  std::vector<std::string> vias;
  ASSERT_TRUE(cvw::sip::for_each_list_value(m.header(HeaderId::Via),
                                            [&](std::string_view v) -> cvw::Result<void> {
                                              vias.emplace_back(v);
                                              return {};
                                            })
                  .ok());
  EXPECT_EQ(vias, (std::vector<std::string>{"SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1",
                                            "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKua"}));
  EXPECT_EQ(m.header(HeaderId::RecordRoute), "<sip:p2.example.com;lr>");
}

TEST(MessageParse, FoldedLinesAreJoinedWithOneSpace) {
  const Message m =
      parse_ok(wire({"OPTIONS sip:x@example.com SIP/2.0", "Subject: I know you're there,",
                     "      pick up the phone   ", "\tand talk to me!", "Call-ID: fold-1",
                     "Content-Length: 0", ""}));
  ASSERT_EQ(m.headers().size(), 3u);
  EXPECT_EQ(m.header(HeaderId::Subject), "I know you're there, pick up the phone and talk to me!");
  EXPECT_EQ(m.header(HeaderId::CallId), "fold-1");
  EXPECT_EQ(m.serialize(), wire({"OPTIONS sip:x@example.com SIP/2.0",
                                 "Subject: I know you're there, pick up the phone and talk to me!",
                                 "Call-ID: fold-1", "Content-Length: 0", ""}));
}

TEST(MessageParse, FoldingRightAfterTheColon) {
  const Message m = parse_ok(wire(
      {"OPTIONS sip:x@example.com SIP/2.0", "Call-ID:", "  fold-2@host", "Content-Length: 0", ""}));
  EXPECT_EQ(m.header(HeaderId::CallId), "fold-2@host");
}

TEST(MessageParse, ContinuationBeforeAnyHeaderIsAnError) {
  cvw::Result<Message> m =
      Message::parse(wire({"OPTIONS sip:x@example.com SIP/2.0", " Call-ID: 1", ""}));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().status, 0);
}

TEST(MessageParse, HeaderLineWithoutColonIsAnError) {
  cvw::Result<Message> m =
      Message::parse(wire({"OPTIONS sip:x@example.com SIP/2.0", "Call-ID 1", ""}));
  EXPECT_FALSE(m.ok());
  cvw::Result<Message> n =
      Message::parse(wire({"OPTIONS sip:x@example.com SIP/2.0", ": no name", ""}));
  EXPECT_FALSE(n.ok());
  cvw::Result<Message> o =
      Message::parse(wire({"OPTIONS sip:x@example.com SIP/2.0", "Bad Name: x", ""}));
  EXPECT_FALSE(o.ok());
}

TEST(MessageParse, UnknownHeadersKeepNameOrderAndValue) {
  const std::string bytes = wire(
      {"INVITE sip:bob@biloxi.example.com SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKu1",
       "X-Asterisk-HangupCause: Normal Clearing", "Call-ID: unk-1",
       "P-Charging-Vector: icid-value=1234bc9876e;icid-generated-at=192.0.2.1",
       "x-lower-case: a;b=c,,d", "Content-Length: 0", ""});
  const Message m = parse_ok(bytes);
  EXPECT_EQ(names_of(m),
            (std::vector<std::string>{"Via", "X-Asterisk-HangupCause", "Call-ID",
                                      "P-Charging-Vector", "x-lower-case", "Content-Length"}));
  EXPECT_EQ(m.headers()[1].id, HeaderId::Other);
  EXPECT_EQ(m.headers()[3].id, HeaderId::Other);
  EXPECT_EQ(m.headers()[4].value, "a;b=c,,d");
  EXPECT_EQ(m.header("p-charging-vector"), "icid-value=1234bc9876e;icid-generated-at=192.0.2.1");
  EXPECT_EQ(m.serialize(), bytes);
}

TEST(MessageParse, WhitespaceAroundColonIsTrimmed) {
  const Message m =
      parse_ok(wire({"OPTIONS sip:x@example.com SIP/2.0", "Subject  :   lunch at noon  ",
                     "Call-ID:x", "Organization:", "Content-Length: 0", ""}));
  EXPECT_EQ(m.headers()[0].name, "Subject");
  EXPECT_EQ(m.header(HeaderId::Subject), "lunch at noon");
  EXPECT_EQ(m.header(HeaderId::CallId), "x");
  ASSERT_NE(m.find("Organization"), nullptr);
  EXPECT_EQ(m.header("Organization"), "");
  EXPECT_EQ(m.serialize(), wire({"OPTIONS sip:x@example.com SIP/2.0", "Subject: lunch at noon",
                                 "Call-ID: x", "Organization: ", "Content-Length: 0", ""}));
}

// --- body framing -----------------------------------------------------------

TEST(MessageBody, ContentLengthFramesTheBody) {
  const Message m =
      parse_ok(options_with({"Content-Type: text/plain", "Content-Length: 5"}, "hello"));
  EXPECT_EQ(m.body(), "hello");
}

TEST(MessageBody, DatagramBytesBeyondContentLengthAreIgnored) {
  const Message m =
      parse_ok(options_with({"Content-Type: text/plain", "Content-Length: 5"}, "helloGARBAGE\r\n"));
  EXPECT_FALSE(m.defect().has_value());
  EXPECT_EQ(m.body(), "hello");
  EXPECT_EQ(m.serialize(),
            options_with({"Content-Type: text/plain", "Content-Length: 5"}, "hello"));
}

TEST(MessageBody, DatagramWithoutContentLengthRunsToTheEnd) {
  const std::string bytes =
      options_with({"Content-Type: application/sdp"}, "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n");
  const Message m = parse_ok(bytes);
  EXPECT_FALSE(m.defect().has_value());
  EXPECT_EQ(m.find(HeaderId::ContentLength), nullptr);
  EXPECT_EQ(m.body(), "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n");
  // On the way out the length is always stated.
  EXPECT_EQ(m.serialize(), options_with({"Content-Type: application/sdp", "Content-Length: 31"},
                                        "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n"));
}

TEST(MessageBody, CompactContentLength) {
  const Message m = parse_ok(options_with({"c: text/plain", "l: 3"}, "abcdef"));
  EXPECT_EQ(m.body(), "abc");
  EXPECT_EQ(m.serialize(), options_with({"c: text/plain", "l: 3"}, "abc"));
}

TEST(MessageBody, StreamFramingUsesContentLength) {
  const Message m = parse_ok(options_with({"Content-Length: 4"}, "abcd"), Framing::Stream);
  EXPECT_EQ(m.body(), "abcd");
}

TEST(MessageBody, MissingBlankLineMeansNoBody) {
  const Message m =
      parse_ok(wire({"OPTIONS sip:x@example.com SIP/2.0", "Call-ID: nb", "Content-Length: 0"}));
  EXPECT_FALSE(m.defect().has_value());
  EXPECT_EQ(m.body(), "");
  EXPECT_EQ(m.header(HeaderId::ContentLength), "0");
}

TEST(MessageBody, ContentLengthLargerThanTheDatagramIsADefect) {
  const Message m = parse_ok(options_with({"Content-Length: 50"}, "short"));
  ASSERT_TRUE(m.defect().has_value());
  EXPECT_EQ(m.defect()->status, 400);
  EXPECT_EQ(m.body(), "short");
  // Still answerable: the transaction headers are there.
  EXPECT_EQ(m.header(HeaderId::CallId), "b2d3e4f5-a6b7c8d9@192.0.2.31");
}

TEST(MessageBody, BadContentLengthIsADefectOnRequests) {
  for (std::string_view cl :
       {"Content-Length: abc", "Content-Length: -1", "Content-Length: +3", "Content-Length: 3x",
        "Content-Length: ", "Content-Length: 99999999999999999999999"}) {
    const Message m = parse_ok(options_with({cl}, "abc"));
    ASSERT_TRUE(m.defect().has_value()) << cl;
    EXPECT_EQ(m.defect()->status, 400) << cl;
    EXPECT_FALSE(m.defect()->message.empty());
    const cvw::Result<void> v = cvw::sip::validate_request(m);
    ASSERT_FALSE(v.ok()) << cl;
    EXPECT_EQ(v.error().status, 400);
  }
}

TEST(MessageBody, ConflictingContentLengthsAreADefect) {
  const Message m = parse_ok(options_with({"Content-Length: 3", "l: 4"}, "abcd"));
  ASSERT_TRUE(m.defect().has_value());
  EXPECT_EQ(m.defect()->status, 400);
}

TEST(MessageBody, RepeatedEqualContentLengthParsesButDoesNotValidate) {
  const Message m = parse_ok(options_with({"Content-Length: 4", "Content-Length: 4"}, "abcd"));
  EXPECT_FALSE(m.defect().has_value());
  EXPECT_EQ(m.body(), "abcd");
  EXPECT_FALSE(cvw::sip::validate_request(m).ok());
  // One Content-Length on the wire.
  EXPECT_EQ(m.serialize(), options_with({"Content-Length: 4"}, "abcd"));
}

TEST(MessageBody, ResponseWithBadContentLengthIsDropped) {
  cvw::Result<Message> m =
      Message::parse(wire({"SIP/2.0 200 OK", "CSeq: 1 INVITE", "Content-Length: x1", "", ""}));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().status, 0);
  cvw::Result<Message> n =
      Message::parse(wire({"SIP/2.0 200 OK", "CSeq: 1 INVITE", "Content-Length: 20", "", "v=0"}));
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().status, 0);
}

// --- request-line defects: answered, not dropped ----------------------------

TEST(MessageDefect, ExtraSpaceAfterMethod) {
  const Message m = parse_ok(
      wire({"INVITE  sip:bob@biloxi.example.com SIP/2.0", "Call-ID: d1", "Content-Length: 0", ""}));
  ASSERT_TRUE(m.defect().has_value());
  EXPECT_EQ(m.defect()->status, 400);
  EXPECT_EQ(m.method(), Method::Invite);
  EXPECT_EQ(m.request_uri(), "sip:bob@biloxi.example.com");
  EXPECT_EQ(m.header(HeaderId::CallId), "d1");
}

TEST(MessageDefect, ExtraSpaceBeforeVersion) {
  const Message m =
      parse_ok(wire({"INVITE sip:bob@biloxi.example.com  SIP/2.0", "Content-Length: 0", ""}));
  ASSERT_TRUE(m.defect().has_value());
  EXPECT_EQ(m.defect()->status, 400);
  EXPECT_EQ(m.request_uri(), "sip:bob@biloxi.example.com");
}

TEST(MessageDefect, TrailingSpace) {
  const Message m =
      parse_ok(wire({"OPTIONS sip:bob@biloxi.example.com SIP/2.0 ", "Content-Length: 0", ""}));
  ASSERT_TRUE(m.defect().has_value());
  EXPECT_EQ(m.defect()->status, 400);
  EXPECT_EQ(m.request_uri(), "sip:bob@biloxi.example.com");
}

TEST(MessageDefect, WhitespaceInsideRequestUri) {
  const Message m = parse_ok(
      wire({"INVITE sip:bob@biloxi.example.com; transport=udp SIP/2.0", "Content-Length: 0", ""}));
  ASSERT_TRUE(m.defect().has_value());
  EXPECT_EQ(m.defect()->status, 400);
}

TEST(MessageDefect, RequestUriInAngleBrackets) {
  const Message m =
      parse_ok(wire({"INVITE <sip:bob@biloxi.example.com> SIP/2.0", "Content-Length: 0", ""}));
  ASSERT_TRUE(m.defect().has_value());
  EXPECT_EQ(m.defect()->status, 400);
}

TEST(MessageDefect, ForeignVersionIs505) {
  std::string bytes = options_with({"Content-Length: 0"});
  bytes.replace(bytes.find("SIP/2.0\r\n"), 7, "SIP/3.0");
  const Message m = parse_ok(bytes);
  ASSERT_TRUE(m.defect().has_value());
  EXPECT_EQ(m.defect()->status, 505);
  EXPECT_EQ(m.method(), Method::Options);
  const cvw::Result<void> v = cvw::sip::validate_request(m);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().status, 505);
}

TEST(MessageDefect, ForeignVersionInAResponseIsDropped) {
  cvw::Result<Message> m = Message::parse(wire({"SIP/3.0 200 OK", "Content-Length: 0", ""}));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().status, 0);
}

TEST(MessageDefect, FirstDefectWins) {
  // Foreign version and a bad Content-Length: the version is seen first.
  std::string bytes = options_with({"Content-Length: nope"});
  bytes.replace(bytes.find("SIP/2.0\r\n"), 7, "SIP/7.1");
  const Message m = parse_ok(bytes);
  ASSERT_TRUE(m.defect().has_value());
  EXPECT_EQ(m.defect()->status, 505);
}

// --- limits -----------------------------------------------------------------

TEST(MessageLimits, MaxHeadersCountsHeaderLines) {
  const std::string bytes =
      wire({"OPTIONS sip:x@example.com SIP/2.0", "Call-ID: 1", "CSeq: 1 OPTIONS", "Subject: a,",
            "  folded", "Content-Length: 0", ""});
  ParseLimits limits;
  limits.max_headers = 4;  // a folded line is still one header
  const Message m = parse_ok(bytes, Framing::Datagram, limits);
  EXPECT_EQ(m.headers().size(), 4u);
  limits.max_headers = 3;
  cvw::Result<Message> r = Message::parse(bytes, Framing::Datagram, limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 0);
}

TEST(MessageLimits, DefaultMaxHeaders) {
  std::string bytes = "OPTIONS sip:x@example.com SIP/2.0\r\n";
  for (int i = 0; i < 256; ++i) bytes += "X-H" + std::to_string(i) + ": v\r\n";
  EXPECT_TRUE(Message::parse(bytes + "\r\n").ok());
  EXPECT_FALSE(Message::parse(bytes + "X-One-Too-Many: v\r\n\r\n").ok());
}

TEST(MessageLimits, MaxMessageSize) {
  const std::string bytes = options_with({"Content-Length: 0"});
  ParseLimits limits;
  limits.max_message_size = bytes.size();
  EXPECT_TRUE(Message::parse(bytes, Framing::Datagram, limits).ok());
  limits.max_message_size = bytes.size() - 1;
  cvw::Result<Message> r = Message::parse(bytes, Framing::Datagram, limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 0);
}

TEST(MessageLimits, DefaultMaxMessageSizeIs65535) {
  const std::string head = options_with({"Content-Type: text/plain", "Content-Length: 00000"});
  const std::size_t room = 65535 - head.size();
  std::string fits =
      options_with({"Content-Type: text/plain", "Content-Length: " + std::to_string(room)});
  ASSERT_EQ(fits.size(), head.size());
  fits.append(room, 'x');
  ASSERT_EQ(fits.size(), 65535u);
  EXPECT_TRUE(Message::parse(fits).ok());
  EXPECT_FALSE(Message::parse(fits + "y").ok());
}

// --- builders -----------------------------------------------------------------

TEST(MessageBuild, RequestSerializesExactly) {
  Message m = Message::request(Method::Invite, "sip:bob@biloxi.example.com");
  EXPECT_TRUE(m.is_request());
  EXPECT_EQ(m.method(), Method::Invite);
  EXPECT_EQ(m.method_name(), "INVITE");
  m.add(HeaderId::Via, "SIP/2.0/UDP 192.0.2.5:5060;branch=z9hG4bKb1");
  m.add(HeaderId::MaxForwards, "70");
  m.add(HeaderId::From, "<sip:cvw@example.com>;tag=f1");
  m.add(HeaderId::To, "<sip:bob@biloxi.example.com>");
  m.add(HeaderId::CallId, "c1@192.0.2.5");
  m.add(HeaderId::CSeq, "1 INVITE");
  EXPECT_EQ(m.serialize(),
            wire({"INVITE sip:bob@biloxi.example.com SIP/2.0",
                  "Via: SIP/2.0/UDP 192.0.2.5:5060;branch=z9hG4bKb1", "Max-Forwards: 70",
                  "From: <sip:cvw@example.com>;tag=f1", "To: <sip:bob@biloxi.example.com>",
                  "Call-ID: c1@192.0.2.5", "CSeq: 1 INVITE", "Content-Length: 0", ""}));
  EXPECT_TRUE(cvw::sip::validate_request(m).ok());
}

TEST(MessageBuild, RequestByName) {
  const Message m = Message::request("INFO", "sip:a@192.0.2.1");
  EXPECT_EQ(m.method(), Method::Info);
  const Message x = Message::request("X-CUSTOM", "sip:a@192.0.2.1");
  EXPECT_EQ(x.method(), Method::Unknown);
  EXPECT_EQ(x.method_name(), "X-CUSTOM");
  EXPECT_EQ(x.serialize(), wire({"X-CUSTOM sip:a@192.0.2.1 SIP/2.0", "Content-Length: 0", ""}));
}

TEST(MessageBuild, ResponseReasons) {
  const Message busy = Message::response(486);
  EXPECT_TRUE(busy.is_response());
  EXPECT_EQ(busy.status(), 486);
  EXPECT_EQ(busy.reason(), "Busy Here");
  EXPECT_EQ(busy.serialize(), wire({"SIP/2.0 486 Busy Here", "Content-Length: 0", ""}));
  const Message own = Message::response(200, "Fine Thanks");
  EXPECT_EQ(own.reason(), "Fine Thanks");
  Message m = Message::response(100);
  EXPECT_EQ(m.reason(), "Trying");
  m.set_status(487);
  EXPECT_EQ(m.status(), 487);
  EXPECT_EQ(m.reason(), "Request Terminated");
  m.set_status(603, "Declined by user");
  EXPECT_EQ(m.serialize(), wire({"SIP/2.0 603 Declined by user", "Content-Length: 0", ""}));
  EXPECT_EQ(cvw::sip::default_reason(404), "Not Found");
  EXPECT_EQ(cvw::sip::default_reason(481), "Call/Transaction Does Not Exist");
  EXPECT_EQ(cvw::sip::default_reason(299), "Unknown");
}

TEST(MessageBuild, AddByNameUsesCanonicalNamesForKnownHeaders) {
  Message m = Message::response(200);
  m.add("call-id", "x1");
  m.add("l", "0");
  m.add("X-Trace-Id", "abc");
  EXPECT_EQ(names_of(m), (std::vector<std::string>{"Call-ID", "Content-Length", "X-Trace-Id"}));
  EXPECT_EQ(m.headers()[0].id, HeaderId::CallId);
  EXPECT_EQ(m.headers()[2].id, HeaderId::Other);
  EXPECT_EQ(m.header("x-trace-id"), "abc");
}

class MultiValueVia : public testing::Test {
 protected:
  // A response as it comes back through two proxies, the first Via line
  // holding two values (the way some stacks write them).
  const std::string bytes_ =
      wire({"SIP/2.0 200 OK",
            "Via: SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2, SIP/2.0/UDP "
            "p1.example.com;branch=z9hG4bKp1",
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKua",
            "From: <sip:alice@atlanta.example.com>;tag=1", "To: <sip:bob@biloxi.example.com>;tag=2",
            "Call-ID: mv-1", "CSeq: 5 INVITE", "Content-Length: 0", ""});
  Message m_ = parse_ok(bytes_);
};

TEST_F(MultiValueVia, RemoveFirstValueTakesOneValueAtATime) {
  m_.remove_first_value(HeaderId::Via);
  ASSERT_EQ(m_.count(HeaderId::Via), 2u);
  EXPECT_EQ(m_.header(HeaderId::Via), "SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1");
  m_.remove_first_value(HeaderId::Via);
  ASSERT_EQ(m_.count(HeaderId::Via), 1u);
  EXPECT_EQ(m_.header(HeaderId::Via), "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKua");
  EXPECT_EQ(m_.headers()[0].id, HeaderId::Via);  // stays in place
  m_.remove_first_value(HeaderId::Via);
  EXPECT_EQ(m_.count(HeaderId::Via), 0u);
  m_.remove_first_value(HeaderId::Via);  // nothing left: no effect
  EXPECT_EQ(m_.headers().size(), 5u);
  EXPECT_EQ(m_.headers()[0].id, HeaderId::From);
}

TEST(MessageBuild, RemoveFirstValueRespectsQuotesAndBrackets) {
  Message m = Message::response(200);
  m.add(HeaderId::Contact, R"("Smith, J" <sip:j@example.com;x=a,b>;q=0.5, <sip:k@example.com>)");
  m.remove_first_value(HeaderId::Contact);
  EXPECT_EQ(m.header(HeaderId::Contact), "<sip:k@example.com>");
}

TEST_F(MultiValueVia, AddFrontGoesBeforeTheFirstLineOfItsKind) {
  m_.add_front(HeaderId::Via, "SIP/2.0/UDP p3.example.com;branch=z9hG4bKp3");
  EXPECT_EQ(m_.count(HeaderId::Via), 3u);
  EXPECT_EQ(m_.header(HeaderId::Via), "SIP/2.0/UDP p3.example.com;branch=z9hG4bKp3");
  // A header not present yet goes first of all.
  m_.add_front(HeaderId::RecordRoute, "<sip:p3.example.com;lr>");
  EXPECT_EQ(m_.headers()[0].id, HeaderId::RecordRoute);
  EXPECT_EQ(m_.serialize(), wire({"SIP/2.0 200 OK", "Record-Route: <sip:p3.example.com;lr>",
                                  "Via: SIP/2.0/UDP p3.example.com;branch=z9hG4bKp3",
                                  "Via: SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2, SIP/2.0/UDP "
                                  "p1.example.com;branch=z9hG4bKp1",
                                  "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKua",
                                  "From: <sip:alice@atlanta.example.com>;tag=1",
                                  "To: <sip:bob@biloxi.example.com>;tag=2", "Call-ID: mv-1",
                                  "CSeq: 5 INVITE", "Content-Length: 0", ""}));
}

TEST_F(MultiValueVia, AddGoesLast) {
  m_.add(HeaderId::Via, "SIP/2.0/UDP late.example.com;branch=z9hG4bKlate");
  EXPECT_EQ(m_.headers().back().id, HeaderId::Via);
  EXPECT_EQ(m_.headers().back().name, "Via");
  EXPECT_EQ(m_.headers().back().value, "SIP/2.0/UDP late.example.com;branch=z9hG4bKlate");
  EXPECT_EQ(m_.count(HeaderId::Via), 3u);
}

TEST_F(MultiValueVia, SetReplacesEveryLineByOne) {
  m_.set(HeaderId::Via, "SIP/2.0/UDP only.example.com;branch=z9hG4bKonly");
  EXPECT_EQ(m_.count(HeaderId::Via), 1u);
  EXPECT_EQ(m_.headers()[0].id, HeaderId::Via);  // where the first one was
  EXPECT_EQ(m_.header(HeaderId::Via), "SIP/2.0/UDP only.example.com;branch=z9hG4bKonly");
  m_.set(HeaderId::Subject, "new");  // absent: added
  EXPECT_EQ(m_.headers().back().id, HeaderId::Subject);
  EXPECT_EQ(m_.header(HeaderId::Subject), "new");
}

TEST_F(MultiValueVia, RemoveReturnsHowMany) {
  EXPECT_EQ(m_.remove(HeaderId::Via), 2u);
  EXPECT_EQ(m_.count(HeaderId::Via), 0u);
  EXPECT_EQ(m_.remove(HeaderId::Via), 0u);
  EXPECT_EQ(m_.headers().size(), 5u);
}

TEST_F(MultiValueVia, CopyHeadersBuildsTheResponseFromTheRequest) {
  const Message req = parse_ok(
      wire({"BYE sip:bob@192.0.2.9 SIP/2.0", "v: SIP/2.0/UDP p1.example.com;branch=z9hG4bKq1",
            "Max-Forwards: 69", "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKq0;rport=5060",
            "f: <sip:alice@atlanta.example.com>;tag=1", "To: <sip:bob@biloxi.example.com>;tag=2",
            "Call-ID: cp-1", "CSeq: 9 BYE", "Content-Length: 0", ""}));
  Message resp = Message::response(200);
  for (HeaderId id :
       {HeaderId::Via, HeaderId::From, HeaderId::To, HeaderId::CallId, HeaderId::CSeq}) {
    resp.copy_headers(req, id);
  }
  EXPECT_EQ(
      resp.serialize(),
      wire({"SIP/2.0 200 OK", "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKq1",
            "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKq0;rport=5060",
            "From: <sip:alice@atlanta.example.com>;tag=1", "To: <sip:bob@biloxi.example.com>;tag=2",
            "Call-ID: cp-1", "CSeq: 9 BYE", "Content-Length: 0", ""}));
  EXPECT_TRUE(cvw::sip::validate_response(resp).ok());
}

TEST(MessageBuild, CopiedValuesOutliveTheSource) {
  Message resp = Message::response(200);
  {
    const Message req = parse_ok(options_with({"Content-Length: 0"}));
    resp.copy_headers(req, HeaderId::Via);
    resp.copy_headers(req, HeaderId::CallId);
  }
  EXPECT_EQ(resp.header(HeaderId::Via), "SIP/2.0/UDP 192.0.2.31:5060;branch=z9hG4bK8a3e91c5");
  EXPECT_EQ(resp.header(HeaderId::CallId), "b2d3e4f5-a6b7c8d9@192.0.2.31");
}

TEST(MessageBuild, AddedValuesAreCopies) {
  Message m = Message::request(Method::Message, "sip:bob@biloxi.example.com");
  std::string value = "temporary";
  m.add(HeaderId::Subject, value);
  m.add("X-Note", value);
  value.assign("overwritten");
  EXPECT_EQ(m.header(HeaderId::Subject), "temporary");
  EXPECT_EQ(m.header("X-Note"), "temporary");
}

TEST(MessageBuild, ManyLargeValuesStayValidAfterMove) {
  Message m = Message::request(Method::Notify, "sip:a@192.0.2.1");
  std::vector<std::string> values;
  for (int i = 0; i < 40; ++i) {
    values.push_back(
        std::string(static_cast<std::size_t>(100 + i * 37), static_cast<char>('a' + i % 26)));
    m.add("X-Big-" + std::to_string(i), values.back());
  }
  m.set_body("text/plain", std::string(3000, 'z'));
  Message moved = std::move(m);
  ASSERT_EQ(moved.headers().size(), 42u);
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(moved.headers()[static_cast<std::size_t>(i)].value,
              values[static_cast<std::size_t>(i)])
        << i;
    EXPECT_EQ(moved.headers()[static_cast<std::size_t>(i)].name, "X-Big-" + std::to_string(i));
  }
  EXPECT_EQ(moved.body(), std::string(3000, 'z'));
}

TEST(MessageBuild, SetBodyKeepsTypeAndLengthTrue) {
  Message m = Message::request(Method::Message, "sip:bob@biloxi.example.com");
  m.add(HeaderId::CallId, "b1");
  m.set_body("text/plain", "Hello Bob");
  EXPECT_EQ(m.body(), "Hello Bob");
  EXPECT_EQ(m.header(HeaderId::ContentType), "text/plain");
  EXPECT_EQ(m.header(HeaderId::ContentLength), "9");
  EXPECT_EQ(
      m.serialize(),
      "MESSAGE sip:bob@biloxi.example.com SIP/2.0\r\nCall-ID: b1\r\nContent-Type: text/plain\r\n"
      "Content-Length: 9\r\n\r\nHello Bob");
  // A second body replaces the first; no duplicate headers appear.
  m.set_body("application/im-iscomposing+xml", "<x/>");
  EXPECT_EQ(m.count(HeaderId::ContentType), 1u);
  EXPECT_EQ(m.count(HeaderId::ContentLength), 1u);
  EXPECT_EQ(m.header(HeaderId::ContentType), "application/im-iscomposing+xml");
  EXPECT_EQ(m.header(HeaderId::ContentLength), "4");
  // No body, no type.
  m.set_body("", "");
  EXPECT_EQ(m.find(HeaderId::ContentType), nullptr);
  EXPECT_EQ(m.header(HeaderId::ContentLength), "0");
  EXPECT_EQ(
      m.serialize(),
      "MESSAGE sip:bob@biloxi.example.com SIP/2.0\r\nCall-ID: b1\r\nContent-Length: 0\r\n\r\n");
}

TEST(MessageBuild, SetBodyOnAParsedMessageKeepsHeaderPositions) {
  Message m = parse_ok(options_with({"c: text/plain", "l: 5", "Subject: after"}, "hello"));
  m.set_body("application/sdp", "v=0\r\n");
  EXPECT_EQ(m.serialize(),
            options_with({"c: application/sdp", "l: 5", "Subject: after"}, "v=0\r\n"));
  m.set_body("application/sdp", "v=0\r\ns=-\r\n");
  EXPECT_EQ(m.serialize(),
            options_with({"c: application/sdp", "l: 10", "Subject: after"}, "v=0\r\ns=-\r\n"));
}

TEST(MessageBuild, SetRequestUri) {
  Message m = parse_ok(options_with({"Content-Length: 0"}));
  {
    std::string target = "sip:2041@192.0.2.31:5060;transport=tcp";
    m.set_request_uri(target);
    target.assign(target.size(), '#');
  }
  EXPECT_EQ(m.request_uri(), "sip:2041@192.0.2.31:5060;transport=tcp");
  EXPECT_TRUE(
      m.serialize().starts_with("OPTIONS sip:2041@192.0.2.31:5060;transport=tcp SIP/2.0\r\nVia: "));
}

// --- wire form ----------------------------------------------------------------

TEST(MessageSerialize, ProxyForwardingChangesOnlyWhatItTouches) {
  const std::string in =
      wire({"INVITE sip:bob@biloxi.example.com SIP/2.0",
            "Via: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK74bf9", "Max-Forwards: 70",
            "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>",
            "From: <sip:alice@atlanta.example.com>;tag=9fx", "To: <sip:bob@biloxi.example.com>",
            "Call-ID: fw-1", "CSeq: 1 INVITE", "X-Unknown:  keep   inner   spacing",
            "Content-Type: application/sdp", "Content-Length: 4", ""}) +
      "v=0\n";
  Message m = parse_ok(in);
  m.add_front(HeaderId::Via, "SIP/2.0/UDP p1.example.com;branch=z9hG4bKfw1");
  m.set(HeaderId::MaxForwards, "69");
  m.remove_first_value(HeaderId::Route);
  m.add_front(HeaderId::RecordRoute, "<sip:p1.example.com;lr>");
  EXPECT_EQ(
      m.serialize(),
      wire({"INVITE sip:bob@biloxi.example.com SIP/2.0", "Record-Route: <sip:p1.example.com;lr>",
            "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKfw1",
            "Via: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK74bf9", "Max-Forwards: 69",
            "Route: <sip:p2.example.com;lr>", "From: <sip:alice@atlanta.example.com>;tag=9fx",
            "To: <sip:bob@biloxi.example.com>", "Call-ID: fw-1", "CSeq: 1 INVITE",
            "X-Unknown: keep   inner   spacing", "Content-Type: application/sdp",
            "Content-Length: 4", ""}) +
          "v=0\n");
}

TEST(MessageSerialize, ContentLengthIsWrittenFromTheBody) {
  Message m = parse_ok(options_with({"Content-Length: 5"}, "hello"));
  m.set(HeaderId::ContentLength, "999");  // a wrong value never reaches the wire
  EXPECT_EQ(m.serialize(), options_with({"Content-Length: 5"}, "hello"));
}

TEST(MessageSerialize, ToleratedDefectsAreRepairedOnTheWire) {
  // Extra SPs in the request line are a defect; the wire form is canonical.
  const Message m = parse_ok(
      wire({"OPTIONS  sip:x@example.com SIP/2.0 ", "Call-ID: w", "Content-Length: 0", ""}));
  EXPECT_EQ(m.serialize(),
            wire({"OPTIONS sip:x@example.com SIP/2.0", "Call-ID: w", "Content-Length: 0", ""}));
}

// --- clone -----------------------------------------------------------------------

TEST(MessageClone, BuiltMessageClonesToTheSameBytes) {
  Message m = Message::response(180);
  m.add(HeaderId::Via, "SIP/2.0/TCP 192.0.2.1;branch=z9hG4bKcl");
  m.add("X-Odd", "1");
  m.set_body("application/sdp", "v=0\r\n");
  const Message c = m.clone();
  EXPECT_EQ(c.serialize(), m.serialize());
  EXPECT_EQ(c.status(), 180);
  EXPECT_EQ(c.reason(), "Ringing");
  EXPECT_EQ(c.header("x-odd"), "1");
  EXPECT_EQ(c.body(), "v=0\r\n");
}

TEST(MessageClone, CloneChangesIndependently) {
  Message a = parse_ok(options_with({"Content-Length: 0"}));
  Message b = a.clone();
  b.set(HeaderId::CallId, "changed");
  b.remove(HeaderId::Via);
  EXPECT_EQ(a.header(HeaderId::CallId), "b2d3e4f5-a6b7c8d9@192.0.2.31");
  EXPECT_EQ(a.count(HeaderId::Via), 1u);
  EXPECT_EQ(b.header(HeaderId::CallId), "changed");
}

TEST(MessageClone, CloneKeepsTheDefect) {
  // A defective request is answered, not forwarded; a copy made on the way
  // (queued for the stateless reply) must still say so.
  std::string bytes = options_with({"Content-Length: 0"});
  bytes.replace(bytes.find("SIP/2.0\r\n"), 7, "SIP/3.0");
  const Message m = parse_ok(bytes);
  ASSERT_TRUE(m.defect().has_value());
  const Message c = m.clone();
  ASSERT_TRUE(c.defect().has_value()) << "clone() lost the defect";
  EXPECT_EQ(c.defect()->status, 505);
}

// --- validation ---------------------------------------------------------------

cvw::Result<void> validate(const std::string& bytes) {
  cvw::Result<Message> m = Message::parse(bytes);
  if (!m) return m.error();
  return m->is_request() ? cvw::sip::validate_request(*m) : cvw::sip::validate_response(*m);
}

// Replaces the first line starting with `prefix` by `line` (or drops it
// when `line` is empty).
std::string edit(std::string bytes, std::string_view prefix, std::string_view line) {
  const std::size_t at = bytes.find(std::string("\r\n") + std::string(prefix));
  EXPECT_NE(at, std::string::npos) << prefix;
  const std::size_t end = bytes.find("\r\n", at + 2);
  bytes.replace(at + 2, end + 2 - (at + 2),
                line.empty() ? std::string() : std::string(line) + "\r\n");
  return bytes;
}

TEST(Validate, AcceptsAWellFormedRequest) {
  const cvw::Result<void> v =
      validate(options_with({"Contact: <sip:2041@192.0.2.31:5060>", "Content-Length: 0"}));
  EXPECT_TRUE(v.ok()) << v.error().message;
}

TEST(Validate, MandatoryHeaders) {
  const std::string ok = options_with({"Content-Length: 0"});
  for (std::string_view name : {"Via:", "From:", "To:", "Call-ID:", "CSeq:"}) {
    const cvw::Result<void> v = validate(edit(ok, name, ""));
    ASSERT_FALSE(v.ok()) << "without " << name;
    EXPECT_EQ(v.error().status, 400);
    EXPECT_NE(v.error().message.find(std::string(name.substr(0, name.size() - 1))),
              std::string::npos)
        << v.error().message;
  }
  EXPECT_FALSE(validate(edit(ok, "Call-ID:", "Call-ID: ")).ok());
  EXPECT_FALSE(validate(edit(ok, "CSeq:", "CSeq: 1 OPTIONS\r\nCSeq: 2 OPTIONS")).ok());
  EXPECT_FALSE(
      validate(edit(ok, "To:", "To: <sip:pbx.example.com>\r\nt: <sip:other.example.com>")).ok());
}

TEST(Validate, RequestChecks) {
  const std::string ok = options_with({"Content-Length: 0"});
  EXPECT_FALSE(validate(edit(ok, "CSeq:", "CSeq: 1 INVITE")).ok());  // method mismatch
  EXPECT_FALSE(validate(edit(ok, "CSeq:", "CSeq: 4294967296 OPTIONS")).ok());
  EXPECT_FALSE(validate(edit(ok, "Max-Forwards:", "Max-Forwards: 256")).ok());
  EXPECT_TRUE(validate(edit(ok, "Max-Forwards:", "Max-Forwards: 0")).ok());
  EXPECT_FALSE(
      validate(edit(ok, "Via:", "Via: SIP/2.0/UDP 192.0.2.31:99999;branch=z9hG4bK1")).ok());
  EXPECT_FALSE(validate(edit(ok, "Via:", "Via: SIP/2.0/UDP 192.0.2.31;branch=z9hG4bK1, ")).ok());
  EXPECT_FALSE(validate(edit(ok, "From:", "From: sip:2041@pbx.example.com?x=y;tag=1")).ok());
  EXPECT_FALSE(validate(edit(ok, "To:", "To: \"open <sip:pbx.example.com>")).ok());
  std::string with_headers = ok;
  with_headers.replace(0, with_headers.find(" SIP/2.0"), "OPTIONS sip:pbx.example.com?Subject=hi");
  EXPECT_FALSE(validate(with_headers).ok());  // RFC 4475 §3.1.2.11
  std::string bad_uri = ok;
  bad_uri.replace(0, bad_uri.find(" SIP/2.0"), "OPTIONS sip:pbx.example.com:port");
  EXPECT_FALSE(validate(bad_uri).ok());
}

TEST(Validate, ContactExpiresAndDate) {
  const std::string ok = options_with({"Content-Length: 0"});
  EXPECT_TRUE(
      validate(edit(ok, "Max-Forwards:", "Max-Forwards: 70\r\nContact: *\r\nExpires: 0")).ok());
  EXPECT_TRUE(
      validate(edit(ok, "Max-Forwards:",
                    "Max-Forwards: 70\r\nContact: <sip:a@192.0.2.1>;expires=60, <sip:b@192.0.2.2>"))
          .ok());
  EXPECT_FALSE(validate(edit(ok, "Max-Forwards:",
                             "Max-Forwards: 70\r\nContact: <sip:a@192.0.2.1>;expires=soon"))
                   .ok());
  EXPECT_FALSE(validate(edit(ok, "Max-Forwards:", "Max-Forwards: 70\r\nExpires: -1")).ok());
  EXPECT_TRUE(
      validate(edit(ok, "Max-Forwards:", "Max-Forwards: 70\r\nDate: Sat, 13 Nov 2010 23:29:00 GMT"))
          .ok());
  EXPECT_FALSE(
      validate(edit(ok, "Max-Forwards:", "Max-Forwards: 70\r\nDate: Sat, 13 Nov 2010 23:29:00 EST"))
          .ok());
  EXPECT_FALSE(validate(edit(ok, "Max-Forwards:",
                             "Max-Forwards: 70\r\nRecord-Route: sip:p1.example.com;lr,"))
                   .ok());
}

TEST(Validate, Responses) {
  const std::string ok =
      wire({"SIP/2.0 200 OK", "Via: SIP/2.0/UDP 192.0.2.31:5060;branch=z9hG4bK8a3e91c5",
            "From: <sip:2041@pbx.example.com>;tag=6CB8D8A2", "To: <sip:pbx.example.com>;tag=99",
            "Call-ID: r-1", "CSeq: 1 OPTIONS", "Content-Length: 0", ""});
  EXPECT_TRUE(validate(ok).ok());
  std::string high = ok;
  high.replace(8, 3, "700");
  EXPECT_FALSE(validate(high).ok());
  EXPECT_FALSE(validate(edit(ok, "CSeq:", "CSeq: OPTIONS")).ok());
  EXPECT_FALSE(validate(edit(ok, "Via:", "")).ok());
}

// --- names --------------------------------------------------------------------

TEST(HeaderIds, EveryNameMapsBackInAnyCase) {
  for (int i = 1; i < static_cast<int>(HeaderId::kCount); ++i) {
    const auto id = static_cast<HeaderId>(i);
    const std::string_view name = cvw::sip::header_name(id);
    ASSERT_FALSE(name.empty()) << i;
    EXPECT_EQ(cvw::sip::header_id(name), id) << name;
    std::string upper(name), lower(name);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(cvw::sip::header_id(upper), id) << upper;
    EXPECT_EQ(cvw::sip::header_id(lower), id) << lower;
  }
  EXPECT_EQ(cvw::sip::header_name(HeaderId::CallId), "Call-ID");
  EXPECT_EQ(cvw::sip::header_name(HeaderId::WwwAuthenticate), "WWW-Authenticate");
  EXPECT_EQ(cvw::sip::header_name(HeaderId::CSeq), "CSeq");
}

TEST(HeaderIds, UnknownNames) {
  for (std::string_view n : {"", "X-Foo", "Vias", "Content-Lengthy", "q", "z", "1", "-",
                             "ContentLength", "P-Asserted-Identity-Extended-Name-Too-Long"}) {
    EXPECT_EQ(cvw::sip::header_id(n), HeaderId::Other) << n;
  }
  EXPECT_EQ(cvw::sip::header_id("L"), HeaderId::ContentLength);
  EXPECT_EQ(cvw::sip::header_id("V"), HeaderId::Via);
}

TEST(Methods, NamesRoundTrip) {
  for (int i = 1; i <= static_cast<int>(Method::Update); ++i) {
    const auto m = static_cast<Method>(i);
    EXPECT_EQ(cvw::sip::method_from_name(cvw::sip::method_name(m)), m) << i;
  }
  EXPECT_EQ(cvw::sip::method_name(Method::Prack), "PRACK");
  EXPECT_EQ(cvw::sip::method_from_name("SUBSCRIBE"), Method::Subscribe);
  EXPECT_EQ(cvw::sip::method_from_name("Register"), Method::Unknown);
  EXPECT_EQ(cvw::sip::method_from_name(""), Method::Unknown);
}

}  // namespace
