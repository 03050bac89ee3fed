// Call Via Work policies (SfB New-/Set-/Get-/Grant-/Remove-CsCallViaWorkPolicy).
//
// A policy says whether Call Via Work is on for its users and which number the
// server calls first (the "callback", leg A of the call):
// - Enabled: "Specifies whether the policy is enabled at creation. The
//   default is false."
// - UseAdminCallbackNumber: "If true, the number specified in the
//   AdminCallbackNumber is the only number that will be used for the callback
//   to the user, or first leg, of the outbound call. If false, the user has the
//   opportunity to change the callback number" (by default the user's PBX
//   desk phone, User::cvw_phone_number). SfB documents no default; ours is false.
// - AdminCallbackNumber: "must contain only digits and can optionally start
//   with a +", e.g. "12068881234" or "+12068881234". Default: none.
// Our rule where SfB is silent: UseAdminCallbackNumber = true needs an
// AdminCallbackNumber, since otherwise the first leg has nowhere to go. It is
// checked on the policy as it would be after the change, so
// `set {use=true, number="+1..."}` works in one step and clearing the number
// of a policy that uses it is refused.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "directory/policy_identity.hpp"
#include "directory/scoped_catalogue.hpp"
#include "directory/user.hpp"

namespace cvw::directory {

struct CallViaWorkPolicy {
  static constexpr std::string_view kKind = "Call Via Work policy";

  PolicyIdentity identity;
  bool enabled = false;
  bool use_admin_callback_number = false;
  std::string admin_callback_number;  // empty: none

  // The SfB defaults: what New- creates and what removing Global restores.
  static CallViaWorkPolicy defaults(const PolicyIdentity& identity) {
    CallViaWorkPolicy policy;
    policy.identity = identity;
    return policy;
  }

  bool operator==(const CallViaWorkPolicy&) const = default;
};

// The parameters of New-/Set-CsCallViaWorkPolicy: only the fields given change.
struct CallViaWorkPolicyUpdate {
  std::optional<bool> enabled;
  std::optional<bool> use_admin_callback_number;
  std::optional<std::string> admin_callback_number;  // "" clears it
};

// Checks a whole policy (field names as in the cmdlets: AdminCallbackNumber...).
Result<void> validate_call_via_work_policy(const CallViaWorkPolicy& policy);

// The number cvw rings first for `user`'s Call Via Work calls under their
// `effective` policy: its AdminCallbackNumber when UseAdminCallbackNumber,
// else the user's PBX phone. Empty when there is none. Callers pass the
// effective policy they already looked up (GET /me and the planners each
// need it for more than this).
std::string_view callback_number(const User& user, const CallViaWorkPolicy& effective);

// All policies of a deployment, in memory; Global always exists. Every
// mutating call either applies fully or changes nothing. Errors: 400 invalid
// value, 404 no such identity, 409 identity exists / Global cannot be created.
class CallViaWorkPolicies {
 public:
  CallViaWorkPolicies() = default;

  // New-CsCallViaWorkPolicy: a Site: or Tag: policy from the defaults plus `fields`.
  Result<CallViaWorkPolicy> create(const PolicyIdentity& identity,
                                   const CallViaWorkPolicyUpdate& fields = {});
  // Set-CsCallViaWorkPolicy.
  Result<CallViaWorkPolicy> set(const PolicyIdentity& identity,
                                const CallViaWorkPolicyUpdate& fields);
  // Get-CsCallViaWorkPolicy -Identity / without identity.
  Result<CallViaWorkPolicy> get(const PolicyIdentity& identity) const;
  std::vector<CallViaWorkPolicy> list() const;
  // Remove-CsCallViaWorkPolicy: Global is reset to the defaults, not removed.
  Result<void> remove(const PolicyIdentity& identity);

  // Grant-CsCallViaWorkPolicy -PolicyName NAME (or "Tag:NAME"); nullopt
  // ($Null) clears the user's grant. The policy must exist. Only `user` changes.
  Result<void> grant(User& user, std::optional<std::string_view> policy_name) const;

  // The policy that applies to `user`: granted tag, else site, else Global.
  Effective<CallViaWorkPolicy> effective(const User& user) const;

  // Replaces every policy with `policies` (as loaded from storage), after
  // validating each; Global is defaulted when absent.
  Result<void> load(std::vector<CallViaWorkPolicy> policies);

 private:
  static Result<CallViaWorkPolicy> apply(CallViaWorkPolicy policy,
                                         const CallViaWorkPolicyUpdate& fields);

  ScopedCatalogue<CallViaWorkPolicy> policies_;
};

}  // namespace cvw::directory
