// The UAS side of a call (RFC 3261 §12.1.1, §13.3, §14.2, §15.1.2), as ladders:
//
//   Alice (wire)                        cvw UA core                    app
//     |--- INVITE (offer) ------------------>|--- on_invite ------------->|
//     |<-- 100 (after 200 ms, transaction) --|                            |
//     |<-- 180 (To tag, Contact, R-R) -------|<-- ring() -----------------|
//     |<-- 200 (answer) ---------------------|<-- answer() ---------------|
//     |<-- 200 (T1, 2T1, 4T1, T2, T2 ...) ---|                            |
//     |--- ACK ----------------------------->|--- on_established -------->|
//     |--- BYE ----------------------------->|                            |
//     |<-- 200 ------------------------------|--- on_terminated --------->|
#include "ua_test_support.hpp"

namespace cvw::sip::dialog::test {
namespace {

class Uas : public UaTest {
 protected:
  AliceRequest in_dialog(std::string method, std::uint32_t cseq, const std::string& our_tag) const {
    return AliceRequest(std::move(method)).cseq(cseq).to_tag(our_tag);
  }
  AliceRequest reinvite(std::uint32_t cseq, const std::string& our_tag, int version = 2) const {
    return AliceRequest("INVITE").cseq(cseq).to_tag(our_tag).body("application/sdp",
                                                                  sdp("alice", version, 49170));
  }
};

// --- INVITE, provisional, answer --------------------------------------------------

TEST_F(Uas, InviteReachesTheAppAndTheTransactionSends100After200ms) {
  from_alice(alice_invite());
  ASSERT_EQ(app.events, std::vector<std::string>{"invite"});
  EXPECT_EQ(incoming().state(), SessionState::Incoming);
  EXPECT_FALSE(incoming().is_uac());
  EXPECT_EQ(incoming().invite()->method(), Method::Invite);
  EXPECT_EQ(incoming().remote_body(), sdp("alice", 1, 49170)) << "the offer";
  EXPECT_EQ(incoming().call_id(), "call-1@192.0.2.10");
  EXPECT_EQ(ua.session_count(), 1u);

  at(199ms);
  EXPECT_TRUE(wire.sent.empty());
  at(200ms);
  ASSERT_EQ(wire.sent.size(), 1u);
  EXPECT_EQ(wire.sent[0].first_word(), "100");
  EXPECT_EQ(wire.sent[0].to, alice);
  EXPECT_EQ(to_tag(wire.sent[0].message()), "");
}

TEST_F(Uas, RingSends180WithToTagContactAndRecordRoute) {
  const AliceRequest invite =
      alice_invite()
          .header("Record-Route: <sip:192.0.2.50;lr>, <sip:192.0.2.51;lr;ftag=a>")
          .header("Record-Route: <sip:192.0.2.52;lr>");
  from_alice(invite);
  at(100ms);
  incoming().ring();

  ASSERT_EQ(wire.sent.size(), 1u);
  const Message ringing = wire.last_message("180");
  EXPECT_EQ(wire.last("180").to, alice);
  EXPECT_EQ(ringing.header(HeaderId::CSeq), "1 INVITE");
  EXPECT_EQ(top_branch(ringing), invite.branch_value());
  EXPECT_EQ(from_tag(ringing), "alice-tag");
  const std::string tag = to_tag(ringing);
  EXPECT_FALSE(tag.empty()) << "§12.1.1: a response that creates a dialog carries our To tag";
  ASSERT_NE(incoming().dialog(), nullptr);
  const DialogId expected{"call-1@192.0.2.10", tag, "alice-tag"};
  EXPECT_EQ(incoming().dialog()->id(), view_of(expected));
  EXPECT_TRUE(incoming().dialog()->early());
  EXPECT_EQ(ringing.header(HeaderId::Contact), "<sip:cvw@127.0.0.1:5060>");
  // §12.1.1: "The UAS MUST copy all Record-Route header field values from the
  // request into the response (including the URIs, URI parameters, and any
  // Record-Route header field parameters, whether they are known or unknown
  // to the UAS) and MUST maintain the order of those values."
  EXPECT_EQ(values(ringing, HeaderId::RecordRoute),
            (std::vector<std::string>{"<sip:192.0.2.50;lr>", "<sip:192.0.2.51;lr;ftag=a>",
                                      "<sip:192.0.2.52;lr>"}));
  EXPECT_EQ(incoming().state(), SessionState::Early);

  at(5s);
  EXPECT_EQ(wire.count("100"), 0u) << "the 180 came within 200 ms";
  EXPECT_EQ(wire.sent.size(), 1u)
      << "provisional responses are not retransmitted over UDP by the core";
}

TEST_F(Uas, AnswerSends200WithTheSdpAnswerAndTheSameTag) {
  from_alice(alice_invite().header("Record-Route: <sip:192.0.2.50;lr>"));
  incoming().ring();
  const std::string tag = to_tag(wire.last_message("180"));
  at(3s);
  incoming().answer("application/sdp", sdp("cvw", 1, 40000));

  ASSERT_EQ(wire.count("200"), 1u);
  EXPECT_EQ(wire.last("200").to, alice);
  const Message ok = wire.last_message("200");
  EXPECT_EQ(to_tag(ok), tag) << "the 2xx confirms the early dialog the 180 made";
  EXPECT_EQ(ok.header(HeaderId::CSeq), "1 INVITE");
  EXPECT_EQ(ok.header(HeaderId::ContentType), "application/sdp");
  EXPECT_EQ(ok.body(), sdp("cvw", 1, 40000));
  EXPECT_EQ(ok.header(HeaderId::Contact), "<sip:cvw@127.0.0.1:5060>");
  EXPECT_EQ(values(ok, HeaderId::RecordRoute), std::vector<std::string>{"<sip:192.0.2.50;lr>"});
  EXPECT_EQ(incoming().state(), SessionState::Answered);
  EXPECT_FALSE(incoming().dialog()->early());
  EXPECT_EQ(app.events, std::vector<std::string>{"invite"})
      << "established only comes with the ACK";
}

TEST_F(Uas, InviteOverTcpGetsATcpContactBackOnTheConnection) {
  from_wire(
      alice_invite().transport("TCP").contact("<sip:alice@192.0.2.10:5060;transport=tcp>").text(),
      alice_tcp);
  incoming().answer("application/sdp", sdp("cvw", 1, 40000));
  ASSERT_EQ(wire.count("200"), 1u);
  EXPECT_EQ(wire.last("200").to, alice_tcp);
  EXPECT_EQ(wire.last_message("200").header(HeaderId::Contact),
            "<sip:cvw@127.0.0.1:5060;transport=tcp>");
}

// --- 2xx retransmission and the ACK (§13.3.1.4) ----------------------------------------

TEST_F(Uas, Unacknowledged2xxIsRetransmittedAtT1DoublingUpToT2) {
  from_alice(alice_invite());
  incoming().answer("application/sdp", sdp("cvw", 1, 40000));
  ASSERT_EQ(wire.count("200"), 1u);
  const std::string first = wire.last("200").wire;

  // §13.3.1.4: "an interval that starts at T1 seconds and doubles for each
  // retransmission until it reaches T2 seconds": 0.5, 1, 2, 4, 4, 4 ... s.
  const std::vector<Duration> due = {500ms,   1500ms,  3500ms,  7500ms,  11500ms,
                                     15500ms, 19500ms, 23500ms, 27500ms, 31500ms};
  std::size_t sent = 1;
  for (const Duration t : due) {
    at(t - 1ms);
    EXPECT_EQ(wire.count("200"), sent) << "retransmitted before " << t.count() << " ms";
    at(t);
    EXPECT_EQ(wire.count("200"), ++sent) << "no retransmission at " << t.count() << " ms";
  }
  EXPECT_EQ(sent, 11u);
  for (const Sent* s : wire.all("200")) {
    EXPECT_EQ(s->wire, first) << "a retransmission repeats the 2xx byte for byte";
    EXPECT_EQ(s->to, alice);
  }
  EXPECT_EQ(wire.count("BYE"), 0u);
  EXPECT_EQ(app.events, std::vector<std::string>{"invite"});
}

TEST_F(Uas, AckStopsThe2xxRetransmissionsAndEstablishesTheCall) {
  from_alice(alice_invite());
  incoming().answer("application/sdp", sdp("cvw", 1, 40000));
  const std::string tag = to_tag(wire.last_message("200"));
  at(1500ms);
  EXPECT_EQ(wire.count("200"), 3u);
  const txn::ServerTransactionId invite_txn{1};  // the fixture's first transaction
  ASSERT_EQ(layer.state(invite_txn), txn::TransactionState::Accepted);
  EXPECT_TRUE(layer.retransmit_2xx(invite_txn).ok()) << "the transaction keeps the 2xx until ACK";
  EXPECT_EQ(wire.count("200"), 4u);

  at(2s);
  from_alice(AliceRequest("ACK").cseq(1).to_tag(tag));
  EXPECT_EQ(app.events, (std::vector<std::string>{"invite", "established"}));
  EXPECT_EQ(incoming().state(), SessionState::Confirmed);
  EXPECT_EQ(layer.state(invite_txn), txn::TransactionState::Accepted) << "until Timer L";
  EXPECT_FALSE(layer.retransmit_2xx(invite_txn).ok()) << "the session let the 2xx bytes go";

  at(60s);
  EXPECT_EQ(wire.count("200"), 4u) << "§13.3.1.4: retransmissions cease when the ACK arrives";
  EXPECT_EQ(wire.count("BYE"), 0u);
  EXPECT_EQ(incoming().state(), SessionState::Confirmed);
  EXPECT_EQ(ua.session_count(), 1u);

  from_alice(AliceRequest("ACK").cseq(1).to_tag(tag));
  EXPECT_EQ(app.events.size(), 2u) << "a repeated ACK changes nothing";
}

TEST_F(Uas, AckWithAnotherCSeqDoesNotStopTheRetransmissions) {
  from_alice(alice_invite(5));
  incoming().answer("application/sdp", sdp("cvw", 1, 40000));
  const std::string tag = to_tag(wire.last_message("200"));
  from_alice(AliceRequest("ACK").cseq(4).to_tag(tag));  // acknowledges no INVITE of ours
  EXPECT_EQ(app.events, std::vector<std::string>{"invite"});
  at(500ms);
  EXPECT_EQ(wire.count("200"), 2u);
  from_alice(AliceRequest("ACK").cseq(5).to_tag(tag));
  EXPECT_EQ(app.events, (std::vector<std::string>{"invite", "established"}));
  at(10s);
  EXPECT_EQ(wire.count("200"), 2u);
}

TEST_F(Uas, AckCarryingTheAnswerToAnOfferIn2xxUpdatesTheRemoteBody) {
  from_alice(AliceRequest("INVITE"));  // no offer: ours goes in the 2xx (§13.2.1)
  incoming().answer("application/sdp", sdp("cvw", 1, 40000));
  const std::string tag = to_tag(wire.last_message("200"));
  from_alice(
      AliceRequest("ACK").cseq(1).to_tag(tag).body("application/sdp", sdp("alice", 1, 49170)));
  EXPECT_EQ(incoming().remote_body(), sdp("alice", 1, 49170));
  EXPECT_EQ(app.events, (std::vector<std::string>{"invite", "established"}));
}

TEST_F(Uas, NoAckWithin64T1SendsByeAt64T1) {
  from_alice(alice_invite());
  incoming().answer("application/sdp", sdp("cvw", 1, 40000));
  at(31999ms);
  EXPECT_EQ(wire.count("BYE"), 0u);
  EXPECT_EQ(app.events, std::vector<std::string>{"invite"});
  // §13.3.1.4: "If the server retransmits the 2xx response for 64*T1 seconds
  // without receiving an ACK, the dialog is confirmed, but the session SHOULD
  // be terminated. This is accomplished with a BYE".
  at(32000ms);
  EXPECT_EQ(wire.count("BYE"), 1u) << "64*T1 = 32 s after the 2xx";
  ASSERT_EQ(app.events.size(), 2u);
  EXPECT_TRUE(app.events[1].starts_with("terminated no ACK")) << app.events[1];
  EXPECT_EQ(wire.count("200", "1 INVITE"), 11u) << "the BYE replaces a retransmission at 32 s";
  at(40s);
  ASSERT_FALSE(wire.all("BYE").empty());
  EXPECT_EQ(wire.all("BYE")[0]->at, 32000ms) << "when the BYE went out";
}

TEST_F(Uas, NoAckEndsTheCallWithAByeInTheDialog) {
  from_alice(alice_invite());
  incoming().answer("application/sdp", sdp("cvw", 1, 40000));
  const std::string tag = to_tag(wire.last_message("200"));
  at(40s);
  ASSERT_EQ(wire.cseqs("BYE").size(), 1u) << "one BYE (which its transaction may retransmit)";
  EXPECT_EQ(wire.last("BYE").to, alice);
  const Message bye = wire.last_message("BYE");
  EXPECT_EQ(bye.request_uri(), "sip:alice@192.0.2.10:5060") << "the remote target: Alice's Contact";
  EXPECT_EQ(from_tag(bye), tag);
  EXPECT_EQ(to_tag(bye), "alice-tag");
  EXPECT_EQ(bye.header(HeaderId::CallId), "call-1@192.0.2.10");
  EXPECT_TRUE(top_branch(bye).starts_with("z9hG4bK"));
  EXPECT_EQ(wire.count("200"), 11u) << "ten retransmissions, then the BYE instead of an eleventh";
  ASSERT_EQ(app.events.size(), 2u);
  EXPECT_TRUE(app.events[1].starts_with("terminated no ACK")) << app.events[1];
  EXPECT_EQ(incoming().state(), SessionState::Terminated);
  EXPECT_EQ(ua.session_count(), 0u);

  // Alice answers the BYE: nothing more to tell the app, nothing more to send.
  Message ok = make_response(bye, 200);
  from_wire(ok.serialize(), alice);
  EXPECT_EQ(app.events.size(), 2u);
  const std::size_t byes = wire.count("BYE");
  at(80s);
  EXPECT_EQ(wire.count("BYE"), byes);
  EXPECT_EQ(wire.count("200", "1 INVITE"), 11u);
}

// --- ending the call ------------------------------------------------------------------

TEST_F(Uas, ByeFromAliceGets200AndEndsTheCall) {
  const std::string tag = establish_incoming_call();
  at(5s);
  const AliceRequest bye = in_dialog("BYE", 2, tag);
  from_alice(bye);
  ASSERT_EQ(wire.count("200", "2 BYE"), 1u);
  const Message ok = wire.last("200", "2 BYE").message();
  EXPECT_EQ(wire.last("200", "2 BYE").to, alice);
  EXPECT_EQ(to_tag(ok), tag);
  EXPECT_EQ(top_branch(ok), bye.branch_value());
  EXPECT_EQ(app.events,
            (std::vector<std::string>{"invite", "established", "terminated remote BYE 0"}));
  EXPECT_EQ(incoming().state(), SessionState::Terminated);
  EXPECT_EQ(ua.session_count(), 0u);

  from_alice(bye);  // a retransmission: the transaction repeats its 200
  EXPECT_EQ(wire.count("200", "2 BYE"), 2u);
  EXPECT_EQ(app.events.size(), 3u);

  from_alice(in_dialog("BYE", 3, tag));  // a new BYE: the dialog is gone
  EXPECT_EQ(wire.count("481", "3 BYE"), 1u);
}

TEST_F(Uas, ByeWhileOur2xxIsUnacknowledgedStopsTheRetransmissions) {
  from_alice(alice_invite());
  incoming().answer("application/sdp", sdp("cvw", 1, 40000));
  const std::string tag = to_tag(wire.last_message("200"));
  at(600ms);
  from_alice(in_dialog("BYE", 2, tag));
  EXPECT_EQ(wire.count("200", "2 BYE"), 1u);
  EXPECT_EQ(app.events, (std::vector<std::string>{"invite", "terminated remote BYE 0"}));
  at(40s);
  EXPECT_EQ(wire.count("200", "1 INVITE"), 2u) << "the first 200 and one retransmission at 500 ms";
  EXPECT_EQ(wire.count("BYE"), 0u);
}

TEST_F(Uas, OurByeFollowsTheRecordRoutesInOrder) {
  from_alice(alice_invite().header("Record-Route: <sip:192.0.2.50;lr>, <sip:192.0.2.51;lr>"));
  incoming().answer("application/sdp", sdp("cvw", 1, 40000));
  const std::string tag = to_tag(wire.last_message("200"));
  from_alice(AliceRequest("ACK").cseq(1).to_tag(tag));
  incoming().bye();
  ASSERT_EQ(wire.count("BYE"), 1u);
  EXPECT_EQ(wire.last("BYE").to, peer(Protocol::Udp, "192.0.2.50", 5060)) << "the first route";
  const Message bye = wire.last_message("BYE");
  EXPECT_EQ(bye.request_uri(), "sip:alice@192.0.2.10:5060");
  EXPECT_EQ(values(bye, HeaderId::Route),
            (std::vector<std::string>{"<sip:192.0.2.50;lr>", "<sip:192.0.2.51;lr>"}))
      << "§12.1.1: the UAS route set is the Record-Route in order";
  EXPECT_EQ(incoming().state(), SessionState::Terminating);

  from_wire(make_response(bye, 200).serialize(), peer(Protocol::Udp, "192.0.2.50", 5060));
  EXPECT_EQ(app.events,
            (std::vector<std::string>{"invite", "established", "terminated local BYE 200"}));
  EXPECT_EQ(ua.session_count(), 0u);
}

TEST_F(Uas, CancelBeforeTheAnswerGets200AndTheInviteGets487) {
  const AliceRequest invite = alice_invite();
  from_alice(invite);
  incoming().ring();
  const std::string tag = to_tag(wire.last_message("180"));
  at(2s);
  from_alice(AliceRequest("CANCEL").branch(invite.branch_value()).cseq(1));

  // §9.2: the CANCEL gets 200, "the UAS SHOULD then respond to the INVITE
  // with a 487", and "the To tag of the response to the CANCEL and the To tag
  // in the response to the original request SHOULD be the same".
  ASSERT_EQ(wire.count("487", "1 INVITE"), 1u);
  ASSERT_EQ(wire.count("200", "1 CANCEL"), 1u);
  EXPECT_EQ(wire.count("200", "1 INVITE"), 0u);
  EXPECT_EQ(to_tag(wire.last("487", "1 INVITE").message()), tag);
  EXPECT_EQ(to_tag(wire.last("200", "1 CANCEL").message()), tag);
  EXPECT_EQ(wire.last("487", "1 INVITE").to, alice);
  EXPECT_EQ(app.events, (std::vector<std::string>{"invite", "terminated cancelled 487"}));
  EXPECT_EQ(incoming().state(), SessionState::Terminated);
  EXPECT_EQ(ua.session_count(), 0u);

  incoming().answer("application/sdp", sdp("cvw", 1, 40000));  // too late: nothing happens
  EXPECT_EQ(wire.count("200", "1 INVITE"), 0u);

  from_alice(AliceRequest("ACK").branch(invite.branch_value()).cseq(1).to_tag(tag));
  at(40s);
  EXPECT_EQ(wire.count("487"), 1u) << "the ACK stopped Timer G";
}

TEST_F(Uas, CancelAfterTheAnswerHasNoEffect) {
  const AliceRequest invite = alice_invite();
  from_alice(invite);
  incoming().answer("application/sdp", sdp("cvw", 1, 40000));
  from_alice(AliceRequest("CANCEL").branch(invite.branch_value()).cseq(1));
  EXPECT_EQ(wire.count("200", "1 CANCEL"), 1u);
  EXPECT_EQ(wire.count("487"), 0u);
  EXPECT_EQ(app.events, std::vector<std::string>{"invite"});
  EXPECT_EQ(incoming().state(), SessionState::Answered);
}

TEST_F(Uas, ByeOnTheEarlyDialogEndsTheCallAndTheInviteGets487) {
  from_alice(alice_invite());
  incoming().ring();
  const std::string tag = to_tag(wire.last_message("180"));
  // §15: "The caller's UA MAY send a BYE for either confirmed or early
  // dialogs"; the 180 with our tag made an early dialog (§12.1.1). §15.1.2:
  // the UAS "MUST still respond to any pending requests received for that
  // dialog. It is RECOMMENDED that a 487 (Request Terminated) response be
  // generated to those pending requests."
  from_alice(in_dialog("BYE", 2, tag));
  EXPECT_EQ(wire.count("481", "2 BYE"), 0u) << "the early dialog exists";
  EXPECT_EQ(wire.count("200", "2 BYE"), 1u);
  EXPECT_EQ(wire.count("487", "1 INVITE"), 1u);
  EXPECT_EQ(app.events, (std::vector<std::string>{"invite", "terminated remote BYE 0"}));
}

// --- requests inside the dialog ----------------------------------------------------------

TEST_F(Uas, RequestWithALowerCSeqGets500) {
  from_alice(alice_invite(10));
  incoming().answer("application/sdp", sdp("cvw", 1, 40000));
  const std::string tag = to_tag(wire.last_message("200"));
  from_alice(AliceRequest("ACK").cseq(10).to_tag(tag));

  from_alice(in_dialog("INFO", 11, tag));
  EXPECT_EQ(wire.count("200", "11 INFO"), 1u);
  // §12.2.2: "If the remote sequence number was not empty, but the sequence
  // number of the request is lower than the remote sequence number, the
  // request is out of order and MUST be rejected with a 500".
  from_alice(in_dialog("INFO", 9, tag));
  EXPECT_EQ(wire.count("500", "9 INFO"), 1u);
  from_alice(in_dialog("BYE", 10, tag));
  EXPECT_EQ(wire.count("500", "10 BYE"), 1u) << "10 is lower than the 11 of the INFO";
  EXPECT_EQ(incoming().state(), SessionState::Confirmed) << "an out-of-order request ends nothing";
  from_alice(in_dialog("BYE", 12, tag));
  EXPECT_EQ(wire.count("200", "12 BYE"), 1u);
  EXPECT_EQ(incoming().state(), SessionState::Terminated);
}

TEST_F(Uas, ReinviteWithAnOfferIsAnsweredByTheApp) {
  const std::string tag = establish_incoming_call();
  app.answer_to_offers = sdp("cvw", 2, 40002);
  at(10s);
  from_alice(reinvite(2, tag).contact("<sip:alice@192.0.2.11:5062>"));

  EXPECT_EQ(app.events, (std::vector<std::string>{"invite", "established", "offer"}));
  ASSERT_EQ(app.offers.size(), 1u);
  EXPECT_EQ(app.offers[0], sdp("alice", 2, 49170));
  EXPECT_EQ(incoming().remote_body(), sdp("alice", 2, 49170));
  ASSERT_EQ(wire.count("200", "2 INVITE"), 1u);
  const Message ok = wire.last("200", "2 INVITE").message();
  EXPECT_EQ(ok.body(), sdp("cvw", 2, 40002));
  EXPECT_EQ(ok.header(HeaderId::ContentType), "application/sdp");
  EXPECT_EQ(to_tag(ok), tag);
  EXPECT_EQ(ok.header(HeaderId::Contact), "<sip:cvw@127.0.0.1:5060>")
      << "the Contact is the dialog's: the session let its own copy go with the INVITE";
  EXPECT_EQ(incoming().invite(), nullptr);
  EXPECT_EQ(incoming().call_id(), "call-1@192.0.2.10") << "read from the dialog now";

  // The re-INVITE's 2xx is retransmitted like the first until its ACK.
  at(10500ms);
  EXPECT_EQ(wire.count("200", "2 INVITE"), 2u);
  from_alice(AliceRequest("ACK").cseq(2).to_tag(tag));
  at(60s);
  EXPECT_EQ(wire.count("200", "2 INVITE"), 2u);
  EXPECT_EQ(wire.count("BYE"), 0u);
  EXPECT_EQ(app.events.size(), 3u) << "the re-INVITE's ACK is no second establishment";

  // The re-INVITE refreshed the target (§12.2.2): our BYE goes to the new Contact.
  incoming().bye();
  ASSERT_EQ(wire.count("BYE"), 1u);
  EXPECT_EQ(wire.last_message("BYE").request_uri(), "sip:alice@192.0.2.11:5062");
  EXPECT_EQ(wire.last("BYE").to, peer(Protocol::Udp, "192.0.2.11", 5062));
}

TEST_F(Uas, ReinviteTheAppRefusesGets488AndTheCallGoesOn) {
  const std::string tag = establish_incoming_call();
  app.answer_to_offers = std::nullopt;
  from_alice(reinvite(2, tag));
  EXPECT_EQ(wire.count("488", "2 INVITE"), 1u);
  EXPECT_EQ(incoming().state(), SessionState::Confirmed);
  EXPECT_EQ(incoming().remote_body(), sdp("alice", 1, 49170)) << "the refused offer is not taken";
}

TEST_F(Uas, ReinviteWhileOurOwnReinvitePendsGets491) {
  const std::string tag = establish_incoming_call();
  app.answer_to_offers = sdp("cvw", 3, 40000);
  incoming().reinvite("application/sdp", sdp("cvw", 2, 40000));
  ASSERT_EQ(wire.count("INVITE"), 1u);
  const Message ours = wire.last_message("INVITE");
  EXPECT_EQ(wire.last("INVITE").to, alice);
  EXPECT_EQ(ours.request_uri(), "sip:alice@192.0.2.10:5060");
  EXPECT_EQ(from_tag(ours), tag);
  EXPECT_EQ(to_tag(ours), "alice-tag");

  // §14.2: "A UAS that receives an INVITE on a dialog while an INVITE it had
  // sent on that dialog is in progress MUST return a 491 (Request Pending)".
  from_alice(reinvite(2, tag));
  EXPECT_EQ(wire.count("491", "2 INVITE"), 1u);
  EXPECT_TRUE(app.offers.empty()) << "the glared offer never reaches the app";
}

TEST_F(Uas, AfterA491WeRetryWithinTwoSecondsAsTheNonOwnerOfTheCallId) {
  const std::string tag = establish_incoming_call();
  incoming().reinvite("application/sdp", sdp("cvw", 2, 40000));
  const Message first = wire.last_message("INVITE");
  from_wire(make_response(first, 491).serialize(), alice);
  EXPECT_EQ(wire.count("ACK"), 1u) << "the transaction ACKs the 491";
  // §14.1: "If the UAC is not the owner of the Call-ID of the dialog ID, T has
  // a randomly chosen value of between 0 and 2 seconds in units of 10 ms."
  at(2000ms);
  EXPECT_EQ(wire.cseqs("INVITE").size(), 2u) << "exactly one retry by 2 s";
  const Message retry = wire.last_message("INVITE");
  EXPECT_EQ(cseq_number(retry), cseq_number(first) + 1);
  EXPECT_EQ(retry.body(), sdp("cvw", 2, 40000));
  from_wire(make_response(retry, 200).serialize(), alice);
  EXPECT_EQ(app.events.back(), "reinvite 200");
  at(20s);
  EXPECT_EQ(wire.cseqs("INVITE").size(), 2u);
}

// The peer may retry its own re-INVITE before our retry timer fires. We
// answer it (cvw version 3), so our waiting offer (version 2) is stale: sent
// again, its o= version would go back (RFC 3264 §8) and it would undo what
// the peer just changed. The application hears the 491 when the wait is
// over and offers anew.
TEST_F(Uas, AnOfferWeAnswerDuringTheGlareWaitMakesTheAppOfferAnew) {
  const std::string tag = establish_incoming_call();
  incoming().reinvite("application/sdp", sdp("cvw", 2, 40000));
  from_wire(make_response(wire.last_message("INVITE"), 491).serialize(), alice);

  app.answer_to_offers = sdp("cvw", 3, 40002);
  from_alice(reinvite(2, tag, 3));
  ASSERT_EQ(wire.count("200", "2 INVITE"), 1u)
      << "no re-INVITE of ours pends while the retry waits";
  from_alice(AliceRequest("ACK").cseq(2).to_tag(tag));

  at(2000ms);
  EXPECT_EQ(wire.cseqs("INVITE").size(), 1u) << "the stale offer is not sent";
  EXPECT_EQ(app.events.back(), "reinvite 491");
  incoming().reinvite("application/sdp", sdp("cvw", 4, 40002));
  ASSERT_EQ(wire.cseqs("INVITE").size(), 2u);
  EXPECT_EQ(wire.last_message("INVITE").body(), sdp("cvw", 4, 40002));
}

// The 2xx to an offer-less re-INVITE carries the description we sent last,
// unchanged (RFC 3264 §8), here our answer to the peer's re-offer: not the
// older one we answered the INVITE with.
TEST_F(Uas, AnOfferlessReinviteGetsTheDescriptionWeSentLast) {
  const std::string tag = establish_incoming_call();
  app.answer_to_offers = sdp("cvw", 2, 40002);
  from_alice(reinvite(2, tag, 2));
  from_alice(AliceRequest("ACK").cseq(2).to_tag(tag));
  from_alice(in_dialog("INVITE", 3, tag));
  ASSERT_EQ(wire.count("200", "3 INVITE"), 1u);
  EXPECT_EQ(wire.last("200", "3 INVITE").message().body(), sdp("cvw", 2, 40002));

  from_alice(
      AliceRequest("ACK").cseq(3).to_tag(tag).body("application/sdp", sdp("alice", 3, 49170)));
  app.answer_to_offers = sdp("cvw", 3, 40004);
  from_alice(in_dialog("UPDATE", 4, tag).body("application/sdp", sdp("alice", 4, 49172)));
  ASSERT_EQ(wire.count("200", "4 UPDATE"), 1u);
  from_alice(in_dialog("INVITE", 5, tag));
  ASSERT_EQ(wire.count("200", "5 INVITE"), 1u);
  EXPECT_EQ(wire.last("200", "5 INVITE").message().body(), sdp("cvw", 3, 40004))
      << "the answer in the UPDATE's 2xx is now the description we sent last";
}

TEST_F(Uas, SecondReinviteWhileOur2xxToTheFirstIsUnacknowledgedGets500WithRetryAfter) {
  const std::string tag = establish_incoming_call();
  app.answer_to_offers = sdp("cvw", 2, 40000);
  from_alice(reinvite(2, tag));
  ASSERT_EQ(wire.count("200", "2 INVITE"), 1u);

  from_alice(reinvite(3, tag, 3));
  ASSERT_EQ(wire.count("500", "3 INVITE"), 1u);
  const Message busy = wire.last("500", "3 INVITE").message();
  // §14.2: "MUST include a Retry-After header field with a randomly chosen
  // value of between 0 and 10 seconds."
  Result<std::uint32_t> retry_after =
      parse_uint(busy.header(HeaderId::RetryAfter), 10, "Retry-After");
  EXPECT_TRUE(retry_after.ok()) << "Retry-After: '" << busy.header(HeaderId::RetryAfter) << "'";
  EXPECT_EQ(app.offers.size(), 1u);

  from_alice(AliceRequest("ACK").cseq(2).to_tag(tag));
  from_alice(reinvite(4, tag, 4));
  EXPECT_EQ(wire.count("200", "4 INVITE"), 1u) << "after the ACK a re-INVITE is welcome again";
}

TEST_F(Uas, ReinviteBeforeTheAckOfTheFirst2xxGets500WithRetryAfter) {
  from_alice(alice_invite());
  incoming().answer("application/sdp", sdp("cvw", 1, 40000));
  const std::string tag = to_tag(wire.last_message("200"));
  app.answer_to_offers = sdp("cvw", 2, 40000);
  from_alice(reinvite(2, tag));
  ASSERT_EQ(wire.count("500", "2 INVITE"), 1u);
  EXPECT_FALSE(wire.last("500", "2 INVITE").message().header(HeaderId::RetryAfter).empty());
  EXPECT_TRUE(app.offers.empty());
}

TEST_F(Uas, UpdateWithAnOfferGets200WithTheAnswer) {
  const std::string tag = establish_incoming_call();
  app.answer_to_offers = sdp("cvw", 2, 40004);
  from_alice(in_dialog("UPDATE", 2, tag).body("application/sdp", sdp("alice", 2, 49174)));
  ASSERT_EQ(wire.count("200", "2 UPDATE"), 1u);
  const Message ok = wire.last("200", "2 UPDATE").message();
  EXPECT_EQ(ok.body(), sdp("cvw", 2, 40004));
  EXPECT_EQ(ok.header(HeaderId::ContentType), "application/sdp");
  EXPECT_EQ(ok.header(HeaderId::Contact), "<sip:cvw@127.0.0.1:5060>")
      << "RFC 3311 §5.2: a 2xx to UPDATE has a Contact";
  EXPECT_EQ(to_tag(ok), tag);
  EXPECT_EQ(app.offers, std::vector<std::string>{sdp("alice", 2, 49174)});
  EXPECT_EQ(incoming().remote_body(), sdp("alice", 2, 49174));

  from_alice(in_dialog("UPDATE", 3, tag));  // no offer: a plain target refresh
  ASSERT_EQ(wire.count("200", "3 UPDATE"), 1u);
  EXPECT_TRUE(wire.last("200", "3 UPDATE").message().body().empty());
  EXPECT_EQ(app.offers.size(), 1u);
}

TEST_F(Uas, UnknownMethodInsideTheDialogGets501) {
  const std::string tag = establish_incoming_call();
  from_alice(in_dialog("FOO", 2, tag));
  EXPECT_EQ(wire.count("501", "2 FOO"), 1u);
  from_alice(in_dialog("INFO", 3, tag));
  EXPECT_EQ(wire.count("200", "3 INFO"), 1u);
  EXPECT_EQ(incoming().state(), SessionState::Confirmed);
}

TEST_F(Uas, RejectSendsTheFinalResponseWithOurTagAndEndsTheLeg) {
  const AliceRequest invite = alice_invite();
  from_alice(invite);
  incoming().reject(486);
  ASSERT_EQ(wire.count("486", "1 INVITE"), 1u);
  EXPECT_FALSE(to_tag(wire.last_message("486")).empty());
  EXPECT_EQ(app.events, (std::vector<std::string>{"invite", "terminated rejected 486"}));
  EXPECT_EQ(ua.session_count(), 0u);
  at(1s);
  EXPECT_EQ(wire.count("486"), 2u) << "Timer G (the transaction) retransmits the 486";
}

// --- session timers as UAS (RFC 4028 §9) -----------------------------------------------

// A new INVITE asking for less than our Min-SE (90 s) gets 422 with our
// Min-SE when its UAC supports the extension (it will retry with it); one
// that does not support it is taken, and held to our Min-SE.
TEST_F(Uas, AnIntervalBelowOurMinSeGets422OnlyFromAUacThatSupportsTimers) {
  from_alice(alice_invite().header("Session-Expires: 60").header("Supported: timer"));
  ASSERT_EQ(wire.count("422", "1 INVITE"), 1u);
  EXPECT_EQ(wire.last("422").message().header(HeaderId::MinSE), "90");
  EXPECT_TRUE(app.events.empty()) << "the application never sees it";

  from_alice(alice_invite().call_id("call-2@192.0.2.10").header("Session-Expires: 60"));
  ASSERT_EQ(app.events, std::vector<std::string>{"invite"});
  EXPECT_EQ(wire.count("422"), 1u);
  incoming().answer("application/sdp", sdp("cvw", 1, 40000));
  EXPECT_EQ(incoming().session_interval(), 90u);
  EXPECT_EQ(wire.last("200", "1 INVITE").message().header(HeaderId::SessionExpires), "90;refresher=uas")
      << "a UAC without the extension cannot refresh: we do";
}

// The same holds for a refresh inside the dialog, by re-INVITE or UPDATE
// (§9 applies to every session refresh request): the call goes on as it was.
TEST_F(Uas, ARefreshBelowOurMinSeGets422AndTheCallGoesOn) {
  const std::string tag = establish_incoming_call();
  app.answer_to_offers = sdp("cvw", 2, 40002);
  from_alice(
      reinvite(2, tag).header("Session-Expires: 30;refresher=uac").header("Supported: timer"));
  ASSERT_EQ(wire.count("422", "2 INVITE"), 1u);
  EXPECT_EQ(wire.last("422").message().header(HeaderId::MinSE), "90");
  EXPECT_TRUE(app.offers.empty()) << "the offer is not taken";
  from_alice(AliceRequest("ACK").cseq(2).to_tag(tag));

  from_alice(in_dialog("UPDATE", 3, tag).header("Session-Expires: 45").header("Supported: timer"));
  EXPECT_EQ(wire.count("422", "3 UPDATE"), 1u);
  from_alice(in_dialog("UPDATE", 4, tag).header("Session-Expires: 9x"));
  EXPECT_EQ(wire.count("400", "4 UPDATE"), 1u) << "a malformed Session-Expires";
  EXPECT_EQ(incoming().state(), SessionState::Confirmed);
  EXPECT_EQ(incoming().remote_body(), sdp("alice", 1, 49170));

  from_alice(in_dialog("UPDATE", 5, tag)
                 .header("Session-Expires: 120;refresher=uac")
                 .header("Supported: timer"));
  ASSERT_EQ(wire.count("200", "5 UPDATE"), 1u);
  EXPECT_EQ(incoming().session_interval(), 120u);
}

// --- 100rel as UAS (RFC 3262 §3) ---------------------------------------------------
//
//   Alice                                cvw
//     |--- INVITE (Require: 100rel) ------->|
//     |<-- 180 (Require: 100rel, RSeq: n) --|  resent at T1, 2T1, 4T1 ... until
//     |--- PRACK (RAck: n 1 INVITE) ------->|
//     |<-- 200 (PRACK) ---------------------|
//     |<-- 200 (INVITE) --------------------|

std::uint32_t rseq_of(const Message& m) {
  return static_cast<std::uint32_t>(std::stoul(std::string(m.header(HeaderId::RSeq))));
}

AliceRequest prack(std::uint32_t cseq, const std::string& our_tag, std::uint32_t rseq,
                   std::uint32_t invite_cseq = 1) {
  return AliceRequest("PRACK").cseq(cseq).to_tag(our_tag).header(
      "RAck: " + std::to_string(rseq) + " " + std::to_string(invite_cseq) + " INVITE");
}

TEST_F(Uas, ARequired100relMakesThe180ReliableResentAtT1DoublingUntilThePrack) {
  from_alice(alice_invite().header("Require: 100rel"));
  incoming().ring();
  ASSERT_EQ(wire.count("180"), 1u);
  const Message ringing = wire.last_message("180");
  EXPECT_EQ(values(ringing, HeaderId::Require), std::vector<std::string>{"100rel"});
  const std::uint32_t rseq = rseq_of(ringing);
  EXPECT_GE(rseq, 1u);
  EXPECT_LE(rseq, 0x7fffffffu) << "§3: the first RSeq is in 1..2^31-1";
  const std::string tag = to_tag(ringing);

  // T1 = 500 ms, doubling without the T2 cap: 0.5, 1.5, 3.5, 7.5 s.
  for (const auto& [t, count] : {std::pair{499ms, 1u},
                                {500ms, 2u},
                                {1499ms, 2u},
                                {1500ms, 3u},
                                {3500ms, 4u},
                                {7500ms, 5u}}) {
    at(t);
    EXPECT_EQ(wire.count("180"), count) << "at " << t.count() << " ms";
  }
  for (const Sent* s : wire.all("180"))
    EXPECT_EQ(rseq_of(s->message()), rseq) << "a retransmission keeps its RSeq";

  from_alice(prack(2, tag, rseq));
  EXPECT_EQ(wire.count("200", "2 PRACK"), 1u);
  at(60s);
  EXPECT_EQ(wire.count("180"), 5u) << "the PRACK stops the retransmissions";
  incoming().answer("application/sdp", sdp("cvw", 1, 40000));
  EXPECT_EQ(wire.count("200", "1 INVITE"), 1u);
  EXPECT_EQ(incoming().state(), SessionState::Answered);
}

TEST_F(Uas, APrackForAnotherRSeqGets481AndTheRetransmissionsGoOn) {
  from_alice(alice_invite().header("Require: 100rel"));
  incoming().ring();
  const Message ringing = wire.last_message("180");
  const std::string tag = to_tag(ringing);
  from_alice(prack(2, tag, rseq_of(ringing) + 1));
  EXPECT_EQ(wire.count("481", "2 PRACK"), 1u);
  from_alice(prack(3, tag, rseq_of(ringing), 7));
  EXPECT_EQ(wire.count("481", "3 PRACK"), 1u) << "RAck names another INVITE";
  at(500ms);
  EXPECT_EQ(wire.count("180"), 2u);
  from_alice(prack(4, tag, rseq_of(ringing)));
  EXPECT_EQ(wire.count("200", "4 PRACK"), 1u);
  from_alice(prack(5, tag, rseq_of(ringing) + 1));
  EXPECT_EQ(wire.count("481", "5 PRACK"), 1u) << "an RSeq never sent";
  from_alice(AliceRequest("PRACK").cseq(6).to_tag(tag).header("RAck: x 1 INVITE"));
  EXPECT_EQ(wire.count("481", "6 PRACK"), 1u) << "an unreadable RAck";
}

TEST_F(Uas, APrackCrossingOur2xxIsStillAcknowledged) {
  from_alice(alice_invite().header("Require: 100rel"));
  incoming().ring();
  const Message ringing = wire.last_message("180");
  incoming().answer("application/sdp", sdp("cvw", 1, 40000));
  // The caller's PRACK was on its way when the 2xx left: a 481 would make
  // it end the dialog (RFC 3261 §12.2.1.2).
  from_alice(prack(2, to_tag(ringing), rseq_of(ringing)));
  EXPECT_EQ(wire.count("200", "2 PRACK"), 1u);
  EXPECT_EQ(wire.count("481"), 0u);
  from_alice(AliceRequest("ACK").cseq(1).to_tag(to_tag(ringing)));
  EXPECT_EQ(app.events, (std::vector<std::string>{"invite", "established"}));
}

TEST_F(Uas, ANewOfferInThePrackIsAnsweredByTheApp) {
  app.answer_to_offers = sdp("cvw", 2, 40002);
  from_alice(alice_invite().header("Require: 100rel"));
  incoming().ring(183, "application/sdp", sdp("cvw", 1, 40000));
  const Message progress = wire.last_message("183");
  from_alice(prack(2, to_tag(progress), rseq_of(progress))
                 .body("application/sdp", sdp("alice", 2, 49172)));
  ASSERT_EQ(wire.count("200", "2 PRACK"), 1u);
  EXPECT_EQ(app.offers, std::vector<std::string>{sdp("alice", 2, 49172)});
  EXPECT_EQ(wire.last("200", "2 PRACK").message().body(), sdp("cvw", 2, 40002))
      << "the app's answer";
  EXPECT_EQ(incoming().remote_body(), sdp("alice", 2, 49172));
  at(5s);
  EXPECT_EQ(wire.count("183"), 1u) << "acknowledged";
}

TEST_F(Uas, ASecondReliableProvisionalWaitsForThePrackOfTheFirstAndTakesTheNextRSeq) {
  from_alice(alice_invite().header("Require: 100rel"));
  incoming().ring(180);
  incoming().ring(183, "application/sdp", sdp("cvw", 1, 40000));
  EXPECT_EQ(wire.count("183"), 0u) << "§3: one reliable provisional at a time";
  const Message ringing = wire.last_message("180");
  from_alice(prack(2, to_tag(ringing), rseq_of(ringing)));
  ASSERT_EQ(wire.count("183"), 1u);
  const Message progress = wire.last_message("183");
  EXPECT_EQ(rseq_of(progress), rseq_of(ringing) + 1);
  EXPECT_EQ(progress.body(), sdp("cvw", 1, 40000));
  EXPECT_EQ(to_tag(progress), to_tag(ringing));
}

TEST_F(Uas, WithoutAPrackIn64T1TheInviteIsRejectedWith504) {
  from_alice(alice_invite().header("Require: 100rel"));
  incoming().ring();
  at(31999ms);
  EXPECT_EQ(wire.count("180"), 7u) << "at 0, 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s";
  EXPECT_EQ(app.events, std::vector<std::string>{"invite"});
  at(32s);
  EXPECT_EQ(wire.count("504", "1 INVITE"), 1u) << "§3: a 5xx after 64*T1 without PRACK";
  EXPECT_EQ(app.events, (std::vector<std::string>{"invite", "terminated rejected 504"}));
  EXPECT_EQ(ua.session_count(), 0u);
}

TEST_F(Uas, OnlySupported100relMakesOnlyEarlyMediaReliable) {
  from_alice(alice_invite().header("Supported: timer, 100rel"));
  incoming().ring(180);
  EXPECT_EQ(wire.last_message("180").header(HeaderId::RSeq), "")
      << "no body: no need for reliability";
  incoming().ring(183, "application/sdp", sdp("cvw", 1, 40000));
  EXPECT_NE(wire.last_message("183").header(HeaderId::RSeq), "") << "early media must not be lost";
}

TEST_F(Uas, WithoutSupportOrRequireNothingIsReliable) {
  from_alice(alice_invite());
  incoming().ring(183, "application/sdp", sdp("cvw", 1, 40000));
  EXPECT_EQ(wire.last_message("183").header(HeaderId::RSeq), "");
  EXPECT_EQ(wire.last_message("183").header(HeaderId::Require), "");
}

TEST_F(Uas, The2xxWaitsForThePrackOfAReliableProvisionalWithSdp) {
  from_alice(alice_invite().header("Supported: 100rel"));
  incoming().ring(183, "application/sdp", sdp("cvw", 1, 40000));
  const Message progress = wire.last_message("183");
  incoming().answer("application/sdp", sdp("cvw", 1, 40000));
  EXPECT_EQ(wire.count("200", "1 INVITE"), 0u) << "§3: not before that PRACK";
  EXPECT_EQ(incoming().state(), SessionState::Early);
  from_alice(prack(2, to_tag(progress), rseq_of(progress)));
  EXPECT_EQ(wire.count("200", "2 PRACK"), 1u);
  ASSERT_EQ(wire.count("200", "1 INVITE"), 1u) << "then at once";
  EXPECT_EQ(wire.last("200", "1 INVITE").message().body(), sdp("cvw", 1, 40000));
  EXPECT_EQ(incoming().state(), SessionState::Answered);
  from_alice(AliceRequest("ACK").cseq(1).to_tag(to_tag(progress)));
  EXPECT_EQ(app.events, (std::vector<std::string>{"invite", "established"}));
}

TEST_F(Uas, An2xxAfterAReliable180WithoutSdpGoesAtOnceAndStopsItsRetransmissions) {
  from_alice(alice_invite().header("Require: 100rel"));
  incoming().ring();
  incoming().answer("application/sdp", sdp("cvw", 1, 40000));
  EXPECT_EQ(wire.count("200", "1 INVITE"), 1u);
  at(2s);
  EXPECT_EQ(wire.count("180"), 1u);
}

TEST_F(Uas, ACancelWhileAReliableProvisionalPendsStopsItsRetransmissions) {
  const AliceRequest invite = alice_invite().header("Require: 100rel");
  from_alice(invite);
  incoming().ring();
  from_alice(AliceRequest("CANCEL").cseq(1).branch(invite.branch_value()));
  EXPECT_EQ(wire.count("487", "1 INVITE"), 1u);
  at(10s);
  EXPECT_EQ(wire.count("180"), 1u);
}

}  // namespace
}  // namespace cvw::sip::dialog::test
