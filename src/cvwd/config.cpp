// Loading of the cvwd configuration file; see config.hpp.
#include "cvwd/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>

#include "common/log.hpp"
#include "storage/storage_url.hpp"

namespace cvw::cvwd {
namespace {

namespace ip = boost::asio::ip;
using sip::transport::ListenAddress;

constexpr std::array<std::string_view, 5> kLogLevels = {"trace", "debug", "info", "warn", "error"};

Error config_error(std::string message) { return Error{0, std::move(message)}; }

// A value as it appears in the file, for the "(got ...)" part of an error.
std::string show(const toml::node& node) {
  if (node.is_table()) return "a table";
  if (const auto* s = node.as_string()) return json_quoted(s->get());
  if (const auto* a = node.as_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < a->size(); ++i) out += (i > 0 ? ", " : "") + show((*a)[i]);
    return out + "]";
  }
  std::ostringstream os;
  node.visit([&os](const auto& n) { os << n; });
  return os.str();
}

// Each table accepts a fixed set of keys: anything else is a typo we refuse
// rather than ignore.
Result<void> check_keys(const toml::table& table, const std::string& prefix,
                        std::initializer_list<std::string_view> known) {
  for (const auto& [key, node] : table) {
    (void)node;
    if (std::find(known.begin(), known.end(), key.str()) == known.end())
      return config_error("unknown key '" + prefix + std::string(key.str()) + "'");
  }
  return {};
}

// The table at `key` of `root`, or nullptr when the file leaves it out.
Result<const toml::table*> section(const toml::table& root, std::string_view key) {
  const toml::node* node = root.get(key);
  if (node == nullptr) return static_cast<const toml::table*>(nullptr);
  if (!node->is_table())
    return config_error(std::string(key) + ": must be a table ([" + std::string(key) + "]) (got " + show(*node) + ")");
  return node->as_table();
}

// Reads a string key into `out` when present.
Result<void> get_string(const toml::table& table, std::string_view key, const std::string& path, std::string& out) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return {};
  if (!node->is_string()) return config_error(path + ": must be a string (got " + show(*node) + ")");
  out = node->as_string()->get();
  return {};
}

// Reads an array of strings into `out` when present.
Result<void> get_strings(const toml::table& table, std::string_view key, const std::string& path,
                         std::vector<std::string>& out) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return {};
  if (!node->is_array()) return config_error(path + ": must be an array of strings (got " + show(*node) + ")");
  std::vector<std::string> values;
  const toml::array& array = *node->as_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    if (!array[i].is_string())
      return config_error(path + "[" + std::to_string(i) + "]: must be a string (got " + show(array[i]) + ")");
    values.push_back(array[i].as_string()->get());
  }
  out = std::move(values);
  return {};
}

// ListenAddress::parse says "listen address 'TEXT': PROBLEM"; the key already
// says what the value is, so keep the problem and show the value at the end.
Result<ListenAddress> parse_address(const std::string& path, const std::string& text) {
  Result<ListenAddress> la = ListenAddress::parse(text);
  if (la) return la;
  std::string problem = la.error().message;
  const std::string prefix = "listen address '" + text + "': ";
  if (problem.starts_with(prefix)) problem.erase(0, prefix.size());
  return config_error(path + ": " + problem + " (got " + json_quoted(text) + ")");
}

// "IP:PORT" or "[IPv6]:PORT", port 1..65535.
bool valid_host_port(std::string_view text) {
  std::string_view host;
  std::string_view rest;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return false;
    host = text.substr(1, close - 1);
    rest = text.substr(close + 1);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = text.substr(0, colon);
    rest = text.substr(colon);
  }
  boost::system::error_code ec;
  (void)ip::make_address(std::string(host), ec);
  if (ec || (host.find(':') != std::string_view::npos && !text.starts_with('['))) return false;
  if (rest.size() < 2 || rest.front() != ':') return false;
  unsigned port = 0;
  const char* end = rest.data() + rest.size();
  auto [ptr, err] = std::from_chars(rest.data() + 1, end, port);
  return err == std::errc{} && ptr == end && port >= 1 && port <= 65535;
}

Result<void> load_log(const toml::table& root, Config& config) {
  Result<const toml::table*> log = section(root, "log");
  if (!log) return log.error();
  if (*log == nullptr) return {};
  if (auto r = check_keys(**log, "log.", {"level", "format"}); !r) return r;
  if (auto r = get_string(**log, "level", "log.level", config.log_level); !r) return r;
  if (auto r = get_string(**log, "format", "log.format", config.log_format); !r) return r;
  if (config.log_format != "text" && config.log_format != "json")
    return config_error("log.format: must be \"text\" or \"json\" (got " +
                        json_quoted(config.log_format) + ")");
  if (!is_log_level(config.log_level))
    return config_error("log.level: must be one of trace, debug, info, warn, error (got " +
                        json_quoted(config.log_level) + ")");
  return {};
}

// Reads a whole number key into `out` when present, within [min, max].
template <typename Int>
Result<void> get_integer(const toml::table& table, std::string_view key, const std::string& path,
                         Int& out, std::int64_t min, std::int64_t max) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return {};
  if (!node->is_integer())
    return config_error(path + ": must be a whole number (got " + show(*node) + ")");
  const std::int64_t v = node->as_integer()->get();
  if (v < min || v > max)
    return config_error(path + ": must be from " + std::to_string(min) + " to " +
                        std::to_string(max) + " (got " + std::to_string(v) + ")");
  out = static_cast<Int>(v);
  return {};
}

Result<void> load_sip(const toml::table& root, Config& config) {
  Result<const toml::table*> sip = section(root, "sip");
  if (!sip) return sip.error();
  if (*sip == nullptr) return {};
  if (auto r = check_keys(**sip, "sip.", {"listen", "domains", "session_expires", "min_se"}); !r)
    return r;

  if ((*sip)->contains("listen")) {
    std::vector<std::string> listen;
    if (auto r = get_strings(**sip, "listen", "sip.listen", listen); !r) return r;
    if (listen.empty()) return config_error("sip.listen: must list at least one address (got [])");
    config.sip_listen.clear();
    for (std::size_t i = 0; i < listen.size(); ++i) {
      Result<ListenAddress> la = parse_address("sip.listen[" + std::to_string(i) + "]", listen[i]);
      if (!la) return la.error();
      config.sip_listen.push_back(*la);
    }
  }

  if (auto r = get_strings(**sip, "domains", "sip.domains", config.domains); !r) return r;
  if (config.domains.empty()) return config_error("sip.domains: must list at least one domain (got [])");
  for (std::size_t i = 0; i < config.domains.size(); ++i) {
    const std::string& d = config.domains[i];
    if (d.empty() || d.find_first_of(" \t:;@/<>\"") != std::string::npos)
      return config_error("sip.domains[" + std::to_string(i) + "]: not a domain name (got " +
                          json_quoted(d) + ")");
  }

  // RFC 4028: Min-SE is never below 90 s (§4); a day is plenty for either.
  if (auto r = get_integer(**sip, "min_se", "sip.min_se", config.sip_timers.min_se, 90, 86400); !r)
    return r;
  if (auto r = get_integer(**sip, "session_expires", "sip.session_expires",
                           config.sip_timers.session_expires, 0, 86400);
      !r)
    return r;
  if (config.sip_timers.session_expires != 0 &&
      config.sip_timers.session_expires < config.sip_timers.min_se)
    return config_error(
        "sip.session_expires: must be 0 (no session timer) or at least sip.min_se (" +
        std::to_string(config.sip_timers.min_se) + ") (got " +
        std::to_string(config.sip_timers.session_expires) + ")");
  return {};
}

Result<Config::Trunk> load_trunk(const toml::table& table, const std::string& path) {
  if (auto r = check_keys(table, path + ".", {"name", "address", "allowed_sources", "username", "password"}); !r)
    return r.error();
  Config::Trunk trunk;

  if (!table.contains("name")) return config_error(path + ".name: missing (every trunk needs a name)");
  if (auto r = get_string(table, "name", path + ".name", trunk.name); !r) return r.error();
  if (trunk.name.empty()) return config_error(path + ".name: must not be empty (got \"\")");

  if (!table.contains("address"))
    return config_error(path + ".address: missing (where to send requests, e.g. \"udp:192.0.2.10:5060\")");
  std::string address;
  if (auto r = get_string(table, "address", path + ".address", address); !r) return r.error();
  Result<ListenAddress> la = parse_address(path + ".address", address);
  if (!la) return la.error();
  if (la->port == 0)
    return config_error(path + ".address: port must not be 0 (got " + json_quoted(address) + ")");
  trunk.address = sip::Peer{la->protocol, la->address, la->port, 0};

  // Without allowed_sources, requests are accepted from the trunk's own address only.
  if (table.contains("allowed_sources")) {
    std::vector<std::string> sources;
    if (auto r = get_strings(table, "allowed_sources", path + ".allowed_sources", sources); !r) return r.error();
    for (std::size_t i = 0; i < sources.size(); ++i) {
      boost::system::error_code ec;
      ip::address a = ip::make_address(sources[i], ec);
      if (ec)
        return config_error(path + ".allowed_sources[" + std::to_string(i) +
                            "]: not an IP address (got " + json_quoted(sources[i]) + ")");
      trunk.allowed_sources.push_back(a);
    }
  } else {
    trunk.allowed_sources.push_back(trunk.address.address);
  }

  if (auto r = get_string(table, "username", path + ".username", trunk.username); !r) return r.error();
  if (auto r = get_string(table, "password", path + ".password", trunk.password); !r) return r.error();
  if (trunk.username.empty() && !trunk.password.empty())
    return config_error(path + ".password: set without a username (got a password, username \"\")");
  return trunk;
}

Result<void> load_trunks(const toml::table& root, Config& config) {
  const toml::node* node = root.get("trunk");
  if (node == nullptr) return {};
  if (!node->is_array_of_tables())
    return config_error("trunk: must be an array of tables ([[trunk]]) (got " + show(*node) + ")");
  const toml::array& array = *node->as_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string path = "trunk[" + std::to_string(i) + "]";
    Result<Config::Trunk> trunk = load_trunk(*array[i].as_table(), path);
    if (!trunk) return trunk.error();
    for (const Config::Trunk& t : config.trunks) {
      if (t.name == trunk->name)
        return config_error(path + ".name: a trunk with this name is already configured (got " +
                            json_quoted(t.name) + ")");
    }
    config.trunks.push_back(std::move(*trunk));
  }
  return {};
}

Result<void> load_calls(const toml::table& root, Config& config) {
  Result<const toml::table*> calls = section(root, "calls");
  if (!calls) return calls.error();
  if (*calls == nullptr) return {};
  const toml::table& t = **calls;
  Config::Calls& c = config.calls;
  if (auto r = check_keys(t, "calls.", {"ring_timeout", "callee_ring_timeout", "max_per_user", "emergency_numbers",
                                        "caller_id_name", "trunk", "media"});
      !r)
    return r;
  if (auto r = get_integer(t, "ring_timeout", "calls.ring_timeout", c.ring_timeout, 1, 600); !r) return r;
  if (auto r = get_integer(t, "callee_ring_timeout", "calls.callee_ring_timeout", c.callee_ring_timeout, 1, 600); !r)
    return r;
  if (auto r = get_integer(t, "max_per_user", "calls.max_per_user", c.max_per_user, 1, 100); !r) return r;
  if (auto r = get_strings(t, "emergency_numbers", "calls.emergency_numbers", c.emergency_numbers); !r) return r;
  for (std::size_t i = 0; i < c.emergency_numbers.size(); ++i) {
    const std::string& n = c.emergency_numbers[i];
    const bool digits = !n.empty() && n.size() <= 15 &&
                        std::all_of(n.begin(), n.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if (!digits)
      return config_error("calls.emergency_numbers[" + std::to_string(i) +
                          "]: must be 1-15 digits (got " + json_quoted(n) + ")");
  }
  if (auto r = get_string(t, "caller_id_name", "calls.caller_id_name", c.caller_id_name); !r) return r;
  if (c.caller_id_name.size() > 64 ||
      std::any_of(c.caller_id_name.begin(), c.caller_id_name.end(),
                  [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == '"' || ch == '\\'; }))
    return config_error(
        "calls.caller_id_name: at most 64 characters, no quotes, backslashes or control characters "
        "(got " +
        json_quoted(c.caller_id_name) + ")");
  if (auto r = get_string(t, "trunk", "calls.trunk", c.trunk); !r) return r;
  std::string media = c.anchor_media ? "anchored" : "direct";
  if (auto r = get_string(t, "media", "calls.media", media); !r) return r;
  if (media != "direct" && media != "anchored")
    return config_error("calls.media: must be \"direct\" or \"anchored\" (got " +
                        json_quoted(media) + ")");
  c.anchor_media = media == "anchored";
  // [[trunk]] tables are loaded before [calls], so the name can be checked.
  if (!c.trunk.empty() && std::none_of(config.trunks.begin(), config.trunks.end(),
                                       [&](const Config::Trunk& tr) { return tr.name == c.trunk; }))
    return config_error("calls.trunk: no [[trunk]] is named " + json_quoted(c.trunk));
  return {};
}

Result<void> load_registrar(const toml::table& root, Config& config) {
  Result<const toml::table*> registrar = section(root, "registrar");
  if (!registrar) return registrar.error();
  if (*registrar == nullptr) return {};
  const toml::table& t = **registrar;
  registrar::RegistrarLimits& r = config.registrar.limits;
  if (auto e = check_keys(t, "registrar.",
                          {"default_expires", "min_expires", "max_expires", "max_contacts", "digest_algorithms",
                           "nonce_lifetime", "max_tracked_nonces"});
      !e)
    return e;
  if (auto e = get_integer(t, "nonce_lifetime", "registrar.nonce_lifetime", config.registrar.nonce_lifetime, 5, 3600);
      !e)
    return e;
  if (auto e = get_integer(t, "max_tracked_nonces", "registrar.max_tracked_nonces", config.registrar.max_tracked_nonces,
                           1000, 10000000);
      !e)
    return e;
  std::vector<std::string> algorithms;
  if (auto e = get_strings(t, "digest_algorithms", "registrar.digest_algorithms", algorithms); !e) return e;
  if (t.contains("digest_algorithms")) {
    if (algorithms.empty()) return config_error("registrar.digest_algorithms: must list at least one (got [])");
    config.registrar.digest_algorithms.clear();
    for (const std::string& name : algorithms) {
      using sip::auth::DigestAlgorithm;
      std::optional<DigestAlgorithm> a;
      for (DigestAlgorithm known : {DigestAlgorithm::Sha256, DigestAlgorithm::Md5}) {
        if (sip::auth::algorithm_name(known) == name) a = known;
      }
      if (!a)
        return config_error("registrar.digest_algorithms: unknown algorithm " + json_quoted(name) +
                            " (\"SHA-256\" or \"MD5\")");
      auto& list = config.registrar.digest_algorithms;
      if (std::find(list.begin(), list.end(), *a) != list.end())
        return config_error("registrar.digest_algorithms: " + json_quoted(name) +
                            " is listed twice");
      list.push_back(*a);
    }
  }
  if (auto e = get_integer(t, "min_expires", "registrar.min_expires", r.min_expires, 1, 86400); !e) return e;
  if (auto e = get_integer(t, "max_expires", "registrar.max_expires", r.max_expires, 1, 86400); !e) return e;
  if (auto e = get_integer(t, "default_expires", "registrar.default_expires", r.default_expires, 1, 86400); !e)
    return e;
  if (auto e = get_integer(t, "max_contacts", "registrar.max_contacts", r.max_contacts, 1, 100); !e) return e;
  if (r.min_expires > r.max_expires)
    return config_error("registrar.min_expires: must not exceed registrar.max_expires (got " +
                        std::to_string(r.min_expires) + " > " + std::to_string(r.max_expires) + ")");
  if (r.default_expires < r.min_expires || r.default_expires > r.max_expires)
    return config_error("registrar.default_expires: must be from registrar.min_expires to registrar.max_expires (got " +
                        std::to_string(r.default_expires) + ")");
  return {};
}

Result<void> load_media(const toml::table& root, Config& config) {
  Result<const toml::table*> media = section(root, "media");
  if (!media) return media.error();
  if (*media == nullptr) return {};
  const toml::table& t = **media;
  if (auto r =
          check_keys(t, "media.",
                     {"address", "port_min", "port_max", "ringback", "pool_pairs", "pool_rest_ms"});
      !r)
    return r;
  std::string address;
  if (auto r = get_string(t, "address", "media.address", address); !r) return r;
  if (!address.empty()) {
    boost::system::error_code ec;
    config.media.address = ip::make_address(address, ec);
    if (ec)
      return config_error("media.address: not an IP address (got " + json_quoted(address) + ")");
  }
  if (auto r = get_integer(t, "port_min", "media.port_min", config.media.port_min, 1024, 65534); !r) return r;
  if (auto r = get_integer(t, "port_max", "media.port_max", config.media.port_max, 1024, 65535); !r) return r;
  if (auto r = get_integer(t, "pool_pairs", "media.pool_pairs", config.media.pool_pairs, 0,
                           media::kMaxPoolPairs);
      !r)
    return r;
  if (auto r = get_integer(t, "pool_rest_ms", "media.pool_rest_ms", config.media.pool_rest_ms, 0,
                           media::kMaxPoolRestMs);
      !r)
    return r;
  std::string tone;
  if (auto r = get_string(t, "ringback", "media.ringback", tone); !r) return r;
  if (!tone.empty()) {
    auto parsed = media::parse_ringback_tone(tone);
    if (!parsed) return config_error("media.ringback: " + parsed.error().message);
    config.media.ringback = *parsed;
  }
  if (auto r = media::validate(config.media); !r) return config_error(r.error().message);
  return {};
}

Result<void> load_storage(const toml::table& root, Config& config) {
  Result<const toml::table*> storage = section(root, "storage");
  if (!storage) return storage.error();
  if (*storage == nullptr) return {};
  if (auto r = check_keys(**storage, "storage.", {"url"}); !r) return r;
  if (auto r = get_string(**storage, "url", "storage.url", config.storage_url); !r) return r;
  // The storage layer's own parser: one definition of what a storage URL is.
  if (auto url = storage::parse_storage_url(config.storage_url); !url)
    return config_error("storage.url: " + url.error().message);
  return {};
}

Result<void> load_http(const toml::table& root, Config& config) {
  Result<const toml::table*> http = section(root, "http");
  if (!http) return http.error();
  if (*http == nullptr) return {};
  if (auto r = check_keys(**http, "http.", {"listen", "tls"}); !r) return r;
  if (auto r = get_string(**http, "listen", "http.listen", config.http_listen); !r) return r;
  if (const toml::node* tls = (*http)->get("tls")) {
    if (!tls->is_boolean()) return config_error("http.tls: must be true or false (got " + show(*tls) + ")");
    config.http_tls = tls->as_boolean()->get();
  }
  if (!valid_host_port(config.http_listen))
    return config_error("http.listen: must be IP:PORT or [IPv6]:PORT, port 1-65535 (got " +
                        json_quoted(config.http_listen) + ")");
  return {};
}

Result<void> load_tls(const toml::table& root, Config& config) {
  Result<const toml::table*> tls = section(root, "tls");
  if (!tls) return tls.error();
  if (*tls == nullptr) return {};
  if (auto r = check_keys(**tls, "tls.", {"certificate", "key"}); !r) return r;
  if (auto r = get_string(**tls, "certificate", "tls.certificate", config.tls_certificate); !r) return r;
  if (auto r = get_string(**tls, "key", "tls.key", config.tls_key); !r) return r;
  // A certificate is useless without its private key and the other way round.
  if (config.tls_certificate.empty())
    return config_error("tls.certificate: must be a PEM file path (got \"\")");
  if (config.tls_key.empty()) return config_error("tls.key: must be a PEM file path (got \"\")");
  return {};
}

}  // namespace

bool is_log_level(std::string_view level) {
  return std::find(kLogLevels.begin(), kLogLevels.end(), level) != kLogLevels.end();
}

Config default_config() {
  Config config;
  config.sip_listen.push_back(*ListenAddress::parse("udp:127.0.0.1:5060"));
  config.sip_listen.push_back(*ListenAddress::parse("tcp:127.0.0.1:5060"));
  config.domains = {"cvw.local"};
  return config;
}

Result<Config> load_config(std::string_view toml_text) {
  toml::table root;
  try {
    root = toml::parse(toml_text);
  } catch (const toml::parse_error& e) {
    const toml::source_region& where = e.source();
    return config_error("line " + std::to_string(where.begin.line) + ", column " + std::to_string(where.begin.column) +
                        ": " + std::string(e.description()));
  }

  if (auto r = check_keys(root, "", {"log", "sip", "trunk", "calls", "media", "registrar", "storage", "http", "tls"});
      !r)
    return r.error();
  Config config = default_config();
  for (auto load : {load_log, load_sip, load_trunks, load_calls, load_media, load_registrar, load_storage, load_http, load_tls}) {
    if (auto r = load(root, config); !r) return r.error();
  }
  return config;
}

Result<Config> load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return config_error(std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return config_error(std::string("cannot read: ") + std::strerror(errno));
  return load_config(text.str());
}

}  // namespace cvw::cvwd
