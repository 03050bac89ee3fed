#include "sdp/session.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "fixtures.hpp"

namespace cvw::sdp {
namespace {

using test::crlf;
using test::kFixtures;
using test::load;
using test::read_fixture;

// A minimal valid body to hang single-line variations on.
constexpr std::string_view kMinimal =
    "v=0\n"
    "o=- 1 1 IN IP4 192.0.2.1\n"
    "s=-\n"
    "c=IN IP4 192.0.2.1\n"
    "t=0 0\n"
    "m=audio 4000 RTP/AVP 0\n";

std::string error_of(std::string_view text) {
  auto parsed = parse(text);
  EXPECT_FALSE(parsed.ok()) << "expected a parse error for:\n" << text;
  return parsed.ok() ? std::string() : parsed.error().message;
}

// ---------------------------------------------------------------------------
// Fixtures: every one parses and comes back byte for byte

class FixtureTest : public ::testing::TestWithParam<std::string_view> {};

TEST_P(FixtureTest, RoundTripsByteExact) {
  const std::string text = read_fixture(GetParam());
  ASSERT_FALSE(text.empty());
  auto parsed = parse(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(serialize(*parsed), text);
}

TEST_P(FixtureTest, SerializedFormParsesToTheSameModel) {
  const Session first = load(GetParam());
  auto again = parse(serialize(first));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, first);
}

TEST_P(FixtureTest, LfLineEndsGiveTheSameModelAndCrlfOutput) {
  const std::string text = read_fixture(GetParam());
  std::string lf = text;
  std::erase(lf, '\r');
  auto parsed = parse(lf);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, load(GetParam()));
  EXPECT_EQ(serialize(*parsed), text);
}

TEST_P(FixtureTest, EveryTruncationIsHandledWithoutCrashing) {
  // A cheap in-tree fuzz: cut the body at every byte. Whatever parses must
  // serialize to something that parses to the same model.
  const std::string text = read_fixture(GetParam());
  for (std::size_t n = 0; n <= text.size(); ++n) {
    auto parsed = parse(std::string_view(text).substr(0, n));
    if (!parsed.ok()) {
      EXPECT_FALSE(parsed.error().message.empty());
      continue;
    }
    auto again = parse(serialize(*parsed));
    ASSERT_TRUE(again.ok()) << "cut at " << n << ": " << again.error().message;
    EXPECT_EQ(*again, *parsed) << "cut at " << n;
  }
}

std::string fixture_test_name(const ::testing::TestParamInfo<std::string_view>& param_info) {
  const std::string_view file = param_info.param;
  std::string name(file.substr(0, file.find('.')));
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Sdp, FixtureTest, ::testing::ValuesIn(kFixtures), fixture_test_name);

// ---------------------------------------------------------------------------
// The model, read from real bodies

TEST(SdpParse, BaresipOfferFields) {
  const Session s = load("baresip.sdp");
  EXPECT_EQ(s.version, 0);
  EXPECT_EQ(s.origin, (Origin{"-", 2890844526u, 2890844526u, "IN", "IP4", "192.168.1.20"}));
  EXPECT_EQ(s.name, "-");
  ASSERT_TRUE(s.connection.has_value());
  EXPECT_EQ(s.connection->address, "192.168.1.20");
  ASSERT_EQ(s.timings.size(), 1u);
  EXPECT_EQ(s.timings[0].start, 0u);
  ASSERT_NE(s.find_attribute("tool"), nullptr);
  EXPECT_EQ(s.find_attribute("tool")->value, "baresip 3.10.1");

  ASSERT_EQ(s.media.size(), 1u);
  const Media& m = s.media[0];
  EXPECT_EQ(m.type, "audio");
  EXPECT_EQ(m.port, 10310);
  EXPECT_FALSE(m.port_count.has_value());
  EXPECT_EQ(m.proto, "RTP/AVP");
  EXPECT_EQ(m.formats, (std::vector<std::string>{"96", "9", "0", "8", "101"}));
  ASSERT_EQ(m.bandwidths.size(), 1u);
  EXPECT_EQ(m.bandwidths[0], (Bandwidth{"AS", 128}));
  ASSERT_NE(m.find_attribute("rtcp-rsize"), nullptr);
  EXPECT_FALSE(m.find_attribute("rtcp-rsize")->value.has_value());
}

TEST(SdpParse, RtpmapAndFmtpLookups) {
  const Media m = load("baresip.sdp").media.at(0);
  const auto opus = find_rtpmap(m, 96);
  ASSERT_TRUE(opus.has_value());
  EXPECT_EQ(opus->encoding, "opus");
  EXPECT_EQ(opus->clock_rate, 48000u);
  EXPECT_EQ(opus->parameters, "2");
  EXPECT_EQ(opus->channels(), 2u);
  EXPECT_EQ(find_fmtp(m, 96), "stereo=1;sprop-stereo=1");
  EXPECT_EQ(find_fmtp(m, 101), "0-15");
  EXPECT_FALSE(find_fmtp(m, 0).has_value());
  EXPECT_EQ(find_rtpmap(m, 0)->channels(), 1u);
  EXPECT_EQ(telephone_event_payload_type(m), 101);
}

TEST(SdpParse, StaticPayloadTypesNeedNoRtpmap) {
  auto s =
      parse(crlf("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n"
                 "m=audio 4000 RTP/AVP 0 8 18 96\n"));
  ASSERT_TRUE(s.ok()) << s.error().message;
  const Media& m = s->media[0];
  EXPECT_EQ(find_rtpmap(m, 0), (RtpMap{0, "PCMU", 8000, std::nullopt}));
  EXPECT_EQ(find_rtpmap(m, 8), (RtpMap{8, "PCMA", 8000, std::nullopt}));
  EXPECT_EQ(find_rtpmap(m, 18), (RtpMap{18, "G729", 8000, std::nullopt}));
  // A dynamic type means nothing without its a=rtpmap.
  EXPECT_FALSE(find_rtpmap(m, 96).has_value());
  EXPECT_FALSE(telephone_event_payload_type(m).has_value());
}

TEST(SdpParse, RtpmapOverridesTheStaticTable) {
  auto s = parse(crlf(std::string(kMinimal) + "a=rtpmap:0 pcmu/8000\n"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(find_rtpmap(s->media[0], 0)->encoding, "pcmu");
}

TEST(SdpParse, PolycomSessionLevelDirectionApplies) {
  const Session s = load("polycom.sdp");
  const Media& m = s.media.at(0);
  EXPECT_FALSE(find_direction(m.attributes).has_value());
  EXPECT_EQ(find_direction(s.attributes), Direction::SendRecv);
  EXPECT_EQ(effective_direction(s, m), Direction::SendRecv);
  EXPECT_EQ(find_fmtp(m, 18), "annexb=no");
  EXPECT_EQ(telephone_event_payload_type(m), 127);
}

TEST(SdpParse, CiscoMediaLevelConnectionsAndBandwidth) {
  const Session s = load("cisco.sdp");
  EXPECT_FALSE(s.connection.has_value());
  ASSERT_EQ(s.bandwidths.size(), 1u);
  EXPECT_EQ(s.bandwidths[0], (Bandwidth{"AS", 4064}));
  ASSERT_EQ(s.media.size(), 2u);
  const Connection* c = effective_connection(s, s.media[1]);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->address, "10.1.1.42");
  EXPECT_EQ(s.media[1].bandwidths.at(0), (Bandwidth{"TIAS", 4000000}));
  EXPECT_EQ(s.origin.session_version, 0u);
}

TEST(SdpParse, Ipv6Connection) {
  const Session s = load("linphone_ipv6.sdp");
  ASSERT_TRUE(s.connection.has_value());
  EXPECT_TRUE(s.connection->is_ipv6());
  EXPECT_EQ(s.connection->address, "2001:db8::10");
  EXPECT_EQ(s.origin.address_type, "IP6");
  EXPECT_EQ(effective_connection(s, s.media.at(0)), &*s.connection);
  // Three telephone-event clock rates; the first listed one is reported.
  EXPECT_EQ(telephone_event_payload_type(s.media[0]), 101);
  EXPECT_EQ(find_rtpmap(s.media[0], 100)->clock_rate, 8000u);
}

TEST(SdpParse, AllFieldTypes) {
  const Session s = load("all_fields.sdp");
  EXPECT_EQ(s.information, "SDP Offer #1");
  EXPECT_EQ(s.uri, "http://www.jdoe.example.com/home.html");
  EXPECT_EQ(s.emails, (std::vector<std::string>{"Jane Doe <jane@jdoe.example.com>"}));
  EXPECT_EQ(s.phones, (std::vector<std::string>{"+1 617 555-6011"}));
  ASSERT_EQ(s.timings.size(), 2u);
  EXPECT_EQ(s.timings[0].start, 3724394400u);
  EXPECT_EQ(s.timings[0].repeats, (std::vector<std::string>{"604800 3600 0 90000"}));
  EXPECT_TRUE(s.timings[1].repeats.empty());
  EXPECT_EQ(s.time_zones, "2882844526 -1h 2898848070 0");
  ASSERT_EQ(s.media.size(), 3u);
  EXPECT_EQ(s.media[0].title, "main audio");
  EXPECT_EQ(s.media[0].key, "prompt");
  EXPECT_EQ(s.media[1].port_count, 2u);
  ASSERT_TRUE(s.media[1].connection.has_value());
  EXPECT_TRUE(s.media[1].connection->is_ipv6());
  EXPECT_TRUE(s.media[2].is_rejected());
  EXPECT_TRUE(s.media[2].formats.empty());
}

TEST(SdpParse, NonRtpFormatsAreKeptAsWritten) {
  const Session s = load("t38_reinvite.sdp");
  const Media& m = s.media.at(0);
  EXPECT_EQ(m.type, "image");
  EXPECT_EQ(m.proto, "udptl");
  EXPECT_EQ(m.formats, (std::vector<std::string>{"t38"}));
  EXPECT_FALSE(payload_type_of(m.formats[0]).has_value());
  EXPECT_EQ(m.find_attribute("T38FaxMaxDatagram")->value, "176");
}

TEST(SdpParse, NoMediaOffer) {
  const Session s = load("no_media.sdp");
  EXPECT_TRUE(s.media.empty());
  EXPECT_FALSE(is_held(s));
}

// ---------------------------------------------------------------------------
// Liberal input, faithful output

TEST(SdpParse, UnknownTypeLettersAreKeptInPlace) {
  const Session s = load("gb28181_camera.sdp");
  EXPECT_TRUE(has_unknown_lines(s));
  const Media& m = s.media.at(0);
  ASSERT_EQ(m.unknown_lines.size(), 2u);
  EXPECT_EQ(m.unknown_lines[0], (UnknownLine{'y', "0100000001", 4}));
  EXPECT_EQ(m.unknown_lines[1], (UnknownLine{'f', "", 4}));
  EXPECT_FALSE(has_unknown_lines(load("baresip.sdp")));
}

TEST(SdpParse, UnknownLineBetweenAttributesKeepsItsPlace) {
  const std::string text =
      crlf(std::string(kMinimal) + "a=rtpmap:0 PCMU/8000\nx=between\na=sendrecv\nY=upper\n");
  auto s = parse(text);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->media[0].unknown_lines[0].position, 1u);
  EXPECT_EQ(s->media[0].unknown_lines[1].type, 'Y');
  EXPECT_EQ(serialize(*s), text);
}

TEST(SdpParse, AttributeValueFormsRoundTrip) {
  const std::string text =
      crlf(std::string(kMinimal) +
           "a=flag\na=empty:\na=rtcp:9 IN IP4 0.0.0.0\na=x-dimensions: 704, 576\n");
  auto s = parse(text);
  ASSERT_TRUE(s.ok());
  const auto& a = s->media[0].attributes;
  EXPECT_EQ(a[0], (Attribute{"flag", std::nullopt}));
  EXPECT_EQ(a[1], (Attribute{"empty", ""}));
  EXPECT_EQ(a[2], (Attribute{"rtcp", "9 IN IP4 0.0.0.0"}));
  EXPECT_EQ(a[3], (Attribute{"x-dimensions", " 704, 576"}));
  EXPECT_EQ(serialize(*s), text);
}

TEST(SdpParse, OutOfOrderLinesAreAcceptedAndWrittenInOrder) {
  // As some RTSP cameras write it: a= before t=, b= before c=.
  auto s = parse(
      crlf("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=cam\na=tool:x\nb=AS:64\nc=IN IP4 192.0.2.1\nt=0 0\n"
           "m=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\nc=IN IP4 0.0.0.0\n"));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(serialize(*s),
            crlf("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=cam\nc=IN IP4 192.0.2.1\nb=AS:64\nt=0 0\n"
                 "a=tool:x\nm=video 0 RTP/AVP 96\nc=IN IP4 0.0.0.0\na=rtpmap:96 H264/90000\n"));
}

TEST(SdpParse, TrailingBlankLinesAndMissingFinalNewline) {
  EXPECT_TRUE(parse(crlf(std::string(kMinimal) + "\n\n")).ok());
  std::string no_final = crlf(kMinimal);
  no_final.resize(no_final.size() - 2);
  auto s = parse(no_final);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(serialize(*s), crlf(kMinimal));
}

TEST(SdpParse, ExtraSpacesInStructuredLinesAreTolerated) {
  auto s =
      parse(crlf("v=0\no=-  1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n"
                 "m=audio  4000 RTP/AVP 0 8 \n"));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->media[0].formats, (std::vector<std::string>{"0", "8"}));
}

TEST(SdpParse, RejectedStreamMayOmitConnection) {
  auto s = parse(crlf("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=video 0 RTP/AVP 31\n"));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(effective_connection(*s, s->media[0]), nullptr);
}

// ---------------------------------------------------------------------------
// Malformed input: refused with a message that says what is wrong

struct BadCase {
  std::string_view name;
  std::string text;  // LF; converted to CRLF
  std::string_view expect;
};

// Names the case in test output instead of dumping the struct's bytes.
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class MalformedTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(MalformedTest, IsRefusedWithAClearMessage) {
  auto parsed = parse(crlf(GetParam().text));
  ASSERT_FALSE(parsed.ok()) << "accepted:\n" << GetParam().text;
  EXPECT_EQ(parsed.error().status, 400);
  EXPECT_NE(parsed.error().message.find(GetParam().expect), std::string::npos)
      << "message: " << parsed.error().message;
}

std::string with(std::string_view extra) {
  return std::string(kMinimal) + std::string(extra);
}

std::string replaced(std::string_view from, std::string_view to) {
  std::string text(kMinimal);
  text.replace(text.find(from), from.size(), to);
  return text;
}

const BadCase kBadCases[] = {
    {"Empty", "", "empty"},
    {"MissingVersion", "o=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\n", "v= line"},
    {"WrongVersion", replaced("v=0", "v=1"), "version"},
    {"MissingOrigin", "v=0\ns=-\nt=0 0\n", "no o= line"},
    {"MissingName", "v=0\no=- 1 1 IN IP4 192.0.2.1\nt=0 0\n", "no s= line"},
    {"MissingTiming", "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\n", "no t= line"},
    {"OriginFieldCount", replaced("o=- 1 1 IN IP4 192.0.2.1", "o=- 1 IN IP4 192.0.2.1"),
     "6 fields"},
    {"OriginSessionId", replaced("o=- 1 1", "o=- x1 1"), "session id"},
    {"OriginVersionOverflow", replaced("o=- 1 1", "o=- 1 18446744073709551616"), "session version"},
    {"NegativeVersion", replaced("o=- 1 1", "o=- 1 -1"), "session version"},
    {"ConnectionFieldCount", replaced("c=IN IP4 192.0.2.1", "c=IN 192.0.2.1"), "3 fields"},
    {"BandwidthNoColon", with("b=AS64\n"), "b= must be"},
    {"BandwidthNotNumber", with("b=AS:lots\n"), "not a number"},
    {"TimingNotNumber", replaced("t=0 0", "t=now 0"), "not numbers"},
    {"TimingFieldCount", replaced("t=0 0", "t=0"), "2 fields"},
    {"RepeatBeforeTiming", replaced("t=0 0", "r=1 2 3\nt=0 0"), "before any t="},
    {"MediaTooShort", replaced("m=audio 4000 RTP/AVP 0", "m=audio 4000"), "m= needs"},
    {"MediaPortNotNumber", replaced("4000", "abc"), "port \"abc\""},
    {"MediaPortTooBig", replaced("4000", "65536"), "0-65535"},
    {"MediaPortSigned", replaced("4000", "+4000"), "port"},
    {"MediaPortCount", replaced("4000", "4000/x"), "port count"},
    {"MediaNoFormats", replaced("RTP/AVP 0", "RTP/AVP"), "no formats"},
    {"DuplicateOrigin", replaced("s=-", "o=- 2 2 IN IP4 192.0.2.1\ns=-"), "more than one"},
    {"DuplicateName", replaced("s=-", "s=-\ns=again"), "more than one"},
    {"DuplicateSessionConnection", replaced("t=0 0", "c=IN IP4 192.0.2.2\nt=0 0"), "more than one"},
    {"DuplicateMediaConnection", with("c=IN IP4 192.0.2.2\nc=IN IP4 192.0.2.3\n"), "c= line"},
    {"DuplicateMediaTitle", with("i=a\ni=b\n"), "more than one"},
    {"SessionLineInMedia", with("t=0 0\n"), "session section"},
    {"VersionAgain", replaced("s=-", "s=-\nv=0"), "first line"},
    {"EmptyAttributeName", with("a=:value\n"), "attribute name"},
    {"NoEquals", with("hello\n"), "<letter>=<value>"},
    {"DigitType", with("1=x\n"), "<letter>=<value>"},
    {"EmptyLineInside", replaced("s=-\n", "s=-\n\n"), "empty line"},
    {"BareCr", with("a=x\ry\n"), "CR inside"},
    {"NulByte", with(std::string("a=x\0y\n", 6)), "NUL"},
    {"NoConnectionAnywhere", "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\n",
     "no c= line"},
};

std::string bad_case_name(const ::testing::TestParamInfo<BadCase>& param_info) {
  return std::string(param_info.param.name);
}

INSTANTIATE_TEST_SUITE_P(Sdp, MalformedTest, ::testing::ValuesIn(kBadCases), bad_case_name);

TEST(SdpParse, ErrorNamesTheLine) {
  const std::string message = error_of(crlf(replaced("4000", "abc")));
  EXPECT_NE(message.find("SDP line 6 (m=)"), std::string::npos) << message;
}

TEST(SdpParse, ErrorQuotesAreShortAndPrintable) {
  // The message may become a SIP reason phrase: no control bytes, no essays.
  const std::string port = "\x01\x7f\xff" + std::string(500, '9');
  const std::string message = error_of(crlf(replaced("4000", port)));
  EXPECT_LT(message.size(), 120u) << message;
  EXPECT_TRUE(std::all_of(message.begin(), message.end(), [](char c) {
    return c >= 0x20 && c < 0x7f;
  })) << message;
}

TEST(SdpParse, RtpmapValueErrors) {
  EXPECT_FALSE(parse_rtpmap("PCMU/8000").ok());
  EXPECT_FALSE(parse_rtpmap("0 PCMU").ok());
  EXPECT_FALSE(parse_rtpmap("0 /8000").ok());
  EXPECT_FALSE(parse_rtpmap("0 PCMU/fast").ok());
  EXPECT_FALSE(parse_rtpmap("128 PCMU/8000").ok());
  auto ok = parse_rtpmap("97 AMR-WB/16000/1");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, (RtpMap{97, "AMR-WB", 16000, "1"}));
}

TEST(SdpParse, PayloadTypeOfFormat) {
  EXPECT_EQ(payload_type_of("0"), 0);
  EXPECT_EQ(payload_type_of("127"), 127);
  EXPECT_FALSE(payload_type_of("128").has_value());
  EXPECT_FALSE(payload_type_of("-1").has_value());
  EXPECT_FALSE(payload_type_of("").has_value());
  EXPECT_FALSE(payload_type_of("t38").has_value());
}

// ---------------------------------------------------------------------------
// Helpers: attributes, direction, connection, hold

TEST(SdpAttributes, LookupIsCaseInsensitive) {
  const Media m = load("t38_reinvite.sdp").media.at(0);
  EXPECT_EQ(m.find_attribute("t38faxversion"), &m.attributes[0]);
  EXPECT_EQ(m.find_attribute("nothing"), nullptr);
  EXPECT_TRUE(iequals("telephone-EVENT", "Telephone-Event"));
  EXPECT_FALSE(iequals("PCMU", "PCMA"));
}

TEST(SdpDirection, MediaOverridesSessionWhichOverridesTheDefault) {
  Session s = load("sipp_uac.sdp");
  EXPECT_EQ(effective_direction(s, s.media[0]), Direction::SendRecv);
  s.attributes.push_back(Attribute{"recvonly", std::nullopt});
  EXPECT_EQ(effective_direction(s, s.media[0]), Direction::RecvOnly);
  s.media[0].attributes.push_back(Attribute{"inactive", std::nullopt});
  EXPECT_EQ(effective_direction(s, s.media[0]), Direction::Inactive);
  clear_session_direction(s);
  EXPECT_TRUE(s.attributes.empty());
}

TEST(SdpDirection, SetReplacesInPlaceAndDropsDuplicates) {
  Media m = load("hold_sendonly.sdp").media.at(0);
  const auto index = static_cast<std::size_t>(m.find_attribute("sendonly") - m.attributes.data());
  m.attributes.push_back(Attribute{"recvonly", std::nullopt});
  m.unknown_lines.push_back(UnknownLine{'y', "1", m.attributes.size()});
  set_direction(m, Direction::SendRecv);
  EXPECT_EQ(m.attributes[index].name, "sendrecv");
  EXPECT_EQ(find_direction(m.attributes), Direction::SendRecv);
  EXPECT_EQ(
      std::count_if(m.attributes.begin(), m.attributes.end(),
                    [](const Attribute& a) { return direction_from_name(a.name).has_value(); }),
      1);
  // The unknown line followed every attribute and still does.
  EXPECT_EQ(m.unknown_lines.back().position, m.attributes.size());
}

TEST(SdpDirection, SetAppendsWhenAbsent) {
  Media m = load("sipp_uac.sdp").media.at(0);
  set_direction(m, Direction::SendOnly);
  EXPECT_EQ(m.attributes.back(), (Attribute{"sendonly", std::nullopt}));
}

TEST(SdpDirection, NamesAndReversal) {
  for (auto d :
       {Direction::SendRecv, Direction::SendOnly, Direction::RecvOnly, Direction::Inactive}) {
    EXPECT_EQ(direction_from_name(direction_name(d)), d);
    EXPECT_EQ(reverse(reverse(d)), d);
  }
  EXPECT_EQ(reverse(Direction::SendOnly), Direction::RecvOnly);
  EXPECT_EQ(reverse(Direction::Inactive), Direction::Inactive);
  EXPECT_FALSE(direction_from_name("sendrecvx").has_value());
  // "a=sendonly:x" is not a direction attribute: directions have no value.
  EXPECT_FALSE(find_direction(std::vector<Attribute>{{"sendonly", "x"}}).has_value());
}

TEST(SdpConnection, ForAddressPicksTheFamily) {
  EXPECT_EQ(Connection::for_address("192.0.2.1"), (Connection{"IN", "IP4", "192.0.2.1"}));
  EXPECT_EQ(Connection::for_address("::1"), (Connection{"IN", "IP6", "::1"}));
  EXPECT_TRUE(Connection::for_address("0.0.0.0").is_unspecified());
  EXPECT_TRUE(Connection::for_address("::").is_unspecified());
  EXPECT_FALSE(Connection::for_address("::1").is_unspecified());
}

TEST(SdpHold, BothStylesAreDetected) {
  const Session sendonly = load("hold_sendonly.sdp");
  EXPECT_EQ(hold_state(sendonly, sendonly.media[0]), Hold::SendOnly);
  EXPECT_TRUE(is_held(sendonly));

  const Session inactive = load("hold_inactive.sdp");
  EXPECT_EQ(hold_state(inactive, inactive.media[0]), Hold::Inactive);
  EXPECT_TRUE(is_held(inactive));

  const Session legacy = load("hold_legacy.sdp");
  EXPECT_EQ(hold_state(legacy, legacy.media[0]), Hold::ZeroAddress);
  EXPECT_TRUE(is_held(legacy));

  const Session active = load("asterisk.sdp");
  EXPECT_EQ(hold_state(active, active.media[0]), Hold::None);
  EXPECT_FALSE(is_held(active));
}

TEST(SdpHold, Ipv6UnspecifiedAddressCountsAsLegacyHold) {
  auto s = parse(crlf(replaced("c=IN IP4 192.0.2.1", "c=IN IP6 ::")));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(hold_state(*s, s->media[0]), Hold::ZeroAddress);
}

TEST(SdpHold, HeldSdpNeedsEveryActiveStreamHeld) {
  Session s = load("cisco.sdp");
  EXPECT_FALSE(is_held(s));
  set_direction(s.media[0], Direction::SendOnly);
  EXPECT_FALSE(is_held(s));  // video still flows
  s.media[1].port = 0;       // a rejected stream does not count
  EXPECT_EQ(hold_state(s, s.media[1]), Hold::None);
  EXPECT_TRUE(is_held(s));
}

// ---------------------------------------------------------------------------
// Comparison

TEST(SdpCompare, SameMediaIgnoresOnlyTheVersion) {
  const Session a = load("asterisk.sdp");
  Session b = a;
  b.origin.session_version += 7;
  EXPECT_NE(a, b);
  EXPECT_TRUE(same_media(a, b));

  Session c = b;
  c.media[0].port += 2;
  EXPECT_FALSE(same_media(a, c));

  Session d = a;
  set_direction(d.media[0], Direction::SendOnly);
  EXPECT_FALSE(same_media(a, d));

  Session e = a;
  e.origin.address = "203.0.113.6";
  EXPECT_FALSE(same_media(a, e));
}

}  // namespace
}  // namespace cvw::sdp
