// routing show|set: the routing configuration's Call Via Work caller ID
// (Set-CsRoutingConfiguration -CallViaWorkCallerId), the number a user's
// own phone shows when cvw rings it for the user's outgoing call.
#include <array>
#include <boost/json/object.hpp>
#include <memory>

#include "tools/cvwctl/commands.hpp"
#include "tools/cvwctl/output.hpp"

namespace cvw::cvwctl {
namespace json = boost::json;
namespace {

constexpr std::string_view kRouting = "/api/v1/routing-configuration";
constexpr std::array kRoutingFields = {Field{"CallViaWorkCallerId", "callViaWorkCallerId"}};

}  // namespace

void add_routing_commands(CLI::App& app, Context& context) {
  CLI::App* group = app.add_subcommand("routing", "Routing configuration: show, set");
  group->require_subcommand(1);

  CLI::App* show =
      group->add_subcommand("show", "Show the routing configuration (Get-CsRoutingConfiguration)");
  context.on_run(show, [&context] {
    const json::value reply = context.api().get(kRouting);
    context.show(reply, [&] { return record_view(reply, kRoutingFields); });
  });

  auto caller_id = std::make_shared<std::string>();
  CLI::App* set =
      group->add_subcommand("set", "Change the routing configuration (Set-CsRoutingConfiguration)");
  set->add_option("--caller-id", *caller_id,
                  "the caller ID users' phones show for their Call Via Work calls")
      ->required();
  context.on_run(set, [&context, caller_id] {
    const json::value reply =
        context.api().patch(kRouting, json::object{{"callViaWorkCallerId", *caller_id}});
    context.show(reply, [&] { return record_view(reply, kRoutingFields); });
  });
}

}  // namespace cvw::cvwctl
