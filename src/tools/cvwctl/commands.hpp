// The command groups. Each add_*_commands() adds one group's subcommands to
// the top-level app and registers their actions with the context; the
// requests go through Context::api(), the output through output.hpp.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

#include "tools/cvwctl/context.hpp"

namespace cvw::cvwctl {

void add_session_commands(CLI::App& app, Context& context);    // login, logout
void add_user_commands(CLI::App& app, Context& context);       // user ...
void add_policy_commands(CLI::App& app, Context& context);     // policy ...
void add_routing_commands(CLI::App& app, Context& context);    // routing ...
void add_dial_plan_commands(CLI::App& app, Context& context);  // dialplan ...
void add_service_commands(CLI::App& app, Context& context);    // trunk list, status
void add_history_commands(CLI::App& app, Context& context);    // history export

// Writes `text` to `path` (created or truncated); a Failure names the path.
void write_file(const std::string& path, const std::string& text);

// "/api/v1/users/<sip>", the SIP URI escaped as a path segment.
std::string user_path(std::string_view sip_uri);

// `GROUP grant SIP IDENTITY` / `GROUP grant SIP --revoke`: sets the user's
// `field` ("callViaWorkPolicy", "dialPlan") to "Tag:NAME" or null with
// PATCH /api/v1/users/{sipUri}, as Grant-CsCallViaWorkPolicy and
// Grant-CsDialPlan do. `noun` names the item in messages.
void add_grant_command(CLI::App& group, Context& context, std::string_view field,
                       std::string_view noun);

// Whether an identity names the Global item (case-insensitive, as SfB's).
bool is_global_identity(std::string_view identity);

}  // namespace cvw::cvwctl
