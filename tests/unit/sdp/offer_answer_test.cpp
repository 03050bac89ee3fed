#include "sdp/offer_answer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixtures.hpp"

namespace cvw::sdp {
namespace {

using test::crlf;
using test::load;
using test::read_fixture;

using Formats = std::vector<std::string>;

LocalEndpoint endpoint(std::vector<Codec> codecs = default_audio_codecs()) {
  LocalEndpoint e;
  e.address = "192.0.2.10";
  e.media.push_back(LocalMedia{"audio", 30000, "RTP/AVP", std::move(codecs), std::nullopt});
  return e;
}

Origin our_origin() {
  return Origin{"cvw", 1000, 1000, "IN", "IP4", "192.0.2.10"};
}

// What LocalSession::stamp() sent, parsed back for the checks.
Session stamped(LocalSession& local, Session sdp) {
  Result<Session> sent = parse(local.stamp(std::move(sdp)));
  EXPECT_TRUE(sent.ok()) << sent.error().message;
  return sent.ok() ? *sent : Session{};
}

std::optional<std::string> attribute_value(const Media& m, std::string_view name) {
  const Attribute* a = m.find_attribute(name);
  return a != nullptr ? a->value : std::nullopt;
}

// ---------------------------------------------------------------------------
// Answers: codec choice

TEST(SdpAnswer, AcceptsTheCommonCodecsInOurOrderWithOurAddress) {
  const Session offer = load("baresip.sdp");
  const Session answer = build_answer(offer, endpoint());
  ASSERT_EQ(answer.media.size(), offer.media.size());
  const Media& m = answer.media[0];
  EXPECT_EQ(m.type, "audio");
  EXPECT_EQ(m.port, 30000);
  EXPECT_EQ(m.proto, "RTP/AVP");
  EXPECT_EQ(m.formats, (Formats{"0", "8", "101"}));
  EXPECT_EQ(answer.connection, Connection::for_address("192.0.2.10"));
  EXPECT_EQ(find_rtpmap(m, 0)->encoding, "PCMU");
  EXPECT_EQ(find_rtpmap(m, 101)->encoding, "telephone-event");
  EXPECT_EQ(find_fmtp(m, 101), "0-16");
  EXPECT_EQ(find_direction(m.attributes), Direction::SendRecv);
}

TEST(SdpAnswer, OurPreferenceOrderWinsOverTheOffers) {
  const Session offer = load("asterisk.sdp");  // offers 8 0 3 101
  EXPECT_EQ(build_answer(offer, endpoint()).media[0].formats, (Formats{"0", "8", "101"}));
  EXPECT_EQ(build_answer(offer, endpoint({pcma(), pcmu(), telephone_event()})).media[0].formats,
            (Formats{"8", "0", "101"}));
}

TEST(SdpAnswer, TelephoneEventPayloadTypeIsTheOffers) {
  const Session polycom = load("polycom.sdp");  // telephone-event as 127
  const Media m = build_answer(polycom, endpoint()).media.at(0);
  EXPECT_EQ(m.formats, (Formats{"0", "8", "127"}));
  EXPECT_EQ(find_fmtp(m, 127), "0-16");

  // Linphone lists telephone-event at three clock rates; only the 8 kHz one
  // goes with PCMU, and it is payload type 100.
  const Session linphone = load("linphone_ipv6.sdp");
  EXPECT_EQ(build_answer(linphone, endpoint()).media.at(0).formats, (Formats{"0", "8", "100"}));
}

TEST(SdpAnswer, DynamicPayloadTypesAreMatchedByRtpmapNotNumber) {
  // 101 is our usual number for telephone-event; here the offer uses it for
  // a codec we lack, and puts telephone-event on 96.
  const Session offer = *parse(crlf(
      "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n"
      "m=audio 4000 RTP/AVP 101 0 96\na=rtpmap:101 AMR/8000\na=rtpmap:96 telephone-event/8000\n"));
  const Media m = build_answer(offer, endpoint()).media.at(0);
  EXPECT_EQ(m.formats, (Formats{"0", "96"}));
}

TEST(SdpAnswer, OfferFmtpIsEchoedWhenWeStateNone) {
  Codec g729_plain = g729();
  g729_plain.fmtp.reset();
  const Media m = build_answer(load("polycom.sdp"), endpoint({g729_plain})).media.at(0);
  EXPECT_EQ(m.formats, (Formats{"18"}));
  EXPECT_EQ(find_fmtp(m, 18), "annexb=no");
}

TEST(SdpAnswer, TimingIsCopiedFromTheOffer) {
  // RFC 3264 §6: "The "t=" line in the answer MUST equal that of the offer."
  const Session offer = load("all_fields.sdp");
  EXPECT_EQ(build_answer(offer, endpoint()).timings, offer.timings);
}

TEST(SdpAnswer, PtimeIsAdded) {
  LocalEndpoint e = endpoint();
  e.media[0].ptime = 20;
  EXPECT_EQ(attribute_value(build_answer(load("sipp_uac.sdp"), e).media[0], "ptime"), "20");
}

// ---------------------------------------------------------------------------
// Answers: rejected streams

TEST(SdpAnswer, NoCommonCodecRejectsTheStreamButKeepsItsLine) {
  const Session offer =
      *parse(crlf("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n"
                  "m=audio 4000 RTP/AVP 9 96\na=rtpmap:96 opus/48000/2\n"));
  const Session answer = build_answer(offer, endpoint());
  ASSERT_EQ(answer.media.size(), 1u);
  const Media& m = answer.media[0];
  EXPECT_TRUE(m.is_rejected());
  EXPECT_EQ(m.type, "audio");
  EXPECT_EQ(m.proto, "RTP/AVP");
  EXPECT_EQ(m.formats, (Formats{"9"}));
  EXPECT_TRUE(m.attributes.empty());
  EXPECT_EQ(active_media_count(answer), 0u);
}

TEST(SdpAnswer, TelephoneEventAloneIsNotEnough) {
  const Session offer =
      *parse(crlf("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n"
                  "m=audio 4000 RTP/AVP 9 101\na=rtpmap:101 telephone-event/8000\n"));
  EXPECT_TRUE(build_answer(offer, endpoint()).media.at(0).is_rejected());
}

TEST(SdpAnswer, StreamWeHaveNoMediaForIsRejected) {
  const Session offer = load("cisco.sdp");
  const Session answer = build_answer(offer, endpoint());
  ASSERT_EQ(answer.media.size(), 2u);
  EXPECT_FALSE(answer.media[0].is_rejected());
  EXPECT_EQ(answer.media[0].formats, (Formats{"0", "8", "101"}));
  const Media& video = answer.media[1];
  EXPECT_TRUE(video.is_rejected());
  EXPECT_EQ(video.type, "video");
  EXPECT_EQ(video.formats, (Formats{"126"}));
  EXPECT_EQ(active_media_count(answer), 1u);
}

TEST(SdpAnswer, ProtoMismatchIsRejected) {
  // SDES-SRTP offered to an RTP/AVP-only endpoint.
  EXPECT_TRUE(build_answer(load("srtp_sdes.sdp"), endpoint()).media.at(0).is_rejected());
  EXPECT_TRUE(build_answer(load("t38_reinvite.sdp"), endpoint()).media.at(0).is_rejected());
}

TEST(SdpAnswer, StreamOfferedWithPortZeroStaysRejected) {
  Session offer = load("sipp_uac.sdp");
  offer.media[0].port = 0;
  const Session answer = build_answer(offer, endpoint());
  ASSERT_EQ(answer.media.size(), 1u);
  EXPECT_TRUE(answer.media[0].is_rejected());
}

TEST(SdpAnswer, EachLocalMediaAnswersOneStream) {
  Session offer = load("sipp_uac.sdp");
  offer.media.push_back(offer.media[0]);
  offer.media[1].port = 6002;

  const Session one = build_answer(offer, endpoint());
  ASSERT_EQ(one.media.size(), 2u);
  EXPECT_EQ(one.media[0].port, 30000);
  EXPECT_TRUE(one.media[1].is_rejected());

  LocalEndpoint two = endpoint();
  two.media.push_back(LocalMedia{"audio", 30002, "RTP/AVP", {pcmu()}, std::nullopt});
  const Session both = build_answer(offer, two);
  EXPECT_EQ(both.media[0].port, 30000);
  EXPECT_EQ(both.media[1].port, 30002);
}

TEST(SdpAnswer, OfferWithoutMediaGetsAnAnswerWithoutMedia) {
  const Session answer = build_answer(load("no_media.sdp"), endpoint());
  EXPECT_TRUE(answer.media.empty());
  EXPECT_TRUE(answer.connection.has_value());
}

TEST(SdpAnswer, Ipv6LocalAddress) {
  LocalEndpoint e = endpoint();
  e.address = "2001:db8::20";
  const Session answer = build_answer(load("linphone_ipv6.sdp"), e);
  ASSERT_TRUE(answer.connection.has_value());
  EXPECT_EQ(*answer.connection, (Connection{"IN", "IP6", "2001:db8::20"}));
  LocalSession local(Origin{"-", 5, 5, "IN", "IP6", "2001:db8::20"});
  EXPECT_NE(local.stamp(answer).find("c=IN IP6 2001:db8::20\r\n"), std::string::npos);
}

TEST(SdpAnswer, SerializedAnswerIsValidSdp) {
  LocalSession local(our_origin());
  for (const auto* name : {"baresip.sdp", "cisco.sdp", "polycom.sdp", "gb28181_camera.sdp"}) {
    const Session answer = stamped(local, build_answer(load(name), endpoint()));
    auto reparsed = parse(serialize(answer));
    ASSERT_TRUE(reparsed.ok()) << name << ": " << reparsed.error().message;
    EXPECT_EQ(*reparsed, answer) << name;
  }
}

TEST(SdpAnswer, ExactBytesForASippOffer) {
  LocalSession local(our_origin());
  const Session answer = stamped(local, build_answer(load("sipp_uac.sdp"), endpoint()));
  EXPECT_EQ(serialize(answer), crlf("v=0\n"
                                    "o=cvw 1000 1000 IN IP4 192.0.2.10\n"
                                    "s=-\n"
                                    "c=IN IP4 192.0.2.10\n"
                                    "t=0 0\n"
                                    "m=audio 30000 RTP/AVP 0\n"
                                    "a=rtpmap:0 PCMU/8000\n"
                                    "a=sendrecv\n"));
}

// ---------------------------------------------------------------------------
// Answers: direction (RFC 3264 §6.1)

Direction answered(std::string_view fixture, Direction offered,
                   Direction ours = Direction::SendRecv) {
  Session offer = load(fixture);
  set_direction(offer.media.at(0), offered);
  LocalEndpoint e = endpoint();
  e.direction = ours;
  return effective_direction(Session{}, build_answer(offer, e).media.at(0));
}

TEST(SdpAnswer, DirectionMirrorsTheOffer) {
  EXPECT_EQ(answered("asterisk.sdp", Direction::SendRecv), Direction::SendRecv);
  EXPECT_EQ(answered("asterisk.sdp", Direction::SendOnly), Direction::RecvOnly);
  EXPECT_EQ(answered("asterisk.sdp", Direction::RecvOnly), Direction::SendOnly);
  EXPECT_EQ(answered("asterisk.sdp", Direction::Inactive), Direction::Inactive);
}

TEST(SdpAnswer, DirectionIsNarrowedByWhatWeWant) {
  EXPECT_EQ(answered("asterisk.sdp", Direction::SendRecv, Direction::SendOnly),
            Direction::SendOnly);
  EXPECT_EQ(answered("asterisk.sdp", Direction::SendOnly, Direction::SendOnly),
            Direction::Inactive);
  EXPECT_EQ(answered("asterisk.sdp", Direction::RecvOnly, Direction::Inactive),
            Direction::Inactive);
}

TEST(SdpAnswer, SessionLevelDirectionOfTheOfferIsHonoured) {
  Session offer = load("polycom.sdp");
  offer.attributes[0].name = "sendonly";
  const Media m = build_answer(offer, endpoint()).media.at(0);
  EXPECT_EQ(find_direction(m.attributes), Direction::RecvOnly);
}

TEST(SdpAnswer, LegacyZeroAddressHoldIsAnsweredRecvOnly) {
  const Session offer = load("hold_legacy.sdp");
  EXPECT_EQ(offered_direction(offer, offer.media[0]), Direction::SendOnly);
  const Session answer = build_answer(offer, endpoint());
  EXPECT_EQ(find_direction(answer.media.at(0).attributes), Direction::RecvOnly);
  // Our answer carries our real address, never the 0.0.0.0.
  EXPECT_EQ(answer.connection->address, "192.0.2.10");
}

// ---------------------------------------------------------------------------
// Offers

TEST(SdpOffer, ListsEveryCodecWithRtpmapAndFmtp) {
  LocalEndpoint e = endpoint();
  e.media[0].ptime = 20;
  LocalSession local(our_origin());
  const Session offer = stamped(local, build_offer(e));
  EXPECT_EQ(serialize(offer), crlf("v=0\n"
                                   "o=cvw 1000 1000 IN IP4 192.0.2.10\n"
                                   "s=-\n"
                                   "c=IN IP4 192.0.2.10\n"
                                   "t=0 0\n"
                                   "m=audio 30000 RTP/AVP 0 8 101\n"
                                   "a=rtpmap:0 PCMU/8000\n"
                                   "a=rtpmap:8 PCMA/8000\n"
                                   "a=rtpmap:101 telephone-event/8000\n"
                                   "a=fmtp:101 0-16\n"
                                   "a=ptime:20\n"
                                   "a=sendrecv\n"));
}

TEST(SdpOffer, OurOfferAnsweredByOurselvesNegotiatesEverything) {
  const Session offer = build_offer(endpoint());
  LocalEndpoint peer = endpoint({telephone_event(), pcma()});
  peer.address = "192.0.2.99";
  const Media m = build_answer(offer, peer).media.at(0);
  EXPECT_EQ(m.formats, (Formats{"101", "8"}));
}

TEST(SdpOffer, WithoutMedia) {
  const Session offer = build_offer_without_media("198.51.100.7");
  EXPECT_TRUE(offer.media.empty());
  LocalSession local(Origin{"-", 3930211740, 3930211740, "IN", "IP4", "198.51.100.7"});
  EXPECT_EQ(local.stamp(offer), read_fixture("no_media.sdp"));
}

TEST(SdpOffer, BlackHole) {
  const Session offer = build_black_hole_offer(20000);
  ASSERT_EQ(offer.media.size(), 1u);
  EXPECT_EQ(offer.media[0].type, "audio");
  // RFC 3264 §8.4: "the port number MUST NOT be zero".
  EXPECT_NE(offer.media[0].port, 0);
  EXPECT_EQ(offer.media[0].formats.size(), 1u);
  EXPECT_EQ(offer.connection, (Connection{"IN", "IP4", "0.0.0.0"}));
  EXPECT_TRUE(is_black_hole(offer));
  EXPECT_TRUE(is_held(offer));  // to an RFC 2543 reader it is a hold

  LocalSession local(Origin{"3pcc", 3930211801, 3930211801, "IN", "IP4", "198.51.100.7"});
  EXPECT_EQ(local.stamp(offer), read_fixture("black_hole.sdp"));
}

TEST(SdpOffer, BlackHoleWithAnotherCodec) {
  const Session offer = build_black_hole_offer(4444, pcma());
  EXPECT_EQ(offer.media[0].formats, (Formats{"8"}));
  EXPECT_TRUE(is_black_hole(load("black_hole.sdp")));
  EXPECT_FALSE(is_black_hole(load("baresip.sdp")));
  EXPECT_FALSE(is_black_hole(load("no_media.sdp")));
}

TEST(SdpOffer, BlackHoleIsAnsweredWithoutSendingIntoIt) {
  const Session answer = build_answer(build_black_hole_offer(20000), endpoint());
  EXPECT_EQ(find_direction(answer.media.at(0).attributes), Direction::RecvOnly);
}

// ---------------------------------------------------------------------------
// Hold and resume re-offers (RFC 3264 §8.4)

TEST(SdpHoldOffer, SendRecvBecomesSendOnlyAndRecvOnlyBecomesInactive) {
  Session previous = load("cisco.sdp");
  set_direction(previous.media[1], Direction::RecvOnly);
  const Session held = build_hold_offer(previous);
  EXPECT_EQ(find_direction(held.media[0].attributes), Direction::SendOnly);
  EXPECT_EQ(find_direction(held.media[1].attributes), Direction::Inactive);
  EXPECT_EQ(hold_state(held, held.media[0]), Hold::SendOnly);
  EXPECT_TRUE(is_held(held));
  // Nothing else changes.
  EXPECT_EQ(held.media[0].formats, previous.media[0].formats);
  EXPECT_EQ(held.media[0].attributes.size(), previous.media[0].attributes.size());
}

TEST(SdpHoldOffer, SessionLevelDirectionMovesToTheMedia) {
  const Session previous = load("polycom.sdp");  // a=sendrecv at session level
  const Session held = build_hold_offer(previous);
  EXPECT_FALSE(find_direction(held.attributes).has_value());
  EXPECT_EQ(find_direction(held.media[0].attributes), Direction::SendOnly);
}

TEST(SdpHoldOffer, RejectedStreamsAreLeftAlone) {
  const Session previous = load("all_fields.sdp");
  const Session held = build_hold_offer(previous);
  EXPECT_EQ(held.media[2], previous.media[2]);
}

TEST(SdpHoldOffer, ResumeUndoesHold) {
  const Session previous = load("asterisk.sdp");
  const Session resumed = build_resume_offer(build_hold_offer(previous));
  EXPECT_EQ(find_direction(resumed.media[0].attributes), Direction::SendRecv);
  EXPECT_FALSE(is_held(resumed));
  EXPECT_TRUE(same_media(resumed, previous));

  Session inactive = load("hold_inactive.sdp");
  EXPECT_EQ(find_direction(build_resume_offer(inactive).media[0].attributes), Direction::RecvOnly);
}

// ---------------------------------------------------------------------------
// LocalSession: o= over a dialog (RFC 3264 §8)

TEST(SdpLocalSession, FirstStampUsesTheGivenVersion) {
  LocalSession local(our_origin());
  const Session first = stamped(local, build_offer(endpoint()));
  EXPECT_EQ(first.origin, our_origin());
  EXPECT_EQ(local.origin(), our_origin());
}

TEST(SdpLocalSession, UnchangedContentKeepsTheVersionAndTheBytes) {
  LocalSession local(our_origin());
  const Session first = stamped(local, build_offer(endpoint()));
  const Session again = stamped(local, build_offer(endpoint()));
  EXPECT_EQ(again.origin.session_version, 1000u);
  EXPECT_EQ(serialize(again), serialize(first));
}

TEST(SdpLocalSession, EachChangeBumpsTheVersionByOne) {
  LocalSession local(our_origin());
  const Session offer = stamped(local, build_offer(endpoint()));
  const Session held = stamped(local, build_hold_offer(offer));
  EXPECT_EQ(held.origin.session_version, 1001u);
  const Session resumed = stamped(local, build_resume_offer(held));
  EXPECT_EQ(resumed.origin.session_version, 1002u);
  EXPECT_EQ(local.origin().session_version, 1002u);
  // Same content as the first offer, but a change from the previous SDP.
  EXPECT_TRUE(same_media(resumed, offer));
  // Everything else in o= stays identical.
  EXPECT_EQ(resumed.origin.username, "cvw");
  EXPECT_EQ(resumed.origin.session_id, 1000u);
  EXPECT_EQ(resumed.origin.address, "192.0.2.10");
}

TEST(SdpLocalSession, AnswersAndOffersShareOneVersionSequence) {
  LocalSession local(our_origin());
  const Session answer = stamped(local, build_answer(load("asterisk.sdp"), endpoint()));
  EXPECT_EQ(answer.origin.session_version, 1000u);
  const Session reanswer = stamped(local, build_answer(load("hold_sendonly.sdp"), endpoint()));
  EXPECT_EQ(reanswer.origin.session_version, 1001u);
  EXPECT_EQ(find_direction(reanswer.media[0].attributes), Direction::RecvOnly);
}

// ---------------------------------------------------------------------------
// Recognising an unchanged re-INVITE

TEST(SdpReinvite, UnchangedBodyWithABumpedVersionIsTheSameMedia) {
  const std::string text = read_fixture("asterisk.sdp");
  std::string bumped = text;
  bumped.replace(bumped.find("1953410722"), 10, "1953410723");
  const Session before = *parse(text);
  const Session after = *parse(bumped);
  EXPECT_TRUE(same_media(before, after));
  EXPECT_FALSE(same_media(before, load("hold_sendonly.sdp")));
  EXPECT_FALSE(same_media(before, build_hold_offer(before)));
}

TEST(SdpCodecs, Defaults) {
  EXPECT_EQ(default_audio_codecs(), (std::vector<Codec>{pcmu(), pcma(), telephone_event()}));
  EXPECT_EQ(telephone_event().fmtp, "0-16");
  EXPECT_EQ(telephone_event().payload_type, 101);
  EXPECT_TRUE(is_auxiliary(telephone_event()));
  EXPECT_TRUE(is_auxiliary(Codec{"CN", 8000, 1, 13, std::nullopt}));
  EXPECT_FALSE(is_auxiliary(pcmu()));
}


// RFC 3725: the phone's answer, turned into the offer that connects the callee to it.
TEST(SdpThirdParty, OfferFromAnAnswerSpeaksForThePartyThatSentIt) {
  auto described = parse(crlf(
      "v=0\no=phone 9 9 IN IP4 10.0.0.7\ns=Phone\nc=IN IP4 10.0.0.7\nt=0 0\na=recvonly\na=tool:x\n"
      "m=audio 40000 RTP/AVP 8 101\na=rtpmap:8 PCMA/8000\na=rtpmap:101 telephone-event/8000\n"
      "a=fmtp:101 0-15\na=ptime:20\n"
      "m=video 0 RTP/AVP 96\n"));
  ASSERT_TRUE(described.ok()) << described.error().message;
  const Session offer = build_offer_from(*described);
  ASSERT_EQ(offer.media.size(), 2u) << "a rejected line stays, so a re-offer never has fewer lines";
  const Media& audio = offer.media[0];
  EXPECT_EQ(audio.port, 40000);
  EXPECT_EQ(audio.formats, (Formats{"8", "101"}));
  EXPECT_EQ(find_fmtp(audio, 101), std::optional<std::string_view>("0-15"));
  ASSERT_NE(effective_connection(offer, audio), nullptr);
  EXPECT_EQ(effective_connection(offer, audio)->address, "10.0.0.7");
  // The session-level recvonly is the phone's: it moves to the stream unchanged.
  EXPECT_EQ(effective_direction(offer, audio), Direction::RecvOnly);
  EXPECT_EQ(offer.find_attribute("tool"), nullptr);
  EXPECT_EQ(offer.find_attribute("recvonly"), nullptr);
  EXPECT_TRUE(offer.media[1].is_rejected());
  // Stamped by the controller's own session, the o= line is ours.
  LocalSession ours(Origin{"cvw", 5, 5, "IN", "IP4", "192.0.2.1"});
  const Session sent = stamped(ours, offer);
  EXPECT_EQ(sent.origin.username, "cvw");
  EXPECT_EQ(sent.name, "-");
}

}  // namespace
}  // namespace cvw::sdp
