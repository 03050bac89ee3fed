// trunk list, status: what the server runs with (read-only).
#include <array>

#include "tools/cvwctl/commands.hpp"
#include "tools/cvwctl/output.hpp"

namespace cvw::cvwctl {
namespace json = boost::json;
namespace {

constexpr std::array kTrunkColumns = {
    Field{"Name", "name"},
    Field{"Address", "address"},
    Field{"AllowedSources", "allowedSources"},
    Field{"Authenticates", "authenticates"},
};

constexpr std::array kStatusFields = {
    Field{"Version", "version"},
    Field{"UptimeSeconds", "uptimeSeconds"},
    Field{"Storage", "storage"},
    Field{"Users", "users"},
    Field{"Sessions", "sessions"},
    Field{"SipListeners", "sip.listeners"},
    Field{"SipMessagesIn", "sip.messagesIn"},
    Field{"SipMessagesOut", "sip.messagesOut"},
    Field{"HttpConnectionsOpen", "http.connectionsOpen"},
};

}  // namespace

void add_service_commands(CLI::App& app, Context& context) {
  CLI::App* trunk =
      app.add_subcommand("trunk", "SIP trunks (from the server's configuration): list");
  trunk->require_subcommand(1);
  CLI::App* list = trunk->add_subcommand("list", "List the SIP trunks");
  context.on_run(list, [&context] {
    const json::value reply = context.api().get("/api/v1/trunks");
    context.show(reply, [&] { return table_view(reply_array(reply, "trunks"), kTrunkColumns); });
  });

  CLI::App* status =
      app.add_subcommand("status", "Show the server's version, uptime, storage and counters");
  context.on_run(status, [&context] {
    const json::value reply = context.api().get("/api/v1/status");
    context.show(reply, [&] { return record_view(reply, kStatusFields); });
  });
}

}  // namespace cvw::cvwctl
