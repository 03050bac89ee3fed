// Dial plans: normalize() (order, first match, input checks) and the
// DialPlans catalogue (cmdlet semantics, rule priorities, effective plan,
// atomicity).
#include "directory/dial_plan.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "expect_error.hpp"

namespace cvw::directory {
namespace {

using testing::fails_with;
using testing::message_of;

PolicyIdentity id(std::string_view text) {
  return PolicyIdentity::parse(text).value();
}

NormalizationRule rule(std::string_view name, std::string_view pattern,
                       std::string_view translation) {
  Result<NormalizationRule> r = NormalizationRule::create(name, "", pattern, translation);
  EXPECT_TRUE(r.ok()) << message_of(r);
  return r.value();
}

std::vector<std::string> rule_names(const DialPlan& plan) {
  std::vector<std::string> names;
  for (const NormalizationRule& r : plan.rules) names.push_back(r.name());
  return names;
}

// A Redmond-style plan: four-digit extensions, seven-digit local numbers,
// ten-digit national numbers, and a catch-all that must come last.
DialPlan redmond_plan() {
  DialPlan plan;
  plan.identity = id("Site:Redmond");
  plan.rules = {rule("FourDigit", R"(^(\d{4})$)", "+1425555$1"),
                rule("SevenDigit", R"(^(\d{7})$)", "+1425$1"),
                rule("TenDigit", R"(^(\d{10})$)", "+1$1"), rule("KeepAll", R"(^(.*)$)", "$1")};
  return plan;
}

Normalized normalized(const DialPlan& plan, std::string_view dialed) {
  Result<Normalized> r = normalize(plan, dialed);
  EXPECT_TRUE(r.ok()) << dialed << ": " << message_of(r);
  return r.ok() ? *r : Normalized{};
}

TEST(Normalize, FirstMatchingRuleInOrderWins) {
  const DialPlan plan = redmond_plan();
  Normalized n = normalized(plan, "1234");
  EXPECT_EQ(n.number, "+14255551234");
  EXPECT_EQ(n.rule, "FourDigit");
  n = normalized(plan, "5550100");
  EXPECT_EQ(n.number, "+14255550100");
  EXPECT_EQ(n.rule, "SevenDigit");
  n = normalized(plan, "4255550100");
  EXPECT_EQ(n.number, "+14255550100");
  EXPECT_EQ(n.rule, "TenDigit");
  n = normalized(plan, "*99#");
  EXPECT_EQ(n.number, "*99#");
  EXPECT_EQ(n.rule, "KeepAll");
}

TEST(Normalize, OrderDecidesBetweenOverlappingRules) {
  DialPlan plan;
  plan.rules = {rule("CatchAll", R"(^(\d+)$)", "+$1"),
                rule("FourDigit", R"(^(\d{4})$)", "+1425555$1")};
  EXPECT_EQ(normalized(plan, "1234").rule, "CatchAll");
  EXPECT_EQ(normalized(plan, "1234").number, "+1234");
  std::swap(plan.rules[0], plan.rules[1]);
  EXPECT_EQ(normalized(plan, "1234").rule, "FourDigit");
}

TEST(Normalize, NoRuleMatchedLeavesTheNumber) {
  DialPlan plan;
  plan.rules = {rule("FourDigit", R"(^(\d{4})$)", "+1425555$1")};
  const Normalized n = normalized(plan, "+442079460000");
  EXPECT_EQ(n.number, "+442079460000");
  EXPECT_EQ(n.rule, std::nullopt);
  EXPECT_EQ(normalized(DialPlan{}, "123").rule, std::nullopt);  // a plan without rules
}

TEST(Normalize, VisualSeparatorsAreRemovedLettersKept) {
  const DialPlan plan = redmond_plan();
  EXPECT_EQ(normalized(plan, "(425) 555-0100").number, "+14255550100");
  EXPECT_EQ(normalized(plan, "425.555.0100").rule, "TenDigit");
  EXPECT_EQ(normalized(plan, "1-800-FLOWERS").number, "1800FLOWERS");
  DialPlan empty;
  EXPECT_EQ(normalized(empty, "+1 (425) 555-0100").number, "+14255550100");
}

TEST(Normalize, RefusesBadDialedStrings) {
  const DialPlan plan = redmond_plan();
  EXPECT_TRUE(fails_with(normalize(plan, ""), {"Number \"\": must not be empty"}));
  EXPECT_TRUE(fails_with(normalize(plan, std::string(65, '1')), {"longer than 64 characters"}));
  EXPECT_TRUE(normalize(plan, std::string(64, '1')).ok());
  EXPECT_TRUE(
      fails_with(normalize(plan, "123;ext=4"), {"Number \"123;ext=4\"", "only digits, letters"}));
  EXPECT_TRUE(fails_with(normalize(plan, "sip:bob@example.com"), {"only digits"}));
  EXPECT_TRUE(fails_with(normalize(plan, "123\n"), {"only digits"}));
  EXPECT_TRUE(fails_with(normalize(plan, "\xC3\xA4"), {"only digits"}));
  EXPECT_TRUE(fails_with(normalize(plan, "( ) -"), {"has no digits or letters"}));
}

TEST(DialPlans, GlobalExistsWithThePrefixAllRule) {
  DialPlans plans;
  Result<DialPlan> global = plans.get(PolicyIdentity::global());
  ASSERT_TRUE(global.ok());
  EXPECT_EQ(rule_names(*global), std::vector<std::string>{"Prefix All"});
  EXPECT_EQ(normalized(*global, "14255550100").number, "+14255550100");
}

TEST(DialPlans, CreateAddsThePlaceholderRuleUnlessRulesAreGiven) {
  DialPlans plans;
  // New-CsDialPlan -Identity RedmondDialPlan -Description "Dial plan for Redmond users"
  Result<DialPlan> created = plans.create(id("RedmondDialPlan"), "Dial plan for Redmond users");
  ASSERT_TRUE(created.ok()) << message_of(created);
  EXPECT_EQ(created->identity.to_string(), "Tag:RedmondDialPlan");
  EXPECT_EQ(created->description, "Dial plan for Redmond users");
  EXPECT_EQ(rule_names(*created), std::vector<std::string>{"Prefix All"});

  Result<DialPlan> bare = plans.create(id("Site:Dublin"), "", std::vector<NormalizationRule>{});
  ASSERT_TRUE(bare.ok());
  EXPECT_TRUE(bare->rules.empty());

  Result<DialPlan> given = plans.create(id("Site:Redmond"), "", redmond_plan().rules);
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(rule_names(*given), rule_names(redmond_plan()));
}

TEST(DialPlans, CreateRefusals) {
  DialPlans plans;
  EXPECT_TRUE(fails_with(plans.create(PolicyIdentity::global()), 409, {"Global", "always exists"}));
  ASSERT_TRUE(plans.create(id("Site:Redmond")).ok());
  EXPECT_TRUE(fails_with(plans.create(id("site:redmond")), 409, {"exists"}));
  EXPECT_TRUE(fails_with(plans.create(id("Tag:Long"), std::string(513, 'd')), 400,
                         {"Tag:Long: Description"}));
  EXPECT_TRUE(fails_with(
      plans.create(id("Tag:Dup"), "",
                   std::vector<NormalizationRule>{rule("A", "^1$", "1"), rule("a", "^2$", "2")}),
      409, {"rule \"a\": listed twice"}));
  std::vector<NormalizationRule> too_many;
  for (std::size_t i = 0; i <= kMaxRulesPerDialPlan; ++i)
    too_many.push_back(rule("R" + std::to_string(i), "^1$", "1"));
  EXPECT_TRUE(fails_with(plans.create(id("Tag:Many"), "", too_many), {"more than 100 rules"}));
  EXPECT_EQ(plans.list().size(), 2u);  // Global and Site:Redmond only
}

TEST(DialPlans, SetDescription) {
  DialPlans plans;
  ASSERT_TRUE(plans.create(id("Site:Redmond"), "old").ok());
  DialPlanUpdate update;
  update.description = "new";
  EXPECT_EQ(plans.set(id("Site:Redmond"), update)->description, "new");
  EXPECT_EQ(rule_names(plans.get(id("Site:Redmond")).value()),
            std::vector<std::string>{"Prefix All"});
  update.description = std::string(600, 'x');
  EXPECT_FALSE(plans.set(id("Site:Redmond"), update).ok());
  EXPECT_EQ(plans.get(id("Site:Redmond"))->description, "new");
  EXPECT_TRUE(fails_with(plans.set(id("Tag:Nope"), {}), 404, {"Tag:Nope: no such dial plan"}));
}

TEST(DialPlans, RulePrioritiesInsertAndMove) {
  DialPlans plans;
  ASSERT_TRUE(plans.create(id("Site:Redmond"), "", std::vector<NormalizationRule>{}).ok());
  ASSERT_TRUE(plans.add_rule(id("Site:Redmond"), rule("B", "^2$", "2")).ok());
  ASSERT_TRUE(plans.add_rule(id("Site:Redmond"), rule("C", "^3$", "3")).ok());
  Result<DialPlan> plan = plans.add_rule(id("Site:Redmond"), rule("A", "^1$", "1"), 0);
  ASSERT_TRUE(plan.ok()) << message_of(plan);
  EXPECT_EQ(rule_names(*plan), (std::vector<std::string>{"A", "B", "C"}));
  plan = plans.add_rule(id("Site:Redmond"), rule("D", "^4$", "4"), 3);  // == count: append
  ASSERT_TRUE(plan.ok()) << message_of(plan);
  EXPECT_EQ(rule_names(*plan), (std::vector<std::string>{"A", "B", "C", "D"}));

  NormalizationRuleUpdate move;
  move.priority = 0;
  plan = plans.set_rule(id("Site:Redmond"), "c", move);
  ASSERT_TRUE(plan.ok()) << message_of(plan);
  EXPECT_EQ(rule_names(*plan), (std::vector<std::string>{"C", "A", "B", "D"}));
  move.priority = 3;
  plan = plans.set_rule(id("Site:Redmond"), "C", move);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(rule_names(*plan), (std::vector<std::string>{"A", "B", "D", "C"}));

  EXPECT_TRUE(fails_with(plans.add_rule(id("Site:Redmond"), rule("E", "^5$", "5"), 5),
                         {"Site:Redmond: Priority \"5\": must be between 0 and 4"}));
  EXPECT_TRUE(fails_with(plans.add_rule(id("Site:Redmond"), rule("E", "^5$", "5"), -1),
                         {"Priority \"-1\""}));
  move.priority = 4;
  EXPECT_TRUE(fails_with(plans.set_rule(id("Site:Redmond"), "A", move), {"between 0 and 3"}));
  EXPECT_EQ(rule_names(plans.get(id("Site:Redmond")).value()),
            (std::vector<std::string>{"A", "B", "D", "C"}));
}

TEST(DialPlans, PriorityChangesWhichRuleMatches) {
  DialPlans plans;
  ASSERT_TRUE(plans.create(id("Site:Redmond"), "", std::vector<NormalizationRule>{}).ok());
  ASSERT_TRUE(plans.add_rule(id("Site:Redmond"), rule("CatchAll", R"(^(\d+)$)", "+$1")).ok());
  ASSERT_TRUE(
      plans.add_rule(id("Site:Redmond"), rule("FourDigit", R"(^(\d{4})$)", "+1425555$1")).ok());
  EXPECT_EQ(normalized(plans.get(id("Site:Redmond")).value(), "1234").rule, "CatchAll");
  NormalizationRuleUpdate first;
  first.priority = 0;
  ASSERT_TRUE(plans.set_rule(id("Site:Redmond"), "FourDigit", first).ok());
  EXPECT_EQ(normalized(plans.get(id("Site:Redmond")).value(), "1234").number, "+14255551234");
}

TEST(DialPlans, SetRuleFields) {
  DialPlans plans;
  ASSERT_TRUE(plans
                  .create(id("Site:Redmond"), "",
                          std::vector<NormalizationRule>{
                              rule("SeattleFourDigit", R"(^(\d{4})$)", "+1206555$1")})
                  .ok());
  // Set-CsVoiceNormalizationRule -Identity .../SeattleFourDigit -Translation '+1206556$1'
  NormalizationRuleUpdate update;
  update.translation = "+1206556$1";
  update.description = "Translate an internal four-digit extension";
  Result<DialPlan> plan = plans.set_rule(id("Site:Redmond"), "SeattleFourDigit", update);
  ASSERT_TRUE(plan.ok()) << message_of(plan);
  EXPECT_EQ(plan->rules[0].pattern(), R"(^(\d{4})$)");
  EXPECT_EQ(plan->rules[0].description(), "Translate an internal four-digit extension");
  EXPECT_EQ(normalized(*plan, "1234").number, "+12065561234");

  // A new pattern is compiled and used.
  update = {};
  update.pattern = R"(^(\d{5})$)";
  plan = plans.set_rule(id("Site:Redmond"), "SeattleFourDigit", update);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(normalized(*plan, "12345").number, "+120655612345");
  EXPECT_EQ(normalized(*plan, "1234").rule, std::nullopt);

  // Rename (SfB does it through -Instance).
  update = {};
  update.name = "SeattleFiveDigit";
  plan = plans.set_rule(id("Site:Redmond"), "SeattleFourDigit", update);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(rule_names(*plan), std::vector<std::string>{"SeattleFiveDigit"});
}

TEST(DialPlans, FailedRuleUpdatesChangeNothing) {
  DialPlans plans;
  ASSERT_TRUE(plans.create(id("Site:Redmond"), "", redmond_plan().rules).ok());
  const DialPlan before = plans.get(id("Site:Redmond")).value();

  NormalizationRuleUpdate bad_pattern;
  bad_pattern.translation = "+1$1";     // fine alone
  bad_pattern.pattern = R"(^(\d{4}$)";  // broken
  EXPECT_TRUE(fails_with(plans.set_rule(id("Site:Redmond"), "FourDigit", bad_pattern),
                         {"Site:Redmond: rule \"FourDigit\": Pattern"}));
  NormalizationRuleUpdate bad_group;
  bad_group.pattern = R"(^\d{4}$)";  // drops the group the translation uses
  EXPECT_TRUE(
      fails_with(plans.set_rule(id("Site:Redmond"), "FourDigit", bad_group), {"Translation"}));
  NormalizationRuleUpdate clash;
  clash.name = "tendigit";
  clash.priority = 0;
  EXPECT_TRUE(fails_with(plans.set_rule(id("Site:Redmond"), "FourDigit", clash), 409,
                         {"\"tendigit\" exists"}));
  EXPECT_TRUE(fails_with(plans.add_rule(id("Site:Redmond"), rule("sevendigit", "^1$", "1")), 409,
                         {"exists"}));
  EXPECT_TRUE(fails_with(plans.set_rule(id("Site:Redmond"), "Nope", {}), 404,
                         {"no normalization rule \"Nope\""}));
  EXPECT_TRUE(fails_with(plans.remove_rule(id("Site:Redmond"), "Nope"), 404, {"Nope"}));
  EXPECT_TRUE(fails_with(plans.add_rule(id("Tag:Nope"), rule("X", "^1$", "1")), 404, {"Tag:Nope"}));

  EXPECT_EQ(plans.get(id("Site:Redmond")).value(), before);
}

TEST(DialPlans, RemoveRule) {
  DialPlans plans;
  ASSERT_TRUE(plans.create(id("Site:Redmond"), "", redmond_plan().rules).ok());
  Result<DialPlan> plan = plans.remove_rule(id("Site:Redmond"), "sevendigit");
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(rule_names(*plan), (std::vector<std::string>{"FourDigit", "TenDigit", "KeepAll"}));
  EXPECT_EQ(normalized(*plan, "5550100").rule, "KeepAll");
}

TEST(DialPlans, RemovingGlobalRestoresTheDefaultRule) {
  DialPlans plans;
  ASSERT_TRUE(
      plans.add_rule(PolicyIdentity::global(), rule("FourDigit", R"(^(\d{4})$)", "+1425555$1"), 0)
          .ok());
  ASSERT_TRUE(plans.remove_rule(PolicyIdentity::global(), "Prefix All").ok());
  DialPlanUpdate d;
  d.description = "custom";
  ASSERT_TRUE(plans.set(PolicyIdentity::global(), d).ok());
  ASSERT_TRUE(plans.remove(PolicyIdentity::global()).ok());
  const DialPlan global = plans.get(PolicyIdentity::global()).value();
  EXPECT_EQ(global, DialPlan::defaults(PolicyIdentity::global()));
  EXPECT_EQ(global.description, "");
  EXPECT_EQ(rule_names(global), std::vector<std::string>{"Prefix All"});
}

TEST(DialPlans, EffectiveInAllThreeScopesAndFallback) {
  DialPlans plans;
  ASSERT_TRUE(plans.create(id("Site:Redmond"), "", redmond_plan().rules).ok());
  ASSERT_TRUE(plans
                  .create(id("Tag:SeattleUser"), "",
                          std::vector<NormalizationRule>{
                              rule("SeattleFourDigit", R"(^(\d{4})$)", "+1206555$1")})
                  .ok());
  User u;
  u.sip_uri = "sip:ken@litwareinc.com";
  u.site = "Redmond";
  ASSERT_TRUE(plans.grant(u, "SeattleUser").ok());
  EXPECT_EQ(u.dial_plan, "SeattleUser");

  Effective<DialPlan> e = plans.effective(u);
  EXPECT_EQ(e.source, PolicySource::kUserTag);
  EXPECT_EQ(normalized(e.item, "1234").number, "+12065551234");

  ASSERT_TRUE(plans.remove(id("Tag:SeattleUser")).ok());
  e = plans.effective(u);
  EXPECT_EQ(e.source, PolicySource::kSite);
  EXPECT_TRUE(e.granted_tag_missing);
  EXPECT_EQ(normalized(e.item, "1234").number, "+14255551234");

  u.site = "Elsewhere";
  e = plans.effective(u);
  EXPECT_EQ(e.source, PolicySource::kGlobal);
  EXPECT_EQ(normalized(e.item, "14255550100").rule, "Prefix All");

  EXPECT_TRUE(
      fails_with(plans.grant(u, "SeattleUser"), 404, {"Tag:SeattleUser: no such dial plan"}));
  ASSERT_TRUE(plans.grant(u, std::nullopt).ok());
  EXPECT_EQ(u.dial_plan, std::nullopt);
}

TEST(DialPlans, LoadValidatesEveryPlan) {
  DialPlans plans;
  DialPlan ok_plan = redmond_plan();
  DialPlan dup = DialPlan::defaults(id("Tag:Dup"));
  dup.rules.push_back(dup.rules[0]);
  EXPECT_TRUE(
      fails_with(plans.load({ok_plan, dup}), 409, {"Tag:Dup: rule \"Prefix All\": listed twice"}));
  EXPECT_FALSE(plans.get(id("Site:Redmond")).ok());
  ASSERT_TRUE(plans.load({ok_plan}).ok());
  EXPECT_EQ(plans.get(id("Site:Redmond")).value(), ok_plan);
  EXPECT_TRUE(plans.get(PolicyIdentity::global()).ok());
}

}  // namespace
}  // namespace cvw::directory
