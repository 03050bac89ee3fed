// Stateless nonces and the bounded replay guard; see nonce.hpp.
#include "sip/auth/nonce.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace cvw::sip::auth {
namespace {

// base64url (RFC 4648 §5): nonces travel in quoted strings and are echoed
// into logs; this alphabet needs no escaping anywhere.
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<std::int8_t, 256> make_decode_table() {
  std::array<std::int8_t, 256> t{};
  t.fill(-1);
  for (int i = 0; i < 64; ++i)
    t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}
constexpr std::array<std::int8_t, 256> kDecode = make_decode_table();

constexpr std::size_t kNonceBytes = 32;

std::string encode(const std::array<unsigned char, kNonceBytes>& bytes) {
  std::string out;
  out.reserve(NonceCodec::kEncodedLength);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v =
        (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 63];
  }
  // 32 = 3 * 10 + 2: the last two bytes make three characters.
  const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8);
  for (int shift = 18; shift >= 6; shift -= 6) out += kAlphabet[(v >> shift) & 63];
  return out;
}

// The exact inverse of encode(): any other length, character, or non-zero
// padding bits is not a nonce of ours. Requiring the canonical form means
// one nonce has one spelling, so the replay guard cannot be sidestepped by
// respelling it.
bool decode(std::string_view text, std::array<unsigned char, kNonceBytes>& bytes) {
  if (text.size() != NonceCodec::kEncodedLength) return false;
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t n = 0;
  for (const char c : text) {
    const std::int8_t d = kDecode[static_cast<unsigned char>(c)];
    if (d < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[n++] = static_cast<unsigned char>(acc >> bits);
      acc &= (1U << bits) - 1;
    }
  }
  return n == kNonceBytes && acc == 0;
}

void store_be64(unsigned char* out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<unsigned char>(v & 0xff);
    v >>= 8;
  }
}

std::uint64_t load_be64(const unsigned char* in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in[i];
  return v;
}

}  // namespace

UnixClock system_unix_clock() {
  return [] {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
}

// ---------------------------------------------------------------------------
// NonceCodec

void NonceCodec::MacCtxFree::operator()(evp_mac_ctx_st* ctx) const {
  EVP_MAC_CTX_free(ctx);
}

NonceCodec::NonceCodec(std::string_view secret) {
  std::array<unsigned char, kRandomSecretBytes> drawn{};
  const unsigned char* key = reinterpret_cast<const unsigned char*>(secret.data());
  std::size_t key_length = secret.size();
  if (secret.empty()) {
    if (RAND_bytes(drawn.data(), static_cast<int>(drawn.size())) != 1)
      throw std::runtime_error("digest nonce secret: RAND_bytes failed");
    key = drawn.data();
    key_length = drawn.size();
  } else if (secret.size() < kMinSecretBytes) {
    throw std::invalid_argument("digest nonce secret: at least " + std::to_string(kMinSecretBytes) +
                                " bytes (got " + std::to_string(secret.size()) + ")");
  }
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  if (hmac == nullptr) throw std::runtime_error("digest nonce: OpenSSL has no HMAC");
  mac_ctx_.reset(EVP_MAC_CTX_new(hmac));
  EVP_MAC_free(hmac);  // the context holds its own reference
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  const bool ready =
      mac_ctx_ != nullptr && EVP_MAC_init(mac_ctx_.get(), key, key_length, params) == 1;
  OPENSSL_cleanse(drawn.data(), drawn.size());
  if (!ready) throw std::runtime_error("digest nonce: cannot key HMAC-SHA256");
}

NonceCodec::~NonceCodec() = default;

bool NonceCodec::mac(const unsigned char* body, std::string_view realm, unsigned char* out) {
  // A null key re-initialises the context with the key it already holds
  // (OpenSSL 3 EVP_MAC_init): no allocation and no key schedule per nonce.
  unsigned char full[EVP_MAX_MD_SIZE];
  std::size_t length = 0;
  if (EVP_MAC_init(mac_ctx_.get(), nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(mac_ctx_.get(), body, kBodyBytes) != 1 ||
      EVP_MAC_update(mac_ctx_.get(), reinterpret_cast<const unsigned char*>(realm.data()),
                     realm.size()) != 1 ||
      EVP_MAC_final(mac_ctx_.get(), full, &length, sizeof full) != 1 || length < kMacBytes)
    return false;
  std::memcpy(out, full, kMacBytes);
  return true;
}

std::string NonceCodec::issue(std::string_view realm, std::int64_t now) {
  std::array<unsigned char, kNonceBytes> bytes{};
  store_be64(bytes.data(), static_cast<std::uint64_t>(now));
  // Only OpenSSL failing internally (out of memory, no entropy) lands here;
  // the SIP dispatch boundary turns the exception into a 500.
  if (RAND_bytes(bytes.data() + 8, 8) != 1)
    throw std::runtime_error("digest nonce: RAND_bytes failed");
  if (!mac(bytes.data(), realm, bytes.data() + kBodyBytes))
    throw std::runtime_error("digest nonce: HMAC failed");
  return encode(bytes);
}

std::optional<NonceInfo> NonceCodec::open(std::string_view nonce, std::string_view realm) {
  std::array<unsigned char, kNonceBytes> bytes{};
  if (!decode(nonce, bytes)) return std::nullopt;
  std::array<unsigned char, kMacBytes> expected{};
  if (!mac(bytes.data(), realm, expected.data())) return std::nullopt;
  // Constant time, so an attacker cannot find a valid MAC byte by byte.
  if (CRYPTO_memcmp(expected.data(), bytes.data() + kBodyBytes, kMacBytes) != 0)
    return std::nullopt;
  return NonceInfo{static_cast<std::int64_t>(load_be64(bytes.data())), load_be64(bytes.data() + 8)};
}

// ---------------------------------------------------------------------------
// ReplayGuard

ReplayGuard::ReplayGuard(std::size_t capacity)
    : capacity_(capacity), last_sweep_(std::numeric_limits<std::int64_t>::min()) {}

ReplayGuard::Outcome ReplayGuard::record(std::uint64_t id, std::int64_t expires_at,
                                         std::optional<std::uint32_t> nonce_count,
                                         std::int64_t now) {
  const bool sweep_due = last_sweep_ == std::numeric_limits<std::int64_t>::min() ||
                         now >= last_sweep_ + kSweepIntervalSeconds || now < last_sweep_;
  if (sweep_due) drop_expired(now);

  auto it = entries_.find(id);
  if (it != entries_.end() && it->second.expires_at < now) {
    entries_.erase(it);  // an expired nonce is as good as never seen
    it = entries_.end();
  }
  if (it == entries_.end()) {
    // Counts start at 00000001 (RFC 7616 §3.4); 0 is never a first use.
    if (nonce_count && *nonce_count == 0) return Outcome::Replay;
    if (entries_.size() >= capacity_) {
      if (now != last_sweep_) drop_expired(now);
      if (entries_.size() >= capacity_) return Outcome::Full;
    }
    entries_.emplace(id, Entry{expires_at, nonce_count.value_or(kSpent)});
    return Outcome::Accepted;
  }
  Entry& entry = it->second;
  if (!nonce_count || *nonce_count <= entry.highest_count) return Outcome::Replay;
  entry.highest_count = *nonce_count;
  return Outcome::Accepted;
}

void ReplayGuard::drop_expired(std::int64_t now) {
  std::erase_if(entries_, [now](const auto& item) { return item.second.expires_at < now; });
  last_sweep_ = now;
}

}  // namespace cvw::sip::auth
