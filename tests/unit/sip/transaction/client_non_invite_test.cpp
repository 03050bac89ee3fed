// Non-INVITE client transaction (RFC 3261 §17.1.2):
//
//   TU                        cvw layer                     Carol (wire)
//    |--- start_client -------->|--- BYE ---------------------->|  Trying
//    |                          |--- BYE (Timer E, cap T2) ---->|
//    |<-- 200 ------------------|<-- 200 -----------------------|  Completed, Timer K
#include "test_support.hpp"

namespace cvw::sip::txn::test {
namespace {

class ClientNonInvite : public TransactionTest {
 protected:
  ClientTransactionId start(const Peer& to) {
    Result<ClientTransactionId> id = layer.start_client(parse(kOutgoingBye), to, carol.callbacks());
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
    sent_bye = wire.sent.at(0).message();
    return id.ok() ? *id : ClientTransactionId{};
  }
  void from_carol(Message&& response) { layer.receive(std::move(response), bob, bob); }

  ClientRecorder carol;
  Message sent_bye = parse("OPTIONS sip:x SIP/2.0\n\n");
};

TEST_F(ClientNonInvite, TimerEDoublesUpToT2ThenTimerF) {
  const ClientTransactionId id = start(bob);
  EXPECT_EQ(layer.state(id), TransactionState::Trying);
  // Timer E: 0.5, 1, 2, 4, 4, 4... s -> sends at 0.5, 1.5, 3.5, 7.5, 11.5, ..., 31.5.
  const Duration retransmissions[] = {500ms,   1500ms,  3500ms,  7500ms,  11500ms,
                                      15500ms, 19500ms, 23500ms, 27500ms, 31500ms};
  std::size_t expected = 1;
  for (Duration t : retransmissions) {
    at(t - 1ms);
    EXPECT_EQ(wire.count("BYE"), expected) << "before " << t.count() << " ms";
    at(t);
    EXPECT_EQ(wire.count("BYE"), ++expected) << "at " << t.count() << " ms";
  }
  at(31999ms);
  EXPECT_EQ(carol.timeouts, 0);
  at(32s);  // Timer F = 64*T1
  EXPECT_EQ(carol.timeouts, 1);
  EXPECT_EQ(wire.count("BYE"), 11u);
  EXPECT_EQ(layer.size(), 0u);
  EXPECT_EQ(timers.pending(), 0u);
}

TEST_F(ClientNonInvite, TimerEUsesT2InProceeding) {
  const ClientTransactionId id = start(bob);
  at(200ms);
  from_carol(response_to(sent_bye, 100, ""));
  EXPECT_EQ(layer.state(id), TransactionState::Proceeding);
  EXPECT_EQ(carol.statuses(), std::vector<int>{100});
  // The running Timer E still fires at 0.5 s; from then on every T2 = 4 s.
  at(500ms);
  EXPECT_EQ(wire.count("BYE"), 2u);
  at(4499ms);
  EXPECT_EQ(wire.count("BYE"), 2u);
  at(4500ms);
  EXPECT_EQ(wire.count("BYE"), 3u);
  at(8500ms);
  EXPECT_EQ(wire.count("BYE"), 4u);
  at(32s);                           // Timer F also ends Proceeding
  EXPECT_EQ(wire.count("BYE"), 9u);  // 0, 0.5, 4.5, 8.5 ... 28.5
  EXPECT_EQ(carol.timeouts, 1);
  EXPECT_EQ(layer.size(), 0u);
}

TEST_F(ClientNonInvite, FinalGoesUpOnceThenTimerKAbsorbsRetransmissions) {
  const ClientTransactionId id = start(bob);
  at(100ms);
  from_carol(response_to(sent_bye, 200));
  EXPECT_EQ(layer.state(id), TransactionState::Completed);
  from_carol(response_to(sent_bye, 200));
  EXPECT_EQ(carol.statuses(), std::vector<int>{200});
  EXPECT_EQ(layer.metrics().retransmissions_absorbed, 1u);
  at(10s);
  EXPECT_EQ(wire.count("BYE"), 1u) << "no Timer E in Completed";
  EXPECT_EQ(layer.size(), 0u) << "Timer K = T4 = 5 s has fired";
  EXPECT_TRUE(tu.strays.empty());
}

TEST_F(ClientNonInvite, TimerKIsT4) {
  start(bob);
  from_carol(response_to(sent_bye, 481));
  at(4999ms);
  EXPECT_EQ(layer.size(), 1u);
  at(5s);
  EXPECT_EQ(layer.size(), 0u);
  EXPECT_EQ(layer.metrics().client_non_invite.created, 1u);
  EXPECT_EQ(layer.metrics().client_non_invite.terminated, 1u);
}

TEST_F(ClientNonInvite, OverTcpNoTimerEAndTimerKIsZero) {
  start(bob_tcp);
  at(31999ms);
  EXPECT_EQ(wire.count("BYE"), 1u);
  from_carol(response_to(sent_bye, 200));
  EXPECT_EQ(carol.statuses(), std::vector<int>{200});
  EXPECT_EQ(layer.size(), 0u);
}

TEST_F(ClientNonInvite, OverTcpTimerFStillFires) {
  start(bob_tcp);
  at(32s);
  EXPECT_EQ(carol.timeouts, 1);
}

TEST_F(ClientNonInvite, TransportErrorInTryingEndsTheTransaction) {
  start(bob);
  layer.transport_error(bob);
  EXPECT_EQ(carol.transport_errors, 1);
  EXPECT_EQ(layer.size(), 0u);
  EXPECT_EQ(layer.metrics().transport_errors, 1u);
}

// A request that alone cannot be sent (larger than any datagram), or that
// an ICMP error was received for, ends its own transaction; the others to
// the same peer go on.
TEST_F(ClientNonInvite, ATransportErrorForOneRequestEndsOnlyItsTransaction) {
  const ClientTransactionId first = start(bob);
  ClientRecorder second;
  Message other = parse(kOutgoingBye);
  other.set(HeaderId::Via, "SIP/2.0/UDP cvw.example.com:5060;branch=z9hG4bKcvwbye2");
  other.set(HeaderId::CSeq, "3 BYE");
  ASSERT_TRUE(layer.start_client(std::move(other), bob, second.callbacks()).ok());
  const std::string second_wire = wire.sent.at(1).wire;

  layer.transport_error(bob_tcp, second_wire);
  EXPECT_EQ(second.transport_errors, 0) << "another peer";
  layer.transport_error(bob, second_wire);
  EXPECT_EQ(second.transport_errors, 1);
  EXPECT_EQ(carol.transport_errors, 0);
  EXPECT_EQ(layer.state(first), TransactionState::Trying);
  EXPECT_EQ(layer.size(), 1u);

  layer.transport_error(bob, "not a SIP message");
  EXPECT_EQ(carol.transport_errors, 0) << "bytes that name no transaction are ignored";
  EXPECT_EQ(layer.size(), 1u);

  // As an ICMP error quotes it, cut short: the request line and the top
  // Via are enough.
  layer.transport_error(bob, wire.sent.at(0).wire.substr(0, 120));
  EXPECT_EQ(carol.transport_errors, 1);
  EXPECT_EQ(layer.size(), 0u);
}

TEST_F(ClientNonInvite, TheTuMayStartAnotherTransactionFromACallback) {
  ClientRecorder second;
  ClientCallbacks callbacks = carol.callbacks();
  callbacks.on_response = [&](ClientTransactionId, Message&&) {
    Message next = parse(kOutgoingBye);
    next.set(HeaderId::Via, "SIP/2.0/UDP cvw.example.com:5060;branch=z9hG4bKcvwbye2");
    next.set(HeaderId::CSeq, "3 BYE");
    ASSERT_TRUE(layer.start_client(std::move(next), bob, second.callbacks()).ok());
  };
  ASSERT_TRUE(layer.start_client(parse(kOutgoingBye), bob, std::move(callbacks)).ok());
  sent_bye = wire.sent.at(0).message();
  from_carol(response_to(sent_bye, 200));
  EXPECT_EQ(wire.count("BYE"), 2u);
  EXPECT_EQ(layer.size(), 2u);
}

}  // namespace
}  // namespace cvw::sip::txn::test
