// Global / Site:NAME / Tag:NAME identities; see policy_identity.hpp.
#include "directory/policy_identity.hpp"

#include "directory/text.hpp"

namespace cvw::directory {
namespace {

using detail::field_error;
using detail::iequals;

constexpr std::string_view kGlobal = "Global";
constexpr std::string_view kSite = "Site";
constexpr std::string_view kTag = "Tag";

bool is_name_char(char c) {
  return detail::is_alnum(c) || c == '.' || c == '-' || c == '_';
}

// Checks a site or tag name; the error shows `shown` (the whole identity the
// caller was given) so the message quotes what the user actually typed.
Result<void> check_name(std::string_view name, std::string_view field, std::string_view shown) {
  if (name.empty()) return field_error(field, shown, "name must not be empty");
  if (name.size() > kMaxScopeNameLength)
    return field_error(field, shown,
                       "name longer than " + std::to_string(kMaxScopeNameLength) + " characters");
  for (const char c : name) {
    if (!is_name_char(c))
      return field_error(field, shown, "name may contain only letters, digits, '.', '-' and '_'");
  }
  return {};
}

}  // namespace

Result<std::string> validate_scope_name(std::string_view name, std::string_view field) {
  if (Result<void> r = check_name(name, field, name); !r) return r.error();
  return std::string(name);
}

Result<PolicyIdentity> PolicyIdentity::site(std::string_view name) {
  Result<std::string> valid = validate_scope_name(name, "Site");
  if (!valid) return valid.error();
  return PolicyIdentity(PolicyScope::kSite, std::move(*valid));
}

Result<PolicyIdentity> PolicyIdentity::tag(std::string_view name) {
  Result<std::string> valid = validate_scope_name(name, "Tag");
  if (!valid) return valid.error();
  return PolicyIdentity(PolicyScope::kTag, std::move(*valid));
}

Result<PolicyIdentity> PolicyIdentity::parse(std::string_view text, std::string_view field) {
  if (text.empty())
    return field_error(field, text, "must not be empty (Global, Site:NAME or Tag:NAME expected)");
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    if (iequals(text, kGlobal)) return global();
    if (Result<void> r = check_name(text, field, text); !r) return r.error();
    return PolicyIdentity(PolicyScope::kTag, std::string(text));
  }
  const std::string_view scope = text.substr(0, colon);
  const std::string_view name = text.substr(colon + 1);
  PolicyScope parsed = PolicyScope::kGlobal;
  if (iequals(scope, kSite)) {
    parsed = PolicyScope::kSite;
  } else if (iequals(scope, kTag)) {
    parsed = PolicyScope::kTag;
  } else if (iequals(scope, kGlobal)) {
    return field_error(field, text, "Global takes no name");
  } else {
    return field_error(
        field, text,
        "unknown scope " + detail::quoted(scope) + " (Global, Site:NAME or Tag:NAME expected)");
  }
  if (Result<void> r = check_name(name, field, text); !r) return r.error();
  return PolicyIdentity(parsed, std::string(name));
}

std::string PolicyIdentity::to_string() const {
  switch (scope_) {
    case PolicyScope::kGlobal:
      return std::string(kGlobal);
    case PolicyScope::kSite:
      return std::string(kSite) + ":" + name_;
    case PolicyScope::kTag:
      return std::string(kTag) + ":" + name_;
  }
  return std::string(kGlobal);
}

std::string PolicyIdentity::key() const {
  return detail::to_lower(to_string());
}

bool operator==(const PolicyIdentity& a, const PolicyIdentity& b) {
  return a.scope_ == b.scope_ && iequals(a.name_, b.name_);
}

Result<std::string> parse_policy_name(std::string_view text, std::string_view field) {
  Result<PolicyIdentity> id = PolicyIdentity::parse(text, field);
  if (!id) return id.error();
  if (id->scope() != PolicyScope::kTag)
    return field_error(field, text, "only per-user (Tag:NAME) policies can be granted");
  return id->name();
}

std::string_view to_string(PolicySource source) {
  switch (source) {
    case PolicySource::kUserTag:
      return "user";
    case PolicySource::kSite:
      return "site";
    case PolicySource::kGlobal:
      return "global";
  }
  return "global";
}

}  // namespace cvw::directory
