// The UAC side of a call (RFC 3261 §8.1, §9.1, §12.1.2, §13.2, §14.1, §15), as ladders:
//
//   app                      cvw UA core                              Bob (wire)
//    |--- invite() ------------>|--- INVITE (offer) ---------------------->|
//    |<-- on_progress ----------|<-- 180 (To tag: early dialog) -----------|
//    |<-- on_established -------|<-- 200 (answer) -------------------------|
//    |                          |--- ACK (new branch, CSeq n ACK) -------->|
//    |--- bye() --------------->|--- BYE (CSeq n+1) ---------------------->|
//    |<-- on_terminated --------|<-- 200 ----------------------------------|
#include "ua_test_support.hpp"

namespace cvw::sip::dialog::test {
namespace {

class Uac : public UaTest {
 protected:
  // A request from Bob inside the dialog our INVITE made.
  std::string bob_request(std::string_view method, std::uint32_t cseq, const Message& our_invite,
                          std::string_view bob_tag = "bob-tag") const {
    static int branch = 0;
    std::string t = std::string(method) + " sip:cvw@127.0.0.1:5060 SIP/2.0\n";
    t += "Via: SIP/2.0/UDP 192.0.2.20:5070;branch=z9hG4bKbob" + std::to_string(++branch) + "\n";
    t += "Max-Forwards: 70\n";
    t += "From: " + std::string(our_invite.header(HeaderId::To)) + ";tag=" + std::string(bob_tag) +
         "\n";
    t += "To: " + std::string(our_invite.header(HeaderId::From)) + "\n";
    t += "Call-ID: " + std::string(our_invite.header(HeaderId::CallId)) + "\n";
    t += "CSeq: " + std::to_string(cseq) + " " + std::string(method) + "\n";
    t += "Content-Length: 0\n\n";
    return crlf(t);
  }
  Message answered(const Message& invite, std::string_view tag = "bob-tag",
                   std::string contact = "<sip:bob@192.0.2.20:5070>") const {
    Message ok = bob_response(invite, 200, tag, std::move(contact));
    ok.set_body("application/sdp", sdp("bob", 1, 30000));
    return ok;
  }
  // Bob answers with a 90 s session that we refresh (by UPDATE when his
  // Allow lists it, else by re-INVITE); the clock is then moved to 46 s,
  // just past the first refresh.
  std::shared_ptr<InviteSession> call_refreshed_by_us(bool allow_update) {
    std::shared_ptr<InviteSession> s = start_call(call_bob());
    Message ok = answered(wire.last_message("INVITE"));
    ok.add(HeaderId::SessionExpires, "90;refresher=uac");
    if (allow_update) ok.set(HeaderId::Allow, "INVITE, ACK, BYE, CANCEL, UPDATE");
    from_wire(ok.serialize(), bob_contact);
    EXPECT_EQ(s->state(), SessionState::Confirmed);
    at(46s);
    return s;
  }
  const Peer bob_contact = peer(Protocol::Udp, "192.0.2.20", 5070);
};

// --- the INVITE ------------------------------------------------------------------------

// RFC 4028 as configured ([sip] session_expires and min_se in cvwd).
UaConfig timers_config(std::uint32_t session_expires, std::uint32_t min_se) {
  UaConfig c = udp_tcp_config();
  c.session_expires = session_expires;
  c.min_se = min_se;
  return c;
}
class UacAsking600AtLeast300 : public UaTest {
 protected:
  UacAsking600AtLeast300() : UaTest(timers_config(600, 300)) {}
};
class UacWithoutSessionTimer : public UaTest {
 protected:
  UacWithoutSessionTimer() : UaTest(timers_config(0, 90)) {}
};

TEST_F(Uac, InviteAsksForTheDefaultSessionInterval) {
  start_call(call_bob());
  const Message invite = wire.last_message("INVITE");
  EXPECT_EQ(invite.header(HeaderId::SessionExpires), "1800");
  EXPECT_EQ(invite.count(HeaderId::MinSE), 0u) << "90 s, what an absent Min-SE means";
}

TEST_F(UacAsking600AtLeast300, InviteCarriesTheConfiguredIntervalAndMinimum) {
  start_call(call_bob());
  const Message invite = wire.last_message("INVITE");
  EXPECT_EQ(invite.header(HeaderId::SessionExpires), "600");
  EXPECT_EQ(invite.header(HeaderId::MinSE), "300");
}

TEST_F(UacWithoutSessionTimer, InviteAsksForNoSessionTimer) {
  start_call(call_bob());
  EXPECT_EQ(wire.last_message("INVITE").count(HeaderId::SessionExpires), 0u);
}

TEST_F(Uac, InviteCarriesEverythingANewRequestNeeds) {
  InviteParams params = call_bob();
  params.headers.emplace_back("P-Asserted-Identity", "<sip:1000@127.0.0.1>");
  std::shared_ptr<InviteSession> s = start_call(params);
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->is_uac());
  EXPECT_EQ(s->state(), SessionState::Calling);

  ASSERT_EQ(wire.sent.size(), 1u);
  EXPECT_EQ(wire.sent[0].to, bob);
  const Message invite = wire.last_message("INVITE");
  EXPECT_EQ(invite.request_uri(), "sip:bob@192.0.2.20:5060");
  // §8.1.1.7: one Via, a branch with the magic cookie; RFC 3581 rport.
  ASSERT_EQ(values(invite, HeaderId::Via).size(), 1u);
  std::string scratch;
  Result<Via> via = parse_via(invite.header(HeaderId::Via), scratch);
  ASSERT_TRUE(via.ok());
  EXPECT_EQ(via->transport, "UDP");
  EXPECT_EQ(via->host, "127.0.0.1");
  EXPECT_EQ(via->port, 5060);
  EXPECT_TRUE(via->rfc3261_branch()) << via->branch();
  EXPECT_TRUE(via->rport().has_value() && via->rport()->empty()) << "rport without a value";
  // §8.1.1.3: "The From field MUST contain a new "tag" parameter".
  EXPECT_EQ(invite.header(HeaderId::From), "<sip:cvw@127.0.0.1:5060>;tag=" + from_tag(invite));
  EXPECT_GE(from_tag(invite).size(), 4u);
  EXPECT_EQ(invite.header(HeaderId::To), "Bob <sip:bob@192.0.2.20:5060>")
      << "no To tag outside a dialog";
  EXPECT_FALSE(invite.header(HeaderId::CallId).empty());
  EXPECT_EQ(invite.header(HeaderId::CallId), s->call_id());
  EXPECT_EQ(invite.header(HeaderId::CSeq), "1 INVITE");
  EXPECT_EQ(invite.header(HeaderId::MaxForwards), "70");
  EXPECT_EQ(invite.header(HeaderId::Contact), "<sip:cvw@127.0.0.1:5060>");
  EXPECT_EQ(invite.header(HeaderId::ContentType), "application/sdp");
  EXPECT_EQ(invite.body(), sdp("cvw", 1, 40000));
  EXPECT_EQ(invite.header("P-Asserted-Identity"), "<sip:1000@127.0.0.1>");
  EXPECT_EQ(ua.session_count(), 1u);

  std::shared_ptr<InviteSession> second = start_call(call_bob());
  const Message other = wire.last_message("INVITE");
  EXPECT_NE(other.header(HeaderId::CallId), invite.header(HeaderId::CallId));
  EXPECT_NE(from_tag(other), from_tag(invite));
  EXPECT_NE(top_branch(other), top_branch(invite));
}

TEST_F(Uac, InviteOverTcpSaysSoInViaAndContactAndIsNotRetransmitted) {
  std::shared_ptr<InviteSession> s = start_call(call_bob("sip:bob@192.0.2.20:5060;transport=tcp"));
  ASSERT_EQ(wire.count("INVITE"), 1u);
  EXPECT_EQ(wire.last("INVITE").to, peer(Protocol::Tcp, "192.0.2.20", 5060));
  const Message invite = wire.last_message("INVITE");
  EXPECT_TRUE(invite.header(HeaderId::Via).starts_with("SIP/2.0/TCP 127.0.0.1:5060;"))
      << invite.header(HeaderId::Via);
  EXPECT_EQ(invite.header(HeaderId::Contact), "<sip:cvw@127.0.0.1:5060;transport=tcp>");
  at(10s);
  EXPECT_EQ(wire.count("INVITE"), 1u) << "§17.1.1.2: no Timer A on a reliable transport";
}

TEST_F(Uac, InviteToAHostNameWithoutAProxyFails) {
  Result<std::shared_ptr<InviteSession>> s =
      ua.invite(call_bob("sip:bob@biloxi.example.com"), &app);
  EXPECT_FALSE(s.ok()) << "no DNS: nowhere to send it";
  EXPECT_TRUE(wire.sent.empty());
  EXPECT_EQ(ua.session_count(), 0u);
}

// --- provisional and final responses -----------------------------------------------------

TEST_F(Uac, ProvisionalWithAToTagMakesAnEarlyDialog) {
  std::shared_ptr<InviteSession> s = start_call(call_bob());
  const Message invite = wire.last_message("INVITE");
  from_bob(bob_response(invite, 100));
  EXPECT_TRUE(app.events.empty()) << "100 Trying is not reported";
  EXPECT_EQ(s->dialog(), nullptr);

  from_bob(bob_response(invite, 180, "bob-tag"));
  EXPECT_EQ(app.events, std::vector<std::string>{"progress 180"});
  EXPECT_EQ(s->state(), SessionState::Early);
  ASSERT_NE(s->dialog(), nullptr);
  EXPECT_TRUE(s->dialog()->early());
  const DialogId expected{std::string(s->call_id()), from_tag(invite), "bob-tag"};
  EXPECT_EQ(s->dialog()->id(), view_of(expected));
  EXPECT_EQ(s->dialog()->remote_target(), "sip:bob@192.0.2.20:5070");

  from_bob(bob_response(invite, 183, "bob-tag"));
  EXPECT_EQ(app.events, (std::vector<std::string>{"progress 180", "progress 183"}));
  EXPECT_EQ(wire.count("ACK"), 0u);
}

TEST_F(Uac, TwoHundredIsAckedAndEstablishesTheCall) {
  std::shared_ptr<InviteSession> s = start_call(call_bob());
  const Message invite = wire.last_message("INVITE");
  from_bob(bob_response(invite, 180, "bob-tag"));
  at(4s);
  from_bob(answered(invite));

  EXPECT_EQ(app.events, (std::vector<std::string>{"progress 180", "established"}));
  EXPECT_EQ(s->state(), SessionState::Confirmed);
  EXPECT_FALSE(s->dialog()->early());
  EXPECT_EQ(s->remote_body(), sdp("bob", 1, 30000));

  // §13.2.2.4: the ACK is built as a request in the dialog (§12.2.1.1) with
  // the INVITE's CSeq number, and is a new transaction (its own branch).
  ASSERT_EQ(wire.count("ACK"), 1u);
  EXPECT_EQ(wire.last("ACK").to, bob_contact) << "to the remote target: the 200's Contact";
  const Message ack = wire.last_message("ACK");
  EXPECT_EQ(ack.request_uri(), "sip:bob@192.0.2.20:5070");
  EXPECT_EQ(ack.header(HeaderId::CSeq), "1 ACK");
  EXPECT_EQ(ack.header(HeaderId::CallId), invite.header(HeaderId::CallId));
  EXPECT_EQ(from_tag(ack), from_tag(invite));
  EXPECT_EQ(to_tag(ack), "bob-tag");
  EXPECT_EQ(ack.find(HeaderId::Route), nullptr) << "no Record-Route, no Route";
  EXPECT_TRUE(top_branch(ack).starts_with("z9hG4bK"));
  EXPECT_NE(top_branch(ack), top_branch(invite));
  EXPECT_EQ(ack.header(HeaderId::MaxForwards), "70");
  EXPECT_EQ(ua.session_count(), 1u);
}

TEST_F(Uac, AckFollowsTheRecordRouteOfThe2xxReversed) {
  std::shared_ptr<InviteSession> s = start_call(call_bob());
  const Message invite = wire.last_message("INVITE");
  Message ok = answered(invite);
  ok.add(HeaderId::RecordRoute, "<sip:192.0.2.50;lr>, <sip:192.0.2.51;lr;ftag=x>");
  ok.add(HeaderId::RecordRoute, "<sip:192.0.2.52;lr>");
  from_bob(ok);
  ASSERT_EQ(wire.count("ACK"), 1u);
  const Message ack = wire.last_message("ACK");
  EXPECT_EQ(ack.request_uri(), "sip:bob@192.0.2.20:5070")
      << "loose routing keeps the remote target";
  EXPECT_EQ(values(ack, HeaderId::Route),
            (std::vector<std::string>{"<sip:192.0.2.52;lr>", "<sip:192.0.2.51;lr;ftag=x>",
                                      "<sip:192.0.2.50;lr>"}))
      << "§12.1.2: the route set is the Record-Route in reverse order";
  EXPECT_EQ(wire.last("ACK").to, peer(Protocol::Udp, "192.0.2.52", 5060)) << "to the first route";
}

TEST_F(Uac, Retransmitted200GetsTheSameAckAgain) {
  std::shared_ptr<InviteSession> s = start_call(call_bob());
  const Message invite = wire.last_message("INVITE");
  const Message ok = answered(invite);
  from_bob(ok.clone());
  ASSERT_EQ(wire.count("ACK"), 1u);
  const Sent first_ack = wire.last("ACK");

  at(500ms);
  from_bob(ok.clone());
  at(1500ms);
  from_bob(ok.clone());
  // §13.2.2.4: "The UAC core MUST generate an ACK request for each 2xx
  // received from the transaction layer."
  ASSERT_EQ(wire.count("ACK"), 3u);
  for (const Sent* ack : wire.all("ACK")) {
    EXPECT_EQ(ack->wire, first_ack.wire) << "the same ACK, byte for byte";
    EXPECT_EQ(ack->to, first_ack.to);
  }
  EXPECT_EQ(app.events, std::vector<std::string>{"established"}) << "established once";
}

// §13.3.1.4: a UAS with our T1 retransmits its 2xx for 64*T1 at most, so
// the ACK's bytes are kept that long (an established call does not carry
// them); a 2xx after that still gets an ACK, built again.
TEST_F(Uac, TheAckBytesAreKeptFor64T1ThenTheAckIsBuiltAgain) {
  std::shared_ptr<InviteSession> s = start_call(call_bob());
  const Message ok = answered(wire.last_message("INVITE"));
  from_bob(ok.clone());
  ASSERT_EQ(wire.count("ACK"), 1u);
  at(31s);
  from_bob(ok.clone());
  ASSERT_EQ(wire.count("ACK"), 2u);
  EXPECT_EQ(wire.all("ACK")[1]->wire, wire.all("ACK")[0]->wire) << "within 64*T1: the same bytes";
  at(33s);
  from_bob(ok.clone());
  ASSERT_EQ(wire.count("ACK"), 3u) << "past 64*T1: still acknowledged";
  const Message first = wire.all("ACK")[0]->message();
  const Message rebuilt = wire.all("ACK")[2]->message();
  EXPECT_EQ(rebuilt.request_uri(), first.request_uri());
  for (HeaderId id :
       {HeaderId::From, HeaderId::To, HeaderId::CallId, HeaderId::CSeq, HeaderId::MaxForwards}) {
    EXPECT_EQ(rebuilt.header(id), first.header(id)) << header_name(id);
  }
  EXPECT_EQ(wire.all("ACK")[2]->to, wire.all("ACK")[0]->to);
  EXPECT_EQ(s->state(), SessionState::Confirmed);
  // The session let its INVITE and its own copies go; the dialog has them.
  EXPECT_EQ(s->invite(), nullptr);
  EXPECT_EQ(s->call_id(), first.header(HeaderId::CallId));
}

TEST_F(Uac, A200FromASecondForkIsAckedAndByedAndTheFirstDialogStays) {
  std::shared_ptr<InviteSession> s = start_call(call_bob());
  const Message invite = wire.last_message("INVITE");
  from_bob(answered(invite, "bob-1", "<sip:bob@192.0.2.20:5070>"));
  ASSERT_EQ(wire.count("ACK"), 1u);

  const Peer fork = peer(Protocol::Udp, "192.0.2.21", 5070);
  from_wire(answered(invite, "bob-2", "<sip:bob@192.0.2.21:5070>").serialize(), fork);
  // §13.2.2.4: "If, after acknowledging any 2xx response to an INVITE, the UAC
  // does not want to continue with that dialog, then the UAC MUST terminate
  // the dialog by sending a BYE request".
  ASSERT_EQ(wire.count("ACK"), 2u);
  EXPECT_EQ(wire.last("ACK").to, fork);
  const Message ack = wire.last_message("ACK");
  EXPECT_EQ(ack.request_uri(), "sip:bob@192.0.2.21:5070");
  EXPECT_EQ(to_tag(ack), "bob-2");
  EXPECT_EQ(ack.header(HeaderId::CSeq), "1 ACK");
  ASSERT_EQ(wire.count("BYE"), 1u);
  EXPECT_EQ(wire.last("BYE").to, fork);
  const Message bye = wire.last_message("BYE");
  EXPECT_EQ(bye.request_uri(), "sip:bob@192.0.2.21:5070");
  EXPECT_EQ(to_tag(bye), "bob-2");
  EXPECT_EQ(from_tag(bye), from_tag(invite));
  EXPECT_EQ(bye.header(HeaderId::CallId), invite.header(HeaderId::CallId));
  EXPECT_EQ(bye.header(HeaderId::CSeq), "2 BYE");

  EXPECT_EQ(app.events, std::vector<std::string>{"established"});
  EXPECT_EQ(s->state(), SessionState::Confirmed);
  EXPECT_EQ(s->dialog()->id().remote_tag, "bob-1");
  EXPECT_EQ(ua.session_count(), 1u);

  from_wire(make_response(bye, 200).serialize(), fork);
  EXPECT_EQ(app.events, std::vector<std::string>{"established"})
      << "the fork's end is not the call's";
  s->bye();
  ASSERT_EQ(wire.count("BYE"), 2u);
  EXPECT_EQ(to_tag(wire.last_message("BYE")), "bob-1");
  EXPECT_EQ(wire.last("BYE").to, bob_contact);
}

// A forking proxy relays reliable provisionals from two phones (different
// To tags): each early dialog is PRACKed in itself, with its own CSeq and
// RSeq, at its own Contact; the one that answers continues its dialog.
TEST_F(Uac, EachForksEarlyDialogIsPrackedInItselfAndTheAnsweringOneGoesOn) {
  std::shared_ptr<InviteSession> s = start_call(call_bob());
  const Message invite = wire.last_message("INVITE");
  const Peer fork = peer(Protocol::Udp, "192.0.2.21", 5070);
  auto reliable = [&](int status, std::string_view tag, std::string contact, std::string_view rseq) {
    Message p = bob_response(invite, status, tag, std::move(contact));
    p.add(HeaderId::Require, "100rel");
    p.add(HeaderId::RSeq, std::string(rseq));
    return p;
  };
  from_bob(reliable(180, "bob-1", "<sip:bob@192.0.2.20:5070>", "1"));
  ASSERT_EQ(wire.count("PRACK"), 1u);
  Message prack = wire.last_message("PRACK");
  EXPECT_EQ(to_tag(prack), "bob-1");
  EXPECT_EQ(prack.request_uri(), "sip:bob@192.0.2.20:5070");
  EXPECT_EQ(prack.header(HeaderId::RAck), "1 1 INVITE");
  EXPECT_EQ(prack.header(HeaderId::CSeq), "2 PRACK");

  from_wire(reliable(183, "bob-2", "<sip:bob@192.0.2.21:5070>", "5").serialize(), fork);
  ASSERT_EQ(wire.count("PRACK"), 2u) << "the second fork's first reliable provisional, whatever its RSeq";
  prack = wire.last_message("PRACK");
  EXPECT_EQ(wire.last("PRACK").to, fork);
  EXPECT_EQ(to_tag(prack), "bob-2");
  EXPECT_EQ(prack.request_uri(), "sip:bob@192.0.2.21:5070");
  EXPECT_EQ(prack.header(HeaderId::RAck), "5 1 INVITE");
  EXPECT_EQ(prack.header(HeaderId::CSeq), "2 PRACK") << "its own dialog's CSeq";

  from_wire(reliable(183, "bob-2", "<sip:bob@192.0.2.21:5070>", "5").serialize(), fork);
  from_bob(reliable(180, "bob-1", "<sip:bob@192.0.2.20:5070>", "1"));
  EXPECT_EQ(wire.count("PRACK"), 2u) << "retransmissions are PRACKed once";
  from_wire(reliable(183, "bob-2", "<sip:bob@192.0.2.21:5070>", "6").serialize(), fork);
  ASSERT_EQ(wire.count("PRACK"), 3u);
  EXPECT_EQ(wire.last_message("PRACK").header(HeaderId::CSeq), "3 PRACK");
  EXPECT_EQ(wire.last_message("PRACK").header(HeaderId::RAck), "6 1 INVITE");

  // The second fork answers: its dialog goes on.
  from_wire(answered(invite, "bob-2", "<sip:bob@192.0.2.21:5070>").serialize(), fork);
  EXPECT_EQ(s->state(), SessionState::Confirmed);
  EXPECT_EQ(s->dialog()->id().remote_tag, "bob-2");
  EXPECT_EQ(wire.last("ACK").to, fork);
  s->bye();
  const Message bye = wire.last_message("BYE");
  EXPECT_EQ(to_tag(bye), "bob-2");
  EXPECT_EQ(bye.header(HeaderId::CSeq), "4 BYE") << "after the PRACKs of that dialog";
  EXPECT_EQ(wire.last("BYE").to, fork);
}

TEST_F(Uac, BusyEndsTheCallAndTheTransactionAcksIt) {
  std::shared_ptr<InviteSession> s = start_call(call_bob());
  const Message invite = wire.last_message("INVITE");
  from_bob(bob_response(invite, 180, "bob-tag"));
  from_bob(bob_response(invite, 486, "bob-tag"));

  EXPECT_EQ(app.events, (std::vector<std::string>{"progress 180", "terminated rejected 486"}));
  EXPECT_EQ(s->state(), SessionState::Terminated);
  EXPECT_EQ(ua.session_count(), 0u);
  // §17.1.1.3: the ACK for a non-2xx is part of the INVITE transaction: same
  // branch, same Request-URI, the response's To tag.
  ASSERT_EQ(wire.count("ACK"), 1u);
  EXPECT_EQ(wire.last("ACK").to, bob);
  const Message ack = wire.last_message("ACK");
  EXPECT_EQ(top_branch(ack), top_branch(invite));
  EXPECT_EQ(ack.request_uri(), invite.request_uri());
  EXPECT_EQ(ack.header(HeaderId::CSeq), "1 ACK");
  EXPECT_EQ(to_tag(ack), "bob-tag");

  from_bob(bob_response(invite, 486, "bob-tag"));
  EXPECT_EQ(wire.count("ACK"), 2u) << "a retransmitted 486 is ACKed again";
  EXPECT_EQ(app.events.size(), 2u) << "and not reported again";
}

TEST_F(Uac, NoAnswerAtAllEndsWithTimerB) {
  std::shared_ptr<InviteSession> s = start_call(call_bob());
  // §17.1.1.2: Timer A doubles without a cap: 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s.
  at(31500ms);
  EXPECT_EQ(wire.count("INVITE"), 7u);
  at(31999ms);
  EXPECT_TRUE(app.events.empty());
  EXPECT_EQ(s->state(), SessionState::Calling);
  at(32000ms);  // Timer B = 64*T1
  EXPECT_EQ(app.events, std::vector<std::string>{"terminated timeout 408"});
  EXPECT_EQ(s->state(), SessionState::Terminated);
  EXPECT_EQ(ua.session_count(), 0u);
  EXPECT_EQ(wire.count("ACK"), 0u) << "Timer B: the client transaction MUST NOT generate an ACK";
  EXPECT_EQ(wire.count("CANCEL"), 0u);
}

TEST_F(Uac, A200RetransmittedAfterTimerMIsStillAcked) {
  std::shared_ptr<InviteSession> s = start_call(call_bob());
  const Message ok = answered(wire.last_message("INVITE"));
  from_bob(ok.clone());
  at(40s);  // Timer M (64*T1) ended the INVITE transaction
  EXPECT_EQ(layer.client_count(), 0u);
  from_bob(ok.clone());  // a stray response now (RFC 6026 §7.3)
  ASSERT_EQ(wire.count("ACK"), 2u);
  EXPECT_EQ(wire.all("ACK")[1]->message().header(HeaderId::CSeq), "1 ACK")
      << "built again (the bytes kept for 64*T1 are gone)";
  EXPECT_EQ(app.events, std::vector<std::string>{"established"});
}

// --- CANCEL ------------------------------------------------------------------------------

TEST_F(Uac, CancelAfter180GetsA487AndEndsTheCall) {
  std::shared_ptr<InviteSession> s = start_call(call_bob());
  const Message invite = wire.last_message("INVITE");
  from_bob(bob_response(invite, 180, "bob-tag"));
  at(3s);
  s->cancel();

  // §9.1: "The Request-URI, Call-ID, To, the numeric part of CSeq, and From
  // header fields in the CANCEL request MUST be identical to those in the
  // request being cancelled, including tags. ... the CANCEL ... MUST have a
  // single Via header field value matching the top Via value in the request
  // being cancelled."
  ASSERT_EQ(wire.count("CANCEL"), 1u);
  EXPECT_EQ(wire.last("CANCEL").to, bob);
  const Message cancel = wire.last_message("CANCEL");
  EXPECT_EQ(cancel.request_uri(), invite.request_uri());
  EXPECT_EQ(cancel.header(HeaderId::CallId), invite.header(HeaderId::CallId));
  EXPECT_EQ(cancel.header(HeaderId::From), invite.header(HeaderId::From));
  EXPECT_EQ(cancel.header(HeaderId::To), invite.header(HeaderId::To));
  EXPECT_EQ(cancel.header(HeaderId::CSeq), "1 CANCEL");
  EXPECT_EQ(top_branch(cancel), top_branch(invite));
  EXPECT_EQ(s->state(), SessionState::Early) << "the call lives until the INVITE's final response";

  from_bob(bob_response(cancel, 200, "bob-tag"));
  from_bob(bob_response(invite, 487, "bob-tag"));
  EXPECT_EQ(app.events, (std::vector<std::string>{"progress 180", "terminated cancelled 487"}));
  EXPECT_EQ(wire.count("ACK"), 1u) << "the transaction ACKs the 487";
  EXPECT_EQ(top_branch(wire.last_message("ACK")), top_branch(invite));
  EXPECT_EQ(ua.session_count(), 0u);

  s->cancel();
  EXPECT_EQ(wire.count("CANCEL"), 1u) << "cancelling an ended call is a no-op";
}

TEST_F(Uac, CancelBeforeAnyProvisionalWaitsForOne) {
  std::shared_ptr<InviteSession> s = start_call(call_bob());
  const Message invite = wire.last_message("INVITE");
  s->cancel();
  // §9.1: "If no provisional response has been received, the CANCEL request
  // MUST NOT be sent; rather, the client MUST wait for the arrival of a
  // provisional response before sending the request."
  EXPECT_EQ(wire.count("CANCEL"), 0u);
  at(100ms);
  from_bob(bob_response(invite, 100));
  EXPECT_EQ(wire.count("CANCEL"), 1u);
  from_bob(bob_response(invite, 487, "bob-tag"));
  EXPECT_EQ(app.events, std::vector<std::string>{"terminated cancelled 487"});
}

TEST_F(Uac, A200ThatCrossesOurCancelIsAckedAndByed) {
  std::shared_ptr<InviteSession> s = start_call(call_bob());
  const Message invite = wire.last_message("INVITE");
  from_bob(bob_response(invite, 180, "bob-tag"));
  s->cancel();
  ASSERT_EQ(wire.count("CANCEL"), 1u);
  from_bob(bob_response(wire.last_message("CANCEL"), 200, "bob-tag"));
  from_bob(answered(invite));
  // §15: "the UAC ... SHOULD NOT send the BYE until it has received the final
  // response ... a UAC that sent CANCEL and then receives a 2xx" has a call
  // it did not want: ACK (§13.2.2.4), then BYE.
  EXPECT_EQ(wire.count("ACK"), 1u);
  ASSERT_EQ(wire.count("BYE"), 1u);
  EXPECT_EQ(wire.last_message("BYE").header(HeaderId::CSeq), "2 BYE");
  EXPECT_EQ(std::count(app.events.begin(), app.events.end(), "established"), 0);
  from_wire(make_response(wire.last_message("BYE"), 200).serialize(), bob_contact);
  ASSERT_EQ(app.events.size(), 2u);
  EXPECT_TRUE(app.events[1].starts_with("terminated")) << app.events[1];
  EXPECT_EQ(ua.session_count(), 0u);
}

// --- BYE ---------------------------------------------------------------------------------

TEST_F(Uac, ByeGetsCSeq2AndEndsTheCallOnIts200) {
  std::shared_ptr<InviteSession> s = establish_outgoing_call();
  const Message invite = wire.last_message("INVITE");
  at(10s);
  s->bye();
  ASSERT_EQ(wire.count("BYE"), 1u);
  EXPECT_EQ(wire.last("BYE").to, bob_contact);
  const Message bye = wire.last_message("BYE");
  EXPECT_EQ(bye.request_uri(), "sip:bob@192.0.2.20:5070");
  EXPECT_EQ(bye.header(HeaderId::CSeq), "2 BYE") << "§12.2.1.1: the local CSeq plus one";
  EXPECT_EQ(bye.header(HeaderId::CallId), invite.header(HeaderId::CallId));
  EXPECT_EQ(from_tag(bye), from_tag(invite));
  EXPECT_EQ(to_tag(bye), "bob-tag");
  EXPECT_NE(top_branch(bye), top_branch(invite));
  EXPECT_EQ(s->state(), SessionState::Terminating);
  EXPECT_EQ(app.events, std::vector<std::string>{"established"});

  from_wire(make_response(bye, 200).serialize(), bob_contact);
  EXPECT_EQ(app.events, (std::vector<std::string>{"established", "terminated local BYE 200"}));
  EXPECT_EQ(s->state(), SessionState::Terminated);
  EXPECT_EQ(ua.session_count(), 0u);
}

TEST_F(Uac, ByeFromBobGets200AndEndsTheCall) {
  std::shared_ptr<InviteSession> s = establish_outgoing_call();
  const Message invite = wire.last_message("INVITE");
  from_wire(bob_request("BYE", 1, invite), bob_contact);
  ASSERT_EQ(wire.count("200", "1 BYE"), 1u);
  EXPECT_EQ(wire.last("200", "1 BYE").to, bob_contact);
  EXPECT_EQ(app.events, (std::vector<std::string>{"established", "terminated remote BYE 0"}));
  EXPECT_EQ(ua.session_count(), 0u);
}

// --- re-INVITE ---------------------------------------------------------------------------

TEST_F(Uac, ReinviteUsesTheNextCSeqAndIsAckedWithIt) {
  std::shared_ptr<InviteSession> s = establish_outgoing_call();
  const Message invite = wire.last_message("INVITE");
  at(5s);
  s->reinvite("application/sdp", sdp("cvw", 2, 40002));
  ASSERT_EQ(wire.count("INVITE"), 2u);
  EXPECT_EQ(wire.last("INVITE").to, bob_contact);
  const Message re = wire.last_message("INVITE");
  EXPECT_EQ(re.request_uri(), "sip:bob@192.0.2.20:5070");
  EXPECT_EQ(re.header(HeaderId::CSeq), "2 INVITE");
  EXPECT_EQ(re.header(HeaderId::CallId), invite.header(HeaderId::CallId));
  EXPECT_EQ(from_tag(re), from_tag(invite));
  EXPECT_EQ(to_tag(re), "bob-tag");
  EXPECT_EQ(re.header(HeaderId::Contact), "<sip:cvw@127.0.0.1:5060>")
      << "a re-INVITE is a target refresh";
  EXPECT_EQ(re.body(), sdp("cvw", 2, 40002));
  EXPECT_NE(top_branch(re), top_branch(invite));

  Message ok = bob_response(re, 200);
  ok.set_body("application/sdp", sdp("bob", 2, 30002));
  from_wire(ok.serialize(), bob_contact);
  ASSERT_EQ(wire.count("ACK"), 2u);
  const Message ack = wire.last_message("ACK");
  EXPECT_EQ(ack.header(HeaderId::CSeq), "2 ACK")
      << "§13.2.2.4: the CSeq of the INVITE being acknowledged";
  EXPECT_EQ(to_tag(ack), "bob-tag");
  EXPECT_EQ(ack.request_uri(), "sip:bob@192.0.2.20:5070");
  EXPECT_EQ(app.events, (std::vector<std::string>{"established", "reinvite 200"}));
  EXPECT_EQ(s->remote_body(), sdp("bob", 2, 30002));

  from_wire(ok.serialize(), bob_contact);  // Bob did not get our ACK
  ASSERT_EQ(wire.count("ACK"), 3u);
  EXPECT_EQ(wire.all("ACK")[2]->wire, wire.all("ACK")[1]->wire);
  EXPECT_EQ(app.events.size(), 2u);

  s->bye();
  EXPECT_EQ(wire.last_message("BYE").header(HeaderId::CSeq), "3 BYE");
}

TEST_F(Uac, A491ToOurReinviteIsRetriedOnceAfter2point1To4Seconds) {
  std::shared_ptr<InviteSession> s = establish_outgoing_call();
  s->reinvite("application/sdp", sdp("cvw", 2, 40002));
  const Message re = wire.last_message("INVITE");
  from_wire(bob_response(re, 491).serialize(), bob_contact);
  EXPECT_EQ(wire.count("ACK", "2 ACK"), 1u) << "the transaction ACKs the 491";
  EXPECT_EQ(app.events, std::vector<std::string>{"established"})
      << "a 491 is handled, not reported";

  // §14.1: "If the UAC ... is the owner of the Call-ID of the dialog ID
  // (meaning it generated the value), T has a randomly chosen value between
  // 2.1 and 4 seconds in units of 10 ms." We made the Call-ID.
  at(2099ms);
  EXPECT_EQ(wire.cseqs("INVITE"), (std::set<std::uint32_t>{1, 2}));
  at(4000ms);
  EXPECT_EQ(wire.cseqs("INVITE"), (std::set<std::uint32_t>{1, 2, 3}));
  const Message retry = wire.last_message("INVITE");
  EXPECT_EQ(retry.body(), sdp("cvw", 2, 40002)) << "the same offer again";
  EXPECT_NE(top_branch(retry), top_branch(re));

  from_wire(bob_response(retry, 200).serialize(), bob_contact);
  EXPECT_EQ(wire.count("ACK", "3 ACK"), 1u);
  EXPECT_EQ(app.events, (std::vector<std::string>{"established", "reinvite 200"}));
  at(30s);
  EXPECT_EQ(wire.cseqs("INVITE"), (std::set<std::uint32_t>{1, 2, 3})) << "retried exactly once";
}

// An offer the application makes while an earlier one waits out its 491
// replaces it: the earlier one is not sent again when its wait ends.
TEST_F(Uac, ANewReinviteDuringTheGlareWaitReplacesTheRetry) {
  std::shared_ptr<InviteSession> s = establish_outgoing_call();
  s->reinvite("application/sdp", sdp("cvw", 2, 40002));
  from_wire(bob_response(wire.last_message("INVITE"), 491).serialize(), bob_contact);
  at(1s);
  s->reinvite("application/sdp", sdp("cvw", 3, 40004));
  ASSERT_EQ(wire.cseqs("INVITE"), (std::set<std::uint32_t>{1, 2, 3}));
  EXPECT_EQ(wire.last_message("INVITE").body(), sdp("cvw", 3, 40004));
  from_wire(bob_response(wire.last_message("INVITE"), 200).serialize(), bob_contact);
  at(10s);
  EXPECT_EQ(wire.cseqs("INVITE"), (std::set<std::uint32_t>{1, 2, 3})) << "no stale retry";
  EXPECT_EQ(app.events, (std::vector<std::string>{"established", "reinvite 200"}));
}

TEST_F(Uac, ReinviteRejectedWith488KeepsTheCall) {
  std::shared_ptr<InviteSession> s = establish_outgoing_call();
  s->reinvite("application/sdp", sdp("cvw", 2, 40002));
  from_wire(bob_response(wire.last_message("INVITE"), 488).serialize(), bob_contact);
  EXPECT_EQ(app.events, (std::vector<std::string>{"established", "reinvite 488"}));
  EXPECT_EQ(s->state(), SessionState::Confirmed);
  EXPECT_EQ(ua.session_count(), 1u);
}

// RFC 3264 §8: a refused offer leaves the session as it was. Our refresh
// (a re-INVITE: Bob does not allow UPDATE) and the 2xx to Bob's offer-less
// re-INVITE carry the description in force, not the hold Bob refused.
TEST_F(Uac, ARefusedOfferLeavesTheDescriptionInForce) {
  std::shared_ptr<InviteSession> s = start_call(call_bob());
  const Message invite = wire.last_message("INVITE");
  Message ok = answered(invite);
  ok.add(HeaderId::SessionExpires, "90;refresher=uac");
  from_wire(ok.serialize(), bob_contact);
  ASSERT_EQ(s->state(), SessionState::Confirmed);

  at(10s);
  s->reinvite("application/sdp", sdp("cvw-hold", 2, 40000));
  from_wire(bob_response(wire.last_message("INVITE"), 488).serialize(), bob_contact);
  EXPECT_EQ(app.events.back(), "reinvite 488");

  at(46s);  // half the interval: our refresh
  ASSERT_EQ(wire.cseqs("INVITE"), (std::set<std::uint32_t>{1, 2, 3}));
  EXPECT_EQ(wire.last_message("INVITE").body(), sdp("cvw", 1, 40000))
      << "the description in force, unchanged";
  from_wire(bob_response(wire.last_message("INVITE"), 200).serialize(), bob_contact);

  from_wire(bob_request("INVITE", 2, invite), bob_contact);
  ASSERT_EQ(wire.count("200", "2 INVITE"), 1u);
  EXPECT_EQ(wire.last("200", "2 INVITE").message().body(), sdp("cvw", 1, 40000));
}

TEST_F(Uac, A481ToOurReinviteEndsTheDialog) {
  std::shared_ptr<InviteSession> s = establish_outgoing_call();
  s->reinvite("application/sdp", sdp("cvw", 2, 40002));
  from_wire(bob_response(wire.last_message("INVITE"), 481).serialize(), bob_contact);
  // §12.2.1.2: "If the response for a request within a dialog is a 481
  // (Call/Transaction Does Not Exist) or a 408 (Request Timeout), the UAC
  // SHOULD terminate the dialog."
  EXPECT_EQ(app.events,
            (std::vector<std::string>{"established", "reinvite 481", "terminated lost 481"}));
  EXPECT_EQ(ua.session_count(), 0u);
}

// A 408 to a re-INVITE (say, from a proxy that gave up on Bob) ends the
// dialog as §12.2.1.2 asks, but Bob may still hold it: a BYE ends it there.
TEST_F(Uac, A408ToOurReinviteEndsTheDialogWithABye) {
  std::shared_ptr<InviteSession> s = establish_outgoing_call();
  s->reinvite("application/sdp", sdp("cvw", 2, 40002));
  from_wire(bob_response(wire.last_message("INVITE"), 408).serialize(), bob_contact);
  EXPECT_EQ(app.events, (std::vector<std::string>{"established", "reinvite 408"}));
  ASSERT_EQ(wire.count("BYE"), 1u);
  from_wire(bob_response(wire.last_message("BYE"), 200).serialize(), bob_contact);
  EXPECT_EQ(app.events.back(), "terminated lost 200");
  EXPECT_EQ(ua.session_count(), 0u);
}

// No answer at all (Timer B) is the same 408, and the application hears of it.
TEST_F(Uac, AReinviteNobodyAnswersIsReportedAs408AndEndsTheDialogWithABye) {
  std::shared_ptr<InviteSession> s = establish_outgoing_call();
  s->reinvite("application/sdp", sdp("cvw", 2, 40002));
  at(31s);
  EXPECT_EQ(app.events, (std::vector<std::string>{"established"}));
  EXPECT_EQ(wire.count("BYE"), 0u);
  at(33s);  // Timer B: 64*T1
  EXPECT_EQ(app.events, (std::vector<std::string>{"established", "reinvite 408"}));
  EXPECT_EQ(wire.cseqs("BYE").size(), 1u);
}

// A transport error (the phone's connection is gone, no route) is no answer
// at all, as a timeout is: reported as 503 (§8.1.3.1), and the dialog is
// ended with a BYE that may still get through another way.
TEST_F(Uac, AReinviteThatCannotReachThePeerEndsTheDialogWithABye) {
  std::shared_ptr<InviteSession> s = establish_outgoing_call();
  s->reinvite("application/sdp", sdp("cvw", 2, 40002));
  layer.transport_error(wire.last("INVITE").to);
  EXPECT_EQ(app.events, (std::vector<std::string>{"established", "reinvite 503"}));
  ASSERT_EQ(wire.count("BYE"), 1u);
  layer.transport_error(wire.last("BYE").to);
  EXPECT_EQ(app.events.back(), "terminated lost 503");
  EXPECT_EQ(ua.session_count(), 0u);
  at(40s);
  EXPECT_EQ(wire.count("BYE"), 1u) << "nothing retransmitted after the error";
}

// An INVITE transaction still reports a transport error once Completed
// (the ACK to its non-2xx could not be sent): the re-INVITE was answered and
// acted on already, so the call is not ended for it.
TEST_F(Uac, ATransportErrorAfterTheReinviteWasAnsweredKeepsTheCall) {
  std::shared_ptr<InviteSession> s = establish_outgoing_call();
  s->reinvite("application/sdp", sdp("cvw", 2, 40002));
  from_wire(bob_response(wire.last_message("INVITE"), 488).serialize(), bob_contact);
  layer.transport_error(wire.last("INVITE").to);
  EXPECT_EQ(app.events, (std::vector<std::string>{"established", "reinvite 488"}));
  EXPECT_EQ(wire.count("BYE"), 0u);
  EXPECT_EQ(s->state(), SessionState::Confirmed);
}

// A 503 the peer sends is an answer: the re-INVITE failed, the call stays.
TEST_F(Uac, A503ToOurReinviteKeepsTheCall) {
  std::shared_ptr<InviteSession> s = establish_outgoing_call();
  s->reinvite("application/sdp", sdp("cvw", 2, 40002));
  from_wire(bob_response(wire.last_message("INVITE"), 503).serialize(), bob_contact);
  EXPECT_EQ(app.events, (std::vector<std::string>{"established", "reinvite 503"}));
  EXPECT_EQ(wire.count("BYE"), 0u);
  EXPECT_EQ(s->state(), SessionState::Confirmed);
}

// A session refresh by UPDATE that cannot be sent ends the dialog as one
// nobody answers does.
TEST_F(Uac, ARefreshUpdateThatCannotReachThePeerEndsTheDialogWithABye) {
  std::shared_ptr<InviteSession> s = call_refreshed_by_us(true);
  ASSERT_EQ(wire.cseqs("UPDATE").size(), 1u);
  layer.transport_error(wire.last("UPDATE").to);
  ASSERT_EQ(wire.count("BYE"), 1u);
  layer.transport_error(wire.last("BYE").to);
  EXPECT_EQ(app.events.back(), "terminated lost 503");
  EXPECT_EQ(ua.session_count(), 0u);
}

// RFC 4028 §7.4: a 422 to our refresh names the peer's Min-SE; the refresh
// is sent again at once with it, and the application hears nothing of it.
// A 422 that asks for no more than we offered is not retried.
TEST_F(Uac, A422ToOurRefreshUpdateIsRetriedWithThePeersMinSe) {
  std::shared_ptr<InviteSession> s = call_refreshed_by_us(true);
  ASSERT_EQ(wire.cseqs("UPDATE"), (std::set<std::uint32_t>{2}));
  Message too_short = bob_response(wire.last_message("UPDATE"), 422);
  too_short.add(HeaderId::MinSE, "120");
  from_wire(too_short.serialize(), bob_contact);
  ASSERT_EQ(wire.cseqs("UPDATE"), (std::set<std::uint32_t>{2, 3}));
  EXPECT_EQ(wire.last_message("UPDATE").header(HeaderId::SessionExpires), "120;refresher=uac");
  Message again = bob_response(wire.last_message("UPDATE"), 422);
  again.add(HeaderId::MinSE, "120");
  from_wire(again.serialize(), bob_contact);
  EXPECT_EQ(wire.cseqs("UPDATE"), (std::set<std::uint32_t>{2, 3}))
      << "no longer interval asked: not retried";
  EXPECT_EQ(app.events, std::vector<std::string>{"established"});
  EXPECT_EQ(s->state(), SessionState::Confirmed);
}

TEST_F(Uac, A422ToOurRefreshReinviteIsRetriedWithThePeersMinSe) {
  std::shared_ptr<InviteSession> s = call_refreshed_by_us(false);
  ASSERT_EQ(wire.cseqs("INVITE"), (std::set<std::uint32_t>{1, 2}));
  const Message refresh = wire.last_message("INVITE");
  Message too_short = bob_response(refresh, 422);
  too_short.add(HeaderId::MinSE, "150");
  from_wire(too_short.serialize(), bob_contact);
  ASSERT_EQ(wire.cseqs("INVITE"), (std::set<std::uint32_t>{1, 2, 3}));
  const Message retry = wire.last_message("INVITE");
  EXPECT_EQ(retry.header(HeaderId::SessionExpires), "150;refresher=uac");
  EXPECT_EQ(retry.body(), refresh.body()) << "the same offer";
  Message fine = bob_response(retry, 200);
  fine.add(HeaderId::SessionExpires, "150;refresher=uac");
  fine.set_body("application/sdp", sdp("bob", 1, 30000));
  from_wire(fine.serialize(), bob_contact);
  EXPECT_EQ(s->session_interval(), 150u);
  EXPECT_EQ(app.events, std::vector<std::string>{"established"})
      << "neither the 422 nor the refresh is the application's business";
}

// The application's offer made while our refresh re-INVITE is under way
// waits for it (sent at once it would only get 491 from Bob, §14.2), goes
// when it is answered, and the application hears of its own offer only.
TEST_F(Uac, AnOfferMadeDuringOurRefreshReinviteGoesNextAndAloneIsReported) {
  std::shared_ptr<InviteSession> s = call_refreshed_by_us(false);
  ASSERT_EQ(wire.cseqs("INVITE"), (std::set<std::uint32_t>{1, 2}));
  const Message refresh = wire.last_message("INVITE");
  s->reinvite("application/sdp", sdp("cvw", 2, 40002));
  EXPECT_EQ(wire.cseqs("INVITE"), (std::set<std::uint32_t>{1, 2})) << "one re-INVITE at a time";

  from_wire(bob_response(refresh, 200).serialize(), bob_contact);
  EXPECT_EQ(app.events, std::vector<std::string>{"established"}) << "the refresh is ours";
  ASSERT_EQ(wire.cseqs("INVITE"), (std::set<std::uint32_t>{1, 2, 3}));
  const Message offer = wire.last_message("INVITE");
  EXPECT_EQ(offer.body(), sdp("cvw", 2, 40002));
  from_wire(bob_response(offer, 200).serialize(), bob_contact);
  EXPECT_EQ(app.events, (std::vector<std::string>{"established", "reinvite 200"}));

  // A second offer while the application's first is under way is refused
  // at once: one at a time, and the application awaits each.
  s->reinvite("application/sdp", sdp("cvw", 3, 40004));
  s->reinvite("application/sdp", sdp("cvw", 4, 40006));
  EXPECT_EQ(app.events.back(), "reinvite 491");
  EXPECT_EQ(wire.cseqs("INVITE"), (std::set<std::uint32_t>{1, 2, 3, 4}));
  EXPECT_EQ(wire.last_message("INVITE").body(), sdp("cvw", 3, 40004));
}

// A 491 to our refresh with the application's offer waiting behind it: the
// offer takes the refresh's place in the §14.1 retry (it refreshes the
// session as well).
TEST_F(Uac, A491ToOurRefreshRetriesTheOfferThatWaitedBehindIt) {
  std::shared_ptr<InviteSession> s = call_refreshed_by_us(false);
  const Message refresh = wire.last_message("INVITE");
  s->reinvite("application/sdp", sdp("cvw", 2, 40002));
  from_wire(bob_response(refresh, 491).serialize(), bob_contact);
  EXPECT_EQ(wire.cseqs("INVITE"), (std::set<std::uint32_t>{1, 2}));
  EXPECT_EQ(app.events, std::vector<std::string>{"established"});
  after(4s);
  ASSERT_EQ(wire.cseqs("INVITE"), (std::set<std::uint32_t>{1, 2, 3}));
  EXPECT_EQ(wire.last_message("INVITE").body(), sdp("cvw", 2, 40002));
  from_wire(bob_response(wire.last_message("INVITE"), 200).serialize(), bob_contact);
  EXPECT_EQ(app.events, (std::vector<std::string>{"established", "reinvite 200"}));
}

// RFC 4028: a 2xx that sets an interval below our Min-SE (90 s) is held to
// it; an interval of 1 s would have us refresh on every loop turn. The
// refresher parameter is read in any case.
TEST_F(Uac, ASessionIntervalBelowOurMinSeIsRaisedToIt) {
  std::shared_ptr<InviteSession> s = start_call(call_bob());
  Message ok = answered(wire.last_message("INVITE"));
  ok.add(HeaderId::SessionExpires, "1;refresher=UAC");
  from_wire(ok.serialize(), bob_contact);
  ASSERT_EQ(s->state(), SessionState::Confirmed);
  EXPECT_EQ(s->session_interval(), 90u);
  EXPECT_TRUE(s->refresher());
  at(44s);
  EXPECT_EQ(wire.cseqs("INVITE"), (std::set<std::uint32_t>{1})) << "no refresh before half of 90 s";
  at(46s);
  EXPECT_EQ(wire.cseqs("INVITE"), (std::set<std::uint32_t>{1, 2}))
      << "one refresh (a re-INVITE: no UPDATE in Allow)";
}

TEST_F(Uac, Retransmitted200ToTheFirstInviteAfterAReinviteIsAckedWithCSeq1) {
  std::shared_ptr<InviteSession> s = start_call(call_bob());
  const Message invite = wire.last_message("INVITE");
  const Message ok = answered(invite);
  from_bob(ok.clone());
  s->reinvite("application/sdp", sdp("cvw", 2, 40002));
  from_wire(bob_response(wire.last_message("INVITE"), 200).serialize(), bob_contact);
  ASSERT_EQ(wire.count("ACK", "2 ACK"), 1u);

  at(1s);
  from_bob(ok.clone());  // the INVITE transaction is still Accepted (Timer M)
  // §13.2.2.4: the ACK's "CSeq header field's sequence number MUST be the
  // same as the INVITE being acknowledged": this 2xx answers CSeq 1.
  EXPECT_EQ(wire.count("ACK", "1 ACK"), 2u);
  EXPECT_EQ(wire.count("ACK", "2 ACK"), 1u);
}

// --- routing inside the dialog (§12.2.1.1) --------------------------------------------------

TEST_F(Uac, StrictRouterBecomesTheRequestUriAndTheTargetTheLastRoute) {
  // Record-Route as Bob's side saw it: the loose proxy near Bob first; the
  // strict one (no ;lr) next to us comes first once reversed.
  std::shared_ptr<InviteSession> s =
      establish_outgoing_call({"<sip:192.0.2.50;lr>", "<sip:192.0.2.51>"});
  const Peer strict = peer(Protocol::Udp, "192.0.2.51", 5060);
  ASSERT_EQ(wire.count("ACK"), 1u);
  const Message ack = wire.last_message("ACK");
  EXPECT_EQ(ack.request_uri(), "sip:192.0.2.51");
  EXPECT_EQ(values(ack, HeaderId::Route),
            (std::vector<std::string>{"<sip:192.0.2.50;lr>", "<sip:bob@192.0.2.20:5070>"}));
  EXPECT_EQ(wire.last("ACK").to, strict);

  s->bye();
  ASSERT_EQ(wire.count("BYE"), 1u);
  const Message bye = wire.last_message("BYE");
  EXPECT_EQ(bye.request_uri(), "sip:192.0.2.51");
  EXPECT_EQ(values(bye, HeaderId::Route),
            (std::vector<std::string>{"<sip:192.0.2.50;lr>", "<sip:bob@192.0.2.20:5070>"}));
  EXPECT_EQ(wire.last("BYE").to, strict);
}

TEST_F(Uac, LooseRoutersKeepTheRemoteTargetAsRequestUri) {
  std::shared_ptr<InviteSession> s =
      establish_outgoing_call({"<sip:192.0.2.50;lr>", "<sip:192.0.2.51;lr>"});
  s->bye();
  ASSERT_EQ(wire.count("BYE"), 1u);
  const Message bye = wire.last_message("BYE");
  EXPECT_EQ(bye.request_uri(), "sip:bob@192.0.2.20:5070");
  EXPECT_EQ(values(bye, HeaderId::Route),
            (std::vector<std::string>{"<sip:192.0.2.51;lr>", "<sip:192.0.2.50;lr>"}));
  EXPECT_EQ(wire.last("BYE").to, peer(Protocol::Udp, "192.0.2.51", 5060));
}

}  // namespace
}  // namespace cvw::sip::dialog::test
