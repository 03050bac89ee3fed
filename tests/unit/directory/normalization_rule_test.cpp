// Normalization rules: creation checks, pattern limits, translation with
// $1..$9 and $$.
#include "directory/normalization_rule.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "expect_error.hpp"

namespace cvw::directory {
namespace {

using testing::fails_with;
using testing::message_of;

NormalizationRule rule(std::string_view pattern, std::string_view translation,
                       std::string_view name = "R") {
  Result<NormalizationRule> r = NormalizationRule::create(name, "", pattern, translation);
  EXPECT_TRUE(r.ok()) << pattern << " -> " << translation << ": " << message_of(r);
  return r.ok() ? *r : NormalizationRule::create("fallback").value();
}

std::optional<std::string> translate(const NormalizationRule& r, std::string_view dialed) {
  Result<std::optional<std::string>> out = r.apply(dialed);
  EXPECT_TRUE(out.ok()) << message_of(out);
  return out.ok() ? *out : std::nullopt;
}

TEST(NormalizationRule, SfbDefaultsArePrefixAll) {
  Result<NormalizationRule> r = NormalizationRule::create("Prefix All");
  ASSERT_TRUE(r.ok()) << message_of(r);
  EXPECT_EQ(r->pattern(), R"(^(\d{11})$)");
  EXPECT_EQ(r->translation(), "+$1");
  EXPECT_EQ(translate(*r, "14255550100"), "+14255550100");
  EXPECT_EQ(translate(*r, "4255550100"), std::nullopt);
}

TEST(NormalizationRule, SeattleFourDigitExample) {
  // New-CsVoiceNormalizationRule -Parent SeattleUser -Name SeattleFourDigit
  //   -Pattern '^(\d{4})$' -Translation '+1206555$1': 1234 -> +12065551234.
  const NormalizationRule r = rule(R"(^(\d{4})$)", "+1206555$1", "SeattleFourDigit");
  EXPECT_EQ(r.name(), "SeattleFourDigit");
  EXPECT_EQ(translate(r, "1234"), "+12065551234");
  EXPECT_EQ(translate(r, "12345"), std::nullopt);
}

TEST(NormalizationRule, TranslationEscapesAndGroups) {
  const NormalizationRule r = rule(R"(^(\d{3})(\d{3})(\d{4})$)", "+1$1$2$3");
  EXPECT_EQ(translate(r, "4255550100"), "+14255550100");
  EXPECT_EQ(translate(rule(R"(^(\d+)$)", "$$$1"), "42"), "$42");
  EXPECT_EQ(translate(rule(R"(^(\d+)$)", "$$1"), "42"), "$1");  // $$ is a literal $, then '1'
  EXPECT_EQ(translate(rule(R"(^(\d)(\d)$)", "$2$1$2"), "12"), "212");
  EXPECT_EQ(translate(rule(R"(^(\d+)$)", "+44$10"), "20"), "+44200");  // $1 then a literal 0
  EXPECT_EQ(translate(rule(R"(^\d+$)", "+15551234567"), "999"), "+15551234567");  // no group used
  // All nine groups.
  EXPECT_EQ(translate(rule(R"(^(\d)(\d)(\d)(\d)(\d)(\d)(\d)(\d)(\d)$)", "$9$8$7$6$5$4$3$2$1"),
                      "123456789"),
            "987654321");
}

TEST(NormalizationRule, UnmatchedOptionalGroupIsEmpty) {
  const NormalizationRule r = rule(R"(^(?:\+?1)?(\d{3})?(\d{7})$)", "+1$1$2");
  EXPECT_EQ(translate(r, "+14255550100"), "+14255550100");
  EXPECT_EQ(translate(r, "5550100"), "+15550100");
}

TEST(NormalizationRule, SearchNotFullMatchUnlessAnchored) {
  // Like SfB's .NET regexes, an unanchored pattern may match inside the string.
  EXPECT_EQ(translate(rule(R"((\d{4}))", "x$1"), "ab1234cd"), "x1234");
  EXPECT_EQ(translate(rule(R"(^(\d{4})$)", "x$1"), "ab1234cd"), std::nullopt);
}

TEST(NormalizationRule, GreedyAndAlternationFollowEcmaScript) {
  EXPECT_EQ(translate(rule(R"(^(\d*)(\d{4})$)", "$1-$2"), "12345678"), "1234-5678");
  EXPECT_EQ(translate(rule(R"(^(1|12)(\d*)$)", "$1/$2"), "12345"),
            "1/2345");                                                     // first alternative wins
  EXPECT_EQ(translate(rule(R"(^(\d*?)(\d+)$)", "$1/$2"), "123"), "/123");  // lazy
}

TEST(NormalizationRule, BadPatternsNameTheRuleAndTheProblem) {
  EXPECT_TRUE(fails_with(
      NormalizationRule::create("Broken", "", R"(^(\d{4}$)", "+$1"),
      {"rule \"Broken\": Pattern \"^(\\\\d{4}$\"", "not a valid ECMAScript regular expression"}));
  EXPECT_TRUE(fails_with(NormalizationRule::create("Empty", "", "", "+$1"),
                         {"rule \"Empty\": Pattern \"\": must not be empty"}));
  EXPECT_TRUE(fails_with(NormalizationRule::create("Long", "", std::string(257, 'a'), "x"),
                         {"longer than 256"}));
  EXPECT_TRUE(fails_with(NormalizationRule::create("Ctl", "", "^\x01$", "x"), {"printable ASCII"}));
  EXPECT_TRUE(fails_with(NormalizationRule::create("BackRef", "", R"(^(\d)\1$)", "$1"),
                         {"back-references"}));
  EXPECT_TRUE(fails_with(NormalizationRule::create("Bracket", "", "[0-9", "x"),
                         {"rule \"Bracket\"", "regular expression"}));
}

TEST(NormalizationRule, PatternSizeLimits) {
  EXPECT_TRUE(NormalizationRule::create("R", "", R"(^\d{64}$)", "x").ok());
  EXPECT_TRUE(fails_with(NormalizationRule::create("R", "", R"(^\d{65}$)", "x"),
                         {"repetition count above 64"}));
  EXPECT_TRUE(fails_with(NormalizationRule::create("R", "", R"(^\d{1,99999}$)", "x"),
                         {"repetition count above 64"}));
  EXPECT_TRUE(fails_with(NormalizationRule::create("R", "", R"(^\d{99999999999999999999}$)", "x"),
                         {"above 64"}));
  EXPECT_TRUE(NormalizationRule::create("R", "", R"(^((\d?){20}){20}$)", "x").ok());
  EXPECT_TRUE(
      fails_with(NormalizationRule::create("R", "", R"(((\d?){40}){40})", "x"), {"too complex"}));
  EXPECT_TRUE(fails_with(NormalizationRule::create("R", "", R"((((\d{9}){9}){9}){9})", "x"),
                         {"too complex"}));
  // A brace that is not a quantifier is a literal and costs nothing special.
  EXPECT_TRUE(NormalizationRule::create("R", "", R"(^\{x\}$)", "x").ok());
}

TEST(NormalizationRule, LargestAcceptedPatternsStayFast) {
  // Near the expansion limit, against the longest dialed string.
  for (const char* pattern : {R"(^((\d?){20}){20}x$)", R"(^(\d?\d?){64}(\d?\d?){64}(\d?\d?){64}x$)",
                              R"(^([0-9]|[a-z]|\*|#)*(\d+)+(\d*)*x$)"}) {
    Result<NormalizationRule> r = NormalizationRule::create("Big", "", pattern, "x");
    ASSERT_TRUE(r.ok()) << pattern << ": " << message_of(r);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(translate(*r, std::string(64, '1')), std::nullopt) << pattern;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2)) << pattern;
  }
}

TEST(NormalizationRule, CatastrophicBacktrackingIsNotPossible) {
  // Backtracking engines take exponential time here; the rule must answer at once.
  const NormalizationRule r = rule(R"(^(\d+)+x$)", "$1");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(translate(r, std::string(64, '1')), std::nullopt);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(NormalizationRule, BadTranslations) {
  EXPECT_TRUE(fails_with(NormalizationRule::create("T", "", R"(^(\d+)$)", "+$2"),
                         {"rule \"T\": Translation \"+$2\": $2 refers to a group the pattern does "
                          "not have (it has 1)"}));
  EXPECT_TRUE(fails_with(NormalizationRule::create("T", "", R"(^\d+$)", "+$1"), {"(it has 0)"}));
  EXPECT_TRUE(fails_with(NormalizationRule::create("T", "", R"(^(\d+)$)", "+$"),
                         {"'$' must be followed by"}));
  EXPECT_TRUE(fails_with(NormalizationRule::create("T", "", R"(^(\d+)$)", "+$0"),
                         {"'$' must be followed by"}));
  EXPECT_TRUE(fails_with(NormalizationRule::create("T", "", R"(^(\d+)$)", "$a"),
                         {"'$' must be followed by"}));
  EXPECT_TRUE(fails_with(NormalizationRule::create("T", "", R"(^(\d+)$)", ""),
                         {"Translation \"\": must not be empty"}));
  EXPECT_TRUE(
      fails_with(NormalizationRule::create("T", "", R"(^(\d+)$)", "+1 $1"), {"without spaces"}));
  EXPECT_TRUE(fails_with(NormalizationRule::create("T", "", R"(^(\d+)$)", std::string(257, '1')),
                         {"longer than 256"}));
}

TEST(NormalizationRule, NamesAndDescriptions) {
  EXPECT_TRUE(
      NormalizationRule::create("Prefix Redmond").ok());  // spaces inside are SfB's own style
  EXPECT_TRUE(fails_with(NormalizationRule::create(""), {"Name \"\": must not be empty"}));
  EXPECT_TRUE(fails_with(NormalizationRule::create("a/b"), {"'/' is not allowed"}));
  EXPECT_TRUE(fails_with(NormalizationRule::create(" lead"), {"start or end with a space"}));
  EXPECT_TRUE(fails_with(NormalizationRule::create("tab\there"), {"control characters"}));
  EXPECT_TRUE(fails_with(NormalizationRule::create(std::string(129, 'n')), {"longer than 128"}));
  EXPECT_TRUE(NormalizationRule::create("R", std::string(512, 'd')).ok());
  EXPECT_TRUE(fails_with(NormalizationRule::create("R", std::string(513, 'd')),
                         {"rule \"R\": Description", "512"}));
}

TEST(NormalizationRule, CopiesShareTheCompiledRegexAndCompareByText) {
  const NormalizationRule a = rule(R"(^(\d{4})$)", "+1206555$1");
  const NormalizationRule copy = a;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(copy, a);
  EXPECT_EQ(translate(copy, "1234"), "+12065551234");
  EXPECT_FALSE(a == rule(R"(^(\d{4})$)", "+1206556$1"));
}

}  // namespace
}  // namespace cvw::directory
