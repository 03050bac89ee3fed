// login, logout: the saved session (token_store.hpp, login_session.hpp).
#include <boost/json/object.hpp>
#include <memory>
#include <optional>

#include "tools/cvwctl/commands.hpp"
#include "tools/cvwctl/failure.hpp"
#include "tools/cvwctl/output.hpp"

namespace cvw::cvwctl {
namespace json = boost::json;

void add_session_commands(CLI::App& app, Context& context) {
  struct LoginOptions {
    std::string user;
    bool password_stdin = false;
  };
  auto o = std::make_shared<LoginOptions>();
  CLI::App* login =
      app.add_subcommand("login", "Sign in and save the session (refreshed automatically)");
  login->add_option("--user", o->user, "your SIP URI (sip:admin@example.com)")->required();
  login->add_flag("--password-stdin", o->password_stdin,
                  "read the password from the first line of stdin");
  context.on_run(login, [&context, o] {
    ApiClient& api = context.api();
    const std::string password =
        context.password(o->password_stdin, "Password for " + o->user + ": ");
    const StoredSession session = log_in(api, context.store(), o->user, password, context.now());
    // The reply holds the tokens: --json shows what was saved, not them.
    const json::object summary{
        {"server", session.server}, {"user", o->user}, {"expiresAt", session.expires_at}};
    context.show(summary, [&] {
      return "Logged in to " + session.server + " as " + printable(o->user) +
             " (session saved in " + context.store().file().string() + ")\n";
    });
  });

  CLI::App* logout =
      app.add_subcommand("logout", "End the session on the server and forget the saved one");
  context.on_run(logout, [&context] {
    ApiClient& api = context.api();
    std::optional<Failure> refused;
    try {
      api.post("/api/v1/logout");
    } catch (const Failure& failure) {
      refused = failure;
    }
    // Forgotten even when the server could not be told: the user asked to
    // be logged out here, and the tokens expire on the server anyway.
    if (context.uses_saved_login()) {
      if (Result<void> removed = context.store().remove(); !removed)
        throw Failure(ExitCode::kFailed, removed.error().message);
    }
    if (refused) throw *refused;
    context.confirm("Logged out of " + api.server().to_string());
  });
}

}  // namespace cvw::cvwctl
