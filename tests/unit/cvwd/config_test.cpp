// The cvwd configuration loader: the shipped example, the defaults, and that
// every error names the key and the value at fault.
#include "cvwd/config.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cvw::cvwd {
namespace {

using sip::Protocol;

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

// The error message of a configuration that must not load.
std::string error_of(std::string_view text) {
  Result<Config> r = load_config(text);
  EXPECT_FALSE(r.ok()) << "loaded: " << text;
  if (r.ok()) return {};
  EXPECT_EQ(r.error().status, 0);
  return r.error().message;
}

TEST(CvwdConfig, ExampleFileLoads) {
  Result<Config> r = load_config_file(std::string(CVW_EXAMPLES_DIR) + "/cvwd.toml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Config& c = *r;
  EXPECT_EQ(c.log_level, "info");
  ASSERT_EQ(c.sip_listen.size(), 2u);
  EXPECT_EQ(c.sip_listen[0].to_string(), "udp:127.0.0.1:5060");
  EXPECT_EQ(c.sip_listen[1].to_string(), "tcp:127.0.0.1:5060");
  EXPECT_EQ(c.domains, std::vector<std::string>{"cvw.local"});
  ASSERT_EQ(c.trunks.size(), 1u);
  EXPECT_EQ(c.trunks[0].name, "pbx");
  EXPECT_EQ(c.trunks[0].address.to_string(), "udp:127.0.0.1:5070");
  ASSERT_EQ(c.trunks[0].allowed_sources.size(), 1u);
  EXPECT_EQ(c.trunks[0].allowed_sources[0].to_string(), "127.0.0.1");
  EXPECT_EQ(c.trunks[0].username, "");
  EXPECT_EQ(c.storage_url, "sqlite:cvw.db");
  EXPECT_EQ(c.http_listen, "127.0.0.1:8443");
  EXPECT_TRUE(c.http_tls);
  EXPECT_EQ(c.log_format, "text");
  EXPECT_EQ(c.tls_certificate, "cvw-tls-cert.pem");
  EXPECT_EQ(c.tls_key, "cvw-tls-key.pem");
}

TEST(CvwdConfig, DefaultConfig) {
  const Config c = default_config();
  ASSERT_EQ(c.sip_listen.size(), 2u);
  EXPECT_EQ(c.sip_listen[0].protocol, Protocol::Udp);
  EXPECT_EQ(c.sip_listen[1].protocol, Protocol::Tcp);
  EXPECT_EQ(c.sip_listen[0].to_string(), "udp:127.0.0.1:5060");
  EXPECT_EQ(c.domains, std::vector<std::string>{"cvw.local"});
  EXPECT_TRUE(c.trunks.empty());
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.storage_url, "sqlite:cvw.db");
}

TEST(CvwdConfig, EmptyFileIsTheDefault) {
  Result<Config> r = load_config("");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->sip_listen.size(), 2u);
  EXPECT_EQ(r->domains, std::vector<std::string>{"cvw.local"});
  EXPECT_TRUE(r->trunks.empty());
}

TEST(CvwdConfig, FullFileOverridesEveryKey) {
  Result<Config> r = load_config(R"(
[log]
level = "debug"
[sip]
listen = ["tcp:[::1]:5080"]
domains = ["a.example", "b.example"]
[[trunk]]
name = "one"
address = "tcp:192.0.2.1:5060"
username = "u"
password = "p"
[[trunk]]
name = "two"
address = "udp:192.0.2.2:5062"
allowed_sources = ["192.0.2.2", "2001:db8::1"]
[storage]
url = "postgresql://cvw@db/cvw"
[http]
listen = "[::1]:9000"
[tls]
certificate = "cert.pem"
key = "key.pem"
)");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->log_level, "debug");
  ASSERT_EQ(r->sip_listen.size(), 1u);
  EXPECT_EQ(r->sip_listen[0].to_string(), "tcp:[::1]:5080");
  EXPECT_EQ(r->domains.size(), 2u);
  ASSERT_EQ(r->trunks.size(), 2u);
  EXPECT_EQ(r->trunks[0].address.protocol, Protocol::Tcp);
  EXPECT_EQ(r->trunks[0].username, "u");
  EXPECT_EQ(r->trunks[0].password, "p");
  // Without allowed_sources, only the trunk's own address.
  ASSERT_EQ(r->trunks[0].allowed_sources.size(), 1u);
  EXPECT_EQ(r->trunks[0].allowed_sources[0].to_string(), "192.0.2.1");
  ASSERT_EQ(r->trunks[1].allowed_sources.size(), 2u);
  EXPECT_EQ(r->trunks[1].allowed_sources[1].to_string(), "2001:db8::1");
  EXPECT_EQ(r->storage_url, "postgresql://cvw@db/cvw");
  EXPECT_EQ(r->http_listen, "[::1]:9000");
  EXPECT_EQ(r->tls_certificate, "cert.pem");
}

TEST(CvwdConfig, BadListenAddressNamesIndexAndValue) {
  EXPECT_EQ(error_of("[sip]\nlisten = [\"udp:127.0.0.1:5060\", \"udp:1.2.3:5060\"]"),
            "sip.listen[1]: '1.2.3' is not an IP address (got \"udp:1.2.3:5060\")");
  EXPECT_EQ(error_of("[sip]\nlisten = [\"sctp:127.0.0.1:5060\"]"),
            "sip.listen[0]: protocol must be udp or tcp (got \"sctp:127.0.0.1:5060\")");
  EXPECT_EQ(error_of("[sip]\nlisten = []"), "sip.listen: must list at least one address (got [])");
}

TEST(CvwdConfig, WrongTypeNamesKeyAndValue) {
  EXPECT_EQ(error_of("[sip]\nlisten = \"udp:127.0.0.1:5060\""),
            "sip.listen: must be an array of strings (got \"udp:127.0.0.1:5060\")");
  EXPECT_EQ(error_of("[sip]\nlisten = [5060]"), "sip.listen[0]: must be a string (got 5060)");
  EXPECT_EQ(error_of("[log]\nlevel = 3"), "log.level: must be a string (got 3)");
  EXPECT_EQ(error_of("sip = 1"), "sip: must be a table ([sip]) (got 1)");
}

TEST(CvwdConfig, BadLogLevel) {
  EXPECT_EQ(error_of("[log]\nlevel = \"loud\""),
            "log.level: must be one of trace, debug, info, warn, error (got \"loud\")");
}

TEST(CvwdConfig, BadDomain) {
  EXPECT_EQ(error_of("[sip]\ndomains = [\"ok.example\", \"bad domain\"]"),
            "sip.domains[1]: not a domain name (got \"bad domain\")");
  EXPECT_EQ(error_of("[sip]\ndomains = []"), "sip.domains: must list at least one domain (got [])");
}

TEST(CvwdConfig, SessionTimers) {
  Result<Config> defaults = load_config("");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->sip_timers.session_expires, 1800u);
  EXPECT_EQ(defaults->sip_timers.min_se, 90u);

  Result<Config> set = load_config("[sip]\nsession_expires = 600\nmin_se = 300");
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->sip_timers.session_expires, 600u);
  EXPECT_EQ(set->sip_timers.min_se, 300u);
  Result<Config> off = load_config("[sip]\nsession_expires = 0");
  ASSERT_TRUE(off.ok()) << off.error().message;
  EXPECT_EQ(off->sip_timers.session_expires, 0u);

  EXPECT_EQ(error_of("[sip]\nmin_se = 60"), "sip.min_se: must be from 90 to 86400 (got 60)");
  EXPECT_EQ(
      error_of("[sip]\nsession_expires = 120\nmin_se = 300"),
      "sip.session_expires: must be 0 (no session timer) or at least sip.min_se (300) (got 120)");
  EXPECT_EQ(error_of("[sip]\nsession_expires = \"30m\""),
            "sip.session_expires: must be a whole number (got \"30m\")");
}

TEST(CvwdConfig, BadTrunkAddress) {
  EXPECT_EQ(error_of("[[trunk]]\nname = \"pbx\"\naddress = \"udp:pbx.example:5060\""),
            "trunk[0].address: 'pbx.example' is not an IP address (got \"udp:pbx.example:5060\")");
  EXPECT_EQ(error_of("[[trunk]]\nname = \"pbx\"\naddress = \"udp:127.0.0.1:0\""),
            "trunk[0].address: port must not be 0 (got \"udp:127.0.0.1:0\")");
}

TEST(CvwdConfig, TrunkMissingKeysAndDuplicates) {
  EXPECT_TRUE(contains(error_of("[[trunk]]\naddress = \"udp:127.0.0.1:5070\""), "trunk[0].name: missing"));
  EXPECT_TRUE(contains(error_of("[[trunk]]\nname = \"pbx\""), "trunk[0].address: missing"));
  EXPECT_EQ(error_of("[[trunk]]\nname = \"pbx\"\naddress = \"udp:127.0.0.1:5070\"\n"
                     "[[trunk]]\nname = \"pbx\"\naddress = \"udp:127.0.0.1:5071\""),
            "trunk[1].name: a trunk with this name is already configured (got \"pbx\")");
  EXPECT_EQ(error_of("trunk = \"pbx\""), "trunk: must be an array of tables ([[trunk]]) (got \"pbx\")");
}

TEST(CvwdConfig, BadAllowedSource) {
  EXPECT_EQ(error_of("[[trunk]]\nname = \"pbx\"\naddress = \"udp:127.0.0.1:5070\"\n"
                     "allowed_sources = [\"127.0.0.1\", \"10.0.0.0/8\"]"),
            "trunk[0].allowed_sources[1]: not an IP address (got \"10.0.0.0/8\")");
}

TEST(CvwdConfig, BadStorageHttpTls) {
  EXPECT_EQ(error_of("[storage]\nurl = \"mysql://db\""),
            "storage.url: storage URL 'mysql://db': unknown scheme 'mysql' (expected sqlite:, postgresql:// or "
            "postgres://)");
  EXPECT_EQ(error_of("[http]\nlisten = \"localhost:8443\""),
            "http.listen: must be IP:PORT or [IPv6]:PORT, port 1-65535 (got \"localhost:8443\")");
  EXPECT_EQ(error_of("[http]\nlisten = \"127.0.0.1:70000\""),
            "http.listen: must be IP:PORT or [IPv6]:PORT, port 1-65535 (got \"127.0.0.1:70000\")");
  EXPECT_EQ(error_of("[tls]\nkey = \"\""), "tls.key: must be a PEM file path (got \"\")");
  EXPECT_EQ(error_of("[http]\ntls = \"yes\""), "http.tls: must be true or false (got \"yes\")");
  EXPECT_EQ(error_of("[log]\nformat = \"xml\""), "log.format: must be \"text\" or \"json\" (got \"xml\")");
}

TEST(CvwdConfig, UnknownKeysAreErrors) {
  EXPECT_EQ(error_of("[sip]\nlisen = [\"udp:127.0.0.1:5060\"]"), "unknown key 'sip.lisen'");
  EXPECT_EQ(error_of("[logging]\nlevel = \"info\""), "unknown key 'logging'");
  EXPECT_EQ(error_of("[[trunk]]\nname = \"pbx\"\naddress = \"udp:127.0.0.1:5070\"\npasword = \"x\""),
            "unknown key 'trunk[0].pasword'");
}

TEST(CvwdConfig, SyntaxErrorGivesLineAndColumn) {
  const std::string e = error_of("[log]\nlevel = \"info\"\n[sip\nlisten = []\n");
  EXPECT_TRUE(contains(e, "line 3, column"));
}

TEST(CvwdConfig, MissingFile) {
  Result<Config> r = load_config_file("/nonexistent/cvwd.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error().message, "cannot open"));
}


TEST(CvwdConfig, CallsAndMediaDefaults) {
  Result<Config> r = load_config("");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->calls.ring_timeout, 30u);
  EXPECT_EQ(r->calls.callee_ring_timeout, 60u);
  EXPECT_EQ(r->calls.max_per_user, 4u);
  EXPECT_EQ(r->calls.emergency_numbers, (std::vector<std::string>{"911", "112", "999", "000"}));
  EXPECT_EQ(r->calls.caller_id_name, "Call Via Work");
  EXPECT_FALSE(r->calls.anchor_media);
  EXPECT_EQ(r->media.address.to_string(), "127.0.0.1");
  EXPECT_EQ(r->media.port_min, 20000);
  EXPECT_EQ(r->media.port_max, 29999);
  EXPECT_EQ(r->media.ringback, media::RingbackTone::Us);
  EXPECT_EQ(r->media.pool_pairs, 1024u);
  EXPECT_EQ(r->media.pool_rest_ms, 1000u);
}

TEST(CvwdConfig, CallsAndMediaOverrides) {
  Result<Config> r = load_config(
      "[[trunk]]\nname = \"a\"\naddress = \"udp:127.0.0.1:5070\"\n"
      "[[trunk]]\nname = \"b\"\naddress = \"udp:127.0.0.1:5080\"\n"
      "[calls]\nring_timeout = 20\ncallee_ring_timeout = 45\nmax_per_user = 2\n"
      "emergency_numbers = [\"911\", \"933\"]\ncaller_id_name = \"My Own Call\"\ntrunk = \"b\"\n"
      "media = \"anchored\"\n"
      "[media]\naddress = \"::1\"\nport_min = 30000\nport_max = 30099\nringback = \"eu\"\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->calls.ring_timeout, 20u);
  EXPECT_EQ(r->calls.callee_ring_timeout, 45u);
  EXPECT_EQ(r->calls.max_per_user, 2u);
  EXPECT_EQ(r->calls.emergency_numbers, (std::vector<std::string>{"911", "933"}));
  EXPECT_EQ(r->calls.caller_id_name, "My Own Call");
  EXPECT_EQ(r->calls.trunk, "b");
  EXPECT_TRUE(r->calls.anchor_media);
  EXPECT_EQ(r->media.address.to_string(), "::1");
  EXPECT_EQ(r->media.port_min, 30000);
  EXPECT_EQ(r->media.ringback, media::RingbackTone::Eu);
}

TEST(CvwdConfig, Registrar) {
  Result<Config> d = load_config("");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->registrar.limits.default_expires, 3600u);
  EXPECT_EQ(d->registrar.limits.min_expires, 60u);
  EXPECT_EQ(d->registrar.limits.max_expires, 7200u);
  EXPECT_EQ(d->registrar.limits.max_contacts, 10u);
  Result<Config> r =
      load_config("[registrar]\ndefault_expires = 600\nmin_expires = 30\nmax_expires = 900\nmax_contacts = 3\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->registrar.limits.default_expires, 600u);
  EXPECT_EQ(r->registrar.limits.min_expires, 30u);
  EXPECT_EQ(r->registrar.limits.max_expires, 900u);
  EXPECT_EQ(r->registrar.limits.max_contacts, 3u);
  EXPECT_EQ(error_of("[registrar]\nmin_expires = 0"), "registrar.min_expires: must be from 1 to 86400 (got 0)");
  EXPECT_EQ(error_of("[registrar]\nmin_expires = 600\nmax_expires = 60"),
            "registrar.min_expires: must not exceed registrar.max_expires (got 600 > 60)");
  EXPECT_EQ(error_of("[registrar]\ndefault_expires = 10"),
            "registrar.default_expires: must be from registrar.min_expires to registrar.max_expires (got 10)");
  EXPECT_EQ(error_of("[registrar]\nexpires = 10"), "unknown key 'registrar.expires'");
  using sip::auth::DigestAlgorithm;
  EXPECT_EQ(d->registrar.digest_algorithms, (std::vector{DigestAlgorithm::Sha256, DigestAlgorithm::Md5}));
  EXPECT_EQ(d->registrar.nonce_lifetime, 30u);
  EXPECT_EQ(d->registrar.max_tracked_nonces, 500000u);
  Result<Config> nonces = load_config("[registrar]\nnonce_lifetime = 60\nmax_tracked_nonces = 2000\n");
  ASSERT_TRUE(nonces.ok()) << nonces.error().message;
  EXPECT_EQ(nonces->registrar.nonce_lifetime, 60u);
  EXPECT_EQ(nonces->registrar.max_tracked_nonces, 2000u);
  EXPECT_EQ(error_of("[registrar]\nnonce_lifetime = 1"), "registrar.nonce_lifetime: must be from 5 to 3600 (got 1)");
  Result<Config> md5_first = load_config("[registrar]\ndigest_algorithms = [\"MD5\", \"SHA-256\"]\n");
  ASSERT_TRUE(md5_first.ok()) << md5_first.error().message;
  EXPECT_EQ(md5_first->registrar.digest_algorithms, (std::vector{DigestAlgorithm::Md5, DigestAlgorithm::Sha256}));
  EXPECT_EQ(error_of("[registrar]\ndigest_algorithms = []"), "registrar.digest_algorithms: must list at least one (got [])");
  EXPECT_EQ(error_of("[registrar]\ndigest_algorithms = [\"SHA-512\"]"),
            "registrar.digest_algorithms: unknown algorithm \"SHA-512\" (\"SHA-256\" or \"MD5\")");
  EXPECT_EQ(error_of("[registrar]\ndigest_algorithms = [\"MD5\", \"MD5\"]"),
            "registrar.digest_algorithms: \"MD5\" is listed twice");
}

TEST(CvwdConfig, BadCallsAndMedia) {
  EXPECT_EQ(error_of("[calls]\nring_timeout = 0"), "calls.ring_timeout: must be from 1 to 600 (got 0)");
  EXPECT_EQ(error_of("[calls]\nring_timeout = \"30\""), "calls.ring_timeout: must be a whole number (got \"30\")");
  EXPECT_EQ(error_of("[calls]\nmax_per_user = 1000"), "calls.max_per_user: must be from 1 to 100 (got 1000)");
  EXPECT_EQ(error_of("[calls]\nemergency_numbers = [\"911\", \"9-1-1\"]"),
            "calls.emergency_numbers[1]: must be 1-15 digits (got \"9-1-1\")");
  EXPECT_TRUE(contains(error_of("[calls]\ncaller_id_name = \"a\\\"b\""), "calls.caller_id_name"));
  EXPECT_EQ(error_of("[calls]\ntrunk = \"nope\""), "calls.trunk: no [[trunk]] is named \"nope\"");
  EXPECT_EQ(error_of("[calls]\nring = 3"), "unknown key 'calls.ring'");
  EXPECT_EQ(error_of("[calls]\nmedia = \"relay\""), "calls.media: must be \"direct\" or \"anchored\" (got \"relay\")");
  EXPECT_EQ(error_of("[media]\naddress = \"localhost\""), "media.address: not an IP address (got \"localhost\")");
  EXPECT_TRUE(contains(error_of("[media]\nringback = \"fr\""), "media.ringback: unknown ringback tone \"fr\""));
  EXPECT_TRUE(contains(error_of("[media]\nport_min = 30001\nport_max = 30000"), "media.port_min"));
  EXPECT_TRUE(contains(error_of("[media]\naddress = \"0.0.0.0\""), "media.address"));
  EXPECT_TRUE(contains(error_of("[media]\npool_pairs = 40000"), "media.pool_pairs"));
  EXPECT_TRUE(contains(error_of("[media]\npool_rest_ms = -1"), "media.pool_rest_ms"));
  Result<Config> pooled = load_config("[media]\npool_pairs = 0\npool_rest_ms = 250\n");
  ASSERT_TRUE(pooled.ok()) << pooled.error().message;
  EXPECT_EQ(pooled->media.pool_pairs, 0u);
  EXPECT_EQ(pooled->media.pool_rest_ms, 250u);
}

}  // namespace
}  // namespace cvw::cvwd
