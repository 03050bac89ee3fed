#include "cvwd/demo.hpp"

#include "app/sip_credentials.hpp"
#include "common/log.hpp"

namespace cvw::cvwd {

namespace {

struct DemoUser {
  const char* name;
  const char* display_name;
  const char* title;
  const char* line_uri;
  const char* pbx_number;
  bool admin;
};

constexpr DemoUser kUsers[] = {
    {"admin", "cvw Administrator", "IT", "", "", true},
    {"alice", "Alice Anders", "Sales Manager", "tel:+14255550101;ext=101", "+14255550101", false},
    {"bob", "Bob Berg", "Engineer", "tel:+14255550102;ext=102", "+14255550102", false},
    {"carol", "Carol Chen", "Support", "tel:+14255550103;ext=103", "+14255550103", false},
};

}  // namespace

Result<void> create_demo_directory(app::DirectoryService& directory, const directory::PasswordCost& cost) {
  // A Tag: policy for the sales team that calls back on a fixed number, and a
  // dial plan turning 3-digit extensions into E.164.
  directory::PolicyIdentity sales = *directory::PolicyIdentity::tag("SalesCallViaWork");
  if (!directory.policies().get(sales).ok()) {
    auto made = directory.create_policy(sales, {true, false, std::string()});
    if (!made) return made.error();
  }
  directory::CallViaWorkPolicyUpdate global_on;
  global_on.enabled = true;
  if (auto r = directory.set_policy(directory::PolicyIdentity::global(), global_on); !r) return r.error();
  if (directory.routing().call_via_work_caller_id.empty()) {
    if (auto r = directory.set_routing({"+14255550100"}); !r) return r.error();
  }
  directory::PolicyIdentity office = *directory::PolicyIdentity::tag("Office");
  if (!directory.dial_plans().get(office).ok()) {
    auto rule = directory::NormalizationRule::create("Extensions", "3-digit office extensions", R"(^(\d{3})$)",
                                                     "+14255550$1");
    if (!rule) return rule.error();
    std::vector<directory::NormalizationRule> rules{std::move(*rule)};
    auto made = directory.create_dial_plan(office, "Office extensions", std::move(rules));
    if (!made) return made.error();
  }

  for (const DemoUser& d : kUsers) {
    const std::string uri = std::string("sip:") + d.name + "@example.com";
    if (directory.find_user(uri)) continue;
    directory::User u;
    u.sip_uri = uri;
    u.display_name = d.display_name;
    u.title = d.title;
    u.company = "Example Corp";
    u.email = std::string(d.name) + "@example.com";
    u.line_uri = d.line_uri;
    u.cvw_phone_number = d.pbx_number;
    u.enterprise_voice = !u.line_uri.empty();
    u.admin = d.admin;
    u.site = "Redmond";
    if (!d.admin) u.dial_plan = "Office";
    if (std::string_view(d.name) == "alice") u.cvw_policy = "SalesCallViaWork";
    const std::string password = std::string(d.name) + "-password-1";
    u.password_hash = directory::hash_password(password, cost);
    u.sip_digest = app::sip_digest_for(uri, password);
    auto created = directory.create_user(std::move(u));
    if (!created) return created.error();
    log().info("cvwd: demo user {} created", uri);
  }
  return {};
}

}  // namespace cvw::cvwd
