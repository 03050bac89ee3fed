// find_frame: cutting a TCP/TLS byte stream into messages (RFC 3261 §18.3).
#include "sip/framing.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "sip/message.hpp"

namespace {

using cvw::sip::find_frame;
using cvw::sip::Frame;
using cvw::sip::ParseLimits;

const std::string kHead =
    "MESSAGE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 192.0.2.88:49821;branch=z9hG4bKf1\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:dana@contoso.example.com>;tag=8b6a\r\n"
    "To: <sip:bob@biloxi.example.com>\r\n"
    "Call-ID: fr-1@192.0.2.88\r\n"
    "CSeq: 1 MESSAGE\r\n"
    "Content-Type: text/plain\r\n";

std::string message(std::string_view length_line, std::string_view body) {
  return kHead + std::string(length_line) + "\r\n\r\n" + std::string(body);
}

const std::string kBody = "Lunch at noon?";
const std::string kMessage = message("Content-Length: 14", kBody);

// The frame, asserting that one was found.
Frame frame_of(std::string_view buffered, const ParseLimits& limits = {}) {
  auto r = find_frame(buffered, limits);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  if (!r.ok() || !r->has_value()) {
    ADD_FAILURE() << "no frame";
    return Frame{};
  }
  return **r;
}

bool needs_more(std::string_view buffered, const ParseLimits& limits = {}) {
  auto r = find_frame(buffered, limits);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() && !r->has_value();
}

bool is_error(std::string_view buffered, const ParseLimits& limits = {}) {
  auto r = find_frame(buffered, limits);
  if (r.ok()) return false;
  EXPECT_FALSE(r.error().message.empty());
  return true;
}

TEST(Framing, CompleteMessage) {
  ASSERT_EQ(kMessage.size(), kHead.size() + 20 + 2 + 14);
  const Frame f = frame_of(kMessage);
  EXPECT_EQ(f.skip, 0u);
  EXPECT_EQ(f.length, kMessage.size());
  // The frame is what Message::parse expects for a stream.
  auto m = cvw::sip::Message::parse(std::string_view(kMessage).substr(f.skip, f.length),
                                    cvw::sip::Framing::Stream);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->body(), kBody);
}

TEST(Framing, EmptyMessageBody) {
  const std::string bye =
      "BYE sip:alice@192.0.2.101 SIP/2.0\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n";
  const Frame f = frame_of(bye);
  EXPECT_EQ(f.length, bye.size());
}

TEST(Framing, PartialHeadersNeedMore) {
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{10}, kHead.size(),
                          kHead.size() + 20, kHead.size() + 21}) {
    EXPECT_TRUE(needs_more(std::string_view(kMessage).substr(0, cut))) << cut;
  }
}

TEST(Framing, PartialBodyNeedsMore) {
  for (std::size_t missing = 1; missing <= kBody.size(); ++missing) {
    EXPECT_TRUE(needs_more(std::string_view(kMessage).substr(0, kMessage.size() - missing)))
        << missing;
  }
}

TEST(Framing, TwoMessagesBackToBack) {
  const std::string second =
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 192.0.2.88:49821;branch=z9hG4bKf1\r\nl: 3\r\n\r\nabc";
  const std::string stream = kMessage + second;
  const Frame first = frame_of(stream);
  EXPECT_EQ(first.skip, 0u);
  EXPECT_EQ(first.length, kMessage.size());
  const Frame next = frame_of(std::string_view(stream).substr(first.skip + first.length));
  EXPECT_EQ(next.skip, 0u);
  EXPECT_EQ(next.length, second.size());
  // The first frame is complete even though the second is only partly there.
  const std::string partial = kMessage + second.substr(0, 30);
  EXPECT_EQ(frame_of(partial).length, kMessage.size());
  EXPECT_TRUE(needs_more(std::string_view(partial).substr(kMessage.size())));
}

TEST(Framing, LeadingCrlfKeepAlivesAreSkipped) {
  // RFC 5626 §3.5.1: a client pings with CRLFCRLF between messages.
  const std::string stream = "\r\n\r\n" + kMessage;
  const Frame f = frame_of(stream);
  EXPECT_EQ(f.skip, 4u);
  EXPECT_EQ(f.length, kMessage.size());
  EXPECT_EQ(std::string_view(stream).substr(f.skip, f.length), kMessage);
}

TEST(Framing, OnlyKeepAlives) {
  const Frame f = frame_of("\r\n\r\n");
  EXPECT_EQ(f.skip, 4u);
  EXPECT_EQ(f.length, 0u);
  const Frame pong = frame_of("\r\n");
  EXPECT_EQ(pong.skip, 2u);
  EXPECT_EQ(pong.length, 0u);
  EXPECT_TRUE(needs_more(""));
}

TEST(Framing, MissingContentLengthIsAnError) {
  EXPECT_TRUE(is_error(kHead + "\r\n" + kBody));
  EXPECT_TRUE(is_error("OPTIONS sip:x@example.com SIP/2.0\r\n\r\n"));
}

TEST(Framing, ConflictingContentLengthsAreAnError) {
  EXPECT_TRUE(is_error(message("Content-Length: 14\r\nContent-Length: 15", kBody + "x")));
  EXPECT_TRUE(is_error(message("Content-Length: 14\r\nl: 2", kBody)));
  // The same value twice frames fine.
  EXPECT_EQ(
      frame_of(message("Content-Length: 14\r\nl: 14", kBody)).length,
      kHead.size() + std::string_view("Content-Length: 14\r\nl: 14\r\n\r\n").size() + kBody.size());
}

TEST(Framing, BadContentLengthIsAnError) {
  for (std::string_view line :
       {"Content-Length: -1", "Content-Length: abc", "Content-Length: 1 4",
        "Content-Length: ", "Content-Length: 4294967296", "Content-Length: 99999999999999999999"}) {
    EXPECT_TRUE(is_error(message(line, kBody))) << line;
  }
}

TEST(Framing, CompactAndOddCaseContentLength) {
  const std::string compact = message("l: 14", kBody);
  EXPECT_EQ(frame_of(compact).length, compact.size());
  const std::string upper = message("L: 14", kBody);
  EXPECT_EQ(frame_of(upper).length, upper.size());
  const std::string lower = message("content-LENGTH:14", kBody);
  EXPECT_EQ(frame_of(lower).length, lower.size());
  const std::string spaced = message("Content-Length :   14  ", kBody);
  EXPECT_EQ(frame_of(spaced).length, spaced.size());
}

TEST(Framing, ContentLengthInTheBodyIsNotAHeader) {
  const std::string body = "Content-Length: 999\r\n\r\n";
  const std::string msg = message("Content-Length: " + std::to_string(body.size()), body);
  EXPECT_EQ(frame_of(msg).length, msg.size());
}

TEST(Framing, LookalikeHeadersAreIgnored) {
  const std::string msg =
      message("X-Content-Length: 999\r\nContent-Length-X: 5\r\nContent-Length: 14", kBody);
  EXPECT_EQ(frame_of(msg).length, msg.size());
}

TEST(Framing, MessageOverTheLimitIsAnError) {
  ParseLimits limits;
  limits.max_message_size = kMessage.size();
  EXPECT_EQ(frame_of(kMessage, limits).length, kMessage.size());
  limits.max_message_size = kMessage.size() - 1;
  EXPECT_TRUE(is_error(kMessage, limits));
  // Known too big from the headers alone: no need to wait for the body.
  limits.max_message_size = 1000;
  EXPECT_TRUE(is_error(message("Content-Length: 5000", "only the start"), limits));
  EXPECT_TRUE(is_error(message("Content-Length: 4294967295", ""), ParseLimits{}));
}

TEST(Framing, HeadersOverTheLimitAreAnError) {
  ParseLimits limits;
  limits.max_message_size = 200;
  std::string endless = "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n";
  while (endless.size() <= 200) endless += "X-Padding: 0123456789\r\n";
  EXPECT_TRUE(is_error(endless, limits));
  // Below the limit the same partial headers just wait.
  EXPECT_TRUE(needs_more(endless.substr(0, 150), limits));
}

TEST(Framing, KeepAliveBeforeAPartialMessageWaits) {
  EXPECT_TRUE(needs_more("\r\n\r\n" + kMessage.substr(0, 40)));
}

}  // namespace
