// The cvwd configuration file (TOML; examples/cvwd.toml documents every key).
//
// Loading is strict: a key the daemon does not know, a value of the wrong
// type or a value that does not parse is an error naming the key and the
// value ("sip.listen[1]: '1.2.3' is not an IP address (got "udp:1.2.3:5060")"),
// so a typo stops the daemon at startup instead of being silently ignored.
// The loader never throws; it runs once, on the main thread, before the
// event loop starts. Command-line overrides are applied by main, not here.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "media/media_config.hpp"
#include "registrar/location_service.hpp"
#include "sip/auth/digest_header.hpp"
#include "sip/peer.hpp"
#include "sip/transport/transport.hpp"

namespace cvw::cvwd {

struct Config {
  std::vector<sip::transport::ListenAddress> sip_listen;  // [sip] listen
  std::string log_level = "info";                         // [log] level
  std::string log_format = "text";                        // [log] format: text or json
  std::vector<std::string> domains;                       // [sip] domains: the domains we are

  // [sip] session_expires, min_se: RFC 4028 session timers. The interval cvw
  // asks for in its INVITEs (0: none) and the smallest it accepts (422 below).
  struct SessionTimers {
    std::uint32_t session_expires = 1800;
    std::uint32_t min_se = 90;
  };
  SessionTimers sip_timers;

  // A SIP trunk ([[trunk]]): the PBX or carrier cvw exchanges calls with.
  struct Trunk {
    std::string name;
    sip::Peer address;                                        // where requests to it go
    std::vector<boost::asio::ip::address> allowed_sources;    // who may send us requests as it
    std::string username;                                     // digest credentials (empty: none)
    std::string password;
  };
  std::vector<Trunk> trunks;

  // [calls] Click-to-call (issue #4).
  struct Calls {
    std::uint32_t ring_timeout = 30;         // seconds the user's own phone may ring (then CANCEL)
    std::uint32_t callee_ring_timeout = 60;  // seconds the callee may ring
    std::uint32_t max_per_user = 4;          // concurrent calls per user
    std::vector<std::string> emergency_numbers{"911", "112", "999", "000"};
    std::string caller_id_name = "Call Via Work";  // display name on the phone's leg
    std::string trunk;                             // [[trunk]] name; empty: the first trunk
    // media = "anchored": RTP relayed through cvw (calls/call_media.hpp);
    // "direct" (default): the two phones send to each other.
    bool anchor_media = false;
  };
  Calls calls;
  media::MediaConfig media;  // [media] cvw's own RTP (ringback)
  struct Registrar {
    registrar::RegistrarLimits limits;  // expiries and contacts per AoR
    // Offered in this order in every 401 (RFC 8760 §2.3: preferred first).
    std::vector<sip::auth::DigestAlgorithm> digest_algorithms{sip::auth::DigestAlgorithm::Sha256,
                                                              sip::auth::DigestAlgorithm::Md5};
    // A nonce is good for this long after its 401 (the phone answers within
    // a second; it gets a fresh one at its next registration anyway), and
    // the replay guard remembers at most this many used nonces: together
    // they bound the sustained rate of new registrations to
    // max_tracked_nonces / nonce_lifetime per second.
    std::uint32_t nonce_lifetime = 30;
    std::uint32_t max_tracked_nonces = 500000;
  };
  Registrar registrar;  // [registrar]

  std::string storage_url = "sqlite:cvw.db";    // [storage] url (see storage/storage_url.hpp)
  std::string http_listen = "127.0.0.1:8443";   // [http] listen (IP:PORT)
  bool http_tls = true;                         // [http] tls: HTTPS (true) or plain HTTP
  // [tls] certificate and key (PEM paths). When HTTPS is on and neither file
  // exists, cvwd creates a self-signed pair there on first start.
  std::string tls_certificate = "cvw-tls-cert.pem";
  std::string tls_key = "cvw-tls-key.pem";
};

// The configuration without a file: UDP and TCP on 127.0.0.1:5060, domain
// "cvw.local", no trunks, the defaults above for the rest.
Config default_config();

// Parses a configuration from TOML text. Keys left out keep the values of
// default_config(). Errors have status 0 and a message "<key>: <problem>".
Result<Config> load_config(std::string_view toml_text);

// Reads and parses a file; an unreadable file is an error too.
Result<Config> load_config_file(const std::string& path);

// The log levels [log] level accepts.
bool is_log_level(std::string_view level);

}  // namespace cvw::cvwd
