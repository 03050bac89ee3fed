// Digest hashes and the verifier's decision; see digest.hpp.
#include "sip/auth/digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <optional>
#include <stdexcept>

namespace cvw::sip::auth {
namespace {

constexpr std::size_t kMaxDigestBytes = 32;  // SHA-256

// Fetched once: OpenSSL 3 looks an algorithm up (under a lock) each time
// EVP_md5() / EVP_sha256() is passed to a digest call, and this runs for
// every REGISTER. Null only if the provider lacks it (MD5 under FIPS).
const EVP_MD* message_digest(DigestAlgorithm algorithm) {
  static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return algorithm == DigestAlgorithm::Sha256 ? sha256 : md5;
}

// One EVP_MD_CTX per thread, re-initialised for each hash instead of being
// allocated: a check is three hashes of a few dozen bytes, so the context's
// allocation would cost as much as the hashing. Pieces are fed one by one,
// so "a:b:c" is never assembled in a string.
class Hasher {
 public:
  Hasher() : ctx_(EVP_MD_CTX_new()) {}
  ~Hasher() { EVP_MD_CTX_free(ctx_); }
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  Hasher& begin(DigestAlgorithm algorithm) {
    const EVP_MD* md = message_digest(algorithm);
    ok_ = ctx_ != nullptr && md != nullptr && EVP_DigestInit_ex2(ctx_, md, nullptr) == 1;
    return *this;
  }
  Hasher& add(std::string_view text) {
    if (ok_) ok_ = EVP_DigestUpdate(ctx_, text.data(), text.size()) == 1;
    return *this;
  }
  Hasher& field(std::string_view text) { return add(text).add(":"); }
  // The digest's length in bytes, 0 when any step failed.
  std::size_t finish(unsigned char* out) {
    unsigned int length = 0;
    if (!ok_ || EVP_DigestFinal_ex(ctx_, out, &length) != 1) return 0;
    return length;
  }

 private:
  EVP_MD_CTX* ctx_;
  bool ok_ = false;
};

Hasher& hasher() {
  thread_local Hasher instance;
  return instance;
}

constexpr char kHex[] = "0123456789abcdef";

void to_hex(const unsigned char* bytes, std::size_t length, char* out) {
  for (std::size_t i = 0; i < length; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 15];
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The request-digest as bytes into `out`; its length, 0 on failure.
std::size_t response_digest(const DigestCredentials& c, std::string_view method,
                            std::string_view ha1, unsigned char* out) {
  Hasher& h = hasher();
  // A2 = Method ":" digest-uri-value (RFC 7616 §3.4.3); its hash enters the
  // response as lowercase hex.
  unsigned char ha2[kMaxDigestBytes];
  const std::size_t ha2_length = h.begin(c.algorithm).field(method).add(c.uri).finish(ha2);
  if (ha2_length == 0) return 0;
  char ha2_hex[2 * kMaxDigestBytes];
  to_hex(ha2, ha2_length, ha2_hex);

  h.begin(c.algorithm).field(ha1).field(c.nonce);
  if (c.has_qop()) h.field(c.nc).field(c.cnonce).field(c.qop);
  return h.add(std::string_view(ha2_hex, 2 * ha2_length)).finish(out);
}

std::string hex_string(const unsigned char* bytes, std::size_t length) {
  std::string out(2 * length, '0');
  to_hex(bytes, length, out.data());
  return out;
}

}  // namespace

std::string compute_ha1(DigestAlgorithm algorithm, std::string_view username,
                        std::string_view realm, std::string_view password) {
  unsigned char digest[kMaxDigestBytes];
  const std::size_t length =
      hasher().begin(algorithm).field(username).field(realm).add(password).finish(digest);
  return hex_string(digest, length);
}

std::string compute_response(const DigestCredentials& credentials, std::string_view method,
                             std::string_view ha1) {
  unsigned char digest[kMaxDigestBytes];
  const std::size_t length = response_digest(credentials, method, ha1, digest);
  return hex_string(digest, length);
}

bool response_matches(const DigestCredentials& credentials, std::string_view method,
                      std::string_view ha1) {
  // The client's hex is decoded to bytes, so upper- and lowercase compare
  // alike and the comparison itself is one CRYPTO_memcmp.
  const std::size_t bytes = hex_digest_length(credentials.algorithm) / 2;
  if (credentials.response.size() != 2 * bytes) return false;
  unsigned char sent[kMaxDigestBytes];
  for (std::size_t i = 0; i < bytes; ++i) {
    const int hi = hex_value(credentials.response[2 * i]);
    const int lo = hex_value(credentials.response[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    sent[i] = static_cast<unsigned char>((hi << 4) | lo);
  }
  unsigned char expected[kMaxDigestBytes];
  if (response_digest(credentials, method, ha1, expected) != bytes) return false;
  return CRYPTO_memcmp(sent, expected, bytes) == 0;
}

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::Ok:
      return "ok";
    case Verdict::Stale:
      return "stale";
    case Verdict::BadNonce:
      return "bad-nonce";
    case Verdict::Replay:
      return "replay";
    case Verdict::TooManyNonces:
      return "too-many-nonces";
    case Verdict::BadResponse:
      return "bad-response";
  }
  return "unknown";
}

namespace {

std::int64_t checked_lifetime(std::chrono::seconds lifetime) {
  if (lifetime.count() <= 0)
    throw std::invalid_argument("digest nonce lifetime must be positive (got " +
                                std::to_string(lifetime.count()) + " s)");
  return lifetime.count();
}

std::size_t checked_capacity(std::size_t capacity) {
  if (capacity == 0) throw std::invalid_argument("digest max_tracked_nonces must be positive");
  return capacity;
}

}  // namespace

DigestVerifier::DigestVerifier(DigestVerifierOptions options)
    : lifetime_(checked_lifetime(options.nonce_lifetime)),
      clock_(options.clock ? std::move(options.clock) : system_unix_clock()),
      codec_(options.secret),
      guard_(checked_capacity(options.max_tracked_nonces)) {}

std::string DigestVerifier::issue_nonce(std::string_view realm) {
  return codec_.issue(realm, clock_());
}

Verdict DigestVerifier::check(const DigestCredentials& credentials, std::string_view method,
                              std::string_view ha1) {
  const std::int64_t now = clock_();
  const std::optional<NonceInfo> nonce = codec_.open(credentials.nonce, credentials.realm);
  // The response is judged first, whatever the nonce: only a client that
  // proved it knows the password may be told "stale" (RFC 7616 §3.3), and
  // anyone else gets the same BadResponse whether or not the nonce was ours.
  if (!response_matches(credentials, method, ha1)) return Verdict::BadResponse;
  if (!nonce) return Verdict::BadNonce;
  // A nonce from the future means the clock stepped back; the phone simply
  // gets a new one.
  const std::int64_t age = now - nonce->issued_at;
  if (age < 0 || age > lifetime_) return Verdict::Stale;
  // Only now, with the response proven, does the use count: a forged
  // request must not be able to burn a phone's nonce counts.
  const std::optional<std::uint32_t> count =
      credentials.has_qop() ? std::optional<std::uint32_t>(credentials.nonce_count) : std::nullopt;
  switch (guard_.record(nonce->id, nonce->issued_at + lifetime_, count, now)) {
    case ReplayGuard::Outcome::Accepted:
      return Verdict::Ok;
    case ReplayGuard::Outcome::Replay:
      return Verdict::Replay;
    case ReplayGuard::Outcome::Full:
      return Verdict::TooManyNonces;
  }
  return Verdict::BadResponse;
}

}  // namespace cvw::sip::auth
