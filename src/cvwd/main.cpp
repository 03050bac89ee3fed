// cvwd: the cvw daemon.
//
// This stage runs the SIP core: listeners from the configuration file (or the
// built-in default), the transaction layer and the UA core. It answers OPTIONS
// (the PBX's keep-alive), answers requests outside its features with the right
// codes (480 for calls until the Call Via Work application is wired in,
// 405/501 for methods, 481 for unknown dialogs, 400 naming the fault for
// malformed requests) and stops cleanly on SIGTERM/SIGINT.
//
// Configuration: --config FILE (examples/cvwd.toml documents it); without it
// the built-in default. --listen and --log-level, when given, override the file.
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "cvwd/config.hpp"
#include "sip/stack/sip_stack.hpp"

namespace {

std::string join_sources(const cvw::cvwd::Config::Trunk& trunk) {
  std::string out;
  for (const auto& a : trunk.allowed_sources) {
    if (!out.empty()) out += ", ";
    out += a.to_string();
  }
  return out.empty() ? "none" : out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_file;
  std::vector<std::string> listen;
  std::string log_level;
  CLI::App cli{"cvwd: the Call Via Work server"};
  cli.add_option("--config", config_file, "configuration file (TOML, see examples/cvwd.toml)");
  CLI::Option* listen_opt =
      cli.add_option("--listen", listen,
                     "SIP listen address, udp:IP:PORT or tcp:IP:PORT (repeatable; overrides sip.listen)");
  CLI::Option* level_opt =
      cli.add_option("--log-level", log_level, "trace, debug, info, warn, error (overrides log.level)")
          ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  CLI11_PARSE(cli, argc, argv);

  cvw::cvwd::Config config = cvw::cvwd::default_config();
  if (!config_file.empty()) {
    auto loaded = cvw::cvwd::load_config_file(config_file);
    if (!loaded) {
      std::fprintf(stderr, "cvwd: %s: %s\n", config_file.c_str(), loaded.error().message.c_str());
      return 2;
    }
    config = std::move(*loaded);
  }
  if (level_opt->count() > 0) config.log_level = log_level;
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

  cvw::init_logging(spdlog::level::from_str(config.log_level));
  cvw::log().info("cvwd: configuration {}", config_file.empty() ? std::string("built-in default") : config_file);
  for (const auto& t : config.trunks)
    cvw::log().info("cvwd: trunk '{}' at {} (sources {}{})", t.name, t.address.to_string(), join_sources(t),
                    t.username.empty() ? "" : ", authenticates as " + t.username);
  if (config.trunks.empty()) cvw::log().info("cvwd: no trunks configured");

  cvw::sip::StackConfig stack_config;
  stack_config.user_agent = "cvw/0.1";
  stack_config.transport.listen = config.sip_listen;

  boost::asio::io_context io;
  cvw::sip::SipStack stack(io, stack_config);
  if (auto r = stack.start(); !r) {
    std::fprintf(stderr, "cvwd: %s\n", r.error().message.c_str());
    return 2;
  }
  for (const auto& la : stack.transport().bound()) cvw::log().info("cvwd: SIP listening on {}", la.to_string());

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    cvw::log().info("cvwd: signal {}: stopping", signal);
    stack.stop();
    io.stop();
  });
  io.run();
  const auto& m = stack.transport().metrics();
  cvw::log().info("cvwd: stopped ({} SIP messages in, {} out, {} rejected, {} dropped)", m.received, m.sent,
                  m.rejected, m.dropped);
  return 0;
}
