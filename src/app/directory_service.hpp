// The directory as the rest of cvwd sees it: users, Call Via Work policies,
// dial plans and the routing configuration, held in memory (every read —
// GET /me, a call's callback number — is a map lookup) and written through
// to storage.
//
// Every change is made on a copy first, validated by the domain rules
// (src/directory), saved, and only then applied: a change that fails at any
// step leaves both memory and the database as they were.
//
// Passwords arrive here already hashed: argon2id takes tens of milliseconds
// and runs off the event loop (see app/password_worker.hpp).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "app/directory_store.hpp"
#include "directory/user_csv.hpp"

namespace cvw::app {

struct ImportSummary {
  std::size_t created = 0;
  std::size_t updated = 0;
};

class DirectoryService {
 public:
  explicit DirectoryService(DirectoryStore& store) : store_(store) {}

  // Loads everything from storage (the schema must be migrated).
  Result<void> load();

  // --- users
  // By SIP URI in any accepted spelling (case-insensitive); nullptr if absent.
  const directory::User* find_user(std::string_view sip_uri) const;
  // By directory::sip_uri_key, as sessions store it: no parsing (the
  // per-request path of every authenticated API call).
  const directory::User* find_user_by_key(const std::string& key) const {
    auto it = users_.find(key);
    return it == users_.end() ? nullptr : &it->second;
  }
  // By the number of the user's LineURI (their UC number, E.164 with or
  // without the '+', visual separators ignored) or its extension: how a
  // call from the PBX trunk names the user it is for. nullptr if none, or
  // if several users have it.
  const directory::User* find_user_by_number(std::string_view number) const;
  // Case-insensitive substring of SIP URI, display name, e-mail or line URI.
  std::vector<const directory::User*> search_users(std::string_view text, std::size_t limit) const;
  std::size_t user_count() const { return users_.size(); }
  // 409 when the user exists. Grants must name existing Tag: items.
  Result<directory::User> create_user(directory::User user);
  // 404 when the user does not exist (the SIP URI is the key and cannot change).
  Result<directory::User> replace_user(directory::User user);
  Result<void> delete_user(std::string_view sip_uri);
  // All rows or none: creates the new users and updates the existing ones:
  // the columns the file has replace their values; their password, SIP
  // secrets, their own call settings, and every field the file has no
  // column for stay as they were.
  Result<ImportSummary> import_users(directory::UserCsv file);
  std::vector<directory::User> all_users() const;

  // --- Call Via Work policies
  const directory::CallViaWorkPolicies& policies() const { return policies_; }
  Result<directory::CallViaWorkPolicy> create_policy(const directory::PolicyIdentity& id,
                                                     const directory::CallViaWorkPolicyUpdate& fields);
  Result<directory::CallViaWorkPolicy> set_policy(const directory::PolicyIdentity& id,
                                                  const directory::CallViaWorkPolicyUpdate& fields);
  Result<void> remove_policy(const directory::PolicyIdentity& id);

  // --- dial plans
  const directory::DialPlans& dial_plans() const { return dial_plans_; }
  Result<directory::DialPlan> create_dial_plan(const directory::PolicyIdentity& id, std::string_view description,
                                               std::optional<std::vector<directory::NormalizationRule>> rules);
  Result<directory::DialPlan> set_dial_plan(const directory::PolicyIdentity& id,
                                            const directory::DialPlanUpdate& fields);
  Result<void> remove_dial_plan(const directory::PolicyIdentity& id);
  Result<directory::DialPlan> add_rule(const directory::PolicyIdentity& id, directory::NormalizationRule rule,
                                       std::optional<int> priority);
  Result<directory::DialPlan> set_rule(const directory::PolicyIdentity& id, std::string_view name,
                                       const directory::NormalizationRuleUpdate& fields);
  Result<directory::DialPlan> remove_rule(const directory::PolicyIdentity& id, std::string_view name);

  // --- routing configuration
  const directory::RoutingConfiguration& routing() const { return routing_; }
  Result<directory::RoutingConfiguration> set_routing(directory::RoutingConfiguration routing);

 private:
  // The grants of `user` as the catalogues spell them; 400 if one names a
  // Tag: item that does not exist.
  Result<void> check_grants(directory::User& user) const;
  Result<void> save_whole_plan(const directory::PolicyIdentity& id, const directory::DialPlans& next);
  void index_numbers();

  DirectoryStore& store_;
  std::map<std::string, directory::User> users_;  // by sip_uri_key
  // LineURI numbers and extensions -> sip_uri_key (index_numbers()); an
  // empty key marks a number several users share.
  std::unordered_map<std::string, std::string> by_number_;
  directory::CallViaWorkPolicies policies_;
  directory::DialPlans dial_plans_;
  directory::RoutingConfiguration routing_;
};

}  // namespace cvw::app
