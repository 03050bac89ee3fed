// Nonces that resist replay without a database (RFC 7616 §3.3, §5.5):
// NonceCodec makes and checks nonces that carry their own issue time and a
// MAC, so any holder of the secret can verify one it never stored;
// ReplayGuard remembers, for the nonces still alive, how far each has been
// used, in bounded memory.
//
// Threading: neither class locks. cvw keeps all SIP state on one loop
// thread (docs/ARCHITECTURE.md "Threading"); these live there too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

struct evp_mac_ctx_st;  // OpenSSL's EVP_MAC_CTX, kept out of this header

namespace cvw::sip::auth {

// Seconds since the Unix epoch. Wall time rather than a steady clock so that
// processes sharing a secret (SO_REUSEPORT) agree on a nonce's age; tests
// inject their own and step it.
using UnixClock = std::function<std::int64_t()>;
UnixClock system_unix_clock();

// What a nonce says about itself once its MAC has been checked.
struct NonceInfo {
  std::int64_t issued_at = 0;  // Unix seconds
  std::uint64_t id = 0;        // its random part: unique per nonce, the replay guard's key
};

// A nonce is base64url, without padding, of 32 bytes:
//   issued_at (8 bytes, big-endian) | random (8 bytes) |
//   HMAC-SHA256(secret, issued_at | random | realm), first 16 bytes.
// RFC 7616 §3.3 suggests this shape ("time-stamp H(time-stamp ":" ETag ":"
// secret-data)"): the time bounds the nonce's life, the random part makes
// each one unique for the replay guard, the MAC makes both unforgeable and
// ties the nonce to the realm it was issued for. 16 bytes of MAC are 128
// bits against forgery, and keep the nonce at 43 characters.
class NonceCodec {
 public:
  static constexpr std::size_t kMinSecretBytes = 16;
  static constexpr std::size_t kRandomSecretBytes = 32;
  static constexpr std::size_t kEncodedLength = 43;

  // `secret`: raw bytes, at least kMinSecretBytes; empty draws
  // kRandomSecretBytes from RAND_bytes, so nonces die with the process.
  // Throws std::invalid_argument for a short secret and std::runtime_error
  // when OpenSSL fails: a configuration fault found once, at startup.
  explicit NonceCodec(std::string_view secret = {});
  ~NonceCodec();
  NonceCodec(const NonceCodec&) = delete;
  NonceCodec& operator=(const NonceCodec&) = delete;

  std::string issue(std::string_view realm, std::int64_t now);

  // The contents of `nonce` if this codec (this secret) made it for `realm`;
  // nullopt when it is malformed, forged, altered, or for another realm.
  std::optional<NonceInfo> open(std::string_view nonce, std::string_view realm);

 private:
  struct MacCtxFree {
    void operator()(evp_mac_ctx_st* ctx) const;
  };
  static constexpr std::size_t kBodyBytes = 16;  // issued_at | random
  static constexpr std::size_t kMacBytes = 16;

  // HMAC of body|realm, truncated to kMacBytes, into `out`; false only
  // when OpenSSL fails.
  bool mac(const unsigned char* body, std::string_view realm, unsigned char* out);

  std::unique_ptr<evp_mac_ctx_st, MacCtxFree> mac_ctx_;
};

// Per live nonce, the highest nonce count accepted, so a request that shows
// an old count again is caught (RFC 7616 §3.4: "if the same nc-value is seen
// twice, then the request is a replay"); a nonce used without qop has no
// count and is good for one request only (RFC 7616 §5.5, one-time nonces).
//
// Memory is bounded twice: an entry is dropped once its nonce has expired
// (then the nonce is refused as stale anyway, so forgetting it is safe), and
// at `capacity` entries a nonce not yet known is refused (Full) instead of
// the table growing: under a flood the cost is clients retrying, not memory.
class ReplayGuard {
 public:
  enum class Outcome : std::uint8_t { Accepted, Replay, Full };

  explicit ReplayGuard(std::size_t capacity);

  // Records a use of nonce `id`, alive until `expires_at`. With qop,
  // `nonce_count` must exceed every count accepted before for this nonce;
  // without (nullopt) the nonce must never have been used.
  Outcome record(std::uint64_t id, std::int64_t expires_at,
                 std::optional<std::uint32_t> nonce_count, std::int64_t now);

  std::size_t size() const { return entries_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  // Walking the whole table is O(n), so it runs at most every
  // kSweepIntervalSeconds, or once a second while the table is full.
  static constexpr std::int64_t kSweepIntervalSeconds = 30;
  // The count recorded when a nonce is used without qop: no count can
  // exceed it, so any later use is a replay.
  static constexpr std::uint32_t kSpent = UINT32_MAX;

  struct Entry {
    std::int64_t expires_at;
    std::uint32_t highest_count;
  };

  void drop_expired(std::int64_t now);

  std::unordered_map<std::uint64_t, Entry> entries_;
  std::size_t capacity_;
  std::int64_t last_sweep_;
};

}  // namespace cvw::sip::auth
