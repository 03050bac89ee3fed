// cvwd: the cvw daemon.
//
// Runs the SIP core and the HTTP(S) API over the directory in storage
// (SQLite by default). Configuration: --config FILE (examples/cvwd.toml
// documents it); without it the built-in default, which needs nothing else:
// a SQLite file and a self-signed certificate are created in the working
// directory. --listen, --http-listen, --storage and --log-level override the file.
#include <CLI/CLI.hpp>
#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "cvwd/config.hpp"
#include "cvwd/daemon.hpp"

int main(int argc, char** argv) {
  cvw::cvwd::DaemonOptions options;
  std::vector<std::string> listen;
  std::string log_level, http_listen, storage_url;
  bool plain_http = false;
  CLI::App cli{"cvwd: the Call Via Work server"};
  cli.add_option("--config", options.config_file, "configuration file (TOML, see examples/cvwd.toml)");
  CLI::Option* listen_opt =
      cli.add_option("--listen", listen,
                     "SIP listen address, udp:IP:PORT or tcp:IP:PORT (repeatable; overrides sip.listen)");
  CLI::Option* http_opt = cli.add_option("--http-listen", http_listen, "API address IP:PORT (overrides http.listen)");
  cli.add_flag("--plain-http", plain_http, "serve the API over plain HTTP (overrides http.tls; loopback tests)");
  CLI::Option* storage_opt = cli.add_option("--storage", storage_url, "storage URL (overrides storage.url)");
  CLI::Option* level_opt =
      cli.add_option("--log-level", log_level, "trace, debug, info, warn, error (overrides log.level)")
          ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  cli.add_flag("--demo", options.demo,
               "create demo users (sip:admin@example.com / admin-password-1, alice, bob, carol) when missing");
  CLI11_PARSE(cli, argc, argv);
  // The database holds password hashes and session token hashes, the key
  // file a private key: nothing cvwd creates is for other users to read.
  ::umask(077);

  cvw::cvwd::Config config = cvw::cvwd::default_config();
  if (!options.config_file.empty()) {
    auto loaded = cvw::cvwd::load_config_file(options.config_file);
    if (!loaded) {
      std::fprintf(stderr, "cvwd: %s: %s\n", options.config_file.c_str(), loaded.error().message.c_str());
      return 2;
    }
    config = std::move(*loaded);
  }
  if (level_opt->count() > 0) config.log_level = log_level;
  if (http_opt->count() > 0) config.http_listen = http_listen;
  if (storage_opt->count() > 0) config.storage_url = storage_url;
  if (plain_http) config.http_tls = false;
  if (listen_opt->count() > 0) {
    config.sip_listen.clear();
    for (const std::string& l : listen) {
      auto la = cvw::sip::transport::ListenAddress::parse(l);
      if (!la) {
        std::fprintf(stderr, "cvwd: --listen: %s\n", la.error().message.c_str());
        return 2;
      }
      config.sip_listen.push_back(*la);
    }
  }

  cvw::init_logging(spdlog::level::from_str(config.log_level),
                    config.log_format == "json" ? cvw::LogFormat::Json : cvw::LogFormat::Text);
  cvw::log().info("cvwd: configuration {}",
                  options.config_file.empty() ? std::string("built-in default") : options.config_file);
  for (const auto& t : config.trunks)
    cvw::log().info("cvwd: trunk '{}' at {}{}", t.name, t.address.to_string(),
                    t.username.empty() ? "" : ", authenticates as " + t.username);
  options.config = std::move(config);
  return cvw::cvwd::run_daemon(std::move(options));
}
