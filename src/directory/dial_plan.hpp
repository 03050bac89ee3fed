// Dial plans (SfB New-/Set-/Get-/Grant-/Remove-CsDialPlan) and number
// normalization with their rules (New-/Set-/Remove-CsVoiceNormalizationRule).
//
// A dial plan is an ordered list of normalization rules. SfB's Priority is a
// rule's 0-based position in that list: "the order in which the rules are
// tested against the number". A new rule goes last unless given a priority;
// giving one inserts (or moves) the rule there and shifts the rules after it.
// normalize() applies the first rule, in that order, whose pattern matches.
//
// As in SfB, creating a dial plan without rules gives it the placeholder rule
// "Prefix All" (^(\d{11})$ -> +$1), the Global dial plan starts that way, and
// removing Global resets it to that. Identities, grants and the effective
// dial plan follow the same rules as Call Via Work policies
// (scoped_catalogue.hpp). SfB's SimpleName, ExternalAccessPrefix and
// OptimizeDeviceDialing are not modelled.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "directory/normalization_rule.hpp"
#include "directory/policy_identity.hpp"
#include "directory/scoped_catalogue.hpp"
#include "directory/user.hpp"

namespace cvw::directory {

// Bounds the work normalize() does per dialed number.
inline constexpr std::size_t kMaxRulesPerDialPlan = 100;
inline constexpr std::size_t kMaxDialedLength = 64;

struct DialPlan {
  static constexpr std::string_view kKind = "dial plan";

  PolicyIdentity identity;
  std::string description;               // <= 512 characters
  std::vector<NormalizationRule> rules;  // rules[i] has Priority i

  // One "Prefix All" rule, as New-CsDialPlan creates and Remove-CsDialPlan
  // restores for Global.
  static DialPlan defaults(const PolicyIdentity& identity);

  bool operator==(const DialPlan&) const = default;
};

// Description length, rule count, rule names unique (ignoring case).
Result<void> validate_dial_plan(const DialPlan& plan);

// A dialed string a user may submit: 1..64 characters of [0-9A-Za-z+*#()-. ].
Result<void> validate_dialed(std::string_view dialed);

struct Normalized {
  std::string number;               // the translation, or the (cleaned) input when no rule matched
  std::optional<std::string> rule;  // name of the rule that matched; nullopt: "no rule matched"
};

// Validates `dialed`, removes the visual separators "()-. " (RFC 3966 §5.1.1:
// they carry no meaning, and a user typing "(425) 555-0100" means 4255550100),
// then applies the first matching rule. Letters are kept (1-800-FLOWERS).
Result<Normalized> normalize(const DialPlan& plan, std::string_view dialed);

// Set-CsDialPlan parameters: only the fields given change.
struct DialPlanUpdate {
  std::optional<std::string> description;
};

// Set-CsVoiceNormalizationRule parameters (plus Name, which SfB changes
// through -Instance): only the fields given change.
struct NormalizationRuleUpdate {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> pattern;
  std::optional<std::string> translation;
  std::optional<int> priority;  // 0-based position; int as in SfB, so -1 is a clear error
};

// All dial plans of a deployment, in memory; Global always exists. Every
// mutating call either applies fully or changes nothing. Errors: 400 invalid
// value, 404 no such dial plan or rule, 409 identity or rule name exists /
// Global cannot be created.
class DialPlans {
 public:
  DialPlans() = default;

  // New-CsDialPlan. `rules` nullopt: the "Prefix All" placeholder rule;
  // an empty vector: no rules at all.
  Result<DialPlan> create(const PolicyIdentity& identity, std::string_view description = {},
                          std::optional<std::vector<NormalizationRule>> rules = std::nullopt);
  Result<DialPlan> set(const PolicyIdentity& identity, const DialPlanUpdate& fields);
  Result<DialPlan> get(const PolicyIdentity& identity) const;
  std::vector<DialPlan> list() const;
  // Remove-CsDialPlan: removes its rules too; Global is reset to the defaults.
  Result<void> remove(const PolicyIdentity& identity);

  // New-CsVoiceNormalizationRule -Parent IDENTITY [-Priority N]: appended
  // when `priority` is nullopt, else inserted at 0 <= N <= rule count.
  Result<DialPlan> add_rule(const PolicyIdentity& identity, NormalizationRule rule,
                            std::optional<int> priority = std::nullopt);
  // Set-CsVoiceNormalizationRule IDENTITY/NAME (rule name matched ignoring case).
  Result<DialPlan> set_rule(const PolicyIdentity& identity, std::string_view rule_name,
                            const NormalizationRuleUpdate& fields);
  // Remove-CsVoiceNormalizationRule IDENTITY/NAME.
  Result<DialPlan> remove_rule(const PolicyIdentity& identity, std::string_view rule_name);

  // Grant-CsDialPlan -PolicyName NAME (or "Tag:NAME"); nullopt clears the grant.
  Result<void> grant(User& user, std::optional<std::string_view> plan_name) const;

  // The dial plan that applies to `user`: granted tag, else site, else Global.
  Effective<DialPlan> effective(const User& user) const;

  // Replaces every dial plan with `plans` (as loaded from storage), after
  // validating each; Global is defaulted when absent.
  Result<void> load(std::vector<DialPlan> plans);

 private:
  ScopedCatalogue<DialPlan> plans_;
};

}  // namespace cvw::directory
