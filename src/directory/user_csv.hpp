// Users to and from CSV (csv.hpp), for bulk provisioning.
//
// The first row names the columns, in any order, matched ignoring case:
//
//   SipAddress               required; "sip:alice@example.com" or "alice@example.com"
//   DisplayName, Title, Department, Company, Email
//   LineUri                  "tel:+14255551297;ext=51297"
//   CvwPhoneNumber           the PBX desk phone: E.164 or an extension
//   EnterpriseVoiceEnabled   True/False (also yes/no, 1/0; empty: False)
//   SimultaneousRingEnabled  True/False (empty: False)
//   SimultaneousRingNumber
//   Enabled                  True/False (empty: True)
//   Admin                    True/False (empty: False)
//   Site
//   CallViaWorkPolicy        a granted Tag: name ("ContosoUser1CvWP"); empty: none
//   DialPlan                 a granted Tag: name; empty: none
//
// A column left out takes the default for a new user and leaves an existing
// user's value as it is (keep_unlisted_fields): a file from another system
// updates what it knows and nothing else. An unknown or repeated column is
// an error naming it. Password hashes are never exported, and a PasswordHash
// column is refused on import: passwords are set one user at a time.
// Blank lines are skipped.
//
// Each row is checked with normalize_user(); the first fault is returned as
// `line 7: LineUri "tel:abc": ...`, and nothing is imported. A SIP address
// (ignoring case) or line URI that appears twice in the file is an error too;
// uniqueness against users already stored is the caller's check.
// Granted policy names are checked for form only: whether the tag exists is
// the catalogues' business (a missing one falls back, see scoped_catalogue.hpp).
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "directory/user.hpp"

namespace cvw::directory {

// Export order.
inline constexpr std::array<std::string_view, 17> kUserCsvColumns = {
    user_field::kSipAddress,     user_field::kDisplayName,    user_field::kTitle,
    user_field::kDepartment,     user_field::kCompany,        user_field::kEmail,
    user_field::kLineUri,        user_field::kCvwPhoneNumber, user_field::kEnterpriseVoice, user_field::kAutoAnswer,
    user_field::kSimRingEnabled, user_field::kSimRingNumber,  user_field::kEnabled,
    user_field::kAdmin,          user_field::kSite,           user_field::kCallViaWorkPolicy,
    user_field::kDialPlan,
};

// What an import file holds: normalized users, in file order (password_hash
// empty in each), and the columns its header named (canonical names, from
// kUserCsvColumns).
struct UserCsv {
  std::vector<User> users;
  std::vector<std::string_view> columns;
};

Result<UserCsv> import_users_csv(std::string_view text);

// For a user the file updates: the fields whose columns `columns` does not
// name take their value from `existing`, the user as stored.
void keep_unlisted_fields(User& imported, const User& existing, const std::vector<std::string_view>& columns);

// Header row plus one row per user, CRLF line ends; booleans as True/False.
std::string export_users_csv(const std::vector<User>& users);

}  // namespace cvw::directory
