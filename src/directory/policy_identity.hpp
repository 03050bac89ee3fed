// The Skype for Business identity scheme shared by Call Via Work policies and
// dial plans (an "XdsIdentity" in the cmdlets), and the rule that picks the
// one that applies to a user.
//
//   Global        the one policy that always exists
//   Site:NAME     applies to the users of site NAME
//   Tag:NAME      per-user: applies to users it is granted to
//                 (Grant-CsCallViaWorkPolicy -PolicyName NAME)
//
// The scope keyword is case-insensitive and written back as "Global", "Site:",
// "Tag:". A bare NAME means Tag:NAME, as in SfB's per-user syntax
// ("-Identity SalesDepartmentPolicy"). Names are compared case-insensitively
// (SfB identities are), but keep the spelling they were created with.
// The Service: scope of dial plans is not supported: cvw has no pools.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace cvw::directory {

enum class PolicyScope : std::uint8_t { kGlobal, kSite, kTag };

// Site and tag names: 1 to 64 of [A-Za-z0-9._-]. Narrow on purpose: names end
// up in URLs, CSV files and log lines, where anything else needs quoting.
inline constexpr std::size_t kMaxScopeNameLength = 64;
Result<std::string> validate_scope_name(std::string_view name, std::string_view field);

class PolicyIdentity {
 public:
  PolicyIdentity() = default;  // Global
  static PolicyIdentity global() { return {}; }
  static Result<PolicyIdentity> site(std::string_view name);
  static Result<PolicyIdentity> tag(std::string_view name);
  static Result<PolicyIdentity> parse(std::string_view text, std::string_view field = "Identity");

  PolicyScope scope() const { return scope_; }
  const std::string& name() const { return name_; }  // empty for Global
  bool is_global() const { return scope_ == PolicyScope::kGlobal; }

  // "Global", "Site:Redmond", "Tag:ContosoUser1CvWP".
  std::string to_string() const;
  // The case-folded form identities are compared and indexed by.
  std::string key() const;

  friend bool operator==(const PolicyIdentity& a, const PolicyIdentity& b);

 private:
  PolicyIdentity(PolicyScope scope, std::string name) : scope_(scope), name_(std::move(name)) {}

  PolicyScope scope_ = PolicyScope::kGlobal;
  std::string name_;
};

// A policy name as Grant-Cs...Policy takes it: "NAME" or "Tag:NAME" gives
// "NAME" ("The PolicyName is the policy identity minus the policy scope").
// Global and Site: identities cannot be granted and are refused.
Result<std::string> parse_policy_name(std::string_view text, std::string_view field);

// Where an effective policy or dial plan came from: "user" (a Tag: item
// granted to the user), "site" or "global", as the API reports it.
enum class PolicySource : std::uint8_t { kUserTag, kSite, kGlobal };
std::string_view to_string(PolicySource source);

template <typename Item>
struct Resolution {
  const Item* item = nullptr;  // nullptr only when the lookup has no Global either
  PolicyIdentity identity;     // of the item found
  PolicySource source = PolicySource::kGlobal;
  // The user holds a grant whose tag does not exist (it was removed after the
  // grant). Such a grant is treated as absent; an admin view can flag it.
  bool granted_tag_missing = false;
};

// The SfB precedence: the tag granted to the user, else the user's site, else
// Global. `lookup(const PolicyIdentity&)` returns a `const Item*`, nullptr when
// there is no such item. A grant or site that does not parse counts as absent.
template <typename Item, typename Lookup>
Resolution<Item> resolve_effective(const std::optional<std::string>& granted_tag,
                                   std::string_view site, const Lookup& lookup) {
  Resolution<Item> r;
  if (granted_tag) {
    if (Result<std::string> name = parse_policy_name(*granted_tag, "granted policy")) {
      if (Result<PolicyIdentity> id = PolicyIdentity::tag(*name)) {
        if (const Item* item = lookup(*id)) {
          r.item = item;
          r.identity = *id;
          r.source = PolicySource::kUserTag;
          return r;
        }
      }
    }
    r.granted_tag_missing = true;
  }
  if (!site.empty()) {
    if (Result<PolicyIdentity> id = PolicyIdentity::site(site)) {
      if (const Item* item = lookup(*id)) {
        r.item = item;
        r.identity = *id;
        r.source = PolicySource::kSite;
        return r;
      }
    }
  }
  r.identity = PolicyIdentity::global();
  r.source = PolicySource::kGlobal;
  r.item = lookup(r.identity);
  return r;
}

}  // namespace cvw::directory
