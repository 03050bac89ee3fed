#include "app/directory_service.hpp"

#include <algorithm>
#include <cctype>

#include "common/log.hpp"
#include "directory/phone_number.hpp"

namespace cvw::app {

namespace {

bool contains_folded(std::string_view haystack, std::string_view folded_needle) {
  if (folded_needle.empty()) return true;
  auto it = std::search(haystack.begin(), haystack.end(), folded_needle.begin(), folded_needle.end(),
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != haystack.end();
}

Error not_found_user(std::string_view sip_uri) { return Error{404, "user " + std::string(sip_uri) + " not found"}; }

}  // namespace

Result<void> DirectoryService::load() {
  auto snapshot = store_.load();
  if (!snapshot) return snapshot.error();
  directory::CallViaWorkPolicies policies;
  if (auto r = policies.load(std::move(snapshot->policies)); !r) return r.error();
  directory::DialPlans plans;
  if (auto r = plans.load(std::move(snapshot->dial_plans)); !r) return r.error();
  std::map<std::string, directory::User> users;
  for (auto& u : snapshot->users) users.emplace(directory::sip_uri_key(u.sip_uri), std::move(u));
  users_ = std::move(users);
  policies_ = std::move(policies);
  dial_plans_ = std::move(plans);
  routing_ = std::move(snapshot->routing);
  index_numbers();
  return {};
}

void DirectoryService::index_numbers() {
  // Rebuilt whole after a change: changes are administrative and rare, the
  // lookups (every incoming call) are not.
  by_number_.clear();
  std::vector<std::string> shared;
  auto add = [&](const std::string& number, const std::string& key) {
    auto [it, added] = by_number_.emplace(number, key);
    // Two users with one number (an extension reused at two sites): a call
    // to it is for neither, rather than for whichever sorts first.
    if (!added && it->second != key && !it->second.empty()) {
      shared.push_back(number);
      it->second.clear();
    }
  };
  for (const auto& [key, u] : users_) {
    if (u.line_uri.empty()) continue;
    auto line = directory::parse_line_uri(u.line_uri, directory::user_field::kLineUri);
    if (!line) continue;
    add(line->number, key);
    if (!line->extension.empty()) add(line->extension, key);
  }
  for (const std::string& number : shared)
    log().warn("directory: LineURI number or extension {} belongs to several users; calls to it reach none", number);
}

const directory::User* DirectoryService::find_user_by_number(std::string_view number) const {
  std::string digits;
  digits.reserve(number.size());
  for (char c : number) {
    if ((c >= '0' && c <= '9') || (c == '+' && digits.empty())) digits.push_back(c);
    else if (c != '-' && c != '.' && c != '(' && c != ')' && c != ' ') return nullptr;
  }
  if (digits.empty() || digits == "+") return nullptr;
  auto it = by_number_.find(digits);
  // A PBX often drops the '+' of an E.164 number.
  if (it == by_number_.end() && digits.front() != '+') it = by_number_.find("+" + digits);
  return it == by_number_.end() || it->second.empty() ? nullptr : find_user_by_key(it->second);
}

const directory::User* DirectoryService::find_user(std::string_view sip_uri) const {
  auto normalized = directory::normalize_sip_uri(sip_uri);
  if (!normalized) return nullptr;
  auto it = users_.find(directory::sip_uri_key(*normalized));
  return it == users_.end() ? nullptr : &it->second;
}

std::vector<const directory::User*> DirectoryService::search_users(std::string_view text, std::size_t limit) const {
  std::string folded(text);
  for (char& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::vector<const directory::User*> out;
  for (const auto& [key, u] : users_) {
    if (out.size() >= limit) break;
    if (contains_folded(u.sip_uri, folded) || contains_folded(u.display_name, folded) ||
        contains_folded(u.email, folded) || contains_folded(u.line_uri, folded))
      out.push_back(&u);
  }
  return out;
}

std::vector<directory::User> DirectoryService::all_users() const {
  std::vector<directory::User> out;
  out.reserve(users_.size());
  for (const auto& [key, u] : users_) out.push_back(u);
  return out;
}

Result<void> DirectoryService::check_grants(directory::User& user) const {
  std::optional<std::string> policy = user.cvw_policy;
  std::optional<std::string> plan = user.dial_plan;
  auto r = policies_.grant(user, policy ? std::optional<std::string_view>(*policy) : std::nullopt);
  if (r) r = dial_plans_.grant(user, plan ? std::optional<std::string_view>(*plan) : std::nullopt);
  // A grant naming a missing item is a bad value in the user's record (400),
  // not a missing user (404).
  if (!r && r.error().status == 404) return Error{400, r.error().message};
  return r;
}

Result<directory::User> DirectoryService::create_user(directory::User user) {
  auto normalized = directory::normalize_user(std::move(user));
  if (!normalized) return normalized.error();
  if (auto r = check_grants(*normalized); !r) return r.error();
  std::string key = directory::sip_uri_key(normalized->sip_uri);
  if (users_.count(key)) return Error{409, "user " + normalized->sip_uri + " exists"};
  if (auto r = store_.save_user(*normalized); !r) return r.error();
  const directory::User& made = users_.emplace(std::move(key), std::move(*normalized)).first->second;
  index_numbers();
  return made;
}

Result<directory::User> DirectoryService::replace_user(directory::User user) {
  auto normalized = directory::normalize_user(std::move(user));
  if (!normalized) return normalized.error();
  if (auto r = check_grants(*normalized); !r) return r.error();
  auto it = users_.find(directory::sip_uri_key(normalized->sip_uri));
  if (it == users_.end()) return not_found_user(normalized->sip_uri);
  if (auto r = store_.save_user(*normalized); !r) return r.error();
  it->second = std::move(*normalized);
  index_numbers();
  return it->second;
}

Result<void> DirectoryService::delete_user(std::string_view sip_uri) {
  auto normalized = directory::normalize_sip_uri(sip_uri);
  if (!normalized) return normalized.error();
  auto it = users_.find(directory::sip_uri_key(*normalized));
  if (it == users_.end()) return not_found_user(*normalized);
  if (auto r = store_.delete_user(it->second.sip_uri); !r) return r;
  users_.erase(it);
  index_numbers();
  return {};
}

Result<ImportSummary> DirectoryService::import_users(directory::UserCsv file) {
  ImportSummary summary;
  std::map<std::string, directory::User> next;  // key -> user as it will be
  for (auto& u : file.users) {
    auto uri = directory::normalize_sip_uri(u.sip_uri);
    if (!uri) return uri.error();
    const auto existing = users_.find(directory::sip_uri_key(*uri));
    if (existing != users_.end()) directory::keep_unlisted_fields(u, existing->second, file.columns);
    // Checked again as a whole: a kept field and an imported one must agree.
    auto normalized = directory::normalize_user(std::move(u));
    if (!normalized) return normalized.error();
    if (auto r = check_grants(*normalized); !r) return r.error();
    std::string key = directory::sip_uri_key(normalized->sip_uri);
    if (next.count(key)) return Error{400, "user " + normalized->sip_uri + " appears twice"};
    if (existing != users_.end()) {
      // What the CSV never carries stays as it was: the secrets and the
      // user's own call settings.
      normalized->password_hash = existing->second.password_hash;
      normalized->sip_digest = existing->second.sip_digest;
      normalized->forwarding = existing->second.forwarding;
      normalized->ring_seconds = existing->second.ring_seconds;
      ++summary.updated;
    } else {
      ++summary.created;
    }
    next.emplace(std::move(key), std::move(*normalized));
  }
  std::vector<directory::User> rows;
  rows.reserve(next.size());
  for (const auto& [key, u] : next) rows.push_back(u);
  if (auto r = store_.save_users(rows); !r) return r.error();
  for (auto& [key, u] : next) users_.insert_or_assign(key, std::move(u));
  index_numbers();
  return summary;
}

Result<directory::CallViaWorkPolicy> DirectoryService::create_policy(const directory::PolicyIdentity& id,
                                                                     const directory::CallViaWorkPolicyUpdate& f) {
  auto next = policies_;
  auto made = next.create(id, f);
  if (!made) return made;
  if (auto r = store_.save_policy(*made); !r) return r.error();
  policies_ = std::move(next);
  return made;
}

Result<directory::CallViaWorkPolicy> DirectoryService::set_policy(const directory::PolicyIdentity& id,
                                                                  const directory::CallViaWorkPolicyUpdate& f) {
  auto next = policies_;
  auto changed = next.set(id, f);
  if (!changed) return changed;
  if (auto r = store_.save_policy(*changed); !r) return r.error();
  policies_ = std::move(next);
  return changed;
}

Result<void> DirectoryService::remove_policy(const directory::PolicyIdentity& id) {
  auto next = policies_;
  if (auto r = next.remove(id); !r) return r;
  // Global is reset, not removed: save what it became.
  auto r = id.is_global() ? store_.save_policy(*next.get(id)) : store_.delete_policy(id);
  if (!r) return r;
  policies_ = std::move(next);
  return {};
}

Result<void> DirectoryService::save_whole_plan(const directory::PolicyIdentity& id,
                                               const directory::DialPlans& next) {
  auto plan = next.get(id);
  if (!plan) return plan.error();
  return store_.save_dial_plan(*plan);
}

Result<directory::DialPlan> DirectoryService::create_dial_plan(
    const directory::PolicyIdentity& id, std::string_view description,
    std::optional<std::vector<directory::NormalizationRule>> rules) {
  auto next = dial_plans_;
  auto made = next.create(id, description, std::move(rules));
  if (!made) return made;
  if (auto r = store_.save_dial_plan(*made); !r) return r.error();
  dial_plans_ = std::move(next);
  return made;
}

Result<directory::DialPlan> DirectoryService::set_dial_plan(const directory::PolicyIdentity& id,
                                                            const directory::DialPlanUpdate& fields) {
  auto next = dial_plans_;
  auto changed = next.set(id, fields);
  if (!changed) return changed;
  if (auto r = store_.save_dial_plan(*changed); !r) return r.error();
  dial_plans_ = std::move(next);
  return changed;
}

Result<void> DirectoryService::remove_dial_plan(const directory::PolicyIdentity& id) {
  auto next = dial_plans_;
  if (auto r = next.remove(id); !r) return r;
  auto r = id.is_global() ? save_whole_plan(id, next) : store_.delete_dial_plan(id);
  if (!r) return r;
  dial_plans_ = std::move(next);
  return {};
}

Result<directory::DialPlan> DirectoryService::add_rule(const directory::PolicyIdentity& id,
                                                       directory::NormalizationRule rule,
                                                       std::optional<int> priority) {
  auto next = dial_plans_;
  auto changed = next.add_rule(id, std::move(rule), priority);
  if (!changed) return changed;
  if (auto r = store_.save_dial_plan(*changed); !r) return r.error();
  dial_plans_ = std::move(next);
  return changed;
}

Result<directory::DialPlan> DirectoryService::set_rule(const directory::PolicyIdentity& id, std::string_view name,
                                                       const directory::NormalizationRuleUpdate& fields) {
  auto next = dial_plans_;
  auto changed = next.set_rule(id, name, fields);
  if (!changed) return changed;
  if (auto r = store_.save_dial_plan(*changed); !r) return r.error();
  dial_plans_ = std::move(next);
  return changed;
}

Result<directory::DialPlan> DirectoryService::remove_rule(const directory::PolicyIdentity& id,
                                                          std::string_view name) {
  auto next = dial_plans_;
  auto changed = next.remove_rule(id, name);
  if (!changed) return changed;
  if (auto r = store_.save_dial_plan(*changed); !r) return r.error();
  dial_plans_ = std::move(next);
  return changed;
}

Result<directory::RoutingConfiguration> DirectoryService::set_routing(directory::RoutingConfiguration routing) {
  if (auto r = directory::validate_routing_configuration(routing); !r) return r.error();
  if (auto r = store_.save_routing(routing); !r) return r.error();
  routing_ = std::move(routing);
  return routing_;
}

}  // namespace cvw::app
