// INVITE client transaction (RFC 3261 §17.1.1, RFC 6026 §7.2):
//
//   TU                        cvw layer                     Carol (wire)
//    |--- start_client -------->|--- INVITE ------------------->|  Calling
//    |                          |--- INVITE (Timer A) ... ----->|
//    |<-- 180 ------------------|<-- 180 -----------------------|  Proceeding
//    |<-- 486 ------------------|<-- 486 -----------------------|  Completed
//    |                          |--- ACK ---------------------->|
#include "test_support.hpp"

namespace cvw::sip::txn::test {
namespace {

class ClientInvite : public TransactionTest {
 protected:
  ClientTransactionId start(const Peer& to) {
    Result<ClientTransactionId> id =
        layer.start_client(parse(kOutgoingInvite), to, carol.callbacks());
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
    sent_invite = wire.sent.at(0).message();
    return id.ok() ? *id : ClientTransactionId{};
  }
  void from_carol(Message&& response) { layer.receive(std::move(response), bob, bob); }

  ClientRecorder carol;
  Message sent_invite = parse("OPTIONS sip:x SIP/2.0\n\n");
};

TEST_F(ClientInvite, TimerARetransmitsUntilTimerB) {
  const ClientTransactionId id = start(bob);
  EXPECT_EQ(wire.count("INVITE"), 1u);
  EXPECT_EQ(wire.last().to, bob);
  EXPECT_EQ(layer.state(id), TransactionState::Calling);

  // Timer A: intervals 0.5, 1, 2, 4, 8, 16 s (no cap) -> sends at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5.
  const Duration retransmissions[] = {500ms, 1500ms, 3500ms, 7500ms, 15500ms, 31500ms};
  std::size_t expected = 1;
  for (Duration t : retransmissions) {
    at(t - 1ms);
    EXPECT_EQ(wire.count("INVITE"), expected) << "before " << t.count() << " ms";
    at(t);
    EXPECT_EQ(wire.count("INVITE"), ++expected) << "at " << t.count() << " ms";
  }
  EXPECT_EQ(wire.sent.front().wire, wire.sent.back().wire)
      << "retransmission resends the same bytes";

  at(31999ms);
  EXPECT_EQ(carol.timeouts, 0);
  at(32s);  // Timer B = 64*T1
  EXPECT_EQ(carol.timeouts, 1);
  EXPECT_EQ(wire.count("INVITE"), 7u);
  EXPECT_EQ(wire.count("ACK"), 0u) << "§17.1.1.2: no ACK on Timer B";
  EXPECT_EQ(layer.size(), 0u);
  EXPECT_EQ(layer.metrics().retransmissions_sent, 6u);
  EXPECT_EQ(layer.metrics().client_timeouts, 1u);
}

TEST_F(ClientInvite, OverTcpThereIsNoTimerA) {
  start(bob_tcp);
  at(31999ms);
  EXPECT_EQ(wire.count("INVITE"), 1u);
  at(32s);
  EXPECT_EQ(carol.timeouts, 1);
}

TEST_F(ClientInvite, ProvisionalStopsRetransmissionAndTimerB) {
  const ClientTransactionId id = start(bob);
  at(700ms);
  from_carol(response_to(sent_invite, 100, ""));
  from_carol(response_to(sent_invite, 180));
  EXPECT_EQ(layer.state(id), TransactionState::Proceeding);
  EXPECT_EQ(carol.statuses(), (std::vector<int>{100, 180}));
  at(60s);
  EXPECT_EQ(wire.count("INVITE"), 2u) << "one retransmission at 0.5 s, none after the 100";
  EXPECT_EQ(carol.timeouts, 0) << "Timer B only acts in Calling";
  EXPECT_EQ(layer.state(id), TransactionState::Proceeding);
}

TEST_F(ClientInvite, FailureIsAckedByTheTransactionAndRetransmissionsAbsorbed) {
  const ClientTransactionId id = start(bob);
  from_carol(response_to(sent_invite, 180));
  from_carol(response_to(sent_invite, 486));
  EXPECT_EQ(carol.statuses(), (std::vector<int>{180, 486}));
  EXPECT_EQ(layer.state(id), TransactionState::Completed);

  ASSERT_EQ(wire.count("ACK"), 1u);
  const Message ack = wire.last().message();
  EXPECT_EQ(wire.last().to, bob);
  // §17.1.1.3
  EXPECT_EQ(ack.request_uri(), "sip:carol@chicago.example.com");
  EXPECT_EQ(ack.header(HeaderId::CallId), "cvw-call-1@cvw.example.com");
  EXPECT_EQ(ack.header(HeaderId::From), "Bob <sip:bob@biloxi.example.com>;tag=a6c85cf");
  EXPECT_EQ(ack.header(HeaderId::To), "Carol <sip:carol@chicago.example.com>;tag=carol1");
  EXPECT_EQ(ack.header(HeaderId::CSeq), "1 ACK");
  EXPECT_EQ(ack.count(HeaderId::Via), 1u);
  EXPECT_EQ(ack.header(HeaderId::Via), "SIP/2.0/UDP cvw.example.com:5060;branch=z9hG4bKcvw1");
  EXPECT_EQ(ack.header(HeaderId::Route), "<sip:p1.example.com;lr>, <sip:p2.example.com;lr>");
  EXPECT_EQ(ack.header(HeaderId::Contact), "");

  from_carol(response_to(sent_invite, 486));
  EXPECT_EQ(wire.count("ACK"), 2u) << "each retransmitted final gets the ACK again";
  EXPECT_EQ(carol.responses.size(), 2u) << "but does not reach the TU";

  at(31999ms);
  EXPECT_EQ(layer.size(), 1u);
  at(32s);  // Timer D
  EXPECT_EQ(layer.size(), 0u);
  from_carol(response_to(sent_invite, 486));
  EXPECT_EQ(tu.strays.size(), 1u) << "after Timer D the final is a stray";
}

TEST_F(ClientInvite, FailureInCallingIsAckedToo) {
  start(bob);
  from_carol(response_to(sent_invite, 503));
  EXPECT_EQ(wire.count("ACK"), 1u);
  at(10s);
  EXPECT_EQ(wire.count("INVITE"), 1u) << "no Timer A after the final";
}

TEST_F(ClientInvite, OverTcpTimerDIsZero) {
  start(bob_tcp);
  from_carol(response_to(sent_invite, 404));
  EXPECT_EQ(wire.count("ACK"), 1u) << "§17.1.1.2: ACK even over reliable transports";
  EXPECT_EQ(layer.size(), 0u);
}

TEST_F(ClientInvite, EveryTwoHundredGoesUpInAcceptedUntilTimerM) {
  const ClientTransactionId id = start(bob);
  from_carol(response_to(sent_invite, 200, "fork-a"));
  EXPECT_EQ(layer.state(id), TransactionState::Accepted);
  at(1s);
  from_carol(response_to(sent_invite, 200, "fork-a"));  // a retransmission
  from_carol(response_to(sent_invite, 200, "fork-b"));  // another fork answered
  from_carol(response_to(sent_invite, 486));            // a late failure means nothing now
  ASSERT_EQ(carol.statuses(), (std::vector<int>{200, 200, 200}));
  EXPECT_EQ(to_tag(carol.responses[2]), "fork-b");
  EXPECT_EQ(wire.count("ACK"), 0u) << "RFC 6026: the TU ACKs 2xx, never the transaction";
  EXPECT_EQ(wire.count("INVITE"), 1u);

  at(31999ms);
  EXPECT_EQ(layer.size(), 1u);
  at(32s);  // Timer M = 64*T1
  EXPECT_EQ(layer.size(), 0u);
  from_carol(response_to(sent_invite, 200, "fork-c"));
  EXPECT_EQ(carol.responses.size(), 3u);
  ASSERT_EQ(tu.strays.size(), 1u) << "after Timer M a 2xx is a stray for the core";
  EXPECT_EQ(to_tag(tu.strays[0]), "fork-c");
}

TEST_F(ClientInvite, TransportErrorInCallingEndsTheTransaction) {
  start(bob);
  layer.transport_error(bob);
  EXPECT_EQ(carol.transport_errors, 1);
  EXPECT_EQ(layer.size(), 0u);
  at(40s);
  EXPECT_EQ(carol.timeouts, 0);
  EXPECT_EQ(wire.count("INVITE"), 1u);
}

TEST_F(ClientInvite, TransportErrorInProceedingIsIgnored) {
  const ClientTransactionId id = start(bob);
  from_carol(response_to(sent_invite, 180));
  layer.transport_error(bob);
  EXPECT_EQ(carol.transport_errors, 0);
  EXPECT_EQ(layer.state(id), TransactionState::Proceeding);
}

TEST_F(ClientInvite, ATransportErrorReportedFromInsideSendIsHandledSafely) {
  wire.on_send = [this](const Sent&) { layer.transport_error(bob); };
  Result<ClientTransactionId> id =
      layer.start_client(parse(kOutgoingInvite), bob, carol.callbacks());
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(carol.transport_errors, 1);
  EXPECT_EQ(layer.size(), 0u);
  EXPECT_EQ(timers.pending(), 0u) << "the transaction's timers went with it";
}

}  // namespace
}  // namespace cvw::sip::txn::test
