// Dial plans, normalization and their catalogue; see dial_plan.hpp.
#include "directory/dial_plan.hpp"

#include <iterator>

#include "directory/text.hpp"

namespace cvw::directory {
namespace {

using detail::field_error;

// The placeholder rule, compiled once and shared by every default dial plan.
const NormalizationRule& prefix_all_rule() {
  static const NormalizationRule rule = NormalizationRule::create(kDefaultRuleName).value();
  return rule;
}

bool is_visual_separator(char c) {
  return c == '(' || c == ')' || c == '-' || c == '.' || c == ' ';
}

bool is_dialable_char(char c) {
  return detail::is_alnum(c) || c == '+' || c == '*' || c == '#' || is_visual_separator(c);
}

std::vector<NormalizationRule>::iterator find_rule(std::vector<NormalizationRule>& rules,
                                                   std::string_view name) {
  for (auto it = rules.begin(); it != rules.end(); ++it) {
    if (detail::iequals(it->name(), name)) return it;
  }
  return rules.end();
}

Error no_rule(const PolicyIdentity& identity, std::string_view name) {
  return detail::not_found(identity.to_string() + ": no normalization rule " +
                           detail::quoted(name));
}

// Checks a 0-based Priority against the number of positions it may take.
Result<std::size_t> check_priority(int priority, std::size_t positions) {
  if (priority < 0 || static_cast<std::size_t>(priority) >= positions)
    return field_error("Priority", std::to_string(priority),
                       "must be between 0 and " + std::to_string(positions - 1));
  return static_cast<std::size_t>(priority);
}

Error in_plan(const PolicyIdentity& identity, const Error& error) {
  return Error{error.status, identity.to_string() + ": " + error.message};
}

}  // namespace

DialPlan DialPlan::defaults(const PolicyIdentity& identity) {
  return DialPlan{identity, {}, {prefix_all_rule()}};
}

Result<void> validate_dial_plan(const DialPlan& plan) {
  if (Result<void> r =
          detail::check_free_text("Description", plan.description, kMaxDescriptionLength);
      !r)
    return r;
  if (plan.rules.size() > kMaxRulesPerDialPlan)
    return bad_request("NormalizationRules: more than " + std::to_string(kMaxRulesPerDialPlan) +
                       " rules");
  for (std::size_t i = 0; i < plan.rules.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (detail::iequals(plan.rules[i].name(), plan.rules[j].name()))
        return detail::conflict("rule " + detail::quoted(plan.rules[i].name()) +
                                ": listed twice (rule names are unique within a dial plan)");
    }
  }
  return {};
}

Result<void> validate_dialed(std::string_view dialed) {
  if (dialed.empty()) return field_error("Number", dialed, "must not be empty");
  if (dialed.size() > kMaxDialedLength)
    return field_error("Number", dialed,
                       "longer than " + std::to_string(kMaxDialedLength) + " characters");
  for (const char c : dialed) {
    if (!is_dialable_char(c))
      return field_error(
          "Number", dialed,
          "only digits, letters, + * # and the separators ( ) - . and space are allowed");
  }
  return {};
}

Result<Normalized> normalize(const DialPlan& plan, std::string_view dialed) {
  if (Result<void> r = validate_dialed(dialed); !r) return r.error();
  std::string cleaned;
  cleaned.reserve(dialed.size());
  for (const char c : dialed) {
    if (!is_visual_separator(c)) cleaned += c;
  }
  if (cleaned.empty()) return field_error("Number", dialed, "has no digits or letters");
  for (const NormalizationRule& rule : plan.rules) {
    Result<std::optional<std::string>> translated = rule.apply(cleaned);
    if (!translated) return translated.error();
    if (*translated) return Normalized{std::move(**translated), rule.name()};
  }
  return Normalized{std::move(cleaned), std::nullopt};
}

Result<DialPlan> DialPlans::create(const PolicyIdentity& identity, std::string_view description,
                                   std::optional<std::vector<NormalizationRule>> rules) {
  if (Result<void> r = plans_.check_new(identity); !r) return r.error();
  DialPlan plan = DialPlan::defaults(identity);
  plan.description = std::string(description);
  if (rules) plan.rules = std::move(*rules);
  if (Result<void> r = validate_dial_plan(plan); !r) return in_plan(identity, r.error());
  plans_.insert(plan);
  return plan;
}

Result<DialPlan> DialPlans::set(const PolicyIdentity& identity, const DialPlanUpdate& fields) {
  Result<DialPlan> plan = plans_.get(identity);
  if (!plan) return plan;
  if (fields.description) plan->description = *fields.description;
  if (Result<void> r = validate_dial_plan(*plan); !r) return in_plan(identity, r.error());
  plans_.replace(*plan);
  return plan;
}

Result<DialPlan> DialPlans::get(const PolicyIdentity& identity) const {
  return plans_.get(identity);
}

std::vector<DialPlan> DialPlans::list() const {
  return plans_.list();
}

Result<void> DialPlans::remove(const PolicyIdentity& identity) {
  return plans_.remove(identity);
}

Result<DialPlan> DialPlans::add_rule(const PolicyIdentity& identity, NormalizationRule rule,
                                     std::optional<int> priority) {
  Result<DialPlan> plan = plans_.get(identity);
  if (!plan) return plan;
  std::vector<NormalizationRule>& rules = plan->rules;
  if (find_rule(rules, rule.name()) != rules.end())
    return detail::conflict(identity.to_string() + ": a normalization rule " +
                            detail::quoted(rule.name()) + " exists");
  std::size_t position = rules.size();
  if (priority) {
    Result<std::size_t> checked = check_priority(*priority, rules.size() + 1);
    if (!checked) return in_plan(identity, checked.error());
    position = *checked;
  }
  rules.insert(rules.begin() + static_cast<std::ptrdiff_t>(position), std::move(rule));
  if (Result<void> r = validate_dial_plan(*plan); !r) return in_plan(identity, r.error());
  plans_.replace(*plan);
  return plan;
}

Result<DialPlan> DialPlans::set_rule(const PolicyIdentity& identity, std::string_view rule_name,
                                     const NormalizationRuleUpdate& fields) {
  Result<DialPlan> plan = plans_.get(identity);
  if (!plan) return plan;
  std::vector<NormalizationRule>& rules = plan->rules;
  const auto it = find_rule(rules, rule_name);
  if (it == rules.end()) return no_rule(identity, rule_name);

  const NormalizationRule& old = *it;
  Result<NormalizationRule> updated = NormalizationRule::create(
      fields.name.value_or(old.name()), fields.description.value_or(old.description()),
      fields.pattern.value_or(old.pattern()), fields.translation.value_or(old.translation()));
  if (!updated) return in_plan(identity, updated.error());

  std::size_t position = static_cast<std::size_t>(std::distance(rules.begin(), it));
  rules.erase(it);
  if (fields.priority) {
    Result<std::size_t> checked = check_priority(*fields.priority, rules.size() + 1);
    if (!checked) return in_plan(identity, checked.error());
    position = *checked;
  }
  if (find_rule(rules, updated->name()) != rules.end())
    return detail::conflict(identity.to_string() + ": a normalization rule " +
                            detail::quoted(updated->name()) + " exists");
  rules.insert(rules.begin() + static_cast<std::ptrdiff_t>(position), std::move(*updated));
  if (Result<void> r = validate_dial_plan(*plan); !r) return in_plan(identity, r.error());
  plans_.replace(*plan);
  return plan;
}

Result<DialPlan> DialPlans::remove_rule(const PolicyIdentity& identity,
                                        std::string_view rule_name) {
  Result<DialPlan> plan = plans_.get(identity);
  if (!plan) return plan;
  const auto it = find_rule(plan->rules, rule_name);
  if (it == plan->rules.end()) return no_rule(identity, rule_name);
  plan->rules.erase(it);
  plans_.replace(*plan);
  return plan;
}

Result<void> DialPlans::grant(User& user, std::optional<std::string_view> plan_name) const {
  Result<std::optional<std::string>> name = plans_.check_grant(plan_name, user_field::kDialPlan);
  if (!name) return name.error();
  user.dial_plan = std::move(*name);
  return {};
}

Effective<DialPlan> DialPlans::effective(const User& user) const {
  return plans_.effective(user.dial_plan, user.site);
}

Result<void> DialPlans::load(std::vector<DialPlan> plans) {
  for (const DialPlan& plan : plans) {
    if (Result<void> r = validate_dial_plan(plan); !r) return in_plan(plan.identity, r.error());
  }
  return plans_.assign(std::move(plans));
}

}  // namespace cvw::directory
