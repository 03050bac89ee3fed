// End-to-end call flows between UA cores over the in-memory network, driven
// by coroutines (CallLeg + Task): these read like the ladder diagrams.
#include <gtest/gtest.h>

#include "common/task.hpp"
#include "sip/dialog/call_leg.hpp"
#include "sip/header_values.hpp"
#include "loopback.hpp"

namespace cvw::sip::test {
namespace {

using dialog::CallLeg;
using dialog::EndReason;
using dialog::InviteParams;
using dialog::InviteSession;
using namespace std::chrono_literals;

constexpr std::string_view kOffer =
    "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
constexpr std::string_view kAnswer =
    "v=0\r\no=bob 2 2 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n"
    "m=audio 42000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

// Bob's side: a UaHandler that hands every call to a scripted coroutine.
class Callee : public dialog::UaHandler {
 public:
  explicit Callee(Network& net, Host& host) : net_(net), host_(host) { host.ua->set_handler(this); }
  std::function<Task<void>(CallLeg&)> script;
  std::unique_ptr<CallLeg> leg;
  void on_invite(std::shared_ptr<InviteSession> session) override {
    leg = std::make_unique<CallLeg>(*host_.ua, net_.timers, std::move(session));
    spawn(script(*leg));
  }

 private:
  Network& net_;
  Host& host_;
};

InviteParams call_bob() {
  InviteParams p;
  p.request_uri = "sip:bob@127.0.0.2:5060";
  p.body = std::string(kOffer);
  return p;
}

struct Outcome {
  std::vector<std::string> steps;
  bool done = false;
};

TEST(CallFlow, AnsweredCallWithReinviteAndBye) {
  Network net;
  Host& alice = net.add("127.0.0.1");
  Host& bob = net.add("127.0.0.2");
  Callee callee(net, bob);
  Outcome bob_saw;
  AnswersReoffers bob_answers{std::string(kAnswer)};
  callee.script = [&](CallLeg& leg) -> Task<void> {
    leg.observe(&bob_answers);
    leg.ring();
    int answered = co_await leg.answer("application/sdp", kAnswer);
    bob_saw.steps.push_back("answered " + std::to_string(answered));
    EndReason end = co_await leg.ended();
    bob_saw.steps.push_back(std::string(dialog::to_string(end)));
  };

  CallLeg a(*alice.ua, net.timers);
  Outcome alice_saw;
  auto flow = [&]() -> Task<void> {
    int status = co_await a.invite(call_bob(), 30s);
    alice_saw.steps.push_back("invite " + std::to_string(status));
    EXPECT_EQ(a.remote_body(), kAnswer);
    int re = co_await a.reinvite("application/sdp", kOffer);
    alice_saw.steps.push_back("reinvite " + std::to_string(re));
    EndReason end = co_await a.hangup();
    alice_saw.steps.push_back(std::string(dialog::to_string(end)));
    alice_saw.done = true;
  };
  spawn(flow());
  net.run(2s);

  ASSERT_TRUE(alice_saw.done);
  EXPECT_EQ(alice_saw.steps, (std::vector<std::string>{"invite 200", "reinvite 200", "local BYE"}));
  EXPECT_EQ(bob_saw.steps, (std::vector<std::string>{"answered 200", "remote BYE"}));
  EXPECT_EQ(count_sent(alice, "ACK "), 2);  // one for the INVITE, one for the re-INVITE
  EXPECT_EQ(count_sent(bob, "SIP/2.0 180"), 1);
  EXPECT_EQ(alice.ua->session_count(), 0u);
  EXPECT_EQ(bob.ua->session_count(), 0u);
  net.run(40s);  // every transaction timer runs out
  EXPECT_EQ(alice.transactions->size(), 0u);
  EXPECT_EQ(bob.transactions->size(), 0u);
}

TEST(CallFlow, UnansweredCallTimesOutAndIsCancelled) {
  Network net;
  Host& alice = net.add("127.0.0.1");
  Host& bob = net.add("127.0.0.2");
  Callee callee(net, bob);
  EndReason bob_end = EndReason::LocalBye;
  callee.script = [&](CallLeg& leg) -> Task<void> {
    leg.ring();
    bob_end = co_await leg.ended();
  };
  CallLeg a(*alice.ua, net.timers);
  int status = 0;
  auto flow = [&]() -> Task<void> { status = co_await a.invite(call_bob(), 5s); };
  spawn(flow());
  net.run(4s);
  EXPECT_EQ(status, 0) << "still ringing";
  net.run(2s);
  EXPECT_EQ(status, 408);
  EXPECT_EQ(count_sent(alice, "CANCEL "), 1);
  EXPECT_EQ(count_sent(bob, "SIP/2.0 487"), 1);
  EXPECT_EQ(bob_end, EndReason::Cancelled);
}

TEST(CallFlow, RejectedCallReportsTheStatus) {
  Network net;
  Host& alice = net.add("127.0.0.1");
  Host& bob = net.add("127.0.0.2");
  Callee callee(net, bob);
  callee.script = [&](CallLeg& leg) -> Task<void> {
    leg.reject(486);
    co_return;
  };
  CallLeg a(*alice.ua, net.timers);
  int status = 0;
  auto flow = [&]() -> Task<void> { status = co_await a.invite(call_bob(), 30s); };
  spawn(flow());
  net.run(1s);
  EXPECT_EQ(status, 486);
  EXPECT_EQ(count_sent(alice, "ACK "), 1) << "the transaction ACKs the 486";
}

// RFC 4028: Alice asks for a 90 s session; Bob (UAS) leaves the refresh to
// Alice, who supports the extension; Alice refreshes with UPDATE at 45 s.
TEST(CallFlow, SessionTimerRefreshesAndExpires) {
  Network net;
  dialog::UaConfig alice_config;
  alice_config.session_expires = 90;
  Host& alice = net.add("127.0.0.1", alice_config);
  Host& bob = net.add("127.0.0.2");
  Callee callee(net, bob);
  EndReason bob_end = EndReason::LocalBye;
  callee.script = [&](CallLeg& leg) -> Task<void> {
    co_await leg.answer("application/sdp", kAnswer);
    bob_end = co_await leg.ended();
  };
  CallLeg a(*alice.ua, net.timers);
  int status = 0;
  auto flow = [&]() -> Task<void> { status = co_await a.invite(call_bob(), 30s); };
  spawn(flow());
  net.run(1s);
  ASSERT_EQ(status, 200);
  ASSERT_NE(a.session(), nullptr);
  EXPECT_EQ(a.session()->session_interval(), 90u);
  EXPECT_TRUE(a.session()->refresher());
  ASSERT_TRUE(callee.leg && callee.leg->session());
  EXPECT_FALSE(callee.leg->session()->refresher());

  net.run(200s);  // four refreshes at 45 s intervals keep the call up
  EXPECT_GE(count_sent(alice, "UPDATE "), 4);
  EXPECT_EQ(count_sent(bob, "BYE "), 0);

  // Now the refreshes are lost: Bob gives up at 90 - 30 = 60 s after the last one.
  net.drop = [](const Message& m, const Host&) { return m.method() == Method::Update; };
  net.run(70s);
  EXPECT_EQ(count_sent(bob, "BYE "), 1);
  EXPECT_EQ(bob_end, EndReason::SessionExpired);
}

// RFC 4028 §10: a refresh that gets no answer means the peer is gone; the
// refresher ends the call with a BYE rather than refreshing a dead session.
TEST(CallFlow, ARefreshNobodyAnswersEndsTheCallWithABye) {
  Network net;
  dialog::UaConfig alice_config;
  alice_config.session_expires = 90;
  Host& alice = net.add("127.0.0.1", alice_config);
  Host& bob = net.add("127.0.0.2");
  Callee callee(net, bob);
  callee.script = [&](CallLeg& leg) -> Task<void> {
    co_await leg.answer("application/sdp", kAnswer);
    co_await leg.ended();
  };
  CallLeg a(*alice.ua, net.timers);
  int status = 0;
  auto flow = [&]() -> Task<void> { status = co_await a.invite(call_bob(), 30s); };
  spawn(flow());
  net.run(1s);
  ASSERT_EQ(status, 200);
  net.drop = [](const Message&, const Host&) { return true; };  // Bob is gone
  net.run(44s);
  EXPECT_EQ(count_sent(alice, "BYE "), 0);
  net.run(33s);  // the UPDATE at 45 s, its Timer F (32 s); the BYE (and its retransmissions)
  EXPECT_GE(count_sent(alice, "UPDATE "), 1);
  EXPECT_GE(count_sent(alice, "BYE "), 1);
}

TEST(CallFlow, ReferIsAcceptedAndProgressIsNotified) {
  Network net;
  Host& alice = net.add("127.0.0.1");
  Host& bob = net.add("127.0.0.2");
  Callee callee(net, bob);
  struct ReferAware : dialog::InviteHandler {};
  callee.script = [&](CallLeg& leg) -> Task<void> {
    co_await leg.answer("application/sdp", kAnswer);
    co_return;
  };

  // Alice's leg, with its own handler to see REFER progress.
  struct Referrer : dialog::InviteHandler {
    std::vector<std::pair<int, bool>> progress;
    void on_refer_progress(InviteSession&, int status, bool final) override { progress.emplace_back(status, final); }
  } referrer;
  auto session = alice.ua->invite(call_bob(), &referrer);
  ASSERT_TRUE(session.ok());
  net.run(1s);
  ASSERT_EQ((*session)->state(), dialog::SessionState::Confirmed);

  // Bob accepts the REFER and reports the referred call's outcome.
  struct Referee : dialog::InviteHandler {
    std::string refer_to;
    bool on_refer(InviteSession&, const Message& refer) override {
      refer_to = std::string(refer.header(HeaderId::ReferTo));
      return true;
    }
  } referee;
  callee.leg->session()->set_handler(&referee);
  (*session)->refer("sip:carol@127.0.0.3");
  net.run(1s);
  EXPECT_EQ(referee.refer_to, "<sip:carol@127.0.0.3>");
  EXPECT_EQ(count_sent(bob, "SIP/2.0 202"), 1);
  callee.leg->session()->notify_refer(180);
  callee.leg->session()->notify_refer(200);
  net.run(1s);
  EXPECT_EQ(referrer.progress, (std::vector<std::pair<int, bool>>{{100, false}, {180, false}, {200, true}}));
  callee.leg->session()->set_handler(callee.leg.get());
}

// The referee hangs up right after its final NOTIFY (cvw releases a phone
// that transferred its call): the BYE waits for the NOTIFY's answer, so it
// cannot overtake it (RFC 5589 §6), and goes as soon as that comes. A
// NOTIFY nobody answers holds it no longer than its Timer F.
TEST(CallFlow, AByeAfterTheFinalNotifyWaitsForItsAnswer) {
  for (const bool alice_answers : {true, false}) {
    SCOPED_TRACE(alice_answers ? "the NOTIFY is answered" : "the NOTIFY is not answered");
    Network net;
    Host& alice = net.add("127.0.0.1");
    Host& bob = net.add("127.0.0.2");
    Callee callee(net, bob);
    callee.script = [&](CallLeg& leg) -> Task<void> {
      co_await leg.answer("application/sdp", kAnswer);
      co_return;
    };
    struct Referee : dialog::InviteHandler {
      bool on_refer(InviteSession&, const Message&) override { return true; }
    } referee;
    auto session = alice.ua->invite(call_bob(), nullptr);
    ASSERT_TRUE(session.ok());
    net.run(1s);
    callee.leg->session()->set_handler(&referee);
    (*session)->refer("sip:carol@127.0.0.3");
    net.run(1s);
    ASSERT_EQ(count_sent(bob, "SIP/2.0 202"), 1);

    if (!alice_answers) {
      net.drop = [](const Message& m, const Host&) {
        return m.is_request() && m.method() == Method::Notify;
      };
    }
    InviteSession& referred = *callee.leg->session();
    referred.notify_refer(200);
    referred.bye();
    EXPECT_EQ(count_sent(bob, "BYE "), 0) << "not before the NOTIFY is answered";
    EXPECT_EQ(referred.state(), dialog::SessionState::Terminating);
    net.run(alice_answers ? 1s : 31s);
    EXPECT_EQ(count_sent(bob, "BYE "), alice_answers ? 1 : 0);
    if (alice_answers) {
      EXPECT_EQ(count_sent(alice, "SIP/2.0 200"), 3) << "both NOTIFYs' (100, then 200) and the BYE's";
      EXPECT_EQ((*session)->state(), dialog::SessionState::Terminated);
    } else {
      net.run(2s);  // Timer F: 64*T1
      EXPECT_EQ(count_sent(bob, "BYE "), 1);
    }
    callee.leg->session()->set_handler(callee.leg.get());
  }
}

TEST(CallFlow, ReplacesFindsTheDialogOrGets481) {
  Network net;
  Host& alice = net.add("127.0.0.1");
  Host& bob = net.add("127.0.0.2");
  Callee callee(net, bob);
  std::vector<std::shared_ptr<InviteSession>> replaced;
  callee.script = [&](CallLeg& leg) -> Task<void> {
    replaced.push_back(leg.session()->replaced());
    co_await leg.answer("application/sdp", kAnswer);
  };
  CallLeg first(*alice.ua, net.timers);
  int status = 0;
  auto flow = [&]() -> Task<void> { status = co_await first.invite(call_bob(), 30s); };
  spawn(flow());
  net.run(1s);
  ASSERT_EQ(status, 200);
  const dialog::Dialog* d = first.session()->dialog();
  ASSERT_NE(d, nullptr);

  // From Bob's side the dialog's local tag is Bob's (Alice's remote tag).
  InviteParams p = call_bob();
  p.headers.emplace_back("Replaces", std::string(d->id().call_id) +
                                         ";to-tag=" + std::string(d->id().remote_tag) +
                                         ";from-tag=" + std::string(d->id().local_tag));
  CallLeg second(*alice.ua, net.timers);
  int second_status = 0;
  auto flow2 = [&]() -> Task<void> { second_status = co_await second.invite(p, 30s); };
  spawn(flow2());
  net.run(1s);
  EXPECT_EQ(second_status, 200);
  ASSERT_EQ(replaced.size(), 2u);
  EXPECT_EQ(replaced[0], nullptr);
  ASSERT_NE(replaced[1], nullptr);
  EXPECT_EQ(replaced[1]->call_id(), d->id().call_id);

  InviteParams bad = call_bob();
  bad.headers.emplace_back("Replaces", "nosuchcall;to-tag=a;from-tag=b");
  CallLeg third(*alice.ua, net.timers);
  int third_status = 0;
  auto flow3 = [&]() -> Task<void> { third_status = co_await third.invite(bad, 30s); };
  spawn(flow3());
  net.run(1s);
  EXPECT_EQ(third_status, 481);
}

// RFC 3262 as UAC: a reliable 183 is PRACKed once, with RAck = RSeq, CSeq, method.
TEST(CallFlow, ReliableProvisionalIsPracked) {
  Network net;
  Host& alice = net.add("127.0.0.1");
  Host& bob = net.add("127.0.0.2");
  // Bob's UA core takes the call and leaves it ringing; his provisional
  // responses are written by hand below.
  struct Silent : dialog::UaHandler {
    std::shared_ptr<InviteSession> held;
    void on_invite(std::shared_ptr<InviteSession> s) override { held = std::move(s); }
  } silent;
  bob.ua->set_handler(&silent);
  auto session = alice.ua->invite(call_bob(), nullptr);
  ASSERT_TRUE(session.ok());
  net.run(Duration{10});
  ASSERT_FALSE(alice.sent.empty());
  auto invite = Message::parse(alice.sent.front());
  ASSERT_TRUE(invite.ok());
  EXPECT_TRUE(has_option(invite->header(HeaderId::Supported), "100rel"));
  Message p183 = make_response(*invite, 183, {}, "bobtag");
  p183.add(HeaderId::Contact, "<sip:bob@127.0.0.2:5060>");
  p183.add(HeaderId::Require, "100rel");
  p183.add(HeaderId::RSeq, "7");
  const std::string wire = p183.serialize();
  net.deliver(bob, wire, alice.address);
  net.deliver(bob, wire, alice.address);  // a retransmission: PRACKed only once
  net.run(Duration{50});
  ASSERT_EQ(count_sent(alice, "PRACK "), 1);
  for (const auto& w : alice.sent) {
    if (!w.starts_with("PRACK ")) continue;
    auto prack = Message::parse(w);
    ASSERT_TRUE(prack.ok());
    EXPECT_EQ(prack->header(HeaderId::RAck), "7 1 INVITE");
    EXPECT_EQ(prack->request_uri(), "sip:bob@127.0.0.2:5060");
  }
}

}  // namespace
}  // namespace cvw::sip::test
