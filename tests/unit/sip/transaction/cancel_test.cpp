// CANCEL, RFC 3261 §9, on both sides.
//
// Server side:
//   Alice (wire)                 cvw layer                      TU
//      |--- INVITE ------------------>|------------------------------>|
//      |<-- 180 ----------------------|<------------------------------|
//      |--- CANCEL ------------------>|--- on_cancel(INVITE id) ----->|
//      |<-- 487 ----------------------|<------------------------------|
//      |<-- 200 (CANCEL) -------------|                               |
//      |--- ACK --------------------->| absorbed (Confirmed)          |
//
// Client side:
//   TU                        cvw layer                     Carol (wire)
//    |--- cancel() ------------>| queued: no provisional yet     |
//    |                          |<-- 180 -----------------------|
//    |                          |--- CANCEL ------------------->|
//    |<-- 487 ------------------|<-- 487 -----------------------|
#include "test_support.hpp"

namespace cvw::sip::txn::test {
namespace {

class ServerCancel : public TransactionTest {
 protected:
  // The TU answers a CANCELed INVITE with 487 right away.
  void answer_cancels_with_487() {
    tu.answer_cancels = [this](RecordingUser::Cancel& c) {
      for (RecordingUser::Request& r : tu.requests) {
        if (r.id == c.invite) {
          ASSERT_TRUE(layer.respond(r.id, make_response(r.message, 487, "bob-tag")).ok());
        }
      }
    };
  }
};

TEST_F(ServerCancel, CancelReachesTheTuWithTheInviteIdAndGets200) {
  answer_cancels_with_487();
  from_wire(kInvite);
  ASSERT_TRUE(answer(0, 180).ok());
  from_wire(kCancel);

  ASSERT_EQ(tu.cancels.size(), 1u);
  EXPECT_EQ(tu.cancels[0].invite, tu.requests[0].id);
  EXPECT_EQ(tu.requests.size(), 1u) << "the CANCEL is not a new request for the TU";

  ASSERT_EQ(wire.sent.size(), 3u);
  EXPECT_EQ(wire.sent[1].first_word(), "487");
  EXPECT_EQ(wire.sent[2].first_word(), "200");
  const Message ok = wire.sent[2].message();
  EXPECT_EQ(ok.header(HeaderId::CSeq), "314159 CANCEL");
  EXPECT_EQ(to_tag(ok), "bob-tag") << "§9.2: the same To tag as the INVITE's response";
  EXPECT_EQ(layer.state(tu.requests[0].id), TransactionState::Completed);

  from_wire(kCancel);
  EXPECT_EQ(wire.count("200"), 2u) << "a retransmitted CANCEL gets its 200 again";
  EXPECT_EQ(tu.cancels.size(), 1u);

  from_wire(kAckForFailure);
  EXPECT_EQ(layer.state(tu.requests[0].id), TransactionState::Confirmed);
  EXPECT_TRUE(tu.acks.empty());

  at(32s);  // Timer J of the CANCEL, Timer I of the INVITE
  EXPECT_EQ(layer.size(), 0u);
  EXPECT_EQ(layer.metrics().cancels_received, 1u);
}

// The INVITE's transaction made the index slot both share and ends first
// (Timer I, 5 s); the CANCEL's lives on to Timer J (32 s) and must still be
// found by its key. (Under ASan this also catches a key left viewing the
// freed INVITE entry.)
TEST_F(ServerCancel, ACancelThatOutlivesItsInviteStillAnswersItsRetransmissions) {
  answer_cancels_with_487();
  from_wire(kInvite);
  ASSERT_TRUE(answer(0, 180).ok());
  from_wire(kCancel);
  from_wire(kAckForFailure);
  const ServerTransactionId invite = tu.requests[0].id;
  at(5s);  // Timer I = T4
  EXPECT_FALSE(layer.state(invite).has_value()) << "the INVITE's transaction is gone";
  ASSERT_EQ(layer.size(), 1u) << "the CANCEL's is not";
  ASSERT_EQ(wire.count("200"), 1u);

  from_wire(kCancel);
  EXPECT_EQ(wire.count("200"), 2u) << "the retransmitted CANCEL gets its 200 again";
  EXPECT_EQ(layer.metrics().cancels_received, 1u) << "and is not a new CANCEL";
  from_wire(kInvite);
  EXPECT_EQ(tu.requests.size(), 2u) << "the INVITE's key is free: its late copy is new";

  at(32s);
  from_wire(kCancel);  // the CANCEL's transaction ended: now it matches the new INVITE
  EXPECT_EQ(tu.cancels.size(), 2u);
}

TEST_F(ServerCancel, CancelBeforeAnyResponseStillGetsATaggedTwoHundred) {
  from_wire(kInvite);
  from_wire(kCancel);
  ASSERT_EQ(tu.cancels.size(), 1u);
  ASSERT_EQ(wire.count("200"), 1u);
  EXPECT_FALSE(to_tag(wire.last().message()).empty()) << "§8.2.6.2: a To tag from the layer";
  ASSERT_TRUE(answer(0, 487).ok());
}

TEST_F(ServerCancel, CancelMatchingNothingGets481) {
  from_wire(kCancel);
  EXPECT_TRUE(tu.cancels.empty());
  ASSERT_EQ(wire.count("481"), 1u);
  const Message r = wire.last().message();
  EXPECT_EQ(r.header(HeaderId::CSeq), "314159 CANCEL");
  EXPECT_EQ(to_tag(r), "tok1");
  EXPECT_EQ(layer.metrics().cancels_unmatched, 1u);
  from_wire(kCancel);
  EXPECT_EQ(wire.count("481"), 2u) << "its retransmission is absorbed and answered again";
}

TEST_F(ServerCancel, CancelAfterTheFinalResponseHasNoEffectButGets200) {
  from_wire(kInvite);
  ASSERT_TRUE(answer(0, 200).ok());
  from_wire(kCancel);
  EXPECT_TRUE(tu.cancels.empty()) << "§9.2: no effect after a final response";
  EXPECT_EQ(wire.count("200"), 2u);
  EXPECT_EQ(to_tag(wire.last().message()), "bob-tag");
}

TEST_F(ServerCancel, CancelOfANonInviteGets200AndNoEffect) {
  from_wire(kOptions);
  from_wire(
      "CANCEL sip:bob@biloxi.example.com SIP/2.0\n"
      "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKopt1\n"
      "To: <sip:bob@biloxi.example.com>\n"
      "From: Alice <sip:alice@atlanta.example.com>;tag=77\n"
      "Call-ID: opt1@pc33.atlanta.example.com\n"
      "CSeq: 1 CANCEL\n"
      "\n");
  EXPECT_TRUE(tu.cancels.empty());
  EXPECT_EQ(wire.count("200"), 1u);
}

TEST_F(ServerCancel, CancelFromAnotherSentByDoesNotMatch) {
  from_wire(kInvite);
  std::string other(kCancel);
  other.replace(other.find("pc33.atlanta"), 4, "pc34");
  from_wire(other);
  EXPECT_TRUE(tu.cancels.empty());
  EXPECT_EQ(wire.count("481"), 1u);
}

class ClientCancel : public TransactionTest {
 protected:
  ClientTransactionId start(const Peer& to = {}) {
    Result<ClientTransactionId> id =
        layer.start_client(parse(kOutgoingInvite), to.port ? to : bob, carol.callbacks());
    EXPECT_TRUE(id.ok());
    sent_invite = wire.sent.at(0).message();
    return id.ok() ? *id : ClientTransactionId{};
  }
  void from_carol(Message&& response) { layer.receive(std::move(response), bob, bob); }

  ClientRecorder carol;
  Message sent_invite = parse("OPTIONS sip:x SIP/2.0\n\n");
};

TEST_F(ClientCancel, CancelWaitsForAProvisionalThenGoesOutOnTheInvitesBranch) {
  const ClientTransactionId id = start();
  ASSERT_TRUE(layer.cancel(id, "SIP;cause=200;text=\"Call completed elsewhere\"").ok());
  EXPECT_EQ(wire.count("CANCEL"), 0u) << "§9.1: not before a provisional response";
  at(500ms);
  EXPECT_EQ(wire.count("INVITE"), 2u) << "the INVITE is still retransmitted";

  from_carol(response_to(sent_invite, 180));
  ASSERT_EQ(wire.count("CANCEL"), 1u);
  const Message cancel = wire.last().message();
  EXPECT_EQ(wire.last().to, bob);
  // §9.1
  EXPECT_EQ(cancel.request_uri(), "sip:carol@chicago.example.com");
  EXPECT_EQ(cancel.header(HeaderId::Via), "SIP/2.0/UDP cvw.example.com:5060;branch=z9hG4bKcvw1");
  EXPECT_EQ(cancel.count(HeaderId::Via), 1u);
  EXPECT_EQ(cancel.header(HeaderId::To), "Carol <sip:carol@chicago.example.com>");
  EXPECT_EQ(cancel.header(HeaderId::From), "Bob <sip:bob@biloxi.example.com>;tag=a6c85cf");
  EXPECT_EQ(cancel.header(HeaderId::CallId), "cvw-call-1@cvw.example.com");
  EXPECT_EQ(cancel.header(HeaderId::CSeq), "1 CANCEL");
  EXPECT_EQ(cancel.header(HeaderId::Route), "<sip:p1.example.com;lr>, <sip:p2.example.com;lr>");
  EXPECT_EQ(cancel.header(HeaderId::Reason), "SIP;cause=200;text=\"Call completed elsewhere\"");
  EXPECT_EQ(layer.client_count(), 2u);

  // The 200 for the CANCEL goes to the CANCEL's transaction (§17.1.3: same
  // branch, CSeq method CANCEL), not to the INVITE's.
  from_carol(response_to(cancel, 200));
  EXPECT_EQ(carol.statuses(), std::vector<int>{180});
  from_carol(response_to(sent_invite, 487));
  EXPECT_EQ(carol.statuses(), (std::vector<int>{180, 487}));
  EXPECT_EQ(wire.count("ACK"), 1u);
  EXPECT_TRUE(tu.strays.empty());

  EXPECT_TRUE(layer.cancel(id).ok()) << "a second cancel() is a no-op";
  EXPECT_EQ(wire.count("CANCEL"), 1u);
  at(40s);
  EXPECT_EQ(layer.size(), 0u);
}

TEST_F(ClientCancel, CancelInProceedingGoesOutAtOnce) {
  const ClientTransactionId id = start();
  from_carol(response_to(sent_invite, 183));
  ASSERT_TRUE(layer.cancel(id).ok());
  EXPECT_EQ(wire.count("CANCEL"), 1u);
  EXPECT_EQ(wire.last().message().header(HeaderId::Reason), "");
}

TEST_F(ClientCancel, QueuedCancelIsDroppedWhenAFinalComesFirst) {
  const ClientTransactionId id = start();
  ASSERT_TRUE(layer.cancel(id).ok());
  from_carol(response_to(sent_invite, 486));
  EXPECT_EQ(wire.count("CANCEL"), 0u);
  EXPECT_EQ(wire.count("ACK"), 1u);
}

TEST_F(ClientCancel, CancelAfterTheFinalIsRefused) {
  const ClientTransactionId id = start();
  from_carol(response_to(sent_invite, 200));
  EXPECT_FALSE(layer.cancel(id).ok());
  EXPECT_EQ(wire.count("CANCEL"), 0u);
  EXPECT_FALSE(layer.cancel(ClientTransactionId{999}).ok());
}

TEST_F(ClientCancel, WithoutAFinalResponseTheInviteEnds64T1AfterTheCancel) {
  const ClientTransactionId id = start();
  at(1s);
  from_carol(response_to(sent_invite, 180));
  ASSERT_TRUE(layer.cancel(id).ok());
  const Message cancel = wire.last().message();
  from_carol(response_to(cancel, 200));
  at(1s + 31999ms);
  EXPECT_EQ(carol.timeouts, 0);
  at(1s + 32s);
  EXPECT_EQ(carol.timeouts, 1) << "§9.1: consider the INVITE cancelled";
  EXPECT_EQ(layer.size(), 0u);
}

TEST_F(ClientCancel, TheTuMayCancelFromInsideTheProvisionalCallback) {
  ClientCallbacks callbacks = carol.callbacks();
  ClientTransactionId id;
  callbacks.on_response = [&](ClientTransactionId, Message&& r) {
    if (r.status() == 180) {
      ASSERT_TRUE(layer.cancel(id).ok());
    }
  };
  Result<ClientTransactionId> started =
      layer.start_client(parse(kOutgoingInvite), bob, std::move(callbacks));
  ASSERT_TRUE(started.ok());
  id = *started;
  sent_invite = wire.sent.at(0).message();
  from_carol(response_to(sent_invite, 180));
  EXPECT_EQ(wire.count("CANCEL"), 1u);
}

}  // namespace
}  // namespace cvw::sip::txn::test
