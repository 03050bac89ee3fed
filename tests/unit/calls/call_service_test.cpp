// CallService: the per-user limit, owners seeing only their own calls, the
// user's hang-up, every change reported, and calls freed once they end.
#include <gtest/gtest.h>

#include <algorithm>

#include "calls/call_router.hpp"
#include "calls/call_service.hpp"
#include "phones.hpp"

namespace cvw::calls::test {
namespace {

class CallServiceTest : public ::testing::Test {
 protected:
  Network net;
  Host& cvw = net.add("127.0.0.1");
  Host& phone_host = net.add("127.0.0.2");
  Phone phone{net, phone_host};
  FakeMedia::Log media;
  int ports_left = 100;
  std::vector<CallInfo> changes;
  CallService service{*cvw.ua, net.timers,
                      [this]() -> Result<std::unique_ptr<CallMedia>> {
                        if (ports_left == 0) return Error{503, "media ports 20000-20001 are all in use"};
                        --ports_left;
                        return std::unique_ptr<CallMedia>(std::make_unique<FakeMedia>(media));
                      },
                      CallServiceConfig{2}, [this](const CallInfo& info) { changes.push_back(info); }};

  ClickToCallPlan plan(const std::string& owner) {
    ClickToCallPlan p;
    p.info.owner = owner;
    p.info.to = "1002";
    p.phone.request_uri = "sip:1001@127.0.0.2:5060";
    p.callee.request_uri = "sip:1002@127.0.0.3:5060";
    return p;
  }
  void SetUp() override {
    phone.script = [](sip::dialog::CallLeg& leg) -> Task<void> {
      leg.ring();
      co_await leg.ended();
    };
  }
};

TEST_F(CallServiceTest, StartsACallWithAnIdAndReportsIt) {
  auto started = service.start(plan("sip:alice@example.com"));
  ASSERT_TRUE(started.ok()) << started.error().message;
  const CallInfo* info = *started;
  EXPECT_EQ(info->id.size(), 22u);
  EXPECT_EQ(info->id.substr(0, 2), "c-");
  EXPECT_EQ(info->state, CallState::CallingPhone);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].id, info->id);
  net.run(1s);
  EXPECT_EQ(changes.back().state, CallState::PhoneRinging);
  EXPECT_EQ(service.metrics().started, 1u);
}

TEST_F(CallServiceTest, OwnersOnlySeeTheirOwnCalls) {
  const std::string id = (*service.start(plan("sip:alice@example.com")))->id;
  EXPECT_NE(service.find("sip:alice@example.com", id), nullptr);
  EXPECT_EQ(service.find("sip:bob@example.com", id), nullptr);
  EXPECT_EQ(service.list("sip:bob@example.com").size(), 0u);
  EXPECT_FALSE(service.hang_up("sip:bob@example.com", id));
  net.run(1s);
  EXPECT_EQ(service.find("sip:alice@example.com", id)->state, CallState::PhoneRinging) << "bob could not end it";
  ASSERT_EQ(service.list("sip:alice@example.com").size(), 1u);
}

TEST_F(CallServiceTest, RefusesMoreThanTheLimitPerUser) {
  ASSERT_TRUE(service.start(plan("sip:alice@example.com")).ok());
  ASSERT_TRUE(service.start(plan("sip:alice@example.com")).ok());
  auto third = service.start(plan("sip:alice@example.com"));
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().status, 409);
  EXPECT_TRUE(service.start(plan("sip:bob@example.com")).ok()) << "the limit is per user";
  EXPECT_EQ(service.metrics().refused_limit, 1u);
  auto calls = service.list("sip:alice@example.com");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_LT(calls[0]->started_at.time_since_epoch().count(), calls[1]->started_at.time_since_epoch().count() + 1);
  service.hang_up_all();
  net.run(2s);
  EXPECT_EQ(service.active(), 0u);
}

TEST_F(CallServiceTest, NoMediaPortRefusesTheCall) {
  ports_left = 0;
  auto started = service.start(plan("sip:alice@example.com"));
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().status, 503);
  EXPECT_EQ(service.active(), 0u);
  EXPECT_EQ(cvw.sent.size(), 0u) << "nothing was sent";
}

TEST_F(CallServiceTest, HangUpEndsTheCallReportsItAndFreesIt) {
  const std::string id = (*service.start(plan("sip:alice@example.com")))->id;
  net.run(1s);
  EXPECT_TRUE(service.hang_up("sip:alice@example.com", id));
  net.run(1s);
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes.back().state, CallState::Ended);
  ASSERT_TRUE(changes.back().reason.has_value());
  EXPECT_EQ(changes.back().reason->code, EndCode::CancelledByUser);
  EXPECT_TRUE(changes.back().ended_at.has_value());
  EXPECT_EQ(service.active(), 0u);
  EXPECT_EQ(service.find("sip:alice@example.com", id), nullptr);
  EXPECT_EQ(service.metrics().ended[static_cast<std::size_t>(EndCode::CancelledByUser)], 1u);
}


// INVITEs outside a dialog without an application to take them: the trunk
// gets 480, anyone else 403 (nobody but the trunk is trusted).
TEST_F(CallServiceTest, RouterWithoutAHandlerRefusesCalls) {
  CallRouter router(service, *cvw.ua, {boost::asio::ip::make_address("127.0.0.2")});
  cvw.ua->set_handler(&router);
  Host& stranger = net.add("127.0.0.9");
  int stranger_status = 0;
  int trunk_status = 0;
  sip::dialog::CallLeg from_stranger(*stranger.ua, net.timers);
  sip::dialog::CallLeg from_trunk(*phone_host.ua, net.timers);
  sip::dialog::InviteParams p;
  p.request_uri = "sip:cvw@127.0.0.1:5060";
  p.body = phone_sdp("127.0.0.9", 40000);
  spawn([](sip::dialog::CallLeg& leg, sip::dialog::InviteParams params, int& out) -> Task<void> {
    out = co_await leg.invite(params, 30s);
  }(from_stranger, p, stranger_status));
  spawn([](sip::dialog::CallLeg& leg, sip::dialog::InviteParams params, int& out) -> Task<void> {
    out = co_await leg.invite(params, 30s);
  }(from_trunk, p, trunk_status));
  net.run(1s);
  EXPECT_EQ(stranger_status, 403);
  EXPECT_EQ(trunk_status, 480);
  EXPECT_EQ(router.metrics().refused_source, 1u);
  EXPECT_EQ(router.metrics().unavailable, 1u);
  cvw.ua->set_handler(nullptr);
}

// With a handler, every call goes to it, tagged with where it came from:
// the application trusts the trunk and authenticates anyone else.
TEST_F(CallServiceTest, RouterHandsCallsOverWithTheirSource) {
  std::vector<InviteSource> seen;
  CallRouter router(service, *cvw.ua, {boost::asio::ip::make_address("127.0.0.2")},
                    [&seen](std::shared_ptr<sip::dialog::InviteSession> session, InviteSource source) {
                      seen.push_back(source);
                      session->reject(source == InviteSource::Trunk ? 486 : source == InviteSource::Self ? 480 : 407);
                    });
  cvw.ua->set_handler(&router);
  Host& client = net.add("127.0.0.9");
  int client_status = 0;
  int trunk_status = 0;
  int self_status = 0;
  sip::dialog::CallLeg from_client(*client.ua, net.timers);
  sip::dialog::CallLeg from_trunk(*phone_host.ua, net.timers);
  // cvw calling a user through its own listener (a click-to-call to a UC
  // user): only this process can have sent it.
  sip::dialog::CallLeg from_self(*cvw.ua, net.timers);
  sip::dialog::InviteParams p;
  p.request_uri = "sip:alice@127.0.0.1:5060";
  p.body = phone_sdp("127.0.0.9", 40000);
  auto place = [](sip::dialog::CallLeg& leg, sip::dialog::InviteParams params, int& out) -> Task<void> {
    out = co_await leg.invite(params, 30s);
  };
  spawn(place(from_client, p, client_status));
  spawn(place(from_trunk, p, trunk_status));
  spawn(place(from_self, p, self_status));
  net.run(1s);
  EXPECT_EQ(client_status, 407);
  EXPECT_EQ(trunk_status, 486);
  EXPECT_EQ(self_status, 480);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), InviteSource::Elsewhere), 1);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), InviteSource::Self), 1);
  EXPECT_EQ(router.metrics().incoming, 2u);
  EXPECT_EQ(router.metrics().elsewhere, 1u);
  EXPECT_EQ(router.metrics().refused_source, 0u);
  cvw.ua->set_handler(nullptr);
}

// A call to a user with nothing to ring is still theirs to see: reported
// ended once, counted, never held.
TEST_F(CallServiceTest, AnUnrungCallIsReportedEndedAndNotHeld) {
  CallInfo info;
  info.owner = "sip:alice@example.com";
  info.direction = Direction::Incoming;
  info.from = "<sip:carol@example.com>";
  service.record_unrung(info, end_reason(EndCode::UserUnreachable, Party::Server, "Nothing could ring", 480));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].state, CallState::Ended);
  EXPECT_FALSE(changes[0].id.empty());
  EXPECT_EQ(changes[0].owner, "sip:alice@example.com");
  ASSERT_TRUE(changes[0].reason);
  EXPECT_EQ(changes[0].reason->code, EndCode::UserUnreachable);
  EXPECT_EQ(changes[0].reason->sip_status, 480);
  EXPECT_TRUE(changes[0].ended_at.has_value());
  EXPECT_EQ(service.active(), 0u);
  EXPECT_TRUE(service.list("sip:alice@example.com").empty());
  EXPECT_EQ(service.metrics().ended[static_cast<std::size_t>(EndCode::UserUnreachable)], 1u);
}

// Incoming calls in the service: rung for their owner, who alone can accept
// or decline them (another user's attempt looks like a call that does not
// exist); accept without a phone to call back, or too late, is a 409.

TEST_F(CallServiceTest, IncomingCallsAreAnsweredByTheirOwnerOnly) {
  Host& caller_host = net.add("127.0.0.5");
  InviteReceiver receiver;
  std::string id;
  receiver.take = [&](std::shared_ptr<sip::dialog::InviteSession> session) {
    IncomingCallPlan p;
    p.info.owner = "sip:alice@example.com";
    p.info.from = "<sip:carol@example.com>";
    p.branches.push_back(RingBranch{BranchKind::Phone, {"sip:1001@127.0.0.2:5060", "", "", "", "", {}}});
    auto rung = service.ring(std::move(session), std::move(p));
    ASSERT_TRUE(rung.ok()) << rung.error().message;
    id = (*rung)->id;
  };
  cvw.ua->set_handler(&receiver);
  sip::dialog::CallLeg caller(*caller_host.ua, net.timers);
  int status = 0;
  spawn([](sip::dialog::CallLeg& leg, int& out) -> Task<void> {
    sip::dialog::InviteParams p;
    p.request_uri = "sip:alice@127.0.0.1:5060";
    p.body = phone_sdp("127.0.0.5", 44000);
    out = co_await leg.invite(p, 60s);
  }(caller, status));
  net.run(1s);
  ASSERT_FALSE(id.empty());
  const CallInfo* info = service.find("sip:alice@example.com", id);
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->direction, Direction::Incoming);
  EXPECT_EQ(info->state, CallState::Ringing);
  EXPECT_EQ(service.metrics().incoming, 1u);
  EXPECT_EQ(service.find("sip:bob@example.com", id), nullptr);
  EXPECT_EQ(service.decline("sip:bob@example.com", id).error().status, 404);
  EXPECT_EQ(service.accept("sip:bob@example.com", id).error().status, 404);
  EXPECT_EQ(service.accept("sip:alice@example.com", id).error().status, 409) << "no phone to call back";
  EXPECT_EQ(service.accept("sip:alice@example.com", "c-nonexistent").error().status, 404);
  ASSERT_TRUE(service.decline("sip:alice@example.com", id).ok());
  EXPECT_EQ(service.decline("sip:alice@example.com", id).error().status, 409) << "already declined";
  net.run(2s);
  EXPECT_EQ(status, 603);
  EXPECT_EQ(changes.back().state, CallState::Ended);
  EXPECT_EQ(changes.back().reason->code, EndCode::DeclinedByUser);
  EXPECT_EQ(service.active(), 0u);
}

}  // namespace
}  // namespace cvw::calls::test
