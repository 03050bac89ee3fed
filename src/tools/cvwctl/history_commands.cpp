// history export: the call history as CSV, for a spreadsheet or an audit.
#include <memory>

#include "tools/cvwctl/commands.hpp"
#include "tools/cvwctl/server_url.hpp"

namespace cvw::cvwctl {

void add_history_commands(CLI::App& app, Context& context) {
  CLI::App* group = app.add_subcommand("history", "Call history (click-to-calls and incoming calls): export");
  group->require_subcommand(1);
  struct Options {
    std::string user;
    int limit = 1000;
    std::string file;
  };
  auto o = std::make_shared<Options>();
  CLI::App* command =
      group->add_subcommand("export", "Write ended calls as CSV, newest first, to FILE or stdout");
  command->add_option("--user", o->user, "only this user's calls (SIP URI)");
  command->add_option("--limit", o->limit, "at most this many calls (1-10000)")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  command->add_option("FILE", o->file, "where to write; standard output when left out");
  context.on_run(command, [&context, o] {
    std::string target = "/api/v1/call-history.csv?limit=" + std::to_string(o->limit);
    if (!o->user.empty()) target += "&user=" + encode_query_value(o->user);
    const std::string csv = context.api().get_text(target, "text/csv");
    if (o->file.empty()) {
      context.out() << csv;
      return;
    }
    write_file(o->file, csv);
    context.confirm("Exported the call history to " + o->file);
  });
}

}  // namespace cvw::cvwctl
