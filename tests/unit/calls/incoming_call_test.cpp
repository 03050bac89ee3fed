// Incoming calls end to end over the in-memory network (issue #5): a caller
// on the trunk (127.0.0.5) calls a user whose UC clients (127.0.0.6, .7)
// and PBX phone (127.0.0.2) ring at the same time; the callback phone for an
// accept in the client is 127.0.0.4. Each test is one rule of the issue: who
// wins, what the losers are told (RFC 3326 Reason), what the caller gets, the
// states and the end reason, and that no dialog is left behind.
#include <gtest/gtest.h>

#include "calls/incoming_call.hpp"
#include "phones.hpp"

namespace cvw::calls::test {
namespace {

using sip::test::count_sent;

constexpr std::string_view kElsewhere = "Reason: SIP;cause=200;text=\"Call completed elsewhere\"";


// The forwarding target: the callback host stands in for it.
sip::dialog::InviteParams forwarding_target() {
  sip::dialog::InviteParams p;
  p.request_uri = "sip:+14255550177@127.0.0.4:5060";
  p.from = "\"Carol\" <sip:+14255550199@example.com>";
  return p;
}

class IncomingCallTest : public CallFlowTest {
 protected:
  Host& cvw = net.add("127.0.0.1");
  Host& phone_host = net.add("127.0.0.2");
  Host& callback_host = net.add("127.0.0.4");
  Host& caller_host = net.add("127.0.0.5");
  Host& client_host = net.add("127.0.0.6");
  Host& client2_host = net.add("127.0.0.7");
  Phone phone{net, phone_host};
  Phone callback_phone{net, callback_host};
  Phone client{net, client_host};
  Phone client2{net, client2_host};
  InviteReceiver receiver;  // starts an IncomingCall for every INVITE cvw receives
  std::unique_ptr<IncomingCall> call;
  Task<void> flow;
  std::vector<std::string> states;
  bool done = false;

  // The caller's side: its leg and what its INVITE completed with.
  sip::test::AnswersReoffers caller_answers;  // the caller's answers to re-offers
  sip::dialog::CallLeg caller{*caller_host.ua, net.timers};
  int caller_status = 0;
  Task<void> caller_flow;

  const std::string caller_media = phone_sdp("127.0.0.5", 44000);
  const std::string client_media = phone_sdp("127.0.0.6", 46000);
  const std::string phone_media = phone_sdp("127.0.0.2", 40000);
  const std::string callback_media = phone_sdp("127.0.0.4", 48000);

  IncomingCallTest() {
    receiver.take = [this](std::shared_ptr<sip::dialog::InviteSession> session) {
      call = std::make_unique<IncomingCall>(*cvw.ua, net.timers, std::move(session), plan(),
                                            [this](const Call& c) { states.emplace_back(to_string(c.info().state)); });
      flow = [](IncomingCall& c, bool& flag) -> Task<void> {
        co_await c.run();
        flag = true;
      }(*call, done);
      flow.start();
    };
    cvw.ua->set_handler(&receiver);
  }

  // What the application would decide: both clients, the PBX phone, and a
  // callback phone for accept().
  std::vector<RingBranch> branches{
      RingBranch{BranchKind::Client, {"sip:alice@127.0.0.6:5060", "<sip:alice@example.com>", "\"Carol\" <sip:+14255550199@example.com>", "", "", {}}},
      RingBranch{BranchKind::Phone, {"sip:1001@127.0.0.2:5060", "<sip:1001@example.com>", "\"Carol\" <sip:+14255550199@example.com>", "", "", {}}},
  };
  bool with_callback = true;
  std::optional<sip::dialog::InviteParams> forward_to;
  IncomingCallPlan plan() {
    IncomingCallPlan p;
    p.info.id = "c-in";
    p.info.owner = "sip:alice@example.com";
    p.info.to = "sip:alice@example.com";
    p.info.from = "\"Carol\" <sip:+14255550199@example.com>";
    p.branches = branches;
    p.ring_timeout = 20s;
    if (with_callback) {
      sip::dialog::InviteParams cb;
      cb.request_uri = "sip:1001@127.0.0.4:5060";
      cb.from = "\"Carol\" <sip:+14255550199@example.com>";
      p.callback = cb;
    }
    p.callback_ring_timeout = 30s;
    p.forward = forward_to;
    p.forward_ring_timeout = 40s;
    return p;
  }

  // The caller places its call (with `body` as the offer) and, if told to,
  // hangs up `hang_up_after` after it was answered (or cancels while it rings
  // when `cancel_after` is set).
  void place_call(std::string body, std::optional<Duration> cancel_after = std::nullopt) {
    caller_answers.answer = caller_media;
    caller.observe(&caller_answers);
    sip::dialog::InviteParams p;
    p.request_uri = "sip:alice@127.0.0.1:5060";
    p.from = "\"Carol\" <sip:+14255550199@example.com>";
    p.body = std::move(body);
    caller_flow = [](IncomingCallTest& t, sip::dialog::InviteParams params) -> Task<void> {
      t.caller_status = co_await t.caller.invite(params, 120s);
    }(*this, std::move(p));
    caller_flow.start();
    if (cancel_after) {
      net.timers.schedule(*cancel_after, [this] { caller.hangup(); });
    }
  }
  void place_call() { place_call(caller_media); }

  // The requests cvw sent to `host` starting with `start` (and carrying
  // `with`, when given).
  int sent_to(const Host& host, std::string_view start, std::string_view with = {}) const {
    int n = 0;
    const std::string where = "@" + host.address.address.to_string() + ":5060";
    for (const std::string& w : cvw.sent) {
      if (!w.starts_with(start) || w.substr(0, w.find('\r')).find(where) == std::string::npos) continue;
      if (with.empty() || w.find(with) != std::string::npos) ++n;
    }
    return n;
  }
  int cancels_to(const Host& host, std::string_view reason) const { return sent_to(host, "CANCEL sip:", reason); }
  void expect_no_dialogs_left() {
    net.run(40s);
    EXPECT_EQ(cvw.ua->session_count(), 0u);
    EXPECT_EQ(caller_host.ua->session_count(), 0u);
    EXPECT_EQ(client_host.ua->session_count(), 0u);
    EXPECT_EQ(phone_host.ua->session_count(), 0u);
    EXPECT_EQ(cvw.transactions->size(), 0u);
  }
  const EndReason& reason() const { return *call->info().reason; }
  // The user ends the call from the client; it completes and leaves nothing behind.
  void hang_up_cleanly() {
    call->hang_up();
    net.run(1s);
    ASSERT_TRUE(done);
    expect_no_dialogs_left();
  }

  // The caller reached the forwarding target, which answered; then the user
  // hangs up and nothing is left.
  void expect_forwarded_and_answered() {
    EXPECT_EQ(caller_status, 200) << "forwarded and answered";
    EXPECT_EQ(call->info().answered_on, AnsweredOn::Forwarded);
    hang_up_cleanly();
  }
};

TEST_F(IncomingCallTest, AnsweredOnTheClientCancelsThePhoneAsCompletedElsewhere) {
  client.script = [this](sip::dialog::CallLeg& leg) -> Task<void> {
    leg.ring();
    co_await sleep(2s);
    co_await leg.answer("application/sdp", client_media);
    co_await sleep(10s);
    co_await leg.hangup();
  };
  phone.script = rings_forever();
  place_call();
  net.run(5s);
  EXPECT_EQ(caller_status, 200);
  EXPECT_EQ(states, (std::vector<std::string>{"ringing", "connected"}));
  EXPECT_EQ(call->info().answered_on, AnsweredOn::Client);
  // Both devices were offered the caller's media, and the caller got the
  // client's: the media flows between them, not through cvw.
  EXPECT_EQ(media_of(client.offers.at(0)), (std::pair<std::string, int>{"127.0.0.5", 44000}));
  EXPECT_EQ(media_of(phone.offers.at(0)), (std::pair<std::string, int>{"127.0.0.5", 44000}));
  EXPECT_EQ(media_of(caller.remote_body()), (std::pair<std::string, int>{"127.0.0.6", 46000}));
  // The phone stops ringing without logging a missed call (RFC 3326).
  EXPECT_EQ(cancels_to(phone_host, kElsewhere), 1);
  EXPECT_EQ(cancels_to(client_host, ""), 0);
  // The caller ID the devices show is the caller's.
  EXPECT_NE(phone.invite_wire.find("From: \"Carol\" <sip:+14255550199@example.com>"), std::string::npos);

  net.run(10s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::Completed);
  EXPECT_EQ(reason().by, Party::Client);
  EXPECT_EQ(count_sent(cvw, "BYE sip:"), 1);  // to the caller
  expect_no_dialogs_left();
}

TEST_F(IncomingCallTest, AnsweredOnThePhoneCancelsTheClientAndTheCallerHangsUp) {
  client.script = rings_forever();
  phone.script = answers(phone, phone_media, 3s);
  place_call();
  net.run(5s);
  EXPECT_EQ(caller_status, 200);
  EXPECT_EQ(call->info().answered_on, AnsweredOn::Phone);
  EXPECT_EQ(cancels_to(client_host, kElsewhere), 1);
  EXPECT_EQ(media_of(caller.remote_body()), (std::pair<std::string, int>{"127.0.0.2", 40000}));

  caller.hangup();
  net.run(1s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::Completed);
  EXPECT_EQ(reason().by, Party::Caller);
  EXPECT_EQ(sent_to(phone_host, "BYE sip:"), 1);
  expect_no_dialogs_left();
}

// The caller hangs up while the phone that answered has gone silent: the
// call ends for the user (and in the history) at once, not when the phone's
// BYE times out (Timer F, 32 s).
TEST_F(IncomingCallTest, TheCallEndsAtOnceEvenWhenTheAnsweringPhoneIsSilent) {
  client.script = rings_forever();
  phone.script = answers(phone, phone_media, 3s);
  place_call();
  net.run(5s);
  ASSERT_EQ(call->info().answered_on, AnsweredOn::Phone);
  net.drop = [this](const sip::Message&, const Host& from) { return &from == &phone_host; };
  caller.hangup();
  net.run(1s);
  EXPECT_TRUE(done) << "still not ended 1 s after the caller hung up";
  EXPECT_EQ(reason().code, EndCode::Completed);
  EXPECT_EQ(reason().by, Party::Caller);
  net.run(40s);
  expect_no_dialogs_left();
}

TEST_F(IncomingCallTest, ThreeBranchesRingAndTheFirstAnswerWins) {
  branches.push_back(RingBranch{BranchKind::Client, {"sip:alice@127.0.0.7:5060", "<sip:alice@example.com>", "", "", "", {}}});
  client.script = answers(client, client_media, 4s);
  client2.script = answers(client2, phone_sdp("127.0.0.7", 47000), 2s);
  phone.script = rings_forever();
  place_call();
  net.run(6s);
  EXPECT_EQ(caller_status, 200);
  EXPECT_EQ(media_of(caller.remote_body()), (std::pair<std::string, int>{"127.0.0.7", 47000}));
  EXPECT_EQ(cancels_to(client_host, kElsewhere), 1);
  EXPECT_EQ(cancels_to(phone_host, kElsewhere), 1);
  // The first client never answered: its CANCEL came before its answer.
  EXPECT_EQ(count_sent(client_host, "SIP/2.0 487"), 1);
  call->hang_up();
  net.run(1s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().by, Party::User);
  expect_no_dialogs_left();
}

TEST_F(IncomingCallTest, CallerCancellingWhileEverythingRingsCancelsEveryBranch) {
  client.script = rings_forever();
  phone.script = rings_forever();
  place_call(caller_media, 3s);
  net.run(5s);
  ASSERT_TRUE(done);
  EXPECT_EQ(caller_status, 487);
  EXPECT_EQ(cancels_to(client_host, ""), 1);
  EXPECT_EQ(cancels_to(phone_host, ""), 1);
  EXPECT_EQ(cancels_to(phone_host, kElsewhere), 0);  // not answered elsewhere: a missed call
  EXPECT_EQ(reason().code, EndCode::Missed);
  EXPECT_EQ(reason().by, Party::Caller);
  expect_no_dialogs_left();
}

TEST_F(IncomingCallTest, NobodyAnsweringWithinTheRingTimeIsAMissedCallAnd480) {
  client.script = rings_forever();
  phone.script = rings_forever();
  place_call();
  net.run(19s);
  EXPECT_FALSE(done);
  net.run(2s);
  ASSERT_TRUE(done);
  EXPECT_EQ(caller_status, 480);
  EXPECT_EQ(cancels_to(client_host, ""), 1);
  EXPECT_EQ(cancels_to(phone_host, ""), 1);
  EXPECT_EQ(reason().code, EndCode::Missed);
  EXPECT_EQ(reason().by, Party::Server);
  EXPECT_EQ(reason().message, "Missed call: nobody answered within 20 s");
  expect_no_dialogs_left();
}

TEST_F(IncomingCallTest, DeclinedInTheClientGives603AndStopsTheDevices) {
  client.script = rings_forever();
  phone.script = rings_forever();
  place_call();
  net.run(2s);
  EXPECT_TRUE(call->decline());
  EXPECT_FALSE(call->accept()) << "too late once declined";
  net.run(1s);
  ASSERT_TRUE(done);
  EXPECT_EQ(caller_status, 603);
  EXPECT_EQ(cancels_to(client_host, "Reason: SIP;cause=603"), 1);
  EXPECT_EQ(cancels_to(phone_host, "Reason: SIP;cause=603"), 1);
  EXPECT_EQ(reason().code, EndCode::DeclinedByUser);
  EXPECT_EQ(reason().by, Party::User);
  expect_no_dialogs_left();
}

// A user who forwards unanswered calls forwards declined ones too: the
// devices stop as declined, the caller is not refused but forwarded.
TEST_F(IncomingCallTest, DeclinedInTheClientIsForwardedWhenTheUserForwards) {
  forward_to = forwarding_target();
  client.script = rings_forever();
  phone.script = rings_forever();
  callback_phone.script = answers(callback_phone, callback_media, 1s);
  place_call();
  net.run(2s);
  EXPECT_TRUE(call->decline());
  net.run(3s);
  EXPECT_EQ(cancels_to(client_host, "Reason: SIP;cause=603"), 1);
  EXPECT_EQ(cancels_to(phone_host, "Reason: SIP;cause=603"), 1);
  EXPECT_EQ(states, (std::vector<std::string>{"ringing", "forwarding", "connected"}));
  expect_forwarded_and_answered();
}

TEST_F(IncomingCallTest, ADeviceDeclineIsForwardedWhenTheUserForwards) {
  forward_to = forwarding_target();
  client.script = rejects(603, 2s);
  phone.script = rings_forever();
  callback_phone.script = answers(callback_phone, callback_media, 1s);
  place_call();
  net.run(5s);
  EXPECT_EQ(cancels_to(phone_host, "Reason: SIP;cause=603"), 1);
  expect_forwarded_and_answered();
}

TEST_F(IncomingCallTest, AcceptedInTheClientCallsThePhoneBackAndConnectsIt) {
  client.script = rings_forever();
  phone.script = rings_forever();
  callback_phone.script = answers(callback_phone, callback_media, 2s);
  place_call();
  net.run(2s);
  EXPECT_TRUE(call->accept());
  net.run(1s);
  // The ringing devices stop as answered elsewhere; the callback rings.
  EXPECT_EQ(cancels_to(client_host, kElsewhere), 1);
  EXPECT_EQ(cancels_to(phone_host, kElsewhere), 1);
  EXPECT_EQ(media_of(callback_phone.offers.at(0)), (std::pair<std::string, int>{"127.0.0.5", 44000}));
  net.run(3s);
  EXPECT_EQ(caller_status, 200);
  EXPECT_EQ(media_of(caller.remote_body()), (std::pair<std::string, int>{"127.0.0.4", 48000}));
  EXPECT_EQ(states, (std::vector<std::string>{"ringing", "callingPhone", "phoneRinging", "connected"}));
  EXPECT_EQ(call->info().answered_on, AnsweredOn::Callback);
  caller.hangup();
  net.run(1s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::Completed);
  EXPECT_EQ(reason().by, Party::Caller);
  expect_no_dialogs_left();
}

TEST_F(IncomingCallTest, NoAnswerIsForwardedAndTheTargetConnected) {
  forward_to = forwarding_target();
  client.script = rings_forever();
  phone.script = rings_forever();
  callback_phone.script = answers(callback_phone, callback_media, 2s);
  place_call();
  net.run(21s);
  EXPECT_EQ(cancels_to(client_host, ""), 1);
  EXPECT_EQ(cancels_to(phone_host, ""), 1);
  EXPECT_EQ(cancels_to(client_host, kElsewhere), 0) << "not answered elsewhere: the devices log a missed call";
  EXPECT_EQ(media_of(callback_phone.offers.at(0)), (std::pair<std::string, int>{"127.0.0.5", 44000}));
  net.run(3s);
  EXPECT_EQ(caller_status, 200);
  EXPECT_EQ(media_of(caller.remote_body()), (std::pair<std::string, int>{"127.0.0.4", 48000}));
  EXPECT_EQ(states, (std::vector<std::string>{"ringing", "forwarding", "connected"}));
  EXPECT_EQ(call->info().answered_on, AnsweredOn::Forwarded);
  caller.hangup();
  net.run(1s);
  ASSERT_TRUE(done);
  EXPECT_EQ(reason().code, EndCode::Completed);
  EXPECT_EQ(reason().by, Party::Caller);
  expect_no_dialogs_left();
}

TEST_F(IncomingCallTest, AFailedForwardGivesTheCallerItsBusyAndTheUserAMissedCall) {
  forward_to = forwarding_target();
  client.script = rings_forever();
  phone.script = rings_forever();
  callback_phone.script = rejects(486, 1s);
  place_call();
  net.run(23s);
  ASSERT_TRUE(done);
  EXPECT_EQ(caller_status, 486);
  EXPECT_EQ(reason().code, EndCode::Missed);
  EXPECT_EQ(reason().by, Party::Server);
  EXPECT_EQ(reason().message, "Missed call: nobody answered, and forwarding it failed (SIP 486)");
  expect_no_dialogs_left();
}

TEST_F(IncomingCallTest, AForwardBranchAloneIsAnsweredAsForwarded) {
  branches = {RingBranch{BranchKind::Forward, forwarding_target()}};
  with_callback = false;
  callback_phone.script = answers(callback_phone, callback_media, 1s);
  place_call();
  net.run(2s);
  expect_forwarded_and_answered();
}

TEST_F(IncomingCallTest, CallerLeavingDuringTheCallbackCancelsIt) {
  client.script = rings_forever();
  phone.script = rings_forever();
  callback_phone.script = rings_forever();
  place_call(caller_media, 4s);
  net.run(2s);
  EXPECT_TRUE(call->accept());
  net.run(4s);
  ASSERT_TRUE(done);
  EXPECT_EQ(cancels_to(callback_host, ""), 1);
  EXPECT_EQ(reason().code, EndCode::Missed);
  EXPECT_EQ(reason().by, Party::Caller);
  expect_no_dialogs_left();
}

TEST_F(IncomingCallTest, WithoutACallbackPhoneAcceptIsRefused) {
  with_callback = false;
  client.script = rings_forever();
  phone.script = rings_forever();
  place_call();
  net.run(1s);
  EXPECT_FALSE(call->accept());
  EXPECT_EQ(call->info().state, CallState::Ringing);
  call->hang_up();  // while it rings: a decline
  net.run(1s);
  ASSERT_TRUE(done);
  EXPECT_EQ(caller_status, 603);
  expect_no_dialogs_left();
}

TEST_F(IncomingCallTest, AShutdownWhileItRingsGivesTheCaller503NotADecline) {
  client.script = rings_forever();
  phone.script = rings_forever();
  place_call();
  net.run(1s);
  call->shut_down();
  net.run(1s);
  ASSERT_TRUE(done);
  EXPECT_EQ(caller_status, 503);
  EXPECT_EQ(cancels_to(client_host, ""), 1);
  EXPECT_EQ(cancels_to(client_host, "Reason:"), 0);
  EXPECT_EQ(reason().code, EndCode::Failed);
  EXPECT_EQ(reason().by, Party::Server);
  expect_no_dialogs_left();
}

TEST_F(IncomingCallTest, TheWinnerIsConnectedAtOnceEvenWhenAnotherDeviceNeverAnswersTheCancel) {
  // The client's INVITE is lost (a stale registration): its CANCEL waits for
  // a provisional that never comes, until Timer B. Nobody waits for that.
  net.drop = [](const sip::Message& m, const Host& from) {
    (void)from;
    return m.is_request() && m.request_uri().find("127.0.0.6") != std::string_view::npos;
  };
  client.script = rings_forever();
  phone.script = answers(phone, phone_media, 2s);
  place_call();
  net.run(3s);
  EXPECT_EQ(caller_status, 200) << "answered 2 s in, not after the client's Timer B";
  EXPECT_EQ(call->info().state, CallState::Connected);
  hang_up_cleanly();  // the client's INVITE transaction ends by Timer B within it
}

TEST_F(IncomingCallTest, ADevicesOwn6xxReachesTheCallerAsItWas) {
  client.script = rejects(600, 1s);
  phone.script = rings_forever();
  place_call();
  net.run(3s);
  ASSERT_TRUE(done);
  EXPECT_EQ(caller_status, 600);
  EXPECT_EQ(cancels_to(phone_host, "Reason: SIP;cause=600"), 1);
  EXPECT_EQ(reason().sip_status, 600);
  expect_no_dialogs_left();
}

TEST_F(IncomingCallTest, NothingToRingButAForwardIsForwardedAtOnce) {
  branches.clear();
  with_callback = false;
  forward_to = forwarding_target();
  callback_phone.script = answers(callback_phone, callback_media, 1s);
  place_call();
  net.run(2s);
  expect_forwarded_and_answered();
}

TEST_F(IncomingCallTest, ADeviceDecliningWith603EndsTheWholeFork) {
  client.script = rejects(603, 2s);
  phone.script = rings_forever();
  place_call();
  net.run(4s);
  ASSERT_TRUE(done);
  EXPECT_EQ(caller_status, 603);
  EXPECT_EQ(cancels_to(phone_host, ""), 1);
  EXPECT_EQ(reason().code, EndCode::DeclinedByUser);
  EXPECT_EQ(reason().by, Party::Client);
  EXPECT_EQ(reason().sip_status, 603);
  expect_no_dialogs_left();
}

TEST_F(IncomingCallTest, EveryBranchBusyWithoutACallbackGives486) {
  with_callback = false;
  client.script = rejects(486, 1s);
  phone.script = rejects(480, 2s);
  place_call();
  net.run(4s);
  ASSERT_TRUE(done);
  EXPECT_EQ(caller_status, 486);
  EXPECT_EQ(reason().code, EndCode::UserBusy);
  expect_no_dialogs_left();
}

TEST_F(IncomingCallTest, FailedBranchesLeaveTheClientNotificationRingingWhenACallbackIsPossible) {
  client.script = rejects(480, 1s);
  phone.script = rejects(486, 1s);
  place_call();
  net.run(5s);
  EXPECT_FALSE(done);
  EXPECT_EQ(call->info().state, CallState::Ringing);
  net.run(16s);
  ASSERT_TRUE(done);
  EXPECT_EQ(caller_status, 480);
  EXPECT_EQ(reason().code, EndCode::Missed);
  expect_no_dialogs_left();
}

TEST_F(IncomingCallTest, NothingToRingIsUnreachableAtOnce) {
  branches.clear();
  with_callback = false;
  place_call();
  net.run(1s);
  ASSERT_TRUE(done);
  EXPECT_EQ(caller_status, 480);
  EXPECT_EQ(reason().code, EndCode::UserUnreachable);
  expect_no_dialogs_left();
}

TEST_F(IncomingCallTest, AnInviteWithoutAnOfferIsRefusedWith488) {
  client.script = rings_forever();
  phone.script = rings_forever();
  place_call("");
  net.run(1s);
  ASSERT_TRUE(done);
  EXPECT_EQ(caller_status, 488);
  EXPECT_TRUE(client.offers.empty());
  EXPECT_EQ(reason().code, EndCode::Failed);
  expect_no_dialogs_left();
}

// A re-offer is answered at once on the other party's behalf; what it
// changes (a move, a hold) then reaches the other party in a re-INVITE of
// cvw's (direct media, as in click-to-call), and a refresh goes no further.
TEST_F(IncomingCallTest, ReoffersAreAnsweredOnTheOtherPartysBehalfAndChangesPassedOn) {
  client.script = answers(client, client_media, 1s);
  phone.script = rings_forever();
  place_call();
  net.run(3s);
  ASSERT_EQ(caller_status, 200);
  auto reinvite = [this](sip::dialog::CallLeg& leg, std::string sdp) {
    auto status = std::make_shared<int>(0);
    spawn([](sip::dialog::CallLeg& l, std::string body, std::shared_ptr<int> out) -> Task<void> {
      *out = co_await l.reinvite("application/sdp", body);
    }(leg, std::move(sdp), status));
    net.run(1s);
    return *status;
  };
  // The caller re-offers what it had (a session refresh): cvw answers with
  // the client's media, and the client hears nothing of it.
  EXPECT_EQ(reinvite(caller, phone_sdp("127.0.0.5", 44000, 2)), 200);
  EXPECT_EQ(media_of(caller.remote_body()), (std::pair<std::string, int>{"127.0.0.6", 46000}));
  EXPECT_EQ(client.offers.size(), 1u) << "a refresh is not passed on";

  // The caller moves its media: the client is pointed at the new address.
  EXPECT_EQ(reinvite(caller, phone_sdp("127.0.0.5", 44100, 3)), 200);
  ASSERT_EQ(client.offers.size(), 2u);
  EXPECT_EQ(media_of(client.offers.back()), (std::pair<std::string, int>{"127.0.0.5", 44100}));
  EXPECT_EQ(direction_of(client.offers.back()), "sendrecv");
  caller_answers.answer = phone_sdp("127.0.0.5", 44100, 4);  // where it is now

  // The client holds: the caller is told, and answered recvonly at once.
  std::string held = client_media;
  held.replace(held.find("o=phone 7 1"), 11, "o=phone 7 2");
  held.replace(held.find("a=sendrecv"), 10, "a=sendonly");
  ASSERT_FALSE(client.legs.empty());
  EXPECT_EQ(reinvite(*client.legs.at(0), held), 200);
  EXPECT_EQ(direction_of(client.legs.at(0)->remote_body()), "recvonly");
  EXPECT_EQ(direction_of(caller.remote_body()), "sendonly") << "the hold reached the caller";
  EXPECT_EQ(media_of(caller.remote_body()), (std::pair<std::string, int>{"127.0.0.6", 46000}));
  EXPECT_EQ(client.offers.size(), 2u) << "the caller's answer changed nothing to pass back";
  hang_up_cleanly();
}

}  // namespace
}  // namespace cvw::calls::test
