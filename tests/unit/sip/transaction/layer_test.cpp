// The TransactionLayer's own rules: what it accepts from the TU, what it does
// with messages matching nothing, and that nothing outlives its transaction.
#include "test_support.hpp"

namespace cvw::sip::txn::test {
namespace {

class Layer : public TransactionTest {};

TEST_F(Layer, ABranchIsAddedWhenTheRequestHasNone) {
  Message options = parse(kOutgoingBye);
  options.set(HeaderId::Via, "SIP/2.0/UDP cvw.example.com:5060");
  ASSERT_TRUE(layer.start_client(std::move(options), bob).ok());
  EXPECT_EQ(wire.last().message().header(HeaderId::Via),
            "SIP/2.0/UDP cvw.example.com:5060;branch=z9hG4bKtok1");
}

TEST_F(Layer, OnlyTheTopViaGetsTheBranch) {
  Message options = parse(kOutgoingBye);
  options.set(HeaderId::Via,
              "SIP/2.0/UDP cvw.example.com, SIP/2.0/UDP upstream.example.com;branch=z9hG4bKup");
  ASSERT_TRUE(layer.start_client(std::move(options), bob).ok());
  const Message sent = wire.last().message();
  ASSERT_EQ(sent.count(HeaderId::Via), 2u);
  EXPECT_EQ(top_via_value(sent), "SIP/2.0/UDP cvw.example.com;branch=z9hG4bKtok1");
  EXPECT_EQ(sent.headers()[1].value, "SIP/2.0/UDP upstream.example.com;branch=z9hG4bKup");
}

TEST_F(Layer, StartClientRefusesWhatIsNotATransaction) {
  Message ack = parse(kAckFor2xx);
  EXPECT_FALSE(layer.start_client(std::move(ack), bob).ok()) << "an ACK is never a transaction";
  Message no_via = parse(kOutgoingBye);
  no_via.remove(HeaderId::Via);
  EXPECT_FALSE(layer.start_client(std::move(no_via), bob).ok());
  Message wrong_cseq = parse(kOutgoingBye);
  wrong_cseq.set(HeaderId::CSeq, "2 INVITE");
  EXPECT_FALSE(layer.start_client(std::move(wrong_cseq), bob).ok());
  EXPECT_FALSE(layer.start_client(make_response(parse(kInvite), 200), bob).ok());
  EXPECT_TRUE(wire.sent.empty());
  EXPECT_EQ(layer.size(), 0u);
}

TEST_F(Layer, ABranchInUseIsRefused) {
  ASSERT_TRUE(layer.start_client(parse(kOutgoingBye), bob).ok());
  EXPECT_FALSE(layer.start_client(parse(kOutgoingBye), bob).ok());
  EXPECT_EQ(wire.count("BYE"), 1u);
}

TEST_F(Layer, ResponsesMatchingNothingGoToTheTu) {
  layer.receive(response_to(parse(kOutgoingInvite), 200), bob, bob);
  ASSERT_EQ(tu.strays.size(), 1u);
  EXPECT_EQ(layer.metrics().stray_responses, 1u);
}

TEST_F(Layer, AResponseToAnotherMethodOnTheSameBranchDoesNotMatch) {
  ClientRecorder carol;
  ASSERT_TRUE(layer.start_client(parse(kOutgoingInvite), bob, carol.callbacks()).ok());
  Message bye_cseq = response_to(wire.last().message(), 200);
  bye_cseq.set(HeaderId::CSeq, "1 BYE");
  layer.receive(std::move(bye_cseq), bob, bob);
  EXPECT_TRUE(carol.responses.empty());
  EXPECT_EQ(tu.strays.size(), 1u);
}

TEST_F(Layer, AckMatchingNothingGoesToTheTu) {
  from_wire(kAckFor2xx);
  ASSERT_EQ(tu.acks.size(), 1u);
  EXPECT_EQ(layer.size(), 0u) << "an ACK never creates a transaction";
  EXPECT_TRUE(wire.sent.empty()) << "and is never answered";
}

TEST_F(Layer, RequestsFromAnotherSentByAreNewTransactions) {
  from_wire(kInvite);
  std::string other(kInvite);
  other.replace(other.find("pc33"), 4, "pc34");
  from_wire(other);
  EXPECT_EQ(tu.requests.size(), 2u);
  EXPECT_EQ(layer.server_count(), 2u);
}

TEST_F(Layer, BranchReusedForAnotherMethodIsDropped) {
  from_wire(kInvite);
  std::string bye(kInvite);
  bye.replace(0, 6, "BYE");
  bye.replace(bye.find("314159 INVITE"), 13, "314159 BYE");
  from_wire(bye);
  EXPECT_EQ(tu.requests.size(), 1u);
  EXPECT_EQ(layer.metrics().dropped, 1u);
}

TEST_F(Layer, UnreadableInputIsDroppedNotThrown) {
  from_wire("OPTIONS sip:bob@example.com SIP/2.0\nVia: nonsense\nCSeq: 1 OPTIONS\n\n");
  from_wire("OPTIONS sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nCSeq: x\n\n");
  from_wire(
      "OPTIONS  sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\nCSeq: 1 "
      "OPTIONS\n\n");
  EXPECT_TRUE(tu.requests.empty());
  EXPECT_EQ(layer.metrics().dropped, 3u);
  EXPECT_EQ(layer.size(), 0u);
}

TEST_F(Layer, ABusyDayLeavesNothingBehind) {
  // A mix of every kind of transaction, each taken to its end.
  from_wire(kInvite);
  ASSERT_TRUE(answer(0, 486).ok());
  from_wire(kAckForFailure);
  from_wire(kOptions);
  ASSERT_TRUE(answer(1, 200).ok());
  ClientRecorder carol;
  ASSERT_TRUE(layer.start_client(parse(kOutgoingInvite), bob, carol.callbacks()).ok());
  layer.receive(response_to(wire.last().message(), 200), bob, bob);
  ASSERT_TRUE(layer.start_client(parse(kOutgoingBye), bob, carol.callbacks()).ok());
  EXPECT_EQ(layer.size(), 4u);
  at(40s);
  EXPECT_EQ(layer.size(), 0u);
  EXPECT_EQ(timers.pending(), 0u);
  const TransactionMetrics& m = layer.metrics();
  EXPECT_EQ(m.server_invite.created, m.server_invite.terminated);
  EXPECT_EQ(m.server_non_invite.created, m.server_non_invite.terminated);
  EXPECT_EQ(m.client_invite.created, m.client_invite.terminated);
  EXPECT_EQ(m.client_non_invite.created, m.client_non_invite.terminated);
  EXPECT_EQ(m.client_timeouts, 1u) << "the BYE nobody answered";
}

TEST_F(Layer, DestroyingTheLayerCancelsEveryTimer) {
  {
    TransactionLayer short_lived(timers, wire);
    short_lived.set_user(tu);
    short_lived.receive(parse(kInvite), alice, alice);
    ASSERT_TRUE(short_lived.start_client(parse(kOutgoingBye), bob).ok());
  }
  const std::size_t sent = wire.sent.size();
  at(60s);
  EXPECT_EQ(wire.sent.size(), sent);
}

TEST(TimerConfig, WithT1RescalesEvery64T1Timer) {
  const TimerConfig c = TimerConfig::with_t1(std::chrono::milliseconds(100));
  EXPECT_EQ(c.timer_b, std::chrono::milliseconds(6400));
  EXPECT_EQ(c.timer_f, std::chrono::milliseconds(6400));
  EXPECT_EQ(c.timer_h, std::chrono::milliseconds(6400));
  EXPECT_EQ(c.timer_j, std::chrono::milliseconds(6400));
  EXPECT_EQ(c.timer_l, std::chrono::milliseconds(6400));
  EXPECT_EQ(c.timer_m, std::chrono::milliseconds(6400));
  EXPECT_EQ(c.t2, TimerConfig{}.t2);
  EXPECT_EQ(c.timer_d, TimerConfig{}.timer_d);
}

TEST_F(Layer, ShorterT1ShortensTheTimers) {
  TransactionLayer fast(timers, wire, TimerConfig::with_t1(std::chrono::milliseconds(100)));
  ClientRecorder carol;
  ASSERT_TRUE(fast.start_client(parse(kOutgoingBye), bob, carol.callbacks()).ok());
  at(100ms);
  EXPECT_EQ(wire.count("BYE"), 2u);
  at(6400ms);
  EXPECT_EQ(carol.timeouts, 1);
}

}  // namespace
}  // namespace cvw::sip::txn::test
