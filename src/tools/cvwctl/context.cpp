#include "tools/cvwctl/context.hpp"

#include <cstdlib>
#include <ostream>

#include "tools/cvwctl/failure.hpp"
#include "tools/cvwctl/output.hpp"
#include "tools/cvwctl/password_input.hpp"

namespace cvw::cvwctl {
namespace {

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

Environment Environment::from_process() {
  return Environment{env_or_empty("CVW_SERVER"), env_or_empty("CVW_TOKEN"),
                     env_or_empty("XDG_CONFIG_HOME"), env_or_empty("HOME")};
}

Context::Context(std::ostream& out, std::ostream& err, std::istream& in, Environment environment,
                 Clock clock)
    : out_(out),
      err_(err),
      in_(in),
      environment_(std::move(environment)),
      clock_(std::move(clock)) {}

Context::~Context() = default;

std::string Context::server_text() const {
  if (!options_.server.empty()) return options_.server;
  if (!environment_.server.empty()) return environment_.server;
  return std::string(kDefaultServer);
}

bool Context::uses_saved_login() const {
  return options_.token.empty() && environment_.token.empty();
}

const TokenStore& Context::store() {
  if (!store_) {
    Result<std::filesystem::path> file =
        session_file_path(environment_.xdg_config_home, environment_.home);
    if (!file) throw Failure(ExitCode::kFailed, file.error().message);
    store_.emplace(std::move(*file));
  }
  return *store_;
}

ApiClient& Context::api() {
  if (api_) return *api_;
  const std::string text = server_text();
  Result<ServerUrl> url = ServerUrl::parse(text);
  if (!url)
    throw Failure(
        ExitCode::kUsage,
        (options_.server.empty() && !environment_.server.empty() ? "CVW_SERVER " : "--server ") +
            url.error().message);
  if (options_.insecure && url->tls)
    err_ << "cvwctl: warning: --insecure: the server's certificate is not checked, so anyone on "
            "the network path can "
            "read or change this session\n";
  Result<ApiClient> client =
      ApiClient::create(*url, TlsOptions{options_.ca_file, options_.insecure},
                        std::chrono::seconds(options_.timeout_seconds));
  if (!client) throw Failure(ExitCode::kFailed, client.error().message);

  if (!options_.token.empty()) {
    tokens_ = std::make_unique<FixedToken>(options_.token);
  } else if (!environment_.token.empty()) {
    tokens_ = std::make_unique<FixedToken>(environment_.token);
  } else {
    tokens_ = std::make_unique<SavedLogin>(store(), clock_);
  }
  api_.emplace(std::move(*client));
  api_->set_token_source(tokens_.get());
  return *api_;
}

void Context::show(const boost::json::value& reply, const std::function<std::string()>& human) {
  if (options_.json) {
    out_ << pretty_json(reply);
  } else {
    out_ << human();
  }
}

void Context::confirm(std::string_view line) {
  if (!options_.json) out_ << printable(line) << '\n';
}

std::string Context::password(bool from_stdin, std::string_view prompt) {
  Result<std::string> password = from_stdin ? read_password_line(in_) : prompt_password(prompt);
  if (!password) throw Failure(ExitCode::kUsage, password.error().message);
  return std::move(*password);
}

void Context::on_run(CLI::App* command, std::function<void()> action) {
  command->callback([this, action = std::move(action)] { chosen_ = action; });
}

bool Context::run_chosen() {
  if (!chosen_) return false;
  chosen_();
  return true;
}

}  // namespace cvw::cvwctl
