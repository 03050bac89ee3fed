// policy list|show|new|set|remove|grant: the Call Via Work policies
// (Get-/New-/Set-/Remove-/Grant-CsCallViaWorkPolicy).
#include <array>
#include <boost/json/object.hpp>
#include <memory>

#include "tools/cvwctl/commands.hpp"
#include "tools/cvwctl/failure.hpp"
#include "tools/cvwctl/output.hpp"

namespace cvw::cvwctl {
namespace json = boost::json;
namespace {

constexpr std::string_view kPolicies = "/api/v1/call-via-work-policies";

// The columns of Get-CsCallViaWorkPolicy.
constexpr std::array kPolicyFields = {
    Field{"Identity", "identity"},
    Field{"Enabled", "enabled"},
    Field{"UseAdminCallbackNumber", "useAdminCallbackNumber"},
    Field{"AdminCallbackNumber", "adminCallbackNumber"},
};

std::string policy_path(std::string_view identity) {
  return std::string(kPolicies) + "/" + encode_path_segment(identity);
}

void show_policy(Context& context, const json::value& reply) {
  context.show(reply, [&] { return record_view(reply, kPolicyFields); });
}

void add_list(CLI::App& group, Context& context) {
  CLI::App* command = group.add_subcommand("list", "List the policies (Get-CsCallViaWorkPolicy)");
  context.on_run(command, [&context] {
    const json::value reply = context.api().get(kPolicies);
    context.show(reply, [&] { return table_view(reply_array(reply, "policies"), kPolicyFields); });
  });
}

void add_show(CLI::App& group, Context& context) {
  auto identity = std::make_shared<std::string>();
  CLI::App* command = group.add_subcommand("show", "Show one policy");
  command->add_option("IDENTITY", *identity, "Global, Site:NAME or Tag:NAME")->required();
  context.on_run(command, [&context, identity] {
    show_policy(context, context.api().get(policy_path(*identity)));
  });
}

void add_new(CLI::App& group, Context& context) {
  struct Options {
    std::string identity;
    bool enabled = false;
    bool use_admin_callback_number = false;
    std::string admin_callback_number;
  };
  auto o = std::make_shared<Options>();
  CLI::App* command =
      group.add_subcommand("new", "Create a Site: or Tag: policy (New-CsCallViaWorkPolicy)");
  command->add_option("IDENTITY", o->identity, "Site:NAME or Tag:NAME")->required();
  command->add_flag("--enabled", o->enabled,
                    "Call Via Work is on for the policy's users (default off)");
  command->add_flag("--use-admin-callback-number", o->use_admin_callback_number,
                    "always ring --admin-callback-number first, not the user's own phone");
  CLI::Option* number =
      command->add_option("--admin-callback-number", o->admin_callback_number,
                          "the callback number: digits, optionally starting with +");
  context.on_run(command, [&context, o, number] {
    json::object body{{"identity", o->identity}};
    if (o->enabled) body["enabled"] = true;
    if (o->use_admin_callback_number) body["useAdminCallbackNumber"] = true;
    if (number->count() > 0) body["adminCallbackNumber"] = o->admin_callback_number;
    show_policy(context, context.api().post(kPolicies, body));
  });
}

void add_set(CLI::App& group, Context& context) {
  struct Options {
    std::string identity;
    bool enabled = false;
    bool use_admin_callback_number = false;
    std::string admin_callback_number;
  };
  auto o = std::make_shared<Options>();
  CLI::App* command = group.add_subcommand("set", "Change a policy (Set-CsCallViaWorkPolicy)");
  command->add_option("IDENTITY", o->identity, "Global, Site:NAME or Tag:NAME")->required();
  CLI::Option* enabled = command->add_option("--enabled", o->enabled, "true or false");
  CLI::Option* use = command->add_option("--use-admin-callback-number",
                                         o->use_admin_callback_number, "true or false");
  CLI::Option* number = command->add_option("--admin-callback-number", o->admin_callback_number,
                                            "the callback number; \"\" clears it");
  context.on_run(command, [&context, o, enabled, use, number] {
    json::object body;
    if (enabled->count() > 0) body["enabled"] = o->enabled;
    if (use->count() > 0) body["useAdminCallbackNumber"] = o->use_admin_callback_number;
    if (number->count() > 0) body["adminCallbackNumber"] = o->admin_callback_number;
    if (body.empty())
      throw Failure(ExitCode::kUsage,
                    "policy set: nothing to change: give --enabled, --use-admin-callback-number or "
                    "--admin-callback-number");
    show_policy(context, context.api().patch(policy_path(o->identity), body));
  });
}

void add_remove(CLI::App& group, Context& context) {
  auto identity = std::make_shared<std::string>();
  CLI::App* command = group.add_subcommand(
      "remove", "Delete a policy; Global is reset to the defaults (Remove-CsCallViaWorkPolicy)");
  command->add_option("IDENTITY", *identity, "Global, Site:NAME or Tag:NAME")->required();
  context.on_run(command, [&context, identity] {
    context.api().remove(policy_path(*identity));
    context.confirm(is_global_identity(*identity)
                        ? "Reset the Global Call Via Work policy to its defaults"
                        : "Removed Call Via Work policy " + *identity);
  });
}

}  // namespace

void add_policy_commands(CLI::App& app, Context& context) {
  CLI::App* group =
      app.add_subcommand("policy", "Call Via Work policies: list, show, new, set, remove, grant");
  group->require_subcommand(1);
  add_list(*group, context);
  add_show(*group, context);
  add_new(*group, context);
  add_set(*group, context);
  add_remove(*group, context);
  add_grant_command(*group, context, "callViaWorkPolicy", "Call Via Work policy");
}

}  // namespace cvw::cvwctl
