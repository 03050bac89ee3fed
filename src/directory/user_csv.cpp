// Users to and from CSV; see user_csv.hpp.
#include "directory/user_csv.hpp"

#include <algorithm>

#include <map>
#include <optional>

#include "directory/csv.hpp"
#include "directory/text.hpp"

namespace cvw::directory {
namespace {

namespace f = user_field;

Error at_line(std::size_t line, const std::string& message) {
  return bad_request("line " + std::to_string(line) + ": " + message);
}

std::string column_list() {
  std::string out;
  for (const std::string_view name : kUserCsvColumns) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// Column name -> index into kUserCsvColumns.
std::optional<std::size_t> known_column(std::string_view name) {
  for (std::size_t i = 0; i < kUserCsvColumns.size(); ++i) {
    if (detail::iequals(kUserCsvColumns[i], name)) return i;
  }
  return std::nullopt;
}

Result<bool> parse_bool(std::string_view field, std::string_view text, bool if_empty) {
  if (text.empty()) return if_empty;
  for (const std::string_view yes : {"true", "yes", "1"}) {
    if (detail::iequals(text, yes)) return true;
  }
  for (const std::string_view no : {"false", "no", "0"}) {
    if (detail::iequals(text, no)) return false;
  }
  return detail::field_error(field, text, "True or False expected");
}

std::optional<std::string> optional_text(std::string_view text) {
  if (text.empty()) return std::nullopt;
  return std::string(text);
}

// One row, keyed by column name, to a User (before normalize_user()).
Result<User> user_from_row(const std::map<std::string_view, std::string_view>& row) {
  auto get = [&row](std::string_view column) -> std::string_view {
    const auto it = row.find(column);
    return it == row.end() ? std::string_view() : it->second;
  };
  User user;
  user.sip_uri = std::string(get(f::kSipAddress));
  user.display_name = std::string(get(f::kDisplayName));
  user.title = std::string(get(f::kTitle));
  user.department = std::string(get(f::kDepartment));
  user.company = std::string(get(f::kCompany));
  user.email = std::string(get(f::kEmail));
  user.line_uri = std::string(get(f::kLineUri));
  user.cvw_phone_number = std::string(get(f::kCvwPhoneNumber));
  user.simultaneous_ring.target = std::string(get(f::kSimRingNumber));
  user.site = std::string(get(f::kSite));
  user.cvw_policy = optional_text(get(f::kCallViaWorkPolicy));
  user.dial_plan = optional_text(get(f::kDialPlan));

  struct Flag {
    std::string_view column;
    bool* target;
    bool if_empty;
  };
  for (const Flag& flag :
       {Flag{f::kEnterpriseVoice, &user.enterprise_voice, false}, Flag{f::kAutoAnswer, &user.auto_answer, false},
        Flag{f::kSimRingEnabled, &user.simultaneous_ring.enabled, false},
        Flag{f::kEnabled, &user.enabled, true}, Flag{f::kAdmin, &user.admin, false}}) {
    Result<bool> value = parse_bool(flag.column, get(flag.column), flag.if_empty);
    if (!value) return value.error();
    *flag.target = *value;
  }
  return user;
}

std::string bool_text(bool value) {
  return value ? "True" : "False";
}

// The value of one export column; there is deliberately no PasswordHash.
std::string export_field(const User& u, std::string_view column) {
  if (column == f::kSipAddress) return u.sip_uri;
  if (column == f::kDisplayName) return u.display_name;
  if (column == f::kTitle) return u.title;
  if (column == f::kDepartment) return u.department;
  if (column == f::kCompany) return u.company;
  if (column == f::kEmail) return u.email;
  if (column == f::kLineUri) return u.line_uri;
  if (column == f::kCvwPhoneNumber) return u.cvw_phone_number;
  if (column == f::kEnterpriseVoice) return bool_text(u.enterprise_voice);
  if (column == f::kAutoAnswer) return bool_text(u.auto_answer);
  if (column == f::kSimRingEnabled) return bool_text(u.simultaneous_ring.enabled);
  if (column == f::kSimRingNumber) return u.simultaneous_ring.target;
  if (column == f::kEnabled) return bool_text(u.enabled);
  if (column == f::kAdmin) return bool_text(u.admin);
  if (column == f::kSite) return u.site;
  if (column == f::kCallViaWorkPolicy) return u.cvw_policy.value_or("");
  if (column == f::kDialPlan) return u.dial_plan.value_or("");
  return {};
}

}  // namespace

Result<UserCsv> import_users_csv(std::string_view text) {
  Result<std::vector<CsvRecord>> records = parse_csv(text);
  if (!records) return records.error();
  if (records->empty())
    return bad_request("line 1: the header row is missing (" + column_list() + ")");

  // The header: which known column each position holds.
  const CsvRecord& header = records->front();
  std::vector<std::string_view> columns;
  for (const std::string& name : header.fields) {
    if (detail::iequals(name, f::kPasswordHash))
      return at_line(
          header.line,
          "column \"PasswordHash\": password hashes are not imported; set passwords per user");
    const std::optional<std::size_t> known = known_column(name);
    if (!known)
      return at_line(header.line,
                     "unknown column " + detail::quoted(name) + " (known: " + column_list() + ")");
    const std::string_view canonical = kUserCsvColumns[*known];
    for (const std::string_view seen : columns) {
      if (seen == canonical)
        return at_line(header.line, "column " + detail::quoted(name) + " appears twice");
    }
    columns.push_back(canonical);
  }
  bool has_sip = false;
  for (const std::string_view c : columns) has_sip = has_sip || c == f::kSipAddress;
  if (!has_sip) return at_line(header.line, "the SipAddress column is required");

  std::vector<User> users;
  std::map<std::string, std::size_t> sip_lines;  // sip_uri_key -> line
  std::map<std::string, std::size_t> line_uris;  // line URI -> line
  for (std::size_t r = 1; r < records->size(); ++r) {
    const CsvRecord& record = (*records)[r];
    if (record.fields.size() == 1 && record.fields[0].empty()) continue;  // a blank line
    if (record.fields.size() != columns.size())
      return at_line(record.line, std::to_string(record.fields.size()) +
                                      " fields, but the header names " +
                                      std::to_string(columns.size()) + " columns");
    std::map<std::string_view, std::string_view> row;
    for (std::size_t c = 0; c < columns.size(); ++c) row.emplace(columns[c], record.fields[c]);

    Result<User> parsed = user_from_row(row);
    if (!parsed) return at_line(record.line, parsed.error().message);
    Result<User> user = normalize_user(std::move(*parsed));
    if (!user) return at_line(record.line, user.error().message);

    const auto [sip, new_sip] = sip_lines.emplace(sip_uri_key(user->sip_uri), record.line);
    if (!new_sip)
      return at_line(record.line, std::string(f::kSipAddress) + " " +
                                      detail::quoted(user->sip_uri) + ": already on line " +
                                      std::to_string(sip->second));
    if (!user->line_uri.empty()) {
      const auto [uri, new_uri] = line_uris.emplace(user->line_uri, record.line);
      if (!new_uri)
        return at_line(record.line, std::string(f::kLineUri) + " " +
                                        detail::quoted(user->line_uri) + ": already on line " +
                                        std::to_string(uri->second) +
                                        " (a line URI belongs to one user)");
    }
    users.push_back(std::move(*user));
  }
  return UserCsv{std::move(users), std::move(columns)};
}

void keep_unlisted_fields(User& imported, const User& existing, const std::vector<std::string_view>& columns) {
  auto listed = [&columns](std::string_view column) {
    return std::find(columns.begin(), columns.end(), column) != columns.end();
  };
  auto keep = [&](std::string_view column, auto member) {
    if (!listed(column)) imported.*member = existing.*member;
  };
  keep(f::kDisplayName, &User::display_name);
  keep(f::kTitle, &User::title);
  keep(f::kDepartment, &User::department);
  keep(f::kCompany, &User::company);
  keep(f::kEmail, &User::email);
  keep(f::kLineUri, &User::line_uri);
  keep(f::kCvwPhoneNumber, &User::cvw_phone_number);
  keep(f::kEnterpriseVoice, &User::enterprise_voice);
  keep(f::kAutoAnswer, &User::auto_answer);
  keep(f::kEnabled, &User::enabled);
  keep(f::kAdmin, &User::admin);
  keep(f::kSite, &User::site);
  keep(f::kCallViaWorkPolicy, &User::cvw_policy);
  keep(f::kDialPlan, &User::dial_plan);
  if (!listed(f::kSimRingEnabled)) imported.simultaneous_ring.enabled = existing.simultaneous_ring.enabled;
  if (!listed(f::kSimRingNumber)) imported.simultaneous_ring.target = existing.simultaneous_ring.target;
}

std::string export_users_csv(const std::vector<User>& users) {
  std::string out =
      format_csv_record(std::vector<std::string>(kUserCsvColumns.begin(), kUserCsvColumns.end()));
  std::vector<std::string> fields;
  for (const User& user : users) {
    fields.clear();
    for (const std::string_view column : kUserCsvColumns)
      fields.push_back(export_field(user, column));
    out += format_csv_record(fields);
  }
  return out;
}

}  // namespace cvw::directory
