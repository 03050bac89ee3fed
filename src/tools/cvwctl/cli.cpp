#include "tools/cvwctl/cli.hpp"

#include <ostream>

#include "tools/cvwctl/commands.hpp"
#include "tools/cvwctl/failure.hpp"

namespace cvw::cvwctl {

int run_cvwctl(int argc, const char* const* argv, Context& context) {
  CLI::App app{"cvwctl: administer a cvw Call Via Work server through its REST API", "cvwctl"};
  app.set_version_flag("--version", "cvwctl " CVWCTL_VERSION);
  // Global options may also follow the command: `cvwctl user list --json`.
  app.fallthrough();
  app.require_subcommand(1);

  GlobalOptions& options = context.options();
  app.add_option("--server", options.server,
                 "API URL (default: $CVW_SERVER, else " + std::string(kDefaultServer) + ")");
  app.add_flag("--json", options.json, "print the API's JSON instead of tables");
  app.add_option("--token", options.token,
                 "access token (default: $CVW_TOKEN, else the saved login)");
  app.add_option("--ca", options.ca_file,
                 "PEM file of the certificate to trust (for a self-signed server)")
      ->check(CLI::ExistingFile);
  app.add_flag("--insecure", options.insecure,
               "do not check the server's certificate (prints a warning)");
  app.add_option("--timeout", options.timeout_seconds,
                 "seconds to wait for the server (default 30)")
      ->check(CLI::Range(1, 3600));

  add_session_commands(app, context);
  add_user_commands(app, context);
  add_policy_commands(app, context);
  add_routing_commands(app, context);
  add_dial_plan_commands(app, context);
  add_service_commands(app, context);
  add_history_commands(app, context);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == 0)
      return app.exit(error, context.out(), context.err());  // --help, --version
    context.err() << "cvwctl: " << error.what()
                  << "\nRun 'cvwctl --help' or 'cvwctl COMMAND --help' for usage.\n";
    return static_cast<int>(ExitCode::kUsage);
  }

  try {
    context.run_chosen();
  } catch (const Failure& failure) {
    context.err() << "cvwctl: " << failure.what() << '\n';
    return static_cast<int>(failure.code());
  } catch (const std::exception& error) {
    context.err() << "cvwctl: unexpected error: " << error.what() << '\n';
    return static_cast<int>(ExitCode::kFailed);
  }
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace cvw::cvwctl
