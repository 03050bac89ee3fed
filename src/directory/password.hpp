// Password hashing (argon2id, RFC 9106) and the password policy.
//
// Hashes are PHC strings, self-describing so the cost can be raised later:
// verify_password() reads the parameters from the string, and needs_rehash()
// tells a login handler to store a fresh hash at the current cost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace cvw::directory {

// The OWASP Password Storage Cheat Sheet (2023) minimum for argon2id: 19 MiB
// of memory, 2 passes, 1 lane. Memory is what makes GPU/ASIC guessing
// expensive; the time cost keeps a hash at tens of milliseconds on a server
// core, which a login can afford and a guesser cannot multiply cheaply.
// Tests pass a cheaper cost.
struct PasswordCost {
  std::uint32_t t_cost = 2;
  std::uint32_t m_cost_kib = 19456;
  std::uint32_t parallelism = 1;

  bool operator==(const PasswordCost&) const = default;
};

// Upper bounds a hash may declare. verify_password() refuses anything above
// them, so a tampered stored hash ("m=4294967295") cannot make a login
// allocate terabytes; hash_password() refuses to create such hashes.
inline constexpr std::uint32_t kMaxPasswordTimeCost = 64;
inline constexpr std::uint32_t kMaxPasswordMemoryKib = 1u << 20;  // 1 GiB
inline constexpr std::uint32_t kMaxPasswordParallelism = 16;

inline constexpr std::size_t kMinPasswordLength = 8;
inline constexpr std::size_t kMaxPasswordLength = 256;

// NIST SP 800-63B §5.1.1.2: at least 8 characters, allow at least 64 (we allow
// 256), count Unicode code points, and impose no composition rules (no
// "one digit, one symbol"): they push people to predictable patterns and
// add no strength a longer passphrase does not. Refused: invalid UTF-8 and
// control characters, which no keyboard types on purpose. The message never
// repeats the password.
Result<void> validate_password(std::string_view password);

// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>": a 16-byte salt from
// OpenSSL's RAND_bytes and a 32-byte hash, both unpadded base64.
// Throws std::invalid_argument for a cost outside libargon2's or our limits
// and std::runtime_error when the RNG or the allocation fails: both are
// server faults, not bad input.
std::string hash_password(std::string_view password, const PasswordCost& cost = {});

// True only when `encoded` is a well-formed argon2id PHC string within the
// limits above and `password` matches it (constant-time comparison inside
// libargon2). Malformed, foreign or tampered encodings give false. Never throws.
bool verify_password(std::string_view password, std::string_view encoded) noexcept;

// True when `encoded` is not an argon2id v19 hash with exactly `cost`
// (including when it does not parse): the caller should re-hash the password
// it just verified.
bool needs_rehash(std::string_view encoded, const PasswordCost& cost = {});

}  // namespace cvw::directory
