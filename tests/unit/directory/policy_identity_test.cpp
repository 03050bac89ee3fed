// Global / Site:NAME / Tag:NAME identities and the resolution rule.
#include "directory/policy_identity.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "expect_error.hpp"

namespace cvw::directory {
namespace {

using testing::fails_with;
using testing::message_of;

PolicyIdentity id(std::string_view text) {
  Result<PolicyIdentity> r = PolicyIdentity::parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << message_of(r);
  return r.ok() ? *r : PolicyIdentity{};
}

TEST(PolicyIdentity, ParsesEveryScopeWithNormalizedSpelling) {
  EXPECT_EQ(id("Global").to_string(), "Global");
  EXPECT_EQ(id("global").to_string(), "Global");
  EXPECT_EQ(id("GLOBAL").scope(), PolicyScope::kGlobal);
  EXPECT_EQ(id("site:Redmond").to_string(), "Site:Redmond");
  EXPECT_EQ(id("SITE:Redmond").scope(), PolicyScope::kSite);
  EXPECT_EQ(id("Site:Redmond").name(), "Redmond");
  EXPECT_EQ(id("tag:ContosoUser1CvWP").to_string(), "Tag:ContosoUser1CvWP");
  EXPECT_EQ(id("Tag:ContosoUser1CvWP").scope(), PolicyScope::kTag);
}

TEST(PolicyIdentity, BareNameIsAPerUserTag) {
  // SfB per-user syntax: "-Identity SalesDepartmentPolicy".
  const PolicyIdentity tag = id("SalesDepartmentPolicy");
  EXPECT_EQ(tag.scope(), PolicyScope::kTag);
  EXPECT_EQ(tag.to_string(), "Tag:SalesDepartmentPolicy");
}

TEST(PolicyIdentity, ComparesIgnoringCaseButKeepsSpelling) {
  EXPECT_EQ(id("Site:Redmond"), id("site:REDMOND"));
  EXPECT_EQ(id("Site:Redmond").key(), id("site:redmond").key());
  EXPECT_FALSE(id("Site:Redmond") == id("Tag:Redmond"));
  EXPECT_FALSE(id("Tag:A") == id("Tag:B"));
  EXPECT_EQ(id("Global"), PolicyIdentity::global());
  EXPECT_EQ(id("site:REDMOND").name(), "REDMOND");
}

TEST(PolicyIdentity, RefusesMalformedIdentities) {
  EXPECT_TRUE(fails_with(PolicyIdentity::parse(""), {"Identity \"\": must not be empty"}));
  EXPECT_TRUE(
      fails_with(PolicyIdentity::parse("Site:"), {"Identity \"Site:\"", "name must not be empty"}));
  EXPECT_TRUE(fails_with(PolicyIdentity::parse("Tag:"), {"name must not be empty"}));
  EXPECT_TRUE(fails_with(PolicyIdentity::parse("Service:Registrar:pool.example.com"),
                         {"unknown scope \"Service\""}));
  EXPECT_TRUE(fails_with(PolicyIdentity::parse("Global:x"), {"Global takes no name"}));
  EXPECT_TRUE(fails_with(PolicyIdentity::parse("Site:Red mond"), {"letters, digits"}));
  EXPECT_TRUE(fails_with(PolicyIdentity::parse("Tag:a/b"), {"letters, digits"}));
  EXPECT_TRUE(fails_with(PolicyIdentity::parse("Tag:x:y"), {"letters, digits"}));
  EXPECT_TRUE(fails_with(PolicyIdentity::parse("Tag:" + std::string(65, 'a')), {"longer than 64"}));
  EXPECT_TRUE(PolicyIdentity::parse("Tag:" + std::string(64, 'a')).ok());
  EXPECT_TRUE(PolicyIdentity::parse("Site:x").ok());
  EXPECT_TRUE(fails_with(PolicyIdentity::parse("Foo:x", "Parent"), {"Parent \"Foo:x\""}));
}

TEST(PolicyIdentity, FactoriesValidateNames) {
  ASSERT_TRUE(PolicyIdentity::site("Redmond").ok());
  EXPECT_EQ(PolicyIdentity::site("Redmond")->to_string(), "Site:Redmond");
  EXPECT_EQ(PolicyIdentity::tag("a.b-c_d")->to_string(), "Tag:a.b-c_d");
  EXPECT_TRUE(fails_with(PolicyIdentity::site(""), {"Site \"\": name must not be empty"}));
  EXPECT_TRUE(fails_with(PolicyIdentity::tag("semi;colon"), {"Tag \"semi;colon\""}));
}

TEST(PolicyName, StripsTagAndRefusesOtherScopes) {
  // Grant-CsCallViaWorkPolicy: "The PolicyName is the policy identity minus the policy scope".
  EXPECT_EQ(parse_policy_name("Tag:ContosoUser1CvWP", "PolicyName").value(), "ContosoUser1CvWP");
  EXPECT_EQ(parse_policy_name("StandardUserCvW", "PolicyName").value(), "StandardUserCvW");
  EXPECT_TRUE(
      fails_with(parse_policy_name("Global", "PolicyName"), {"PolicyName \"Global\"", "Tag:NAME"}));
  EXPECT_TRUE(fails_with(parse_policy_name("Site:Redmond", "PolicyName"), {"only per-user"}));
  EXPECT_TRUE(fails_with(parse_policy_name("", "PolicyName"), {"must not be empty"}));
}

// A lookup over a plain map, as a catalogue provides one.
struct Fixture {
  std::map<std::string, std::string> items;  // key() -> payload
  const std::string* operator()(const PolicyIdentity& identity) const {
    const auto it = items.find(identity.key());
    return it == items.end() ? nullptr : &it->second;
  }
};

TEST(ResolveEffective, TagBeatsSiteBeatsGlobal) {
  Fixture lookup{{{"global", "g"}, {"site:redmond", "s"}, {"tag:vip", "t"}}};
  const auto tag = resolve_effective<std::string>(std::string("VIP"), "Redmond", lookup);
  ASSERT_NE(tag.item, nullptr);
  EXPECT_EQ(*tag.item, "t");
  EXPECT_EQ(tag.source, PolicySource::kUserTag);
  EXPECT_EQ(tag.identity.to_string(), "Tag:VIP");
  EXPECT_FALSE(tag.granted_tag_missing);

  const auto site = resolve_effective<std::string>(std::nullopt, "redmond", lookup);
  ASSERT_NE(site.item, nullptr);
  EXPECT_EQ(*site.item, "s");
  EXPECT_EQ(site.source, PolicySource::kSite);

  const auto global = resolve_effective<std::string>(std::nullopt, "Paris", lookup);
  ASSERT_NE(global.item, nullptr);
  EXPECT_EQ(*global.item, "g");
  EXPECT_EQ(global.source, PolicySource::kGlobal);
  EXPECT_EQ(global.identity, PolicyIdentity::global());

  const auto no_site = resolve_effective<std::string>(std::nullopt, "", lookup);
  EXPECT_EQ(no_site.source, PolicySource::kGlobal);
}

TEST(ResolveEffective, MissingGrantFallsBackAndIsFlagged) {
  Fixture lookup{{{"global", "g"}, {"site:redmond", "s"}}};
  const auto to_site = resolve_effective<std::string>(std::string("Removed"), "Redmond", lookup);
  EXPECT_EQ(*to_site.item, "s");
  EXPECT_EQ(to_site.source, PolicySource::kSite);
  EXPECT_TRUE(to_site.granted_tag_missing);

  const auto to_global = resolve_effective<std::string>(std::string("Removed"), "", lookup);
  EXPECT_EQ(*to_global.item, "g");
  EXPECT_EQ(to_global.source, PolicySource::kGlobal);
  EXPECT_TRUE(to_global.granted_tag_missing);
}

TEST(ResolveEffective, GrantWrittenWithTagPrefixStillResolves) {
  Fixture lookup{{{"global", "g"}, {"tag:vip", "t"}}};
  EXPECT_EQ(resolve_effective<std::string>(std::string("Tag:vip"), "", lookup).source,
            PolicySource::kUserTag);
  // A grant that does not even parse is treated as absent.
  const auto bad = resolve_effective<std::string>(std::string("bad name"), "", lookup);
  EXPECT_EQ(bad.source, PolicySource::kGlobal);
  EXPECT_TRUE(bad.granted_tag_missing);
}

TEST(ResolveEffective, NoGlobalGivesNoItem) {
  Fixture lookup;
  EXPECT_EQ(resolve_effective<std::string>(std::nullopt, "x", lookup).item, nullptr);
}

TEST(PolicySourceText, NamesEachSource) {
  EXPECT_EQ(to_string(PolicySource::kUserTag), "user");
  EXPECT_EQ(to_string(PolicySource::kSite), "site");
  EXPECT_EQ(to_string(PolicySource::kGlobal), "global");
}

}  // namespace
}  // namespace cvw::directory
