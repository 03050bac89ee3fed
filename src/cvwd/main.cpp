// cvwd: the cvw daemon.
//
// This stage runs the SIP core: listeners from the command line, the
// transaction layer and the UA core. It answers OPTIONS (the PBX's
// keep-alive), answers requests outside its features with the right codes
// (480 for calls until the Call Via Work application is wired in, 405/501 for
// methods, 481 for unknown dialogs, 400 naming the fault for malformed
// requests) and stops cleanly on SIGTERM/SIGINT.
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "sip/stack/sip_stack.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> listen = {"udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"};
  std::string log_level = "info";
  CLI::App cli{"cvwd: the Call Via Work server"};
  cli.add_option("--listen", listen, "SIP listen address, udp:IP:PORT or tcp:IP:PORT (repeatable)")
      ->capture_default_str();
  cli.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();
  CLI11_PARSE(cli, argc, argv);

  cvw::init_logging(spdlog::level::from_str(log_level));
  cvw::sip::StackConfig config;
  config.user_agent = "cvw/0.1";
  for (const std::string& l : listen) {
    auto la = cvw::sip::transport::ListenAddress::parse(l);
    if (!la) {
      std::fprintf(stderr, "cvwd: --listen: %s\n", la.error().message.c_str());
      return 2;
    }
    config.transport.listen.push_back(*la);
  }

  boost::asio::io_context io;
  cvw::sip::SipStack stack(io, config);
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
