// INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 §7.1), as ladders:
//
//   Alice (wire)                 cvw layer                      TU
//      |--- INVITE ------------------>|------------------------------>|
//      |<-- 100 (after 200 ms) -------|                               |
//      |<-- 486 ----------------------|<------------------------------|
//      |<-- 486 (Timer G) ... --------|                               |
//      |--- ACK --------------------->| Confirmed, Timer I            |
#include "test_support.hpp"

namespace cvw::sip::txn::test {
namespace {

class ServerInvite : public TransactionTest {};

TEST_F(ServerInvite, TryingAfter200msThenRejectionRetransmittedOnTimerGUntilAck) {
  from_wire(kInvite);
  ASSERT_EQ(tu.requests.size(), 1u);
  EXPECT_EQ(tu.requests[0].message.method(), Method::Invite);
  EXPECT_EQ(layer.state(tu.requests[0].id), TransactionState::Proceeding);
  EXPECT_TRUE(wire.sent.empty());

  at(199ms);
  EXPECT_TRUE(wire.sent.empty()) << "the TU has 200 ms to answer first";
  at(200ms);
  ASSERT_EQ(wire.sent.size(), 1u);
  EXPECT_EQ(wire.last().first_word(), "100");
  EXPECT_EQ(wire.last().to, alice);
  const Message trying = wire.last().message();
  EXPECT_EQ(trying.count(HeaderId::Via), 2u);
  EXPECT_EQ(trying.header(HeaderId::Timestamp), "54") << "§8.2.6.1 copies Timestamp into the 100";
  EXPECT_EQ(to_tag(trying), "") << "§17.2.1: a 100 SHOULD NOT get a To tag";
  EXPECT_EQ(layer.metrics().automatic_trying, 1u);

  at(1000ms);
  ASSERT_TRUE(answer(0, 486).ok());
  ASSERT_EQ(wire.count("486"), 1u);
  EXPECT_EQ(layer.state(tu.requests[0].id), TransactionState::Completed);

  // Timer G: T1, then doubling (1 s, 2 s), capped at T2 = 4 s.
  at(1499ms);
  EXPECT_EQ(wire.count("486"), 1u);
  at(1500ms);
  EXPECT_EQ(wire.count("486"), 2u);
  at(2500ms);
  EXPECT_EQ(wire.count("486"), 3u);
  at(4500ms);
  EXPECT_EQ(wire.count("486"), 4u);
  at(8500ms);
  EXPECT_EQ(wire.count("486"), 5u);
  at(12499ms);
  EXPECT_EQ(wire.count("486"), 5u);
  at(12500ms);
  EXPECT_EQ(wire.count("486"), 6u) << "capped at T2";

  from_wire(kAckForFailure);
  EXPECT_EQ(layer.state(tu.requests[0].id), TransactionState::Confirmed);
  EXPECT_TRUE(tu.acks.empty()) << "the ACK for a non-2xx stays in the transaction";
  after(10s);
  EXPECT_EQ(wire.count("486"), 6u) << "no retransmission after the ACK";
  EXPECT_EQ(layer.size(), 0u);
  EXPECT_TRUE(tu.failures.empty());
}

TEST_F(ServerInvite, NoTryingWhenTheTuAnswersWithin200ms) {
  from_wire(kInvite);
  at(100ms);
  ASSERT_TRUE(answer(0, 180).ok());
  at(5s);
  EXPECT_EQ(wire.count("100"), 0u);
  EXPECT_EQ(wire.count("180"), 1u);
  EXPECT_EQ(layer.state(tu.requests[0].id), TransactionState::Proceeding);
}

TEST_F(ServerInvite, TuMayAnswerFromInsideOnRequest) {
  tu.answer_requests = [this](RecordingUser::Request& r) {
    ASSERT_TRUE(layer.respond(r.id, make_response(r.message, 603, "x")).ok());
  };
  from_wire(kInvite);
  EXPECT_EQ(wire.count("603"), 1u);
  EXPECT_EQ(layer.state(tu.requests[0].id), TransactionState::Completed);
  at(200ms);
  EXPECT_EQ(wire.count("100"), 0u);
}

TEST_F(ServerInvite, InviteRetransmissionInProceedingResendsTheLastProvisional) {
  from_wire(kInvite);
  ASSERT_TRUE(answer(0, 180).ok());
  at(500ms);
  from_wire(kInvite);
  EXPECT_EQ(tu.requests.size(), 1u) << "a retransmission is not a new request";
  EXPECT_EQ(wire.count("180"), 2u);
  EXPECT_EQ(layer.metrics().retransmissions_absorbed, 1u);
  EXPECT_EQ(layer.metrics().retransmissions_sent, 1u);
}

TEST_F(ServerInvite, InviteRetransmissionBeforeAnyResponseGetsTheTryingAtOnce) {
  from_wire(kInvite);
  at(150ms);
  from_wire(kInvite);
  EXPECT_EQ(wire.count("100"), 1u);
  at(200ms);
  EXPECT_EQ(wire.count("100"), 1u) << "the 200 ms timer does not send a second 100";
  from_wire(kInvite);
  EXPECT_EQ(wire.count("100"), 2u) << "and the next retransmission gets that 100 again";
}

TEST_F(ServerInvite, InviteRetransmissionInCompletedResendsTheFinal) {
  from_wire(kInvite);
  ASSERT_TRUE(answer(0, 404).ok());
  at(100ms);
  from_wire(kInvite);
  EXPECT_EQ(wire.count("404"), 2u);
  EXPECT_EQ(tu.requests.size(), 1u);
}

TEST_F(ServerInvite, TimerHWithoutAckReportsFailure) {
  from_wire(kInvite);
  ASSERT_TRUE(answer(0, 486).ok());
  // Timer G retransmits at 0.5, 1.5, 3.5, 7.5, 11.5 ... 31.5 s; Timer H at 64*T1 = 32 s.
  at(31999ms);
  EXPECT_EQ(wire.count("486"), 11u);
  EXPECT_TRUE(tu.failures.empty());
  EXPECT_EQ(layer.size(), 1u);
  at(32s);
  ASSERT_EQ(tu.failures.size(), 1u);
  EXPECT_EQ(tu.failures[0].first, tu.requests[0].id);
  EXPECT_EQ(tu.failures[0].second, ServerFailure::AckTimeout);
  EXPECT_EQ(layer.size(), 0u);
  EXPECT_EQ(layer.metrics().server_timeouts, 1u);
  after(10s);
  EXPECT_EQ(wire.count("486"), 11u);
}

TEST_F(ServerInvite, AckRetransmissionsAreAbsorbedInConfirmedUntilTimerI) {
  from_wire(kInvite);
  ASSERT_TRUE(answer(0, 486).ok());
  from_wire(kAckForFailure);
  at(1s);
  from_wire(kAckForFailure);
  EXPECT_TRUE(tu.acks.empty());
  EXPECT_EQ(layer.state(tu.requests[0].id), TransactionState::Confirmed);
  at(4999ms);
  EXPECT_EQ(layer.size(), 1u);
  at(5s);  // Timer I = T4
  EXPECT_EQ(layer.size(), 0u);
  from_wire(kAckForFailure);
  EXPECT_EQ(tu.acks.size(), 1u) << "once the transaction is gone, a late ACK goes to the TU";
}

TEST_F(ServerInvite, AcceptedAbsorbsInviteRetransmissionsAndLeaves2xxRetransmissionToTheTu) {
  from_wire(kInvite);
  const ServerTransactionId id = tu.requests[0].id;
  ASSERT_TRUE(answer(0, 200).ok());
  EXPECT_EQ(layer.state(id), TransactionState::Accepted);
  EXPECT_EQ(wire.count("200"), 1u);

  at(2s);
  EXPECT_EQ(wire.count("200"), 1u) << "RFC 6026: no 2xx retransmission by the transaction";
  from_wire(kInvite);
  EXPECT_EQ(tu.requests.size(), 1u) << "RFC 6026 §7.1: absorbed, not a new request";
  EXPECT_EQ(wire.count("200"), 1u) << "and not answered by the transaction";

  // The dialog layer's 2xx retransmission: from the stored bytes, or a new response.
  ASSERT_TRUE(layer.retransmit_2xx(id).ok());
  EXPECT_EQ(wire.count("200"), 2u);
  EXPECT_EQ(wire.sent[0].wire, wire.sent[1].wire);
  ASSERT_TRUE(answer(0, 200).ok());
  EXPECT_EQ(wire.count("200"), 3u);
  EXPECT_FALSE(answer(0, 486).ok()) << "no failure after a 2xx";

  from_wire(kAckFor2xx);
  ASSERT_EQ(tu.acks.size(), 1u) << "the 2xx ACK is the TU's";
  EXPECT_EQ(tu.acks[0].method(), Method::Ack);

  at(31999ms);
  EXPECT_EQ(layer.size(), 1u);
  at(32s);  // Timer L = 64*T1
  EXPECT_EQ(layer.size(), 0u);
  EXPECT_FALSE(layer.retransmit_2xx(id).ok());
}

TEST_F(ServerInvite,
       OnceTheTuHasTheAckThe2xxIsNoLongerKeptButInviteRetransmissionsAreStillAbsorbed) {
  from_wire(kInvite);
  const ServerTransactionId id = tu.requests[0].id;
  ASSERT_TRUE(answer(0, 200).ok());
  from_wire(kAckFor2xx);
  layer.acknowledged(id);
  EXPECT_EQ(layer.state(id), TransactionState::Accepted) << "Timer L still runs";
  EXPECT_FALSE(layer.retransmit_2xx(id).ok()) << "nothing left to retransmit";
  EXPECT_EQ(wire.count("200"), 1u);
  from_wire(kInvite);
  EXPECT_EQ(tu.requests.size(), 1u) << "a retransmitted INVITE is absorbed as before";
  EXPECT_EQ(wire.count("200"), 1u);
  ASSERT_TRUE(answer(0, 200).ok()) << "the TU may still send a 2xx again";
  EXPECT_EQ(wire.count("200"), 2u);
  EXPECT_TRUE(layer.retransmit_2xx(id).ok()) << "and that one is kept";
  EXPECT_EQ(wire.count("200"), 3u);
  layer.acknowledged(ServerTransactionId{id.value + 1000});  // unknown: no-op
  at(32s);
  EXPECT_EQ(layer.size(), 0u);
}

TEST_F(ServerInvite, AnAckOnTheInvitesBranchInAcceptedGoesToTheTu) {
  from_wire(kInvite);
  ASSERT_TRUE(answer(0, 200).ok());
  from_wire(kAckForFailure);  // a UA that reuses the INVITE's branch for the 2xx ACK
  EXPECT_EQ(tu.acks.size(), 1u) << "RFC 6026 Figure 5: Accepted, ACK / to TU";
  EXPECT_EQ(layer.state(tu.requests[0].id), TransactionState::Accepted);
}

TEST_F(ServerInvite, AnAckBeforeAnyFinalIsIgnored) {
  from_wire(kInvite);
  from_wire(kAckForFailure);
  EXPECT_TRUE(tu.acks.empty());
  EXPECT_EQ(layer.state(tu.requests[0].id), TransactionState::Proceeding);
}

TEST_F(ServerInvite, OverTcpThereIsNoTimerGAndTimerIIsZero) {
  from_wire(kInvite, alice_tcp);
  at(200ms);
  EXPECT_EQ(wire.count("100"), 1u) << "the 100 is sent over reliable transports too";
  ASSERT_TRUE(answer(0, 486).ok());
  EXPECT_EQ(wire.last().to, alice_tcp);
  at(20s);
  EXPECT_EQ(wire.count("486"), 1u);
  from_wire(kAckForFailure, alice_tcp);
  EXPECT_EQ(layer.size(), 0u) << "Timer I is zero: Confirmed ends at once";
}

TEST_F(ServerInvite, OverTcpTimerHStillRuns) {
  from_wire(kInvite, alice_tcp);
  ASSERT_TRUE(answer(0, 486).ok());
  at(32s);
  ASSERT_EQ(tu.failures.size(), 1u);
  EXPECT_EQ(tu.failures[0].second, ServerFailure::AckTimeout);
  EXPECT_EQ(layer.size(), 0u);
}

TEST_F(ServerInvite, ASecondFinalResponseIsRefused) {
  from_wire(kInvite);
  ASSERT_TRUE(answer(0, 486).ok());
  EXPECT_FALSE(answer(0, 487).ok());
  EXPECT_EQ(wire.count("487"), 0u);
}

TEST_F(ServerInvite, RespondingOnAnUnknownTransactionFails) {
  Message r = parse("SIP/2.0 200 OK\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\nCSeq: 1 INVITE\n\n");
  EXPECT_FALSE(layer.respond(ServerTransactionId{42}, std::move(r)).ok());
}

TEST_F(ServerInvite, TransportErrorInCompletedEndsTheTransaction) {
  from_wire(kInvite);
  ASSERT_TRUE(answer(0, 486).ok());
  layer.transport_error(alice);
  ASSERT_EQ(tu.failures.size(), 1u);
  EXPECT_EQ(tu.failures[0].second, ServerFailure::TransportError);
  EXPECT_EQ(layer.size(), 0u);
}

TEST_F(ServerInvite, TransportErrorInProceedingOrAcceptedOnlyInformsTheTu) {
  from_wire(kInvite);
  layer.transport_error(alice);
  ASSERT_EQ(tu.failures.size(), 1u);
  EXPECT_EQ(layer.state(tu.requests[0].id), TransactionState::Proceeding);
  ASSERT_TRUE(answer(0, 200).ok());
  layer.transport_error(alice);
  EXPECT_EQ(tu.failures.size(), 2u);
  EXPECT_EQ(layer.state(tu.requests[0].id), TransactionState::Accepted);
  layer.transport_error(bob);
  EXPECT_EQ(tu.failures.size(), 2u) << "another peer's failure is not ours";
}

TEST_F(ServerInvite, MetricsCountCreatedAndTerminated) {
  from_wire(kInvite);
  ASSERT_TRUE(answer(0, 486).ok());
  from_wire(kAckForFailure);
  at(5s);
  EXPECT_EQ(layer.metrics().server_invite.created, 1u);
  EXPECT_EQ(layer.metrics().server_invite.terminated, 1u);
}

}  // namespace
}  // namespace cvw::sip::txn::test
