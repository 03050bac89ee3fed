#include "options.hpp"

#include <charconv>
#include <cmath>
#include <string_view>

namespace cvw::bench {

const char* const kUsage =
    "usage: http_paced --port=PORT --rate=PER_SECOND [--token=TOKEN] [--path=/api/v1/me]\n"
    "                  [--connections=50] [--duration=10] [--warmup=2] [--timeout=2]\n"
    "                  [--address=127.0.0.1] [--json]\n"
    "Open-loop HTTP/1.1 load: request i is due at start + i/rate, whatever the\n"
    "responses do; latency is from that due time to the response's last byte.\n"
    "--timeout bounds the wait for a free connection (from the due time) and\n"
    "then the wait for the response (from the write).\n"
    "Exit 0: at least 95 % of the rate held and no request failed; 1: not;\n"
    "2: bad arguments or no connection.\n";

namespace {

Error usage_error(std::string message) { return Error{0, std::move(message)}; }

// Appended piece by piece: g++ 12 at -O3 warns (-Wrestrict, a false
// positive, GCC bug 105651) on "literal" + std::string temporaries here.
std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  out += text;
  out += '"';
  return out;
}

Result<std::uint64_t> whole_number(std::string_view name, std::string_view text, std::uint64_t low,
                                   std::uint64_t high) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < low || value > high)
    return usage_error(std::string(name) + ": must be a whole number from " + std::to_string(low) + " to " +
                       std::to_string(high) + " (got " + quoted(text) + ")");
  return value;
}

// Seconds, fractions allowed (from_chars: no locale decides the decimal point).
Result<double> seconds(std::string_view name, std::string_view text, double low, double high, bool low_allowed) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  const bool in_range = low_allowed ? value >= low : value > low;
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || !in_range || value > high)
    return usage_error(std::string(name) + ": must be a number of seconds " + (low_allowed ? "from " : "over ") +
                       std::to_string(static_cast<int>(low)) + (low_allowed ? " to " : " and at most ") +
                       std::to_string(static_cast<int>(high)) + " (got " + quoted(text) + ")");
  return value;
}

// Bytes that may go into a request line or a header value as they are: no
// spaces or control characters, so nothing given here can end the line
// early or add a header.
bool visible_ascii(std::string_view text) {
  for (const char c : text)
    if (c <= ' ' || c >= 0x7f) return false;
  return true;
}

Result<void> set_option(Options& o, std::string_view name, std::string_view value) {
  if (name == "--address") {
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(std::string(value), ec);
    if (ec) return usage_error("--address: not an IP address (got " + quoted(value) + ")");
    if (!address.is_loopback())
      return usage_error("--address: only loopback addresses (127.0.0.0/8, ::1) are allowed (got " + quoted(value) +
                         ")");
    o.address = address;
  } else if (name == "--port") {
    auto port = whole_number(name, value, 1, 65535);
    if (!port) return port.error();
    o.port = static_cast<std::uint16_t>(*port);
  } else if (name == "--path") {
    if (!value.starts_with('/') || !visible_ascii(value))
      return usage_error("--path: must start with '/' and hold no spaces or control characters (got " +
                         quoted(value) + ")");
    o.path = value;
  } else if (name == "--token") {
    if (!visible_ascii(value)) return usage_error("--token: must hold no spaces or control characters");
    o.token = value;
  } else if (name == "--rate") {
    auto rate = whole_number(name, value, 1, 10'000'000);
    if (!rate) return rate.error();
    o.rate = *rate;
  } else if (name == "--connections") {
    auto n = whole_number(name, value, 1, 100'000);
    if (!n) return n.error();
    o.connections = static_cast<std::size_t>(*n);
  } else if (name == "--duration") {
    auto s = seconds(name, value, 0, 86'400, false);
    if (!s) return s.error();
    o.duration_s = *s;
  } else if (name == "--warmup") {
    auto s = seconds(name, value, 0, 3'600, true);
    if (!s) return s.error();
    o.warmup_s = *s;
  } else if (name == "--timeout") {
    // At most 60 s: a latency may reach twice this, and the latency
    // histogram's range ends at 134 s.
    auto s = seconds(name, value, 0, 60, false);
    if (!s) return s.error();
    o.timeout_s = *s;
  } else {
    return usage_error("unknown option " + quoted(name));
  }
  return {};
}

}  // namespace

Result<Options> parse_options(int argc, char** argv) {
  Options o;
  bool rate_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--json") {
      o.json = true;
      continue;
    }
    if (!arg.starts_with("--")) return usage_error("unexpected argument " + quoted(arg));
    // Both --name=value and --name value.
    std::string_view name = arg;
    std::string_view value;
    if (const std::size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return usage_error(std::string(name) + ": needs a value");
    }
    if (auto r = set_option(o, name, value); !r) return r.error();
    rate_given = rate_given || name == "--rate";
  }
  if (o.port == 0) return usage_error("--port: required");
  if (!rate_given) return usage_error("--rate: required");
  // Whole requests: the run must ask for at least one in the window.
  if (std::llround(static_cast<double>(o.rate) * o.duration_s) < 1)
    return usage_error("--duration: shorter than one request at --rate " + std::to_string(o.rate));
  return o;
}

}  // namespace cvw::bench
