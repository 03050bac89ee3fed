// Call Via Work policies: cmdlet semantics, grants, effective policy,
// atomicity; and the CallViaWorkCallerId routing setting.
#include "directory/call_via_work_policy.hpp"

#include <gtest/gtest.h>

#include <string>

#include "directory/routing_configuration.hpp"
#include "expect_error.hpp"

namespace cvw::directory {
namespace {

using testing::fails_with;
using testing::message_of;

PolicyIdentity id(std::string_view text) {
  return PolicyIdentity::parse(text).value();
}

User user_at(std::string site) {
  User u;
  u.sip_uri = "sip:ken@litwareinc.com";
  u.site = std::move(site);
  return u;
}

// The deployment guide's example policy: Tag:ContosoUser1CvWP, enabled, using
// the admin callback number +15557891234.
CallViaWorkPolicyUpdate contoso_fields() {
  CallViaWorkPolicyUpdate f;
  f.enabled = true;
  f.use_admin_callback_number = true;
  f.admin_callback_number = "+15557891234";
  return f;
}

TEST(CallViaWorkPolicies, GlobalExistsWithTheDefaults) {
  CallViaWorkPolicies policies;
  Result<CallViaWorkPolicy> global = policies.get(PolicyIdentity::global());
  ASSERT_TRUE(global.ok());
  EXPECT_FALSE(global->enabled);  // "The default is false"
  EXPECT_FALSE(global->use_admin_callback_number);
  EXPECT_EQ(global->admin_callback_number, "");
  ASSERT_EQ(policies.list().size(), 1u);
  EXPECT_EQ(policies.list()[0].identity.to_string(), "Global");
}

TEST(CallViaWorkPolicies, CreateTheDeploymentGuideExample) {
  CallViaWorkPolicies policies;
  Result<CallViaWorkPolicy> created = policies.create(id("Tag:ContosoUser1CvWP"), contoso_fields());
  ASSERT_TRUE(created.ok()) << message_of(created);
  EXPECT_TRUE(created->enabled);
  EXPECT_TRUE(created->use_admin_callback_number);
  EXPECT_EQ(created->admin_callback_number, "+15557891234");
  EXPECT_EQ(policies.get(id("tag:contosouser1cvwp")).value(), *created);
}

TEST(CallViaWorkPolicies, CreateWithoutFieldsTakesDefaults) {
  CallViaWorkPolicies policies;
  Result<CallViaWorkPolicy> created = policies.create(id("Site:Redmond"));
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(*created, CallViaWorkPolicy::defaults(id("Site:Redmond")));
}

TEST(CallViaWorkPolicies, CreateRefusesGlobalAndDuplicates) {
  CallViaWorkPolicies policies;
  EXPECT_TRUE(
      fails_with(policies.create(PolicyIdentity::global()), 409, {"Global", "always exists"}));
  ASSERT_TRUE(policies.create(id("Site:Redmond")).ok());
  EXPECT_TRUE(fails_with(policies.create(id("site:REDMOND")), 409, {"Site:REDMOND", "exists"}));
  EXPECT_EQ(policies.list().size(), 2u);
}

TEST(CallViaWorkPolicies, UseAdminCallbackNumberNeedsANumber) {
  CallViaWorkPolicies policies;
  CallViaWorkPolicyUpdate use_only;
  use_only.use_admin_callback_number = true;
  EXPECT_TRUE(
      fails_with(policies.create(id("Tag:A"), use_only),
                 {"AdminCallbackNumber \"\": required when UseAdminCallbackNumber is true"}));
  EXPECT_FALSE(policies.get(id("Tag:A")).ok());
  // Given together, in one call, they are fine.
  ASSERT_TRUE(policies.create(id("Tag:A"), contoso_fields()).ok());
  // Clearing the number of a policy that uses it is refused.
  CallViaWorkPolicyUpdate clear;
  clear.admin_callback_number = "";
  EXPECT_TRUE(
      fails_with(policies.set(id("Tag:A"), clear), {"required when UseAdminCallbackNumber"}));
  // Turning the flag off and clearing in one call works.
  clear.use_admin_callback_number = false;
  Result<CallViaWorkPolicy> cleared = policies.set(id("Tag:A"), clear);
  ASSERT_TRUE(cleared.ok()) << message_of(cleared);
  EXPECT_EQ(cleared->admin_callback_number, "");
}

TEST(CallViaWorkPolicies, AdminCallbackNumberFormat) {
  CallViaWorkPolicies policies;
  CallViaWorkPolicyUpdate f;
  f.admin_callback_number = "12ab";
  Result<CallViaWorkPolicy> bad = policies.create(id("Tag:A"), f);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "AdminCallbackNumber \"12ab\": digits with an optional leading + expected");
  // The cmdlet reference's examples.
  for (const char* good : {"12068881234", "+12068881234", "+14258881234"}) {
    f.admin_callback_number = good;
    EXPECT_TRUE(policies.set(PolicyIdentity::global(), f).ok()) << good;
  }
}

TEST(CallViaWorkPolicies, SetChangesOnlyTheGivenFields) {
  CallViaWorkPolicies policies;
  ASSERT_TRUE(policies.create(id("Site:Redmond"), contoso_fields()).ok());
  CallViaWorkPolicyUpdate disable;
  disable.enabled = false;
  Result<CallViaWorkPolicy> set = policies.set(id("Site:Redmond"), disable);
  ASSERT_TRUE(set.ok());
  EXPECT_FALSE(set->enabled);
  EXPECT_TRUE(set->use_admin_callback_number);
  EXPECT_EQ(set->admin_callback_number, "+15557891234");
  EXPECT_EQ(policies.get(id("Site:Redmond")).value(), *set);
}

TEST(CallViaWorkPolicies, SetExample) {
  // Set-CsCallViaWorkPolicy -Identity Site:Redmond -Enabled $true
  //   -AdminCallbackNumber +14258881234 -UseAdminCallbackNumber $true
  CallViaWorkPolicies policies;
  ASSERT_TRUE(policies.create(id("Site:Redmond")).ok());
  CallViaWorkPolicyUpdate f;
  f.enabled = true;
  f.admin_callback_number = "+14258881234";
  f.use_admin_callback_number = true;
  Result<CallViaWorkPolicy> set = policies.set(id("Site:Redmond"), f);
  ASSERT_TRUE(set.ok()) << message_of(set);
  EXPECT_EQ(set->admin_callback_number, "+14258881234");
}

TEST(CallViaWorkPolicies, FailedSetChangesNothing) {
  CallViaWorkPolicies policies;
  ASSERT_TRUE(policies.create(id("Tag:A"), contoso_fields()).ok());
  const CallViaWorkPolicy before = policies.get(id("Tag:A")).value();
  CallViaWorkPolicyUpdate f;
  f.enabled = false;                         // valid on its own
  f.admin_callback_number = "not a number";  // invalid
  EXPECT_FALSE(policies.set(id("Tag:A"), f).ok());
  EXPECT_EQ(policies.get(id("Tag:A")).value(), before);
}

TEST(CallViaWorkPolicies, MissingIdentitiesAre404) {
  CallViaWorkPolicies policies;
  EXPECT_TRUE(
      fails_with(policies.get(id("Tag:Nope")), 404, {"Tag:Nope: no such Call Via Work policy"}));
  EXPECT_TRUE(fails_with(policies.set(id("Site:Nope"), {}), 404, {"Site:Nope"}));
  EXPECT_TRUE(fails_with(policies.remove(id("Tag:Nope")), 404, {"Tag:Nope"}));
}

TEST(CallViaWorkPolicies, RemovingGlobalResetsIt) {
  CallViaWorkPolicies policies;
  ASSERT_TRUE(policies.set(PolicyIdentity::global(), contoso_fields()).ok());
  ASSERT_TRUE(policies.remove(PolicyIdentity::global()).ok());
  Result<CallViaWorkPolicy> global = policies.get(PolicyIdentity::global());
  ASSERT_TRUE(global.ok());
  EXPECT_EQ(*global, CallViaWorkPolicy::defaults(PolicyIdentity::global()));
}

TEST(CallViaWorkPolicies, ListIsGlobalThenSitesThenTags) {
  CallViaWorkPolicies policies;
  ASSERT_TRUE(policies.create(id("Tag:beta")).ok());
  ASSERT_TRUE(policies.create(id("Site:Redmond")).ok());
  ASSERT_TRUE(policies.create(id("Tag:Alpha")).ok());
  ASSERT_TRUE(policies.create(id("Site:Dublin")).ok());
  std::vector<std::string> names;
  for (const CallViaWorkPolicy& p : policies.list()) names.push_back(p.identity.to_string());
  EXPECT_EQ(names, (std::vector<std::string>{"Global", "Site:Dublin", "Site:Redmond", "Tag:Alpha",
                                             "Tag:beta"}));
}

TEST(CallViaWorkPolicies, GrantNeedsAnExistingTag) {
  CallViaWorkPolicies policies;
  ASSERT_TRUE(policies.create(id("Tag:ContosoUser1CvWP"), contoso_fields()).ok());
  ASSERT_TRUE(policies.create(id("Site:Redmond")).ok());
  User u = user_at("");
  // Grant-CsCallViaWorkPolicy -Identity ContosoUser1 -PolicyName Tag:ContosoUser1CvWP
  ASSERT_TRUE(policies.grant(u, "Tag:contosouser1cvwp").ok());
  EXPECT_EQ(u.cvw_policy, "ContosoUser1CvWP");  // the policy's own spelling
  EXPECT_TRUE(fails_with(policies.grant(u, "Missing"), 404, {"Tag:Missing"}));
  EXPECT_TRUE(fails_with(policies.grant(u, "Site:Redmond"), 400, {"only per-user"}));
  EXPECT_TRUE(fails_with(policies.grant(u, "Global"), 400, {}));
  EXPECT_EQ(u.cvw_policy, "ContosoUser1CvWP");  // failed grants leave it alone
  // -PolicyName $Null unassigns.
  ASSERT_TRUE(policies.grant(u, std::nullopt).ok());
  EXPECT_EQ(u.cvw_policy, std::nullopt);
}

TEST(CallViaWorkPolicies, EffectiveInAllThreeScopes) {
  CallViaWorkPolicies policies;
  CallViaWorkPolicyUpdate on;
  on.enabled = true;
  ASSERT_TRUE(policies.create(id("Site:Redmond"), on).ok());
  ASSERT_TRUE(policies.create(id("Tag:ContosoUser1CvWP"), contoso_fields()).ok());

  User tagged = user_at("Redmond");
  ASSERT_TRUE(policies.grant(tagged, "ContosoUser1CvWP").ok());
  Effective<CallViaWorkPolicy> e = policies.effective(tagged);
  EXPECT_EQ(e.source, PolicySource::kUserTag);
  EXPECT_EQ(e.identity.to_string(), "Tag:ContosoUser1CvWP");
  EXPECT_EQ(e.item.admin_callback_number, "+15557891234");
  EXPECT_FALSE(e.granted_tag_missing);

  e = policies.effective(user_at("redmond"));
  EXPECT_EQ(e.source, PolicySource::kSite);
  EXPECT_EQ(e.identity.to_string(), "Site:Redmond");
  EXPECT_TRUE(e.item.enabled);

  e = policies.effective(user_at("Dublin"));
  EXPECT_EQ(e.source, PolicySource::kGlobal);
  EXPECT_FALSE(e.item.enabled);
  e = policies.effective(user_at(""));
  EXPECT_EQ(e.source, PolicySource::kGlobal);
}

TEST(CallViaWorkPolicies, RemovedGrantedTagFallsBackThenReturns) {
  CallViaWorkPolicies policies;
  ASSERT_TRUE(policies.create(id("Site:Redmond")).ok());
  ASSERT_TRUE(policies.create(id("Tag:Vip"), contoso_fields()).ok());
  User u = user_at("Redmond");
  ASSERT_TRUE(policies.grant(u, "Vip").ok());

  // Removing a granted tag is allowed; the grant stays on the user...
  ASSERT_TRUE(policies.remove(id("Tag:Vip")).ok());
  EXPECT_EQ(u.cvw_policy, "Vip");
  // ...and counts as absent: the site policy applies, flagged.
  Effective<CallViaWorkPolicy> e = policies.effective(u);
  EXPECT_EQ(e.source, PolicySource::kSite);
  EXPECT_TRUE(e.granted_tag_missing);
  // Without a site policy either, Global applies.
  ASSERT_TRUE(policies.remove(id("Site:Redmond")).ok());
  e = policies.effective(u);
  EXPECT_EQ(e.source, PolicySource::kGlobal);
  EXPECT_TRUE(e.granted_tag_missing);
  // A tag of that name created again picks the grant up.
  ASSERT_TRUE(policies.create(id("Tag:VIP")).ok());
  e = policies.effective(u);
  EXPECT_EQ(e.source, PolicySource::kUserTag);
  EXPECT_FALSE(e.granted_tag_missing);
}

TEST(CallViaWorkPolicies, EffectiveIsACopy) {
  CallViaWorkPolicies policies;
  const Effective<CallViaWorkPolicy> before = policies.effective(user_at(""));
  ASSERT_TRUE(policies.set(PolicyIdentity::global(), contoso_fields()).ok());
  EXPECT_FALSE(before.item.enabled);
  EXPECT_TRUE(policies.effective(user_at("")).item.enabled);
}

TEST(CallViaWorkPolicies, LoadReplacesAllOrNothing) {
  CallViaWorkPolicies policies;
  ASSERT_TRUE(policies.create(id("Tag:Old")).ok());
  CallViaWorkPolicy site = CallViaWorkPolicy::defaults(id("Site:Redmond"));
  site.enabled = true;
  CallViaWorkPolicy bad = CallViaWorkPolicy::defaults(id("Tag:Bad"));
  bad.use_admin_callback_number = true;  // without a number

  EXPECT_TRUE(fails_with(policies.load({site, bad}), {"Tag:Bad: AdminCallbackNumber"}));
  EXPECT_TRUE(policies.get(id("Tag:Old")).ok());
  EXPECT_TRUE(fails_with(policies.load({site, site}), {"Site:Redmond: listed twice"}));
  EXPECT_TRUE(policies.get(id("Tag:Old")).ok());

  ASSERT_TRUE(policies.load({site}).ok());
  EXPECT_FALSE(policies.get(id("Tag:Old")).ok());
  EXPECT_TRUE(policies.get(id("Site:Redmond"))->enabled);
  EXPECT_EQ(policies.get(PolicyIdentity::global()).value(),
            CallViaWorkPolicy::defaults(PolicyIdentity::global()));
}

TEST(RoutingConfiguration, CallViaWorkCallerId) {
  // Set-CsRoutingConfiguration -CallViaWorkCallerId +15551234567
  EXPECT_EQ(parse_call_via_work_caller_id("+15551234567").value(), "+15551234567");
  EXPECT_EQ(parse_call_via_work_caller_id("").value(), "");
  EXPECT_TRUE(fails_with(parse_call_via_work_caller_id("+1 555 123"),
                         {"CallViaWorkCallerId \"+1 555 123\""}));
  EXPECT_TRUE(validate_routing_configuration(RoutingConfiguration{"+15551234567"}).ok());
  EXPECT_TRUE(validate_routing_configuration(RoutingConfiguration{}).ok());
  EXPECT_TRUE(fails_with(validate_routing_configuration(RoutingConfiguration{"call me"}),
                         {"CallViaWorkCallerId"}));
}

}  // namespace
}  // namespace cvw::directory
