// Non-INVITE server transaction (RFC 3261 §17.2.2):
//
//   Alice (wire)                 cvw layer                      TU
//      |--- OPTIONS ----------------->|------------------------------>|  Trying
//      |--- OPTIONS (again) --------->| absorbed                      |
//      |<-- 100 ----------------------|<------------------------------|  Proceeding
//      |--- OPTIONS (again) --------->| resends 100                   |
//      |<-- 200 ----------------------|<------------------------------|  Completed, Timer J
//      |--- OPTIONS (again) --------->| resends 200                   |
#include "test_support.hpp"

namespace cvw::sip::txn::test {
namespace {

class ServerNonInvite : public TransactionTest {};

TEST_F(ServerNonInvite, TryingProceedingCompletedThenTimerJ) {
  from_wire(kOptions);
  ASSERT_EQ(tu.requests.size(), 1u);
  const ServerTransactionId id = tu.requests[0].id;
  EXPECT_EQ(layer.state(id), TransactionState::Trying);

  from_wire(kOptions);
  EXPECT_TRUE(wire.sent.empty()) << "§17.2.2: retransmissions in Trying are discarded";
  at(300ms);
  EXPECT_TRUE(wire.sent.empty()) << "no automatic 100 for non-INVITE";

  ASSERT_TRUE(answer(0, 100).ok());
  EXPECT_EQ(layer.state(id), TransactionState::Proceeding);
  from_wire(kOptions);
  EXPECT_EQ(wire.count("100"), 2u);

  ASSERT_TRUE(answer(0, 200).ok());
  EXPECT_EQ(layer.state(id), TransactionState::Completed);
  from_wire(kOptions);
  EXPECT_EQ(wire.count("200"), 2u);
  EXPECT_EQ(tu.requests.size(), 1u);
  EXPECT_FALSE(answer(0, 500).ok()) << "§17.2.2: other finals are discarded in Completed";
  EXPECT_EQ(wire.count("500"), 0u);

  at(300ms + 31999ms);
  EXPECT_EQ(layer.size(), 1u);
  at(300ms + 32s);  // Timer J = 64*T1
  EXPECT_EQ(layer.size(), 0u);
  EXPECT_EQ(layer.metrics().server_non_invite.terminated, 1u);

  from_wire(kOptions);
  EXPECT_EQ(tu.requests.size(), 2u) << "after Timer J the same request is new again";
}

TEST_F(ServerNonInvite, FinalFromTryingGoesStraightToCompleted) {
  from_wire(kOptions);
  ASSERT_TRUE(answer(0, 200).ok());
  EXPECT_EQ(layer.state(tu.requests[0].id), TransactionState::Completed);
}

TEST_F(ServerNonInvite, OverTcpTimerJIsZero) {
  from_wire(kOptions, alice_tcp);
  ASSERT_TRUE(answer(0, 200).ok());
  EXPECT_EQ(layer.size(), 0u);
  EXPECT_EQ(wire.last().to, alice_tcp);
}

TEST_F(ServerNonInvite, TransportErrorInProceedingEndsTheTransaction) {
  from_wire(kOptions);
  ASSERT_TRUE(answer(0, 100).ok());
  layer.transport_error(alice);
  ASSERT_EQ(tu.failures.size(), 1u);
  EXPECT_EQ(tu.failures[0].second, ServerFailure::TransportError);
  EXPECT_EQ(layer.size(), 0u);
}

TEST_F(ServerNonInvite, AckForANonInviteIsNotAbsorbed) {
  from_wire(kOptions);
  from_wire(
      "ACK sip:bob@biloxi.example.com SIP/2.0\n"
      "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKopt1\n"
      "To: <sip:bob@biloxi.example.com>\n"
      "From: Alice <sip:alice@atlanta.example.com>;tag=77\n"
      "Call-ID: opt1@pc33.atlanta.example.com\n"
      "CSeq: 1 ACK\n"
      "\n");
  EXPECT_EQ(tu.acks.size(), 1u) << "§17.2.3: an ACK only matches an INVITE";
}

TEST_F(ServerNonInvite, RequestsAreDroppedWithoutATu) {
  TransactionLayer lonely(timers, wire);
  lonely.receive(parse(kOptions), alice, alice);
  EXPECT_EQ(lonely.size(), 0u);
  EXPECT_EQ(lonely.metrics().dropped, 1u);
}

}  // namespace
}  // namespace cvw::sip::txn::test
