// Click-to-call flows end to end over the in-memory network: cvw in the
// middle (127.0.0.1), the user's desk phone (127.0.0.2) and the callee
// (127.0.0.3), real transactions and dialogs, a manual clock. Each test is
// one outcome of issue #4: the ladder, the states the user sees, the media
// each side is pointed at, and that no dialog is left behind.
#include "calls/click_to_call.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "phones.hpp"

namespace cvw::calls::test {
namespace {

using sip::test::count_sent;

// A UA whose Contact (and so the target of in-dialog requests) is sip:USER@...
sip::dialog::UaConfig contact(const std::string& user) {
  sip::dialog::UaConfig c;
  c.contact_user = user;
  return c;
}

// Blind transfers go to the third host, shown as the user (cvwd's own
// planner, app::TransferInvites, has tests of its own); a transfer to 1099
// is refused.
class ThirdHostTransfers final : public TransferPlanner {
 public:
  std::optional<sip::dialog::InviteParams> blind_transfer(const CallInfo& call,
                                                          std::string_view user) const override {
    if (user == "1099") return std::nullopt;
    sip::dialog::InviteParams p;
    p.request_uri = "sip:" + std::string(user) + "@127.0.0.4:5060";
    p.to = "<" + p.request_uri + ">";
    p.from = "\"Alice Anders\" <" + call.owner + ">";
    p.headers = {{"P-Asserted-Identity", "\"Alice Anders\" <tel:+14255550123>"}};
    return p;
  }
};

using Endpoint = std::pair<std::string, int>;

class ClickToCallTest : public CallFlowTest {
 protected:
  ThirdHostTransfers transfers;
  Host& cvw = net.add("127.0.0.1");
  Host& phone_host = net.add("127.0.0.2", contact("1001"));
  Host& callee_host = net.add("127.0.0.3", contact("1002"));
  Host& third_host = net.add("127.0.0.4", contact("1004"));  // a transfer target
  Phone phone{net, phone_host};
  Phone callee{net, callee_host};
  Phone third{net, third_host};
  FakeMedia::Log media;
  bool anchored = false;  // the media cvw gives the call: relayed (true) or direct
  std::vector<std::string> states;
  std::unique_ptr<ClickToCall> call;
  bool done = false;

  const std::string phone_media = phone_sdp("127.0.0.2", 40000);
  const std::string callee_media = phone_sdp("127.0.0.3", 42000);

  ClickToCallPlan plan() {
    ClickToCallPlan p;
    p.info.owner = "sip:alice@example.com";
    p.info.id = "c-test";
    p.info.to = "1002";
    p.info.phone_number = "1001";
    p.phone.request_uri = "sip:1001@127.0.0.2:5060";
    p.phone.from = "\"Call Via Work\" <sip:+14255550100@example.com>";
    p.phone.headers = {{"P-Asserted-Identity", "\"Call Via Work\" <tel:+14255550100>"}};
    p.callee.request_uri = "sip:1002@127.0.0.3:5060";
    p.callee.from = "\"Alice Anders\" <sip:alice@example.com>";
    p.callee.headers = {{"P-Asserted-Identity", "\"Alice Anders\" <tel:+14255550123>"}};
    p.phone_ring_timeout = 30s;
    p.callee_ring_timeout = 60s;
    p.transfers = &transfers;
    return p;
  }

  void start(ClickToCallPlan p) {
    call = std::make_unique<ClickToCall>(*cvw.ua, net.timers, std::make_unique<FakeMedia>(media, anchored), std::move(p),
                                         [this](const Call& c) {
                                           states.emplace_back(to_string(c.info().state));
                                         });
    spawn([](ClickToCall& c, bool& flag) -> Task<void> {
      co_await c.run();
      flag = true;
    }(*call, done));
  }
  void start() { start(plan()); }

  // Connects a call, then drops everything the phone sends from now on
  // (unplugged, or its PBX gone).
  void connect_then_silence_phone() {
    phone.script = answers(phone, phone_media);
    callee.script = answers(callee, callee_media);
    start();
    net.run(5s);
    ASSERT_EQ(states.back(), "connected");
    net.drop = [this](const sip::Message&, const Host& from) { return &from == &phone_host; };
  }

  // The user's phone: answers, and `after` that transfers the callee blind
  // to `target` (REFER); then waits to be released.
  std::function<Task<void>(sip::dialog::CallLeg&)> refers(std::string target, Duration after = 5s) {
    return [this, target, after](sip::dialog::CallLeg& leg) -> Task<void> {
      phone.accept_reoffers(phone_media);
      co_await leg.answer("application/sdp", phone_media);
      co_await sleep(after);
      leg.session()->refer(target);
      co_await leg.ended();
    };
  }
  void expect_no_dialogs_left() {
    net.run(40s);  // transactions run out
    EXPECT_EQ(cvw.ua->session_count(), 0u);
    EXPECT_EQ(phone_host.ua->session_count(), 0u);
    EXPECT_EQ(callee_host.ua->session_count(), 0u);
    EXPECT_EQ(cvw.transactions->size(), 0u);
  }
  const EndReason& reason() const { return *call->info().reason; }
  // The user hangs up; the call completes and leaves nothing behind.
  void hang_up_cleanly() {
    call->hang_up();
    net.run(1s);
    ASSERT_TRUE(done);
    expect_no_dialogs_left();
  }
};

TEST_F(ClickToCallTest, ConnectsPhoneAndCalleeAndEndsWhenTheCalleeHangsUp) {
  phone.script = answers(phone, phone_media);
  callee.script = [this](sip::dialog::CallLeg& leg) -> Task<void> {
    callee.accept_reoffers(callee_media);
    leg.ring();
    co_await sleep(2s);
    co_await leg.answer("application/sdp", callee_media);
    co_await sleep(10s);
    co_await leg.hangup();
  };
  start();
  net.run(5s);
  EXPECT_EQ(states, (std::vector<std::string>{"callingPhone", "phoneRinging", "callingCallee", "calleeRinging",
                                              "connected"}));
  // The phone was offered our media and got ringback while the callee rang.
  EXPECT_EQ(media_of(phone.offers.at(0)), (std::pair<std::string, int>{"127.0.0.1", 30000}));
  // Once the phone talks to the callee, our endpoint is let go (direct media).
  EXPECT_EQ(media.events,
            (std::vector<std::string>{"play 127.0.0.2:40000 pt 0", "stop", "release"}));
  // The callee was offered the phone's media, the phone re-pointed at the callee's.
  EXPECT_EQ(media_of(callee.offers.at(0)), (std::pair<std::string, int>{"127.0.0.2", 40000}));
  ASSERT_EQ(phone.offers.size(), 2u);
  EXPECT_EQ(media_of(phone.offers.at(1)), (std::pair<std::string, int>{"127.0.0.3", 42000}));
  // Our o= line towards the phone went up by one for the re-offer (RFC 3264 §8).
  auto first = sdp::parse(phone.offers.at(0));
  auto second = sdp::parse(phone.offers.at(1));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(second->origin.session_id, first->origin.session_id);
  EXPECT_EQ(second->origin.session_version, first->origin.session_version + 1);
  // The call holds what each party described once: the phone's session gave
  // its copy of the phone's answer to the call (issue #4's memory per call).
  ASSERT_NE(call->user_side_session(), nullptr);
  EXPECT_EQ(call->user_side_session()->remote_body(), "");
  // Identities: the phone sees the global number, the callee sees the user.
  EXPECT_NE(phone.invite_wire.find("From: \"Call Via Work\" <sip:+14255550100@example.com>"), std::string::npos);
  EXPECT_NE(phone.invite_wire.find("P-Asserted-Identity: \"Call Via Work\" <tel:+14255550100>"), std::string::npos);
  EXPECT_NE(callee.invite_wire.find("From: \"Alice Anders\" <sip:alice@example.com>"), std::string::npos);

  net.run(15s);
  ASSERT_TRUE(done);
  EXPECT_EQ(states.back(), "ended");
  EXPECT_EQ(reason().code, EndCode::Completed);
  EXPECT_EQ(reason().by, Party::Callee);
  EXPECT_TRUE(call->info().connected_at.has_value());
  EXPECT_EQ(count_sent(cvw, "BYE sip:1001"), 1);  // the phone was released
  expect_no_dialogs_left();
}

TEST_F(ClickToCallTest, BusyPhoneEndsTheCallBeforeTheCalleeIsCalled) {
  phone.script = rejects(486);
  start();
  net.run(3s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::PhoneBusy);
  EXPECT_EQ(reason().sip_status, 486);
  EXPECT_EQ(callee.offers.size(), 0u);
  EXPECT_TRUE(media.events.empty());
  expect_no_dialogs_left();
}

TEST_F(ClickToCallTest, DeclinedPhone) {
  phone.script = rejects(603);
  start();
  net.run(3s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::PhoneDeclined);
}

TEST_F(ClickToCallTest, UnansweredPhoneIsCancelledAfterTheRingTime) {
  phone.script = rings_forever();
  auto p = plan();
  p.phone_ring_timeout = 5s;
  start(std::move(p));
  net.run(4s);
  EXPECT_FALSE(done);
  EXPECT_EQ(states.back(), "phoneRinging");
  net.run(2s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::PhoneNoAnswer);
  EXPECT_EQ(reason().sip_status, 0) << "nobody answered 408: our own timer ran out";
  EXPECT_EQ(reason().message, "Your phone did not answer within 5 s");
  EXPECT_EQ(count_sent(cvw, "CANCEL sip:1001"), 1);
  expect_no_dialogs_left();
}

TEST_F(ClickToCallTest, UnreachablePhone) {
  auto p = plan();
  p.phone.request_uri = "sip:1001@phone.invalid";  // no DNS, no outbound proxy: no route
  start(std::move(p));
  net.run(1s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::PhoneUnreachable);
}

TEST_F(ClickToCallTest, BusyCalleeReleasesThePhone) {
  phone.script = answers(phone, phone_media);
  callee.script = rejects(486);
  start();
  net.run(5s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::CalleeBusy);
  EXPECT_EQ(reason().by, Party::Callee);
  EXPECT_EQ(count_sent(cvw, "BYE sip:1001"), 1);
  EXPECT_EQ(media.events, (std::vector<std::string>{"play 127.0.0.2:40000 pt 0", "stop"}));
  expect_no_dialogs_left();
}

TEST_F(ClickToCallTest, CalleeOutcomesMapToReasons) {
  const std::pair<int, EndCode> cases[] = {{404, EndCode::CalleeNotFound},
                                           {480, EndCode::CalleeUnavailable},
                                           {503, EndCode::CalleeUnavailable},
                                           {603, EndCode::CalleeDeclined}};
  for (const auto& [status, code] : cases) {
    EXPECT_EQ(callee_failure(status).code, code) << status;
  }
}

TEST_F(ClickToCallTest, UnansweredCalleeIsCancelledAndThePhoneReleased) {
  phone.script = answers(phone, phone_media);
  callee.script = rings_forever();
  auto p = plan();
  p.callee_ring_timeout = 20s;
  start(std::move(p));
  net.run(25s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::CalleeNoAnswer);
  EXPECT_EQ(count_sent(cvw, "CANCEL sip:1002"), 1);
  EXPECT_EQ(count_sent(cvw, "BYE sip:1001"), 1);
  expect_no_dialogs_left();
}

TEST_F(ClickToCallTest, UserCancelsWhileThePhoneRings) {
  phone.script = rings_forever();
  start();
  net.run(2s);
  call->hang_up();
  net.run(1s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::CancelledByUser);
  EXPECT_EQ(count_sent(cvw, "CANCEL sip:1001"), 1);
  EXPECT_EQ(callee.offers.size(), 0u);
  expect_no_dialogs_left();
}

TEST_F(ClickToCallTest, UserCancelsWhileTheCalleeRings) {
  phone.script = answers(phone, phone_media);
  callee.script = rings_forever();
  start();
  net.run(3s);
  EXPECT_EQ(states.back(), "calleeRinging");
  call->hang_up();
  net.run(1s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::CancelledByUser);
  EXPECT_EQ(count_sent(cvw, "CANCEL sip:1002"), 1);
  EXPECT_EQ(count_sent(cvw, "BYE sip:1001"), 1);
  expect_no_dialogs_left();
}

TEST_F(ClickToCallTest, PhoneHangingUpWhileTheCalleeRingsCancelsTheCallee) {
  phone.script = [this](sip::dialog::CallLeg& leg) -> Task<void> {
    co_await leg.answer("application/sdp", phone_media);
    co_await sleep(3s);
    co_await leg.hangup();
  };
  callee.script = rings_forever();
  start();
  net.run(5s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::PhoneHungUp);
  EXPECT_EQ(count_sent(cvw, "CANCEL sip:1002"), 1);
  EXPECT_EQ(count_sent(cvw, "BYE "), 0);  // the phone ended its own leg
  expect_no_dialogs_left();
}

TEST_F(ClickToCallTest, PhoneRefusingTheReinviteReleasesBothLegs) {
  phone.script = [this](sip::dialog::CallLeg& leg) -> Task<void> {
    // No offer_handler: re-offers are refused with 488.
    co_await leg.answer("application/sdp", phone_media);
  };
  callee.script = answers(callee, callee_media);
  start();
  net.run(5s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::MediaUpdateFailed);
  EXPECT_EQ(reason().sip_status, 488);
  EXPECT_EQ(count_sent(cvw, "BYE sip:1001"), 1);
  EXPECT_EQ(count_sent(cvw, "BYE sip:1002"), 1);
  expect_no_dialogs_left();
}

// The phone re-INVITEs (a hold) at the very moment cvw re-INVITEs it to
// point it at the callee: each side gets a 491 (RFC 3261 §14.1). The phone,
// not the owner of the Call-ID, retries first and cvw answers it; cvw's
// waiting offer is then stale, so cvw offers anew. Sent as it was, it would
// have gone back an o= version (RFC 3264 §8) and offered sendrecv to a
// phone that had just put the call on hold. The fresh offer respects the
// hold, and once connected the callee is told of it.
TEST_F(ClickToCallTest, AGlareWithThePhonesOwnReinviteEndsInAFreshOffer) {
  phone.script = answers(phone, phone_media);
  callee.script = answers(callee, callee_media);
  bool crossed = false;
  net.drop = [this, &crossed](const sip::Message& m, const Host& from) {
    if (!crossed && &from == &cvw && m.method() == sip::Method::Invite &&
        m.request_uri().starts_with("sip:1001@") &&
        m.header(sip::HeaderId::To).find(";tag=") != std::string_view::npos) {
      crossed = true;
      std::string hold = phone_sdp("127.0.0.2", 40000, 2);  // the user puts the call on hold
      hold.replace(hold.find("a=sendrecv"), 10, "a=sendonly");
      phone.legs.at(0)->session()->reinvite("application/sdp", hold);
    }
    return false;
  };
  start();
  net.run(10s);
  ASSERT_TRUE(crossed);
  ASSERT_EQ(states.back(), "connected");
  EXPECT_EQ(count_sent(phone_host, "SIP/2.0 491"), 1);
  EXPECT_EQ(count_sent(cvw, "SIP/2.0 491"), 1);
  EXPECT_EQ(media_of(phone.offers.back()), (std::pair<std::string, int>{"127.0.0.3", 42000}));

  // The fresh offer keeps the call on hold (the callee only receives), and
  // the callee was re-INVITEd with the phone's hold.
  EXPECT_EQ(direction_of(phone.offers.back()), "recvonly");
  ASSERT_EQ(callee.offers.size(), 2u);
  EXPECT_EQ(direction_of(callee.offers.back()), "sendonly");
  EXPECT_EQ(media_of(callee.offers.back()), (std::pair<std::string, int>{"127.0.0.2", 40000}));

  // Every description cvw sent the phone, in order: its o= version never
  // goes back (1 the INVITE, 2 the glared offer, 3 the answer to the phone's
  // hold, and the fresh offer, the same description as that answer, so
  // still 3; retransmissions repeat one).
  auto ours = sdp::parse(phone.offers.at(0));
  ASSERT_TRUE(ours);
  std::vector<std::uint64_t> versions;
  for (const std::string& wire : cvw.sent) {
    Result<sip::Message> m = sip::Message::parse(wire);
    if (!m || m->body().empty()) continue;
    auto described = sdp::parse(m->body());
    if (described && described->origin.session_id == ours->origin.session_id &&
        described->origin.username == ours->origin.username)
      versions.push_back(described->origin.session_version);
  }
  EXPECT_TRUE(std::is_sorted(versions.begin(), versions.end()))
      << ::testing::PrintToString(versions);
  EXPECT_EQ(std::set<std::uint64_t>(versions.begin(), versions.end()).size(), 3u)
      << ::testing::PrintToString(versions);
  hang_up_cleanly();
}

// A phone that never answers the re-INVITE (here it never gets it): Timer B
// ends the update with 408. That is a failed update, not the user hanging
// up, and the phone, which may still hold the call, is sent a BYE.
TEST_F(ClickToCallTest, PhoneNeverAnsweringTheReinviteReleasesBothLegs) {
  phone.script = answers(phone, phone_media);
  callee.script = answers(callee, callee_media);
  net.drop = [this](const sip::Message& m, const Host& from) {
    return &from == &cvw && m.method() == sip::Method::Invite &&
           m.header(sip::HeaderId::To).find(";tag=") != std::string_view::npos;
  };
  start();
  net.run(30s);
  EXPECT_FALSE(done) << "Timer B (32 s) has not fired yet";
  net.run(10s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::MediaUpdateFailed);
  EXPECT_EQ(reason().sip_status, 408);
  EXPECT_GE(count_sent(cvw, "BYE sip:1001"), 1);
  EXPECT_GE(count_sent(cvw, "BYE sip:1002"), 1);
  expect_no_dialogs_left();
}

TEST_F(ClickToCallTest, UserHangsUpAConnectedCall) {
  phone.script = answers(phone, phone_media);
  callee.script = answers(callee, callee_media);
  start();
  net.run(5s);
  EXPECT_EQ(states.back(), "connected");
  call->hang_up();
  net.run(1s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::Completed);
  EXPECT_EQ(reason().by, Party::User);
  EXPECT_EQ(count_sent(cvw, "BYE sip:1001"), 1);
  EXPECT_EQ(count_sent(cvw, "BYE sip:1002"), 1);
  expect_no_dialogs_left();
}

// The user hangs up while the phone has gone silent (unplugged, its PBX
// down): the call ends for the user at once, not when the phone's BYE
// times out (Timer F, 32 s).
TEST_F(ClickToCallTest, HangingUpAroundASilentPhoneEndsTheCallAtOnce) {
  connect_then_silence_phone();
  call->hang_up();
  net.run(1s);
  EXPECT_TRUE(done) << "still not ended 1 s after the user hung up";
  net.run(40s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::Completed);
  EXPECT_EQ(reason().by, Party::User);
  expect_no_dialogs_left();
}

// A connected phone that goes silent for good: the session timer's refresh
// (or its expiry) finds it gone, and the call ends as lost, by the phone,
// not as a hang-up.
TEST_F(ClickToCallTest, APhoneThatGoesSilentMidCallIsReportedLost) {
  connect_then_silence_phone();
  net.run(2000s);  // beyond the 1,800 s interval and the refresh's own timeout
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::SessionExpired) << reason().message;
  EXPECT_EQ(reason().by, Party::Phone);
  EXPECT_NE(reason().message.find("The call was lost"), std::string::npos) << reason().message;
  EXPECT_GE(count_sent(cvw, "BYE sip:1002"), 1);
}

TEST_F(ClickToCallTest, PhoneHangsUpAConnectedCall) {
  phone.script = [this](sip::dialog::CallLeg& leg) -> Task<void> {
    phone.accept_reoffers(phone_media);
    co_await leg.answer("application/sdp", phone_media);
    co_await sleep(20s);
    co_await leg.hangup();
  };
  callee.script = answers(callee, callee_media);
  start();
  net.run(25s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::Completed);
  EXPECT_EQ(reason().by, Party::Phone);
  EXPECT_EQ(count_sent(cvw, "BYE sip:1002"), 1);
  expect_no_dialogs_left();
}

TEST_F(ClickToCallTest, EarlyMediaFromTheCalleeStopsTheRingback) {
  phone.script = answers(phone, phone_media);
  callee.script = [this](sip::dialog::CallLeg& leg) -> Task<void> {
    callee.accept_reoffers(callee_media);
    co_await sleep(1s);
    leg.session()->ring(183, "application/sdp", callee_media);
    co_await sleep(3s);
    co_await leg.answer("application/sdp", callee_media);
  };
  start();
  net.run(3s);
  EXPECT_EQ(states.back(), "calleeRinging");
  EXPECT_EQ(media.events, (std::vector<std::string>{"play 127.0.0.2:40000 pt 0", "stop"}));
  net.run(5s);
  EXPECT_EQ(states.back(), "connected");
  call->hang_up();
  net.run(1s);
  expect_no_dialogs_left();
}

// The phone re-offers while it hears the ringback: the tone follows it to
// its new port, stops while it holds, and comes back when it resumes.
TEST_F(ClickToCallTest, TheRingbackFollowsAPhoneThatMovesOrHoldsWhileTheCalleeRings) {
  phone.script = [&](sip::dialog::CallLeg& leg) -> Task<void> {
    phone.accept_reoffers(phone_media);
    co_await leg.answer("application/sdp", phone_media);
    co_await sleep(1s);
    co_await leg.reinvite("application/sdp", phone_sdp("127.0.0.2", 40100, 2));
    std::string held = phone_sdp("127.0.0.2", 40100, 3);
    held.replace(held.find("a=sendrecv"), 10, "a=sendonly");
    co_await leg.reinvite("application/sdp", held);
    co_await leg.reinvite("application/sdp", phone_sdp("127.0.0.2", 40100, 4));
    phone.accept_reoffers(phone_sdp("127.0.0.2", 40100, 5));  // where it is now
    co_await leg.ended();
  };
  callee.script = answers(callee, callee_media, 5s);
  start();
  net.run(4s);
  EXPECT_EQ(states.back(), "calleeRinging");
  EXPECT_EQ(media.events, (std::vector<std::string>{"play 127.0.0.2:40000 pt 0", "stop",
                                                    "play 127.0.0.2:40100 pt 0", "stop",
                                                    "play 127.0.0.2:40100 pt 0"}));
  net.run(3s);
  EXPECT_EQ(states.back(), "connected");
  // The callee's INVITE had gone before the phone moved: once connected,
  // it is re-INVITEd with where the phone is now.
  ASSERT_EQ(callee.offers.size(), 2u);
  EXPECT_EQ(media_of(callee.offers.at(0)), (Endpoint{"127.0.0.2", 40000}));
  EXPECT_EQ(media_of(callee.offers.back()), (Endpoint{"127.0.0.2", 40100}));
  EXPECT_EQ(direction_of(callee.offers.back()), "sendrecv");
  hang_up_cleanly();
}

TEST_F(ClickToCallTest, PhoneAnsweringWithoutMediaIsReleased) {
  const std::string rejected_all =
      "v=0\r\no=phone 7 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n";
  phone.script = answers(phone, rejected_all);
  start();
  net.run(3s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::Failed);
  EXPECT_EQ(count_sent(cvw, "BYE sip:1001"), 1);
  EXPECT_EQ(callee.offers.size(), 0u);
  expect_no_dialogs_left();
}


// --- transfers from the phone ------------------------------------------------

TEST_F(ClickToCallTest, BlindTransferFromThePhoneConnectsTheCalleeToTheTarget) {
  const std::string third_media = phone_sdp("127.0.0.4", 44000);
  phone.script = refers("sip:1004@127.0.0.1");
  callee.script = answers(callee, callee_media);
  third.script = [this, third_media](sip::dialog::CallLeg& leg) -> Task<void> {
    third.accept_reoffers(third_media);
    leg.ring();
    co_await sleep(1s);
    co_await leg.answer("application/sdp", third_media);
    co_await sleep(10s);
    co_await leg.hangup();
  };
  start();
  net.run(4s);
  EXPECT_EQ(states.back(), "connected");
  net.run(4s);
  // The target was called with the callee's media, the callee re-pointed at
  // the target, the phone told (NOTIFY 200) and released.
  ASSERT_EQ(third.offers.size(), 1u);
  EXPECT_EQ(media_of(third.offers[0]), (std::pair<std::string, int>{"127.0.0.3", 42000}));
  EXPECT_NE(third.invite_wire.find("INVITE sip:1004@127.0.0.4:5060 SIP/2.0"), std::string::npos);
  // It is called as the callee was: by the user's work identity.
  EXPECT_NE(third.invite_wire.find("From: \"Alice Anders\" <sip:alice@example.com>;tag="),
            std::string::npos)
      << third.invite_wire;
  EXPECT_NE(third.invite_wire.find("P-Asserted-Identity: \"Alice Anders\" <tel:+14255550123>\r\n"),
            std::string::npos);
  EXPECT_NE(third.invite_wire.find("To: <sip:1004@127.0.0.4:5060>\r\n"), std::string::npos);
  ASSERT_GE(callee.offers.size(), 2u);
  EXPECT_EQ(media_of(callee.offers.back()), (std::pair<std::string, int>{"127.0.0.4", 44000}));
  EXPECT_EQ(count_sent(cvw, "BYE sip:1001"), 1);
  int notify_200 = 0;
  for (const auto& w : cvw.sent) notify_200 += w.starts_with("NOTIFY ") && w.find("SIP/2.0 200") != std::string::npos;
  EXPECT_EQ(notify_200, 1);
  EXPECT_EQ(call->info().transfer_kind, TransferKind::Blind);
  EXPECT_EQ(call->info().transferred_to, "sip:1004@127.0.0.4:5060");
  EXPECT_EQ(states.back(), "connected") << "the call goes on between the callee and the target";
  net.run(10s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::Completed);
  EXPECT_EQ(count_sent(cvw, "BYE sip:1002"), 1) << "the callee is released when the target hangs up";
  expect_no_dialogs_left();
}

TEST_F(ClickToCallTest, FailedBlindTransferKeepsTheCall) {
  phone.script = refers("sip:1004@127.0.0.1");
  callee.script = answers(callee, callee_media);
  third.script = rejects(486);
  start();
  net.run(10s);
  int notify_486 = 0;
  for (const auto& w : cvw.sent) notify_486 += w.starts_with("NOTIFY ") && w.find("SIP/2.0 486") != std::string::npos;
  EXPECT_EQ(notify_486, 1);
  EXPECT_EQ(states.back(), "connected");
  EXPECT_EQ(call->info().transfer_kind, TransferKind::None);
  EXPECT_EQ(count_sent(cvw, "BYE "), 0);
  call->hang_up();
  net.run(1s);
  ASSERT_TRUE(done);
  expect_no_dialogs_left();
}

TEST_F(ClickToCallTest, ABlindTransferThePlannerRefusesIsDeclinedAndTheCallGoesOn) {
  phone.script = refers("sip:1099@127.0.0.1");
  callee.script = answers(callee, callee_media);
  start();
  net.run(10s);
  EXPECT_EQ(count_sent(cvw, "SIP/2.0 603"), 1) << "the REFER is declined";
  EXPECT_EQ(count_sent(cvw, "INVITE sip:1099"), 0);
  EXPECT_EQ(count_sent(cvw, "NOTIFY "), 0);
  EXPECT_EQ(states.back(), "connected");
  EXPECT_EQ(call->info().transfer_kind, TransferKind::None);
  call->hang_up();
  net.run(1s);
  ASSERT_TRUE(done);
  expect_no_dialogs_left();
}

class TransferTest : public ClickToCallTest {
 protected:
  void SetUp() override {
    cvw.ua->set_handler(&router);
    phone.script = [this](sip::dialog::CallLeg& leg) -> Task<void> {
      phone.accept_reoffers(phone_media);
      co_await leg.answer("application/sdp", phone_media);
      co_await leg.ended();
    };
    callee.script = answers(callee, callee_media);
  }
  void TearDown() override { cvw.ua->set_handler(nullptr); }
  sip::test::AnswersReoffers carol_answers;  // the new party's re-offers

  // The new party (as the phone's PBX would, after a consultation call)
  // INVITEs cvw with Replaces naming cvw's dialog with the phone; `status`
  // gets the final answer.
  void replace_phone(sip::dialog::CallLeg& carol, const std::string& sdp, int& status) {
    const sip::dialog::Dialog* d = phone.legs.at(0)->session()->dialog();
    ASSERT_NE(d, nullptr);
    sip::dialog::InviteParams p;
    p.request_uri = "sip:cvw@127.0.0.1:5060";
    p.from = "\"Carol\" <sip:1004@127.0.0.4>";
    p.body = sdp;
    p.headers.emplace_back("Replaces", std::string(d->id().call_id) +
                                           ";to-tag=" + std::string(d->id().remote_tag) +
                                           ";from-tag=" + std::string(d->id().local_tag));
    carol_answers.answer = sdp;
    carol.observe(&carol_answers);
    spawn([](sip::dialog::CallLeg& leg, sip::dialog::InviteParams params, int& out) -> Task<void> {
      out = co_await leg.invite(params, 30s);
    }(carol, p, status));
  }
  void start_connected() {
    start();
    router.call = call.get();
    net.run(4s);
    ASSERT_EQ(states.back(), "connected");
  }

  // cvw's handling of INVITEs with Replaces (what calls::CallRouter does in cvwd).
  struct ReplacesRouter : sip::dialog::UaHandler {
    ClickToCall* call = nullptr;
    void on_invite(std::shared_ptr<sip::dialog::InviteSession> session) override {
      if (call == nullptr || !call->accept_replacement(session)) session->reject(486);
    }
  } router;
  const std::string third_media = phone_sdp("127.0.0.4", 44000);
};

TEST_F(TransferTest, AttendedTransferReplacesThePhoneLeg) {
  start_connected();

  sip::dialog::CallLeg carol(*third_host.ua, net.timers);
  int carol_status = 0;
  replace_phone(carol, third_media, carol_status);
  net.run(2s);
  EXPECT_EQ(carol_status, 200);
  // Carol got the callee's media in cvw's answer; the callee was re-pointed at Carol.
  EXPECT_EQ(media_of(carol.remote_body()), (std::pair<std::string, int>{"127.0.0.3", 42000}));
  EXPECT_EQ(media_of(callee.offers.back()), (std::pair<std::string, int>{"127.0.0.4", 44000}));
  EXPECT_EQ(count_sent(cvw, "BYE sip:1001"), 1) << "the replaced dialog is ended by cvw";
  EXPECT_EQ(call->info().transfer_kind, TransferKind::Attended);
  EXPECT_EQ(call->info().transferred_to, "\"Carol\" <sip:1004@127.0.0.4>")
      << "who, without the From tag";
  EXPECT_EQ(states.back(), "connected");
  // Carol hangs up: the callee is released, the call completed.
  spawn([](sip::dialog::CallLeg& leg) -> Task<void> { co_await leg.hangup(); }(carol));
  net.run(2s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::Completed);
  EXPECT_EQ(count_sent(cvw, "BYE sip:1002"), 1);
  expect_no_dialogs_left();
}

// --- anchored media: the relay instead of pointing the phones at each other --

TEST_F(ClickToCallTest, AnchoredMediaJoinsBothSidesThroughTheRelayWithoutAReinvite) {
  anchored = true;
  phone.script = answers(phone, phone_media);
  callee.script = answers(callee, callee_media, 2s);
  start();
  net.run(5s);
  EXPECT_EQ(states.back(), "connected");
  // The callee was offered cvw's second endpoint with the formats the phone
  // answered with (what the relay passes through must suit both).
  ASSERT_EQ(callee.offers.size(), 1u);
  EXPECT_EQ(media_of(callee.offers[0]), (Endpoint{"127.0.0.1", 30002}));
  auto offer = sdp::parse(callee.offers[0]);
  ASSERT_TRUE(offer && offer->media.size() == 1);
  EXPECT_EQ(offer->media[0].formats, (std::vector<std::string>{"0", "8"}));
  EXPECT_EQ(phone.offers.size(), 1u) << "no re-INVITE of the phone";
  EXPECT_EQ(media.events, (std::vector<std::string>{"play 127.0.0.2:40000 pt 0", "stop",
                                                    "relay 127.0.0.2:40000 <-> 127.0.0.3:42000"}));
  hang_up_cleanly();
  EXPECT_EQ(reason().code, EndCode::Completed);
}

TEST_F(ClickToCallTest, AnchoredEarlyMediaIsRelayedInPlaceOfTheRingback) {
  anchored = true;
  phone.script = answers(phone, phone_media);
  callee.script = [this](sip::dialog::CallLeg& leg) -> Task<void> {
    co_await sleep(1s);
    leg.session()->ring(183, "application/sdp", callee_media);
    co_await sleep(3s);
    co_await leg.answer("application/sdp", callee_media);
  };
  start();
  net.run(3s);
  EXPECT_EQ(states.back(), "calleeRinging");
  EXPECT_EQ(media.events, (std::vector<std::string>{"play 127.0.0.2:40000 pt 0", "stop",
                                                    "relay 127.0.0.2:40000 <-> 127.0.0.3:42000"}));
  net.run(5s);
  EXPECT_EQ(states.back(), "connected");
  EXPECT_EQ(phone.offers.size(), 1u);
  hang_up_cleanly();
}

TEST_F(ClickToCallTest, AnchoredRelayFollowsAPartyThatMovesOrHoldsItsMedia) {
  anchored = true;
  const std::string held =
      "v=0\r\no=phone 7 3 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
      "m=audio 40100 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendonly\r\n";
  int moved = 0;
  int hold = 0;
  phone.script = [&](sip::dialog::CallLeg& leg) -> Task<void> {
    phone.accept_reoffers(phone_media);
    co_await leg.answer("application/sdp", phone_media);
    co_await sleep(5s);
    moved = co_await leg.reinvite("application/sdp", phone_sdp("127.0.0.2", 40100, 2));
    co_await sleep(1s);
    hold = co_await leg.reinvite("application/sdp", held);
    co_await leg.ended();
  };
  callee.script = [this](sip::dialog::CallLeg& leg) -> Task<void> {
    callee.accept_reoffers(callee_media);
    co_await leg.answer("application/sdp", callee_media);
    co_await sleep(10s);
    co_await leg.reinvite("application/sdp", phone_sdp("127.0.0.3", 42200, 2));
    co_await leg.ended();
  };
  start();
  net.run(5500ms);
  // The phone moved: answered with cvw's own endpoint, the relay re-pointed,
  // the callee not bothered.
  EXPECT_EQ(moved, 200);
  EXPECT_EQ(media_of(phone.legs.at(0)->remote_body()), (Endpoint{"127.0.0.1", 30000}));
  EXPECT_EQ(media.events.back(), "relay 127.0.0.2:40100 <-> 127.0.0.3:42000");
  net.run(1s);
  EXPECT_EQ(hold, 200);
  EXPECT_EQ(media.events.back(), "relay none <-> 127.0.0.3:42000") << "nothing is sent to 0.0.0.0";
  net.run(5s);
  // The callee moved too: answered with cvw's callee-side endpoint.
  EXPECT_EQ(media_of(callee.legs.at(0)->remote_body()), (Endpoint{"127.0.0.1", 30002}));
  EXPECT_EQ(media.events.back(), "relay none <-> 127.0.0.3:42200");
  EXPECT_EQ(callee.offers.size(), 1u);
  EXPECT_EQ(phone.offers.size(), 1u);
  EXPECT_EQ(states.back(), "connected");
  hang_up_cleanly();
}

// Direct media: what one party changes in a re-offer reaches the other in a
// re-INVITE (RFC 3725 §4), or its RTP would keep going to the old address
// (a PBX that re-anchors its media, a desk phone's hold). A refresh that
// changes nothing is answered and goes no further.
TEST_F(ClickToCallTest, DirectMediaPassesAPartysMoveHoldAndResumeToTheOther) {
  std::vector<int> phone_results;
  int callee_result = 0;
  phone.script = [&](sip::dialog::CallLeg& leg) -> Task<void> {
    phone.accept_reoffers(phone_media);
    co_await leg.answer("application/sdp", phone_media);
    co_await sleep(5s);
    // The same description again (a session refresh): nothing to pass on.
    phone_results.push_back(co_await leg.reinvite("application/sdp", phone_media));
    co_await sleep(1s);
    // Moved (a PBX re-anchoring its media, say).
    const std::string moved = phone_sdp("127.0.0.2", 40100, 2);
    phone_results.push_back(co_await leg.reinvite("application/sdp", moved));
    co_await sleep(1s);
    std::string held = phone_sdp("127.0.0.2", 40100, 3);
    held.replace(held.find("a=sendrecv"), 10, "a=sendonly");
    phone_results.push_back(co_await leg.reinvite("application/sdp", held));
    co_await sleep(1s);
    phone_results.push_back(
        co_await leg.reinvite("application/sdp", phone_sdp("127.0.0.2", 40100, 4)));
    phone.accept_reoffers(phone_sdp("127.0.0.2", 40100, 5));  // where it is now
    co_await leg.ended();
  };
  callee.script = [&](sip::dialog::CallLeg& leg) -> Task<void> {
    callee.accept_reoffers(callee_media);
    co_await leg.answer("application/sdp", callee_media);
    co_await sleep(10s);
    callee.accept_reoffers(phone_sdp("127.0.0.3", 42200, 3));
    callee_result = co_await leg.reinvite("application/sdp", phone_sdp("127.0.0.3", 42200, 2));
    co_await leg.ended();
  };
  start();
  net.run(5500ms);
  ASSERT_EQ(states.back(), "connected");
  ASSERT_EQ(phone_results, (std::vector<int>{200}));
  EXPECT_EQ(callee.offers.size(), 1u) << "a refresh is not passed on";
  // The phone was answered on the callee's behalf.
  EXPECT_EQ(media_of(phone.legs.at(0)->remote_body()), (Endpoint{"127.0.0.3", 42000}));

  net.run(1s);
  ASSERT_EQ(phone_results.size(), 2u);
  EXPECT_EQ(phone_results.back(), 200);
  ASSERT_EQ(callee.offers.size(), 2u);
  EXPECT_EQ(media_of(callee.offers.back()), (Endpoint{"127.0.0.2", 40100}));
  EXPECT_EQ(direction_of(callee.offers.back()), "sendrecv");

  net.run(1s);
  ASSERT_EQ(phone_results.size(), 3u);
  EXPECT_EQ(phone_results.back(), 200);
  EXPECT_EQ(direction_of(phone.legs.at(0)->remote_body()), "recvonly");
  ASSERT_EQ(callee.offers.size(), 3u);
  EXPECT_EQ(direction_of(callee.offers.back()), "sendonly") << "the hold reached the callee";

  net.run(1s);
  ASSERT_EQ(phone_results.size(), 4u);
  ASSERT_EQ(callee.offers.size(), 4u);
  EXPECT_EQ(direction_of(callee.offers.back()), "sendrecv") << "and so did the resume";
  EXPECT_EQ(direction_of(phone.legs.at(0)->remote_body()), "sendrecv");

  // The callee moves: the phone follows. Its first offer was the INVITE,
  // its second cvw's re-INVITE pointing it at the callee.
  net.run(2s);
  EXPECT_EQ(callee_result, 200);
  ASSERT_EQ(phone.offers.size(), 3u) << ::testing::PrintToString(phone.offers);
  EXPECT_EQ(media_of(phone.offers.back()), (Endpoint{"127.0.0.3", 42200}));
  EXPECT_EQ(direction_of(phone.offers.back()), "sendrecv");
  // Every description cvw sent the callee went up by one o= version.
  std::vector<std::uint64_t> versions;
  for (const std::string& offer : callee.offers)
    versions.push_back(sdp::parse(offer)->origin.session_version);
  for (std::size_t i = 1; i < versions.size(); ++i) EXPECT_EQ(versions[i], versions[i - 1] + 1);
  EXPECT_EQ(states.back(), "connected");
  hang_up_cleanly();
}

// The callee refuses the phone's new media (488): the call stays up as it
// was, and nothing is retried in a loop.
TEST_F(ClickToCallTest, DirectMediaARefusedUpdateLeavesTheCallUp) {
  int moved = 0;
  phone.script = [&](sip::dialog::CallLeg& leg) -> Task<void> {
    phone.accept_reoffers(phone_media);
    co_await leg.answer("application/sdp", phone_media);
    co_await sleep(5s);
    moved = co_await leg.reinvite("application/sdp", phone_sdp("127.0.0.2", 40100, 2));
    co_await leg.ended();
  };
  callee.script = [&](sip::dialog::CallLeg& leg) -> Task<void> {
    callee.accept_reoffers("");  // refuses every re-offer
    co_await leg.answer("application/sdp", callee_media);
    co_await leg.ended();
  };
  start();
  net.run(10s);
  EXPECT_EQ(moved, 200);
  EXPECT_EQ(callee.offers.size(), 2u) << "one update, refused, not retried";
  EXPECT_EQ(count_sent(callee_host, "SIP/2.0 488"), 1);
  EXPECT_EQ(states.back(), "connected");
  hang_up_cleanly();
}

TEST_F(TransferTest, AnchoredAttendedTransferMovesTheRelayAndLeavesTheCalleeAlone) {
  anchored = true;
  start_connected();
  sip::dialog::CallLeg carol(*third_host.ua, net.timers);
  int carol_status = 0;
  replace_phone(carol, third_media, carol_status);
  net.run(2s);
  EXPECT_EQ(carol_status, 200);
  EXPECT_EQ(media_of(carol.remote_body()), (Endpoint{"127.0.0.1", 30000})) << "Carol talks to cvw's relay";
  EXPECT_EQ(media.events.back(), "relay 127.0.0.4:44000 <-> 127.0.0.3:42000");
  EXPECT_EQ(callee.offers.size(), 1u) << "no re-INVITE of the callee";
  EXPECT_EQ(count_sent(cvw, "BYE sip:1001"), 1);
  EXPECT_EQ(call->info().transfer_kind, TransferKind::Attended);
  spawn([](sip::dialog::CallLeg& leg) -> Task<void> { co_await leg.hangup(); }(carol));
  net.run(2s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::Completed);
  expect_no_dialogs_left();
}

TEST_F(ClickToCallTest, AnchoredBlindTransferMovesTheRelayAndLeavesTheCalleeAlone) {
  anchored = true;
  const std::string third_media = phone_sdp("127.0.0.4", 44000);
  phone.script = refers("sip:1004@127.0.0.1");
  callee.script = answers(callee, callee_media);
  third.script = answers(third, third_media);
  start();
  net.run(8s);
  ASSERT_EQ(third.offers.size(), 1u);
  EXPECT_EQ(media_of(third.offers[0]), (Endpoint{"127.0.0.1", 30000})) << "the target is offered cvw's relay";
  EXPECT_EQ(media.events.back(), "relay 127.0.0.4:44000 <-> 127.0.0.3:42000");
  EXPECT_EQ(callee.offers.size(), 1u) << "no re-INVITE of the callee";
  EXPECT_EQ(count_sent(cvw, "BYE sip:1001"), 1);
  EXPECT_EQ(call->info().transfer_kind, TransferKind::Blind);
  EXPECT_EQ(states.back(), "connected");
  hang_up_cleanly();
}

}  // namespace
}  // namespace cvw::calls::test
