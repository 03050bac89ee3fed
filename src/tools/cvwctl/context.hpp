// What every command shares: the global options, the streams, the API
// client built from them on first use, and the choice between --json and
// human output. One Context per run; run_cvwctl (cli.hpp) owns the flow.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tools/cvwctl/api_client.hpp"
#include "tools/cvwctl/login_session.hpp"
#include "tools/cvwctl/token_store.hpp"

namespace cvw::cvwctl {

inline constexpr std::string_view kDefaultServer = "https://127.0.0.1:8443";

// The environment variables cvwctl reads, captured once so tests can set them.
struct Environment {
  std::string server;           // CVW_SERVER
  std::string token;            // CVW_TOKEN
  std::string xdg_config_home;  // XDG_CONFIG_HOME
  std::string home;             // HOME
  static Environment from_process();
};

struct GlobalOptions {
  std::string server;  // --server; empty: CVW_SERVER, else kDefaultServer
  bool json = false;
  std::string token;  // --token; empty: CVW_TOKEN, else the saved login
  std::string ca_file;
  bool insecure = false;
  int timeout_seconds = 30;
};

class Context {
 public:
  Context(std::ostream& out, std::ostream& err, std::istream& in, Environment environment,
          Clock clock);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  GlobalOptions& options() { return options_; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  std::int64_t now() const { return clock_(); }

  // The API client for the server with its token source; built on first use
  // (a bad --server is a usage error then). Throws Failure.
  ApiClient& api();
  // The saved login's file. Throws Failure when HOME is not set either.
  const TokenStore& store();
  // Whether requests use the saved login (no --token, no CVW_TOKEN).
  bool uses_saved_login() const;

  // A reply: with --json the API's JSON, else `human()` for people.
  void show(const boost::json::value& reply, const std::function<std::string()>& human);
  // A line confirming what was done (after a 204); not printed with --json,
  // where an empty output and exit code 0 say it.
  void confirm(std::string_view line);
  // From standard input with --password-stdin, else asked on the terminal.
  std::string password(bool from_stdin, std::string_view prompt);

  // Makes `action` the thing to run when `command` is the one chosen.
  void on_run(CLI::App* command, std::function<void()> action);
  // Runs the chosen action; false when none was chosen.
  bool run_chosen();

 private:
  std::string server_text() const;

  std::ostream& out_;
  std::ostream& err_;
  std::istream& in_;
  Environment environment_;
  Clock clock_;
  GlobalOptions options_;
  std::optional<TokenStore> store_;
  std::unique_ptr<TokenSource> tokens_;
  std::optional<ApiClient> api_;
  std::function<void()> chosen_;
};

}  // namespace cvw::cvwctl
