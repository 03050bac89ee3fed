// HTTP Digest for cvw's registrar (RFC 3261 §22.4, RFC 7616, RFC 8760):
// the hashes (HA1, the request-digest) and DigestVerifier, which issues
// nonces and judges the credentials of a request.
//
// cvw stores HA1 per user and algorithm, never the password: the registrar
// looks up HA1 by (username, realm, algorithm) and hands it to check().
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sip/auth/digest_header.hpp"
#include "sip/auth/nonce.hpp"

namespace cvw::sip::auth {

// HA1 = H(username ":" realm ":" password) in lowercase hex (RFC 7616
// §3.4.2, algorithm without "-sess"). Empty only if OpenSSL fails.
std::string compute_ha1(DigestAlgorithm algorithm, std::string_view username,
                        std::string_view realm, std::string_view password);

// The request-digest a client holding `ha1` sends, in lowercase hex, from
// credentials.algorithm, nonce, uri and (with qop) nc, cnonce and qop:
//   qop=auth:  H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" H(method ":" uri))   RFC 7616 §3.4.1
//   no qop:    H(HA1 ":" nonce ":" H(method ":" uri))                             RFC 2069 §2.1.2
// credentials.response is not read. Empty only if OpenSSL fails.
std::string compute_response(const DigestCredentials& credentials, std::string_view method,
                             std::string_view ha1);

// Whether credentials.response (either case) equals compute_response(),
// compared with CRYPTO_memcmp: the time taken does not tell an attacker how
// many leading bytes of a guess were right.
bool response_matches(const DigestCredentials& credentials, std::string_view method,
                      std::string_view ha1);

// What check() found, and what the registrar answers (RFC 3261 §22.4,
// RFC 7616 §3.3). "Fresh challenges" means registrar_challenges() with a new
// issue_nonce(): SHA-256 then MD5.
enum class Verdict : std::uint8_t {
  // The client knows HA1, the nonce is ours, alive, and this use of it is
  // new. REGISTER proceeds (200 OK).
  Ok,
  // Right response, but the nonce is older than the lifetime. 401 with
  // fresh challenges and stale=TRUE: the phone retries at once with the new
  // nonce and does not ask its user for a password (RFC 7616 §3.3 "stale").
  Stale,
  // Right response for a nonce this verifier did not issue for this realm:
  // issued before a restart (new secret), by another server, or altered.
  // As Stale: RFC 7616 §3.3 sets stale "if ... the nonce is invalid but with
  // a valid digest for that nonce (indicating that the client knows the
  // correct username/password)".
  BadNonce,
  // Right response on a live nonce of ours, but the nonce count is not
  // above the last one accepted, or a nonce used without qop is used again.
  // 401 with fresh challenges and stale=TRUE: an honest phone that reused a
  // nonce gets a new one without bothering its user, and whoever replayed a
  // captured request cannot answer it. Worth a log line.
  Replay,
  // Right response on a live nonce of ours that the replay guard has not
  // seen, but the guard is at its capacity. As Stale (the phone retries;
  // entries free up as nonces expire), and log a warning: the registrar is
  // being flooded, or max_tracked_nonces is too low for the traffic.
  TooManyNonces,
  // Wrong response: a wrong password, an unknown user (the registrar passes
  // a dummy HA1 so the answer and the work are the same as for a wrong
  // password, and accounts cannot be enumerated), or a guess. 401 with fresh
  // challenges without stale — the phone must get new credentials — and a
  // failure for the login throttle; 403 once the throttle trips.
  BadResponse,
};

std::string_view verdict_name(Verdict verdict);

// Whether the registrar's 401 carries stale=TRUE for this verdict.
constexpr bool wants_stale_challenge(Verdict verdict) {
  return verdict == Verdict::Stale || verdict == Verdict::BadNonce || verdict == Verdict::Replay ||
         verdict == Verdict::TooManyNonces;
}

struct DigestVerifierOptions {
  // How long a nonce is good for. It must cover the 401 → REGISTER round
  // trip and, with qop, the phone's reuse of the nonce for later requests.
  std::chrono::seconds nonce_lifetime{300};
  // Replay-guard entries: nonces in use at once. Each costs about 50 bytes;
  // the sustained rate of new nonces it serves is this / nonce_lifetime.
  std::size_t max_tracked_nonces = 100'000;
  UnixClock clock;     // empty: system_unix_clock()
  std::string secret;  // raw bytes, >= 16; empty: random per process (see NonceCodec)
};

// Issues nonces and judges credentials. Stateless nonces (NonceCodec) plus a
// bounded replay guard (ReplayGuard): no database, restart-safe (old nonces
// come back BadNonce, and the phone retries without a prompt).
//
// Owned by the registrar; used from the SIP loop thread only (no locks).
class DigestVerifier {
 public:
  // Throws (std::invalid_argument, std::runtime_error) only for a bad
  // secret or an OpenSSL failure: at startup, on the control side.
  explicit DigestVerifier(DigestVerifierOptions options = {});

  // A fresh nonce bound to `realm`, for the challenges of a 401.
  std::string issue_nonce(std::string_view realm);

  // Judges `credentials` (parsed from the request's Authorization value)
  // for a request with `method`, given the HA1 the registrar holds for
  // (credentials.username, credentials.realm, credentials.algorithm), as
  // compute_ha1() makes it. The registrar checks beforehand that
  // credentials.realm is its own and credentials.uri names the
  // Request-URI; see Verdict for what to answer.
  Verdict check(const DigestCredentials& credentials, std::string_view method,
                std::string_view ha1);

  std::size_t tracked_nonces() const { return guard_.size(); }
  std::chrono::seconds nonce_lifetime() const { return std::chrono::seconds(lifetime_); }

 private:
  std::int64_t lifetime_;
  UnixClock clock_;
  NonceCodec codec_;
  ReplayGuard guard_;
};

}  // namespace cvw::sip::auth
