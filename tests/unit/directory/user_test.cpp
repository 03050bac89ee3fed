// Users: SIP URI normalization, e-mail, field validation, normalization.
#include "directory/user.hpp"

#include <gtest/gtest.h>

#include <string>

#include "expect_error.hpp"

namespace cvw::directory {
namespace {

using testing::fails_with;
using testing::message_of;

std::string sip(std::string_view text) {
  Result<std::string> r = normalize_sip_uri(text);
  EXPECT_TRUE(r.ok()) << text << ": " << message_of(r);
  return r.ok() ? *r : std::string();
}

User valid_user() {
  User u;
  u.sip_uri = "sip:ken.myer@litwareinc.com";
  u.display_name = "Ken Myer";
  u.title = "Sales Lead";
  u.department = "Sales";
  u.company = "Litware";
  u.email = "ken.myer@litwareinc.com";
  u.line_uri = "tel:+14255551297;ext=51297";
  u.cvw_phone_number = "+14255551297";
  u.enterprise_voice = true;
  u.simultaneous_ring = {true, "+14255550199"};
  u.site = "Redmond";
  u.cvw_policy = "ContosoUser1CvWP";
  u.dial_plan = "RedmondDialPlan";
  return u;
}

TEST(SipUri, NormalizesSchemeAndHostButNotUser) {
  EXPECT_EQ(sip("sip:alice@example.com"), "sip:alice@example.com");
  EXPECT_EQ(sip("SIP:Alice@Example.COM"), "sip:Alice@example.com");
  EXPECT_EQ(sip("alice@example.com"), "sip:alice@example.com");
  EXPECT_EQ(sip("sip:alice@example.com;transport=tcp;maddr=x"), "sip:alice@example.com");
  EXPECT_EQ(sip("sip:+14255550100@example.com"), "sip:+14255550100@example.com");
  EXPECT_EQ(sip("sip:first.last-2_x@a-b.example.co.uk"), "sip:first.last-2_x@a-b.example.co.uk");
  EXPECT_EQ(sip("sip:al%20ice@192.0.2.10"), "sip:al%20ice@192.0.2.10");
}

TEST(SipUri, RefusesWhatIsNotAUserAddress) {
  EXPECT_TRUE(fails_with(normalize_sip_uri(""), {"SipAddress \"\": must not be empty"}));
  EXPECT_TRUE(fails_with(normalize_sip_uri("sip:example.com"),
                         {"SipAddress \"sip:example.com\"", "sip:user@domain"}));
  EXPECT_TRUE(fails_with(normalize_sip_uri("sips:alice@example.com"), {"sips:"}));
  EXPECT_TRUE(fails_with(normalize_sip_uri("tel:+1@example.com"), {"no other scheme"}));
  EXPECT_TRUE(fails_with(normalize_sip_uri("mailto:alice@example.com"), {"no other scheme"}));
  EXPECT_TRUE(fails_with(normalize_sip_uri("sip:alice:secret@example.com"), {"no password"}));
  EXPECT_TRUE(fails_with(normalize_sip_uri("sip:@example.com"), {"user part must not be empty"}));
  EXPECT_TRUE(fails_with(normalize_sip_uri("sip:alice@"), {"not a valid host"}));
  EXPECT_TRUE(fails_with(normalize_sip_uri("sip:alice@example.com:5060"), {"port"}));
  EXPECT_TRUE(fails_with(normalize_sip_uri("sip:alice@example.com?subject=x"), {"headers"}));
  EXPECT_TRUE(fails_with(normalize_sip_uri("sip:alice@[2001:db8::1]"), {"IPv6"}));
  EXPECT_TRUE(fails_with(normalize_sip_uri("sip:al ice@example.com"), {"user part"}));
  EXPECT_TRUE(fails_with(normalize_sip_uri("sip:al%2@example.com"), {"user part"}));
  EXPECT_TRUE(fails_with(normalize_sip_uri("sip:alice@exa_mple.com"), {"not a valid host"}));
  EXPECT_TRUE(fails_with(normalize_sip_uri("sip:alice@-example.com"), {"not a valid host"}));
  EXPECT_TRUE(fails_with(normalize_sip_uri("sip:alice@example..com"), {"not a valid host"}));
  EXPECT_TRUE(fails_with(normalize_sip_uri("sip:a@" + std::string(300, 'b')), {"longer than 256"}));
}

TEST(SipUri, KeyIgnoresCase) {
  EXPECT_EQ(sip_uri_key(sip("sip:Alice@Example.com")), sip_uri_key(sip("alice@example.com")));
}

TEST(Email, AcceptsSaneAddresses) {
  for (const char* good : {"ken.myer@litwareinc.com", "a@b.co", "first+tag@sub.example.org",
                           "o'brien@example.ie", "x_y-z@example-domain.com"}) {
    EXPECT_TRUE(validate_email(good).ok()) << good;
  }
}

TEST(Email, RefusesBrokenAddresses) {
  EXPECT_TRUE(fails_with(validate_email("no-at-sign"), {"Email \"no-at-sign\"", "local@domain"}));
  EXPECT_TRUE(fails_with(validate_email("@example.com"), {"1 to 64"}));
  EXPECT_TRUE(fails_with(validate_email("a@localhost"), {"domain"}));
  EXPECT_TRUE(fails_with(validate_email("a@b@example.com"), {"quoting"}));
  EXPECT_TRUE(fails_with(validate_email("a b@example.com"), {"quoting"}));
  EXPECT_TRUE(fails_with(validate_email(".a@example.com"), {"dots"}));
  EXPECT_TRUE(fails_with(validate_email("a..b@example.com"), {"dots"}));
  EXPECT_TRUE(fails_with(validate_email("a@example..com"), {"domain"}));
  EXPECT_TRUE(fails_with(validate_email(std::string(65, 'a') + "@example.com"), {"1 to 64"}));
  EXPECT_TRUE(
      fails_with(validate_email("a@" + std::string(250, 'b') + ".com"), {"longer than 254"}));
}

TEST(ValidateUser, AcceptsACompleteUser) {
  const User u = valid_user();
  Result<void> r = validate_user(u);
  EXPECT_TRUE(r.ok()) << message_of(r);
}

TEST(ValidateUser, AcceptsAMinimalUser) {
  User u;
  u.sip_uri = "alice@example.com";
  EXPECT_TRUE(validate_user(u).ok());
}

TEST(ValidateUser, EachBadFieldIsNamedWithItsValue) {
  struct Case {
    void (*spoil)(User&);
    std::string expected;
  };
  const Case cases[] = {
      {[](User& u) { u.sip_uri = ""; }, "SipAddress \"\""},
      {[](User& u) { u.display_name = "Ken\nMyer"; },
       "DisplayName \"Ken\\u000aMyer\": control characters"},
      {[](User& u) { u.display_name = std::string(257, 'k'); }, "DisplayName"},
      {[](User& u) { u.title = std::string(129, 't'); }, "Title"},
      {[](User& u) { u.department = "\xff"; }, "Department"},
      {[](User& u) { u.company = std::string(65, 'c'); }, "Company"},
      {[](User& u) { u.email = "nope"; }, "Email \"nope\""},
      {[](User& u) { u.line_uri = "tel:abc"; }, "LineUri \"tel:abc\""},
      {[](User& u) { u.cvw_phone_number = "+0"; }, "CvwPhoneNumber \"+0\""},
      {[](User& u) { u.simultaneous_ring.target = "12ab"; }, "SimultaneousRingNumber \"12ab\""},
      {[](User& u) {
         u.simultaneous_ring = {true, ""};
       },
       "SimultaneousRingNumber \"\": required when"},
      {[](User& u) { u.forwarding.target = "12ab"; }, "ForwardTarget \"12ab\""},
      {[](User& u) { u.forwarding.target = "sip:bad user@example.com"; }, "ForwardTarget \"sip:bad user@example.com\""},
      {[](User& u) {
         u.forwarding = {CallForwarding::When::NoAnswer, ""};
       },
       "ForwardTarget \"\": required when calls are forwarded"},
      {[](User& u) { u.ring_seconds = 4; }, "RingSeconds \"4\": must be from 5 to 120"},
      {[](User& u) { u.ring_seconds = 121; }, "RingSeconds \"121\""},
      {[](User& u) { u.password_hash = "x\n"; }, "PasswordHash: not a password hash"},
      {[](User& u) { u.site = "Red mond"; }, "Site \"Red mond\""},
      {[](User& u) { u.cvw_policy = "Site:Redmond"; }, "CallViaWorkPolicy \"Site:Redmond\""},
      {[](User& u) { u.dial_plan = ""; }, "DialPlan \"\""},
  };
  for (const Case& c : cases) {
    User u = valid_user();
    c.spoil(u);
    Result<void> r = validate_user(u);
    ASSERT_FALSE(r.ok()) << c.expected;
    EXPECT_EQ(r.error().status, 400);
    EXPECT_NE(r.error().message.find(c.expected), std::string::npos) << r.error().message;
  }
}

TEST(ValidateUser, ForwardingTargetsAreNumbersOrSipUrisWrittenOneWay) {
  User u = valid_user();
  u.forwarding = {CallForwarding::When::Immediately, "Bob@Example.COM"};
  auto n = normalize_user(u);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n->forwarding.target, "sip:Bob@example.com");
  u.forwarding = {CallForwarding::When::NoAnswer, "+14255550177"};
  EXPECT_TRUE(validate_user(u).ok());
  EXPECT_EQ(to_string(CallForwarding::When::NoAnswer), "noAnswer");
  EXPECT_EQ(forwarding_when("immediately"), CallForwarding::When::Immediately);
  EXPECT_FALSE(forwarding_when("Immediately").has_value());
}

TEST(ValidateUser, DisplayNameMayBeUnicode) {
  User u = valid_user();
  u.display_name = "Zoë Çelik 王小明";
  EXPECT_TRUE(validate_user(u).ok());
  u.display_name = std::string(256, 'x');
  EXPECT_TRUE(validate_user(u).ok());
}

TEST(NormalizeUser, WritesTheCanonicalSpelling) {
  User u = valid_user();
  u.sip_uri = "Ken.Myer@LitwareInc.com";
  u.line_uri = "TEL:+14255551297;EXT=51297";
  u.email = "Ken.Myer@LitwareInc.COM";
  u.cvw_policy = "tag:ContosoUser1CvWP";
  u.dial_plan = "Tag:RedmondDialPlan";
  Result<User> n = normalize_user(u);
  ASSERT_TRUE(n.ok()) << message_of(n);
  EXPECT_EQ(n->sip_uri, "sip:Ken.Myer@litwareinc.com");
  EXPECT_EQ(n->line_uri, "tel:+14255551297;ext=51297");
  EXPECT_EQ(n->email, "Ken.Myer@litwareinc.com");
  EXPECT_EQ(n->cvw_policy, "ContosoUser1CvWP");
  EXPECT_EQ(n->dial_plan, "RedmondDialPlan");
  EXPECT_EQ(n->display_name, u.display_name);
  // Normalizing is idempotent.
  Result<User> again = normalize_user(*n);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *n);
}

TEST(CallViaWorkPrerequisites, NamesWhatIsMissing) {
  User u = valid_user();
  EXPECT_TRUE(check_call_via_work_prerequisites(u).ok());
  u.cvw_phone_number.clear();
  EXPECT_TRUE(fails_with(check_call_via_work_prerequisites(u), {"CvwPhoneNumber"}));
  u = valid_user();
  u.line_uri.clear();
  EXPECT_TRUE(fails_with(check_call_via_work_prerequisites(u), {"LineUri"}));
  u = valid_user();
  u.enterprise_voice = false;
  EXPECT_TRUE(fails_with(check_call_via_work_prerequisites(u), {"EnterpriseVoiceEnabled"}));
  u = valid_user();
  u.enabled = false;
  EXPECT_TRUE(fails_with(check_call_via_work_prerequisites(u), {"disabled"}));
}

}  // namespace
}  // namespace cvw::directory
