// Who an incoming call rings (app/incoming_planner.hpp): the user named by
// SIP URI or LineURI number, their registered clients (through their Path),
// their PBX phone when simultaneous ring is on but never the number dialled,
// the callback for an accept, and the refusals. A real directory on both
// storage backends.
#include <gtest/gtest.h>

#include "app/incoming_planner.hpp"
#include "directory_fixture.hpp"

namespace cvw::app {
namespace {

using namespace std::chrono_literals;

class IncomingPlannerTest : public test::DirectoryTest {
 protected:
  void SetUp() override {
    DirectoryTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    directory::CallViaWorkPolicyUpdate on;
    on.enabled = true;
    ASSERT_TRUE(directory_->set_policy(directory::PolicyIdentity::global(), on).ok());
    add("sip:alice@example.com", "+14255550101", "tel:+14255551297;ext=51297", true);
    add("sip:bob@example.com", "+14255550102", "", false);
    settings_.domains = {"example.com"};
    settings_.trunk = sip::Peer{sip::Protocol::Udp, boost::asio::ip::make_address("127.0.0.1"), 5070, 0};
    settings_.forward_ring_timeout = 45s;
  }

  void add(const std::string& uri, const std::string& pbx, const std::string& line, bool simultaneous) {
    directory::User u;
    u.sip_uri = uri;
    u.display_name = uri.substr(4, uri.find('@') - 4);
    u.cvw_phone_number = pbx;
    u.line_uri = line;
    u.enterprise_voice = !line.empty();
    u.simultaneous_ring.enabled = simultaneous;
    if (simultaneous) u.simultaneous_ring.target = pbx;  // the PBX phone
    auto made = directory_->create_user(u);
    ASSERT_TRUE(made.ok()) << made.error().message;
  }

  void register_client(const std::string& aor, const std::string& contact, std::vector<std::string> path = {}) {
    registrar::Binding b;
    b.contact = contact;
    b.call_id = "reg-" + contact;
    b.cseq = 1;
    b.expires = now_ + 3600s;
    b.path = std::move(path);
    locations_.restore(aor, std::move(b), now_);
  }

  // An INVITE from the trunk, or (`caller` given) from that user's UC client.
  PlannedIncoming plan(const std::string& request_uri, const std::string& extra_headers = "",
                       const directory::User* caller = nullptr, const std::string& max_forwards = "70") {
    const std::string wire = "INVITE " + request_uri +
                             " SIP/2.0\r\n"
                             "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n"
                             "From: \"Carol\" <sip:+14255550199@pbx.example.com>;tag=c1\r\n"
                             "To: <" + request_uri + ">\r\n"
                             "Call-ID: in-1\r\nCSeq: 1 INVITE\r\nMax-Forwards: " + max_forwards + "\r\n"
                             "Contact: <sip:pbx@127.0.0.1:5070>\r\n" + extra_headers + "Content-Length: 0\r\n\r\n";
    auto invite = sip::Message::parse(wire);
    EXPECT_TRUE(invite.ok());
    return plan_incoming_call(*directory_, locations_, *invite, caller ? user_caller(*caller) : trunk_caller(*invite),
                              settings_, now_);
  }

  static std::string header(const sip::dialog::InviteParams& p, std::string_view name) {
    std::string out;
    for (const auto& [n, v] : p.headers)
      if (n == name) out += (out.empty() ? "" : ",") + v;
    return out;
  }

  registrar::LocationService locations_;
  registrar::WallClock::time_point now_ = registrar::WallClock::now();
  IncomingSettings settings_;
};

TEST_P(IncomingPlannerTest, ACallForTheSipUriRingsEveryClientAndThePhone) {
  register_client("sip:alice@example.com", "sip:alice@127.0.0.6:5060");
  register_client("sip:alice@example.com", "sip:alice@127.0.0.7:5062", {"<sip:edge.example.com;lr>"});
  PlannedIncoming p = plan("sip:alice@example.com");
  ASSERT_TRUE(p.plan) << p.reason;
  const calls::IncomingCallPlan& plan = *p.plan;
  EXPECT_EQ(plan.info.owner, "sip:alice@example.com");
  EXPECT_EQ(plan.info.direction, calls::Direction::Incoming);
  EXPECT_EQ(plan.info.from, "\"Carol\" <sip:+14255550199@pbx.example.com>");
  EXPECT_EQ(plan.ring_timeout, 20s) << "the user's ring time (the default)";
  EXPECT_FALSE(plan.forward);
  ASSERT_EQ(plan.branches.size(), 3u);
  // The clients, at their Contacts, the second through its Path.
  EXPECT_EQ(plan.branches[0].kind, calls::BranchKind::Client);
  EXPECT_EQ(plan.branches[0].invite.request_uri, "sip:alice@127.0.0.6:5060");
  EXPECT_EQ(plan.branches[0].invite.to, "<sip:alice@example.com>");
  EXPECT_EQ(plan.branches[0].invite.from, "\"Carol\" <sip:+14255550199@pbx.example.com>");
  EXPECT_EQ(header(plan.branches[1].invite, "Route"), "<sip:edge.example.com;lr>");
  // The PBX phone through the trunk, showing the caller.
  EXPECT_EQ(plan.branches[2].kind, calls::BranchKind::Phone);
  EXPECT_EQ(plan.branches[2].invite.request_uri, "sip:+14255550101@127.0.0.1:5070;user=phone");
  EXPECT_EQ(plan.branches[2].invite.from, "\"Carol\" <sip:+14255550199@pbx.example.com>");
  ASSERT_TRUE(plan.callback);
  EXPECT_EQ(plan.callback->request_uri, "sip:+14255550101@127.0.0.1:5070;user=phone");
}

TEST_P(IncomingPlannerTest, TheTrunkReachesAUserByLineUriNumberOrExtension) {
  for (const std::string uri : {"sip:+14255551297@127.0.0.1:5080;user=phone", "sip:14255551297@127.0.0.1",
                                "sip:51297@127.0.0.1:5080"}) {
    PlannedIncoming p = plan(uri, "P-Asserted-Identity: <tel:+14255550199>\r\n");
    ASSERT_TRUE(p.plan) << uri << ": " << p.reason;
    EXPECT_EQ(p.plan->info.owner, "sip:alice@example.com") << uri;
    // The trusted trunk's asserted identity is what the devices show.
    EXPECT_EQ(p.plan->info.from, "<tel:+14255550199>");
    ASSERT_FALSE(p.plan->branches.empty());
    EXPECT_EQ(header(p.plan->branches.back().invite, "P-Asserted-Identity"), "<tel:+14255550199>");
  }
}

TEST_P(IncomingPlannerTest, UnknownOrDisabledUsersAre404) {
  EXPECT_EQ(plan("sip:nobody@example.com").status, 404);
  EXPECT_EQ(plan("sip:+19995550000@127.0.0.1").status, 404);
  EXPECT_EQ(plan("sip:alice@elsewhere.example.org").status, 404) << "not one of our domains";
  EXPECT_EQ(plan("sip:127.0.0.1").status, 404);
  directory::User alice = *directory_->find_user("sip:alice@example.com");
  alice.enabled = false;
  ASSERT_TRUE(directory_->replace_user(alice).ok());
  EXPECT_EQ(plan("sip:alice@example.com").status, 404);
}

TEST_P(IncomingPlannerTest, SimultaneousRingOffRingsOnlyTheClients) {
  register_client("sip:bob@example.com", "sip:bob@127.0.0.6:5060");
  PlannedIncoming p = plan("sip:bob@example.com");
  ASSERT_TRUE(p.plan);
  ASSERT_EQ(p.plan->branches.size(), 1u);
  EXPECT_EQ(p.plan->branches[0].kind, calls::BranchKind::Client);
  EXPECT_TRUE(p.plan->callback) << "an accept can still ring the phone";
}

TEST_P(IncomingPlannerTest, TheSimultaneousRingTargetReplacesThePhoneButNeverTheDialledNumber) {
  directory::User alice = *directory_->find_user("sip:alice@example.com");
  alice.simultaneous_ring.target = "+14255551297";  // her own UC number: would loop through the PBX
  ASSERT_TRUE(directory_->replace_user(alice).ok());
  PlannedIncoming p = plan("sip:+14255551297@127.0.0.1;user=phone");
  ASSERT_TRUE(p.plan);
  EXPECT_TRUE(p.plan->branches.empty());
  alice.simultaneous_ring.target = "+14255550177";
  ASSERT_TRUE(directory_->replace_user(alice).ok());
  p = plan("sip:+14255551297@127.0.0.1;user=phone");
  ASSERT_TRUE(p.plan);
  ASSERT_EQ(p.plan->branches.size(), 1u);
  EXPECT_EQ(p.plan->branches[0].invite.request_uri, "sip:+14255550177@127.0.0.1:5070;user=phone");
}

TEST_P(IncomingPlannerTest, NothingToRingAndNoCallbackIs480) {
  directory::CallViaWorkPolicyUpdate off;
  off.enabled = false;
  ASSERT_TRUE(directory_->set_policy(directory::PolicyIdentity::global(), off).ok());
  PlannedIncoming p = plan("sip:bob@example.com");
  EXPECT_FALSE(p.plan);
  EXPECT_EQ(p.status, 480);
  // The missed call, for bob's history.
  ASSERT_TRUE(p.unrung);
  EXPECT_EQ(p.unrung->owner, "sip:bob@example.com");
  EXPECT_EQ(p.unrung->direction, calls::Direction::Incoming);
  EXPECT_EQ(p.unrung->from, "\"Carol\" <sip:+14255550199@pbx.example.com>");
  EXPECT_FALSE(plan("sip:nobody@example.com").unrung) << "nobody to record it for";
  // Without a trunk nothing reaches the PBX either.
  settings_.trunk.reset();
  EXPECT_EQ(plan("sip:alice@example.com").status, 480);
}

TEST_P(IncomingPlannerTest, ExpiredRegistrationsDoNotRing) {
  registrar::Binding b;
  b.contact = "sip:bob@127.0.0.6:5060";
  b.call_id = "old";
  b.cseq = 1;
  b.expires = now_ + 10s;
  locations_.restore("sip:bob@example.com", b, now_);
  now_ += 11s;
  PlannedIncoming p = plan("sip:bob@example.com");
  ASSERT_TRUE(p.plan);
  EXPECT_TRUE(p.plan->branches.empty());
}

TEST_P(IncomingPlannerTest, ForwardingOnNoAnswerFollowsTheUsersRingTime) {
  register_client("sip:bob@example.com", "sip:bob@127.0.0.6:5060");
  directory::User bob = *directory_->find_user("sip:bob@example.com");
  bob.ring_seconds = 12;
  bob.forwarding = {directory::CallForwarding::When::NoAnswer, "+14255550177"};
  ASSERT_TRUE(directory_->replace_user(bob).ok());
  PlannedIncoming p = plan("sip:bob@example.com");
  ASSERT_TRUE(p.plan);
  EXPECT_EQ(p.plan->ring_timeout, 12s);
  ASSERT_EQ(p.plan->branches.size(), 1u) << "the client still rings first";
  ASSERT_TRUE(p.plan->forward);
  EXPECT_EQ(p.plan->forward->request_uri, "sip:+14255550177@127.0.0.1:5070;user=phone");
  EXPECT_EQ(p.plan->forward->from, "\"Carol\" <sip:+14255550199@pbx.example.com>");
  EXPECT_EQ(p.plan->forward_ring_timeout, 45s);
}

TEST_P(IncomingPlannerTest, ForwardingImmediatelyRingsOnlyTheTargetAUserOnTheirPbxPhone) {
  register_client("sip:bob@example.com", "sip:bob@127.0.0.6:5060");
  directory::User bob = *directory_->find_user("sip:bob@example.com");
  bob.forwarding = {directory::CallForwarding::When::Immediately, "sip:alice@example.com"};
  ASSERT_TRUE(directory_->replace_user(bob).ok());
  PlannedIncoming p = plan("sip:bob@example.com");
  ASSERT_TRUE(p.plan);
  ASSERT_EQ(p.plan->branches.size(), 1u);
  EXPECT_EQ(p.plan->branches[0].kind, calls::BranchKind::Forward);
  EXPECT_EQ(p.plan->branches[0].invite.request_uri, "sip:+14255550101@127.0.0.1:5070;user=phone") << "alice's PBX phone";
  EXPECT_FALSE(p.plan->callback);
  EXPECT_FALSE(p.plan->forward);
  EXPECT_EQ(p.plan->ring_timeout, 45s);
}

TEST_P(IncomingPlannerTest, ForwardingAloneIsSomethingToRing) {
  add("sip:erin@example.com", "", "", false);  // no desk phone: no callback either
  directory::User erin = *directory_->find_user("sip:erin@example.com");
  erin.forwarding = {directory::CallForwarding::When::NoAnswer, "+14255550177"};
  ASSERT_TRUE(directory_->replace_user(erin).ok());
  PlannedIncoming p = plan("sip:erin@example.com");
  ASSERT_TRUE(p.plan) << "no client, no callback, but the forwarding target: " << p.reason;
  EXPECT_TRUE(p.plan->branches.empty());
  EXPECT_TRUE(p.plan->forward);
}

TEST_P(IncomingPlannerTest, AWithheldIdentityStaysWithThePbx) {
  register_client("sip:alice@example.com", "sip:alice@127.0.0.6:5060");
  PlannedIncoming p = plan("sip:alice@example.com", "P-Asserted-Identity: <tel:+14255550199>\r\nPrivacy: id\r\n");
  ASSERT_TRUE(p.plan);
  EXPECT_EQ(p.plan->info.from, "\"Carol\" <sip:+14255550199@pbx.example.com>") << "what the caller chose to show";
  ASSERT_EQ(p.plan->branches.size(), 2u);
  EXPECT_EQ(header(p.plan->branches[0].invite, "P-Asserted-Identity"), "") << "not to a UC client";
  EXPECT_EQ(header(p.plan->branches[1].invite, "P-Asserted-Identity"), "<tel:+14255550199>");
  EXPECT_EQ(header(p.plan->branches[1].invite, "Privacy"), "id") << "the PBX keeps honouring it";
}

TEST_P(IncomingPlannerTest, WithoutCallViaWorkNothingIsCalledThroughTheTrunk) {
  directory::CallViaWorkPolicyUpdate off;
  off.enabled = false;
  ASSERT_TRUE(directory_->set_policy(directory::PolicyIdentity::global(), off).ok());
  register_client("sip:alice@example.com", "sip:alice@127.0.0.6:5060");
  directory::User alice = *directory_->find_user("sip:alice@example.com");
  alice.forwarding = {directory::CallForwarding::When::NoAnswer, "+14255550177"};
  ASSERT_TRUE(directory_->replace_user(alice).ok());
  PlannedIncoming p = plan("sip:alice@example.com");
  ASSERT_TRUE(p.plan);
  ASSERT_EQ(p.plan->branches.size(), 1u) << "her client only: no desk phone";
  EXPECT_EQ(p.plan->branches[0].kind, calls::BranchKind::Client);
  EXPECT_FALSE(p.plan->forward);
  EXPECT_FALSE(p.plan->callback);
}

TEST_P(IncomingPlannerTest, NothingIsForwardedToTheUsersOwnUcNumber) {
  directory::User alice = *directory_->find_user("sip:alice@example.com");
  alice.forwarding = {directory::CallForwarding::When::Immediately, "+14255551297"};  // her LineURI
  ASSERT_TRUE(directory_->replace_user(alice).ok());
  PlannedIncoming p = plan("sip:alice@example.com");
  ASSERT_TRUE(p.plan);
  for (const auto& b : p.plan->branches) EXPECT_NE(b.kind, calls::BranchKind::Forward);
  EXPECT_FALSE(p.plan->forward);
}

TEST_P(IncomingPlannerTest, AnExtensionTwoUsersShareReachesNeither) {
  add("sip:dora@example.com", "+14255550104", "tel:+14255550104;ext=51297", false);
  EXPECT_EQ(plan("sip:51297@127.0.0.1").status, 404);
  PlannedIncoming p = plan("sip:+14255551297@127.0.0.1");
  ASSERT_TRUE(p.plan) << "alice's full number is still hers";
  EXPECT_EQ(p.plan->info.owner, "sip:alice@example.com");
}

// A UC user calling from their client: every device sees the caller's
// work identity (whatever the client put in its From), the PBX phone their
// LineURI asserted; nobody calls themselves.
TEST_P(IncomingPlannerTest, AUcCallerIsShownByTheirWorkIdentity) {
  register_client("sip:alice@example.com", "sip:alice@127.0.0.6:5060");
  directory::User bob = *directory_->find_user("sip:bob@example.com");
  bob.line_uri = "tel:+14255550102";
  ASSERT_TRUE(directory_->replace_user(bob).ok());
  const directory::User* caller = directory_->find_user("sip:bob@example.com");
  PlannedIncoming p = plan("sip:alice@example.com", "", caller);
  ASSERT_TRUE(p.plan) << p.reason;
  EXPECT_EQ(p.plan->info.from, "\"bob\" <sip:bob@example.com>");
  ASSERT_EQ(p.plan->branches.size(), 2u);
  for (const auto& b : p.plan->branches) {
    EXPECT_EQ(b.invite.from, "\"bob\" <sip:bob@example.com>");
    EXPECT_EQ(header(b.invite, "P-Asserted-Identity"), "\"bob\" <tel:+14255550102>");
  }
  const directory::User* alice = directory_->find_user("sip:alice@example.com");
  EXPECT_EQ(plan("sip:alice@example.com", "", alice).status, 403);
}

// RFC 3261 §16.6 step 3: every leg cvw places for the call carries one hop
// less than the INVITE; an INVITE with none left is 483.
TEST_P(IncomingPlannerTest, EveryLegCarriesOneHopLess) {
  register_client("sip:alice@example.com", "sip:alice@127.0.0.6:5060");
  directory::User alice = *directory_->find_user("sip:alice@example.com");
  alice.forwarding = {directory::CallForwarding::When::NoAnswer, "+14255550177"};
  ASSERT_TRUE(directory_->replace_user(alice).ok());
  PlannedIncoming p = plan("sip:alice@example.com", "", nullptr, "5");
  ASSERT_TRUE(p.plan);
  ASSERT_EQ(p.plan->branches.size(), 2u);
  for (const auto& b : p.plan->branches) EXPECT_EQ(b.invite.max_forwards, 4u);
  ASSERT_TRUE(p.plan->callback);
  EXPECT_EQ(p.plan->callback->max_forwards, 4u);
  ASSERT_TRUE(p.plan->forward);
  EXPECT_EQ(p.plan->forward->max_forwards, 4u);
  EXPECT_EQ(plan("sip:alice@example.com", "", nullptr, "0").status, 483);
  EXPECT_EQ(plan("sip:alice@example.com", "", nullptr, "1").plan->branches[0].invite.max_forwards, 0u)
      << "the last hop is still placed; whoever gets it must not forward it";
}

INSTANTIATE_TEST_SUITE_P(Storage, IncomingPlannerTest, ::testing::ValuesIn(storage::test::kBothBackends),
                         storage::test::BackendName());

}  // namespace
}  // namespace cvw::app
