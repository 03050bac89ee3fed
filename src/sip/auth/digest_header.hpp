// The text of HTTP Digest as SIP carries it (RFC 3261 §22.4, §25.1; RFC 7616
// §3.3-§3.4; RFC 8760): reading the credentials of an Authorization or
// Proxy-Authorization value, and writing the challenge of a WWW-Authenticate
// or Proxy-Authenticate value. No hashing and no time here (digest.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace cvw::sip::auth {

// The algorithms cvw accepts. MD5 stays for phones that know nothing else;
// SHA-256 is what RFC 8760 adds for SIP. The "-sess" variants and
// SHA-512-256 are refused: no phone we target sends them, and a "-sess" HA1
// cannot be precomputed per user.
enum class DigestAlgorithm : std::uint8_t { Md5, Sha256 };

// The token as it appears in `algorithm=` ("MD5", "SHA-256").
std::string_view algorithm_name(DigestAlgorithm algorithm);

// Length of a digest of `algorithm` in lowercase hex: 32 for MD5, 64 for SHA-256.
std::size_t hex_digest_length(DigestAlgorithm algorithm);

// The credentials of one Digest Authorization / Proxy-Authorization value.
// Every view points into the parsed value, or into the caller's `scratch`
// when a quoted string had backslash escapes (the views are unescaped).
struct DigestCredentials {
  std::string_view username;
  std::string_view realm;
  std::string_view nonce;
  std::string_view uri;       // digest-uri as sent; the registrar compares it to the Request-URI
  std::string_view response;  // hex, hex_digest_length(algorithm) digits (either case)
  DigestAlgorithm algorithm = DigestAlgorithm::Md5;  // RFC 7616 §3.4: absent means MD5
  // "auth" as sent (any case), or empty: no qop, the RFC 2069 form, where
  // cnonce and nc are neither checked nor used.
  std::string_view qop;
  std::string_view cnonce;
  std::string_view nc;            // 8 hex digits as sent: the hash covers the text, not the number
  std::uint32_t nonce_count = 0;  // nc as a number, for the replay guard
  std::string_view opaque;        // empty when absent

  bool has_qop() const { return !qop.empty(); }
};

// Longest value accepted. A real one is a few hundred bytes; the bound keeps
// a hostile one from costing a large hash of its uri.
inline constexpr std::size_t kMaxCredentialsLength = 8192;

// Parses `Digest username="...", realm="...", ...`. The scheme and parameter
// names are case-insensitive; unknown parameters are skipped; a duplicate, a
// missing username/realm/nonce/uri/response, an unsupported algorithm or qop,
// a response of the wrong length, or (with qop) a missing cnonce or an nc
// that is not 8 hex digits is an Error whose message names the parameter.
// Never throws. `scratch` receives unescaped copies and must outlive the
// result without being modified.
Result<DigestCredentials> parse_digest_credentials(std::string_view value, std::string& scratch);

// One WWW-Authenticate / Proxy-Authenticate value.
struct DigestChallenge {
  std::string_view realm;
  std::string_view nonce;
  DigestAlgorithm algorithm = DigestAlgorithm::Sha256;
  std::string_view opaque;  // left out when empty
  // RFC 7616 §3.3: TRUE tells the client its password was right and only
  // the nonce was refused, so it retries at once without asking the user.
  bool stale = false;
};

// `Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth"[, opaque="o"][, stale=TRUE]`.
std::string format_challenge(const DigestChallenge& challenge);

// The two challenges a registrar sends in one 401, in this order. RFC 8760
// §2.3: the UAS adds one header field per algorithm "in the order in which
// it would prefer to see them used", and (§2.4) a client answers the topmost
// one it supports — so SHA-256 first, and MD5 after it for old phones.
// Both carry the same nonce: a nonce is not tied to an algorithm.
std::array<std::string, 2> registrar_challenges(std::string_view realm, std::string_view nonce,
                                                std::string_view opaque = {}, bool stale = false);

}  // namespace cvw::sip::auth
