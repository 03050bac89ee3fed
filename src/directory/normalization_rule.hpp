// A voice normalization rule (SfB New-/Set-CsVoiceNormalizationRule): a
// pattern the dialed string must match and a translation that rewrites it,
// usually into E.164. SfB's own example: Pattern '^(\d{4})$', Translation
// '+1206555$1' turns extension 1234 into +12065551234.
//
// The pattern is an ECMAScript regular expression, compiled once when the
// rule is created and shared (immutably) by every copy of the rule, so
// normalizing a number never recompiles. That is why the fields are private
// and only create() makes a rule: a rule whose pattern string and compiled
// regex disagree cannot exist.
//
// Patterns come from administrators but are run against strings users type,
// so they are bounded: at most 256 characters, counted repetitions ({n,m}) up
// to 64 (no dialed string is longer), and an estimated expanded size of 1024
// atoms. On libstdc++ the regex runs in its polynomial (NFA) mode, so a rule
// like ^(\d+)+x$ costs microseconds instead of backtracking for minutes; the
// price is that back-references (\1) are refused, which phone patterns do
// not need.
//
// The translation uses $1..$9 for the pattern's groups and $$ for a literal
// '$'; a group that did not take part in the match is empty. Any other '$',
// or a group number the pattern does not have, is refused at creation.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace cvw::directory {

inline constexpr std::size_t kMaxRuleNameLength = 128;
inline constexpr std::size_t kMaxDescriptionLength = 512;  // SfB: "Maximum string length: 512"
inline constexpr std::size_t kMaxPatternLength = 256;
inline constexpr std::size_t kMaxTranslationLength = 256;
inline constexpr std::size_t kMaxPatternRepeat = 64;
inline constexpr std::size_t kMaxPatternExpansion = 1024;

// SfB's defaults for a new rule, and the rule New-CsDialPlan adds to a new
// dial plan ("Prefix All": eleven digits get a '+').
inline constexpr std::string_view kDefaultRuleName = "Prefix All";
inline constexpr std::string_view kDefaultPattern = R"(^(\d{11})$)";
inline constexpr std::string_view kDefaultTranslation = "+$1";

class NormalizationRule {
 public:
  // Errors name the rule and the field: `rule "Seattle": Pattern "^(\d{4}$": ...`.
  static Result<NormalizationRule> create(std::string_view name, std::string_view description = {},
                                          std::string_view pattern = kDefaultPattern,
                                          std::string_view translation = kDefaultTranslation);

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  const std::string& pattern() const { return pattern_; }
  const std::string& translation() const { return translation_; }

  // The translated number when `dialed` matches the pattern (std::regex_search,
  // so anchor with ^...$ to match the whole string), nullopt when it does not.
  // An Error (500) only if the regex engine gives up on the input.
  Result<std::optional<std::string>> apply(std::string_view dialed) const;

  // Rules are equal when their four texts are (the regex follows from the pattern).
  friend bool operator==(const NormalizationRule& a, const NormalizationRule& b) {
    return a.name_ == b.name_ && a.description_ == b.description_ && a.pattern_ == b.pattern_ &&
           a.translation_ == b.translation_;
  }

 private:
  NormalizationRule() = default;

  std::string name_;
  std::string description_;
  std::string pattern_;
  std::string translation_;
  std::shared_ptr<const std::regex> regex_;
};

// Rule names: 1..128 characters of UTF-8 without control characters or '/'
// (SfB writes a rule's identity as "site:Redmond/Prefix Redmond"), not starting
// or ending with a space. Spaces inside are fine: "Prefix All" is SfB's own.
Result<void> validate_rule_name(std::string_view name);

}  // namespace cvw::directory
