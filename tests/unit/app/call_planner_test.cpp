// The Call Via Work rules of a click-to-call (app/call_planner.hpp): who may
// call, what is refused and why, which phone rings first, and how each leg
// is addressed and shown. A real directory on both storage backends.
#include <gtest/gtest.h>

#include "app/call_planner.hpp"
#include "directory_fixture.hpp"

namespace cvw::app {
namespace {

class CallPlannerTest : public test::DirectoryTest {
 protected:
  void SetUp() override {
    DirectoryTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    directory::CallViaWorkPolicyUpdate on;
    on.enabled = true;
    ASSERT_TRUE(directory_->set_policy(directory::PolicyIdentity::global(), on).ok());
    ASSERT_TRUE(directory_->set_routing({"+14255550100"}).ok());
    auto rule = directory::NormalizationRule::create("Ext", "", R"(^(\d{3})$)", "+14255550$1");
    ASSERT_TRUE(rule.ok());
    ASSERT_TRUE(directory_->add_rule(directory::PolicyIdentity::global(), std::move(*rule), 0).ok());

    alice_ = add("sip:alice@example.com", "Alice \"Ace\" Anders", "+14255550101", "tel:+14255550101;ext=101");
    add("sip:bob@example.com", "Bob Berg", "+14255550102", "");
    add("sip:nophone@example.com", "No Phone", "", "");

    settings_.domain = "example.com";
    settings_.self_route = "<sip:127.0.0.1:5060;lr>";
    settings_.trunk = sip::Peer{sip::Protocol::Udp, boost::asio::ip::make_address("127.0.0.1"), 5070, 0};
  }

  directory::User add(const std::string& uri, const std::string& name, const std::string& pbx,
                      const std::string& line) {
    directory::User u;
    u.sip_uri = uri;
    u.display_name = name;
    u.cvw_phone_number = pbx;
    u.line_uri = line;
    u.enterprise_voice = !line.empty();
    auto made = directory_->create_user(u);
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? *made : u;
  }

  PlannedCall plan(CallRequest request) { return plan_click_to_call(*directory_, alice_, request, settings_); }
  PlannedCall plan(const std::string& to) { return plan(CallRequest{to, {}, {}, {}}); }

  static std::string header(const sip::dialog::InviteParams& p, std::string_view name) {
    for (const auto& [n, v] : p.headers)
      if (n == name) return v;
    return "";
  }

  directory::User alice_;
  CallSettings settings_;
};

TEST_P(CallPlannerTest, ANumberIsNormalizedAndBothLegsGoToTheTrunk) {
  PlannedCall p = plan(CallRequest{"123", {}, "op-7", "Quarterly numbers"});
  ASSERT_TRUE(p.plan) << p.refusal.message;
  const calls::ClickToCallPlan& c = *p.plan;
  EXPECT_EQ(c.info.owner, "sip:alice@example.com");
  EXPECT_EQ(c.info.target_kind, calls::TargetKind::Number);
  EXPECT_EQ(c.info.target_number, "+14255550123");
  EXPECT_EQ(c.info.phone_number, "+14255550101");
  EXPECT_EQ(c.info.operation_id, std::optional<std::string>("op-7"));
  EXPECT_EQ(c.phone.request_uri, "sip:+14255550101@127.0.0.1:5070;user=phone");
  EXPECT_EQ(c.callee.request_uri, "sip:+14255550123@127.0.0.1:5070;user=phone");
  EXPECT_EQ(c.info.target_uri, c.callee.request_uri);
  // The phone shows the global "this is your own call" number...
  EXPECT_EQ(c.phone.from, "\"Call Via Work\" <sip:+14255550100@example.com;user=phone>");
  EXPECT_EQ(header(c.phone, "P-Asserted-Identity"), "\"Call Via Work\" <tel:+14255550100>");
  // ...the callee the user, with the display name's quotes escaped.
  EXPECT_EQ(c.callee.from, "\"Alice \\\"Ace\\\" Anders\" <sip:alice@example.com>");
  EXPECT_EQ(header(c.callee, "P-Asserted-Identity"), "\"Alice \\\"Ace\\\" Anders\" <tel:+14255550101;ext=101>");
  EXPECT_EQ(header(c.callee, "Subject"), "Quarterly numbers");
  EXPECT_EQ(header(c.phone, "Subject"), "") << "the subject is for the callee";
}

// A UC user is called at their SIP URI through cvw's own listener, where the
// call rings whatever any call to them rings (their clients, their phone on
// simultaneous ring); a user without a PBX phone can be called too.
TEST_P(CallPlannerTest, AUcUserIsCalledAtTheirSipUriThroughCvwItself) {
  PlannedCall p = plan("bob@example.com");
  ASSERT_TRUE(p.plan) << p.refusal.message;
  EXPECT_EQ(p.plan->info.target_kind, calls::TargetKind::User);
  EXPECT_EQ(p.plan->callee.request_uri, "sip:bob@example.com");
  EXPECT_EQ(header(p.plan->callee, "Route"), "<sip:127.0.0.1:5060;lr>");
  EXPECT_EQ(header(p.plan->callee, "P-Asserted-Identity"), "\"Alice \\\"Ace\\\" Anders\" <tel:+14255550101;ext=101>");
  EXPECT_EQ(p.plan->phone.request_uri, "sip:+14255550101@127.0.0.1:5070;user=phone") << "the phone still rings first";
  EXPECT_TRUE(plan("sip:nophone@example.com").plan) << "their clients may ring";
  settings_.self_route.clear();
  EXPECT_EQ(plan("bob@example.com").refusal.status, 503);
}

TEST_P(CallPlannerTest, Refusals) {
  struct Case {
    std::string to;
    int status;
    std::string subcode;
  };
  const Case cases[] = {
      {"sip:nobody@example.com", 404, "UserNotFound"},
      {"sip:alice@example.com", 400, "InvalidTarget"},     // yourself
      {"1-800-FLOWERS", 400, "NormalizationFailed"},       // letters survive normalization
      {"12345678901234567890123", 400, "NormalizationFailed"},
      {"<script>", 400, "NormalizationFailed"},
      {"", 400, "InvalidTarget"},
      {"911", 403, "EmergencyNumber"},
      {"9-1-1", 403, "EmergencyNumber"},
      {"+112", 403, "EmergencyNumber"},
      {"(000)", 403, "EmergencyNumber"},
  };
  for (const Case& c : cases) {
    PlannedCall p = plan(c.to);
    EXPECT_FALSE(p.plan) << c.to;
    EXPECT_EQ(p.refusal.status, c.status) << c.to << ": " << p.refusal.message;
    EXPECT_EQ(p.refusal.subcode, c.subcode) << c.to << ": " << p.refusal.message;
  }
  EXPECT_NE(plan("911").refusal.message.find("desk phone"), std::string::npos);
}

TEST_P(CallPlannerTest, AnEmergencyNumberTheDialPlanProducesIsRefusedToo) {
  auto rule = directory::NormalizationRule::create("Emergency", "", R"(^\*9$)", "911");
  ASSERT_TRUE(rule.ok());
  ASSERT_TRUE(directory_->add_rule(directory::PolicyIdentity::global(), std::move(*rule), 0).ok());
  PlannedCall p = plan("*9");
  EXPECT_FALSE(p.plan);
  EXPECT_EQ(p.refusal.subcode, "EmergencyNumber");
}

TEST_P(CallPlannerTest, DisabledPolicyIsRefusedWithItsName) {
  directory::CallViaWorkPolicyUpdate off;
  off.enabled = false;
  ASSERT_TRUE(directory_->set_policy(directory::PolicyIdentity::global(), off).ok());
  PlannedCall p = plan("123");
  EXPECT_FALSE(p.plan);
  EXPECT_EQ(p.refusal.status, 403);
  EXPECT_EQ(p.refusal.subcode, "CallViaWorkDisabled");
  EXPECT_NE(p.refusal.message.find("Global"), std::string::npos) << p.refusal.message;
}

TEST_P(CallPlannerTest, NoTrunkMeans503) {
  settings_.trunk.reset();
  PlannedCall p = plan("123");
  EXPECT_EQ(p.refusal.status, 503);
  EXPECT_EQ(p.refusal.subcode, "NoTrunk");
}

TEST_P(CallPlannerTest, TheUsersPhoneNumberIsHonouredOnlyWithoutAnAdminCallbackNumber) {
  PlannedCall own = plan(CallRequest{"123", "456", {}, {}});
  ASSERT_TRUE(own.plan);
  EXPECT_EQ(own.plan->info.phone_number, "+14255550456") << "normalized by the user's dial plan";

  directory::CallViaWorkPolicyUpdate admin;
  admin.use_admin_callback_number = true;
  admin.admin_callback_number = "+14255550999";
  ASSERT_TRUE(directory_->set_policy(directory::PolicyIdentity::global(), admin).ok());
  PlannedCall forced = plan(CallRequest{"123", "456", {}, {}});
  ASSERT_TRUE(forced.plan);
  EXPECT_EQ(forced.plan->info.phone_number, "+14255550999");
  EXPECT_EQ(forced.plan->phone.request_uri, "sip:+14255550999@127.0.0.1:5070;user=phone");
}

TEST_P(CallPlannerTest, NoCallbackNumber) {
  directory::User lonely = add("sip:lonely@example.com", "Lonely", "", "");
  PlannedCall p = plan_click_to_call(*directory_, lonely, CallRequest{"123", {}, {}, {}}, settings_);
  EXPECT_FALSE(p.plan);
  EXPECT_EQ(p.refusal.subcode, "NoCallbackNumber");
}

TEST_P(CallPlannerTest, HeaderInjectionThroughSubjectOrOperationIdIsRefused) {
  PlannedCall subject = plan(CallRequest{"123", {}, {}, "hi\r\nX-Evil: 1"});
  EXPECT_FALSE(subject.plan);
  EXPECT_EQ(subject.refusal.status, 400);
  PlannedCall op = plan(CallRequest{"123", {}, "op id with spaces", {}});
  EXPECT_FALSE(op.plan);
  PlannedCall long_op = plan(CallRequest{"123", {}, std::string(65, 'a'), {}});
  EXPECT_FALSE(long_op.plan);
}

TEST_P(CallPlannerTest, TcpTrunkAndIpv6) {
  settings_.trunk = sip::Peer{sip::Protocol::Tcp, boost::asio::ip::make_address("::1"), 5070, 0};
  PlannedCall p = plan("123");
  ASSERT_TRUE(p.plan);
  EXPECT_EQ(p.plan->callee.request_uri, "sip:+14255550123@[::1]:5070;user=phone;transport=tcp");
}

TEST_P(CallPlannerTest, AutoAnswerHeadersOnlyForUsersWhoOptIn) {
  PlannedCall plain = plan("123");
  ASSERT_TRUE(plain.plan);
  EXPECT_EQ(header(plain.plan->phone, "Answer-Mode"), "");
  EXPECT_EQ(header(plain.plan->phone, "Alert-Info"), "");
  alice_.auto_answer = true;
  PlannedCall intercom = plan("123");
  ASSERT_TRUE(intercom.plan);
  EXPECT_EQ(header(intercom.plan->phone, "Answer-Mode"), "Auto");
  EXPECT_EQ(header(intercom.plan->phone, "Call-Info"), "<sip:+14255550100@example.com;user=phone>;answer-after=0");
  EXPECT_EQ(header(intercom.plan->phone, "Alert-Info"), "<http://127.0.0.1/>;info=alert-autoanswer;delay=0");
  EXPECT_EQ(header(intercom.plan->callee, "Answer-Mode"), "") << "never on the callee's leg";
}

// A REFER from the phone of Alice's click-to-call: the target goes to the
// trunk, called as the callee was (Alice's work identity now, the Subject).
TEST_P(CallPlannerTest, ABlindTransferGoesToTheTrunkAsTheUser) {
  PlannedCall p = plan(CallRequest{"123", {}, {}, "Quarterly numbers"});
  ASSERT_TRUE(p.plan);
  const TransferInvites transfers(*directory_, settings_);
  auto invite = transfers.blind_transfer(p.plan->info, "2000");
  ASSERT_TRUE(invite);
  EXPECT_EQ(invite->request_uri, "sip:2000@127.0.0.1:5070");
  EXPECT_EQ(invite->to, "<sip:2000@127.0.0.1:5070>");
  EXPECT_EQ(invite->from, p.plan->callee.from);
  EXPECT_EQ(header(*invite, "P-Asserted-Identity"),
            "\"Alice \\\"Ace\\\" Anders\" <tel:+14255550101;ext=101>");
  EXPECT_EQ(header(*invite, "Subject"), "Quarterly numbers");
  EXPECT_EQ(header(*invite, "Route"), "") << "not through cvw: the trunk takes it";

  EXPECT_FALSE(transfers.blind_transfer(p.plan->info, "911"))
      << "the phone dials emergency numbers itself";
  EXPECT_FALSE(transfers.blind_transfer(p.plan->info, "112"));
  ASSERT_TRUE(directory_->delete_user("sip:alice@example.com").ok());
  EXPECT_FALSE(transfers.blind_transfer(p.plan->info, "2000")) << "a user removed since";
  settings_.trunk.reset();
  calls::CallInfo bobs;
  bobs.owner = "sip:bob@example.com";
  EXPECT_FALSE(transfers.blind_transfer(bobs, "2000")) << "no trunk";
}

INSTANTIATE_TEST_SUITE_P(Storage, CallPlannerTest, ::testing::ValuesIn(storage::test::kBothBackends),
                         storage::test::BackendName());

TEST(CallPlanner, DisplayNamesCannotBreakTheHeader) {
  EXPECT_EQ(name_addr("A\r\nB", "sip:a@x"), "\"AB\" <sip:a@x>");
  EXPECT_EQ(name_addr("back\\slash \"q\"", "sip:a@x"), "\"back\\\\slash \\\"q\\\"\" <sip:a@x>");
  EXPECT_EQ(name_addr("", "tel:+1"), "<tel:+1>") << "no empty quoted name";
  EXPECT_EQ(name_addr("\r\n", "tel:+1"), "<tel:+1>") << "nothing printable is no name";
}

}  // namespace
}  // namespace cvw::app
