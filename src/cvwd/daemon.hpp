// cvwd assembled: storage, the directory, sessions, the SIP stack and the
// HTTP(S) API on one event loop, with the signals an operator sends.
//   SIGTERM/SIGINT  stop accepting, finish what is in flight, exit 0
//   SIGHUP          re-read the configuration file and apply what can change
//                   at run time (log level); other changes are named in the
//                   log as needing a restart
#pragma once

#include <string>

#include "cvwd/config.hpp"

namespace cvw::cvwd {

struct DaemonOptions {
  Config config;
  std::string config_file;  // empty: built-in default (SIGHUP has nothing to re-read)
  bool demo = false;
};

// Runs until a stop signal; returns the process exit code.
int run_daemon(DaemonOptions options);

}  // namespace cvw::cvwd
