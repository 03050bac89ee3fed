// The command line of http_paced.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/result.hpp"

namespace cvw::bench {

struct Options {
  // Loopback only (127.0.0.0/8 or ::1): this is a load generator, and
  // nothing else on the network is ours to load.
  boost::asio::ip::address address = boost::asio::ip::make_address_v4("127.0.0.1");
  std::uint16_t port = 0;
  std::string path = "/api/v1/me";
  std::string token;  // sent as "Authorization: Bearer TOKEN"; none when empty
  std::uint64_t rate = 0;  // requests per second, asked
  double duration_s = 10;  // measured
  double warmup_s = 2;     // before the measured window, not recorded
  std::size_t connections = 50;
  // For a connection to come free after a request's due time, then for its
  // response after its write (so a latency can reach twice this).
  double timeout_s = 2;
  bool json = false;
};

extern const char* const kUsage;

// Every fault names the option and the value given.
Result<Options> parse_options(int argc, char** argv);

}  // namespace cvw::bench
