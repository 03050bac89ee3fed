// Call Via Work policies; see call_via_work_policy.hpp.
#include "directory/call_via_work_policy.hpp"

#include "directory/phone_number.hpp"
#include "directory/text.hpp"

namespace cvw::directory {

Result<void> validate_call_via_work_policy(const CallViaWorkPolicy& policy) {
  if (!policy.admin_callback_number.empty()) {
    Result<std::string> number =
        parse_dialable_number(policy.admin_callback_number, "AdminCallbackNumber");
    if (!number) return number.error();
  }
  if (policy.use_admin_callback_number && policy.admin_callback_number.empty())
    return detail::field_error(
        "AdminCallbackNumber", "",
        "required when UseAdminCallbackNumber is true (the first leg would have no number)");
  return {};
}

Result<CallViaWorkPolicy> CallViaWorkPolicies::apply(CallViaWorkPolicy policy,
                                                     const CallViaWorkPolicyUpdate& fields) {
  if (fields.enabled) policy.enabled = *fields.enabled;
  if (fields.use_admin_callback_number)
    policy.use_admin_callback_number = *fields.use_admin_callback_number;
  if (fields.admin_callback_number) policy.admin_callback_number = *fields.admin_callback_number;
  if (Result<void> valid = validate_call_via_work_policy(policy); !valid) return valid.error();
  return policy;
}

Result<CallViaWorkPolicy> CallViaWorkPolicies::create(const PolicyIdentity& identity,
                                                      const CallViaWorkPolicyUpdate& fields) {
  if (Result<void> r = policies_.check_new(identity); !r) return r.error();
  Result<CallViaWorkPolicy> policy = apply(CallViaWorkPolicy::defaults(identity), fields);
  if (!policy) return policy;
  policies_.insert(*policy);
  return policy;
}

Result<CallViaWorkPolicy> CallViaWorkPolicies::set(const PolicyIdentity& identity,
                                                   const CallViaWorkPolicyUpdate& fields) {
  Result<CallViaWorkPolicy> current = policies_.get(identity);
  if (!current) return current;
  Result<CallViaWorkPolicy> policy = apply(std::move(*current), fields);
  if (!policy) return policy;
  policies_.replace(*policy);
  return policy;
}

Result<CallViaWorkPolicy> CallViaWorkPolicies::get(const PolicyIdentity& identity) const {
  return policies_.get(identity);
}

std::vector<CallViaWorkPolicy> CallViaWorkPolicies::list() const {
  return policies_.list();
}

Result<void> CallViaWorkPolicies::remove(const PolicyIdentity& identity) {
  return policies_.remove(identity);
}

Result<void> CallViaWorkPolicies::grant(User& user,
                                        std::optional<std::string_view> policy_name) const {
  Result<std::optional<std::string>> name =
      policies_.check_grant(policy_name, user_field::kCallViaWorkPolicy);
  if (!name) return name.error();
  user.cvw_policy = std::move(*name);
  return {};
}

Effective<CallViaWorkPolicy> CallViaWorkPolicies::effective(const User& user) const {
  return policies_.effective(user.cvw_policy, user.site);
}

Result<void> CallViaWorkPolicies::load(std::vector<CallViaWorkPolicy> policies) {
  for (const CallViaWorkPolicy& policy : policies) {
    if (Result<void> valid = validate_call_via_work_policy(policy); !valid)
      return bad_request(policy.identity.to_string() + ": " + valid.error().message);
  }
  return policies_.assign(std::move(policies));
}

std::string_view callback_number(const User& user, const CallViaWorkPolicy& effective) {
  return effective.use_admin_callback_number ? std::string_view(effective.admin_callback_number)
                                             : std::string_view(user.cvw_phone_number);
}

}  // namespace cvw::directory
