// argon2id hashing through libargon2, salts from OpenSSL; see password.hpp.
#include "directory/password.hpp"

#include <argon2.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "directory/text.hpp"

namespace cvw::directory {
namespace {

constexpr std::size_t kSaltBytes = 16;  // RFC 9106 §3.1: 16 bytes recommended
constexpr std::size_t kHashBytes = 32;
// A real encoding is about 100 characters; anything far longer is not ours.
constexpr std::size_t kMaxEncodedLength = 256;
// Bytes, not characters: the longest valid password is 256 code points of
// up to 4 bytes. Longer input cannot verify and is not worth hashing.
constexpr std::size_t kMaxPasswordBytes = 4 * kMaxPasswordLength;

struct PhcParams {
  std::string_view type;
  std::uint32_t version = 0;
  std::uint32_t m = 0;
  std::uint32_t t = 0;
  std::uint32_t p = 0;
};

bool parse_u32(std::string_view text, std::uint32_t& out) {
  if (text.empty() || (text.size() > 1 && text.front() == '0')) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && ptr == end;
}

// "key=value" with the expected key.
bool parse_param(std::string_view text, std::string_view key, std::uint32_t& out) {
  if (!text.starts_with(key) || text.size() <= key.size() || text[key.size()] != '=') return false;
  return parse_u32(text.substr(key.size() + 1), out);
}

bool is_b64(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!detail::is_alnum(c) && c != '+' && c != '/') return false;
  }
  return true;
}

// The PHC string as libargon2 writes it: $type$v=V$m=M,t=T,p=P$salt$hash.
std::optional<PhcParams> parse_phc(std::string_view encoded) {
  if (encoded.size() > kMaxEncodedLength || !encoded.starts_with('$')) return std::nullopt;
  std::array<std::string_view, 5> parts;
  std::string_view rest = encoded.substr(1);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::size_t dollar = rest.find('$');
    if (i + 1 < parts.size()) {
      if (dollar == std::string_view::npos) return std::nullopt;
      parts[i] = rest.substr(0, dollar);
      rest.remove_prefix(dollar + 1);
    } else {
      if (dollar != std::string_view::npos) return std::nullopt;
      parts[i] = rest;
    }
  }
  PhcParams params;
  params.type = parts[0];
  if (!parse_param(parts[1], "v", params.version)) return std::nullopt;
  const std::size_t c1 = parts[2].find(',');
  const std::size_t c2 = c1 == std::string_view::npos ? c1 : parts[2].find(',', c1 + 1);
  if (c2 == std::string_view::npos) return std::nullopt;
  if (!parse_param(parts[2].substr(0, c1), "m", params.m) ||
      !parse_param(parts[2].substr(c1 + 1, c2 - c1 - 1), "t", params.t) ||
      !parse_param(parts[2].substr(c2 + 1), "p", params.p))
    return std::nullopt;
  if (!is_b64(parts[3]) || !is_b64(parts[4])) return std::nullopt;
  return params;
}

bool within_limits(std::uint32_t t, std::uint32_t m, std::uint32_t p) {
  return t >= 1 && t <= kMaxPasswordTimeCost && m <= kMaxPasswordMemoryKib && p >= 1 &&
         p <= kMaxPasswordParallelism;
}

}  // namespace

Result<void> validate_password(std::string_view password) {
  if (!detail::is_utf8(password)) return bad_request("Password: not valid UTF-8");
  if (detail::has_control(password))
    return bad_request("Password: control characters are not allowed");
  const std::size_t length = detail::utf8_length(password);
  if (length < kMinPasswordLength)
    return bad_request("Password: must be at least " + std::to_string(kMinPasswordLength) +
                       " characters (got " + std::to_string(length) + ")");
  if (length > kMaxPasswordLength)
    return bad_request("Password: must be at most " + std::to_string(kMaxPasswordLength) +
                       " characters (got " + std::to_string(length) + ")");
  return {};
}

std::string hash_password(std::string_view password, const PasswordCost& cost) {
  if (!within_limits(cost.t_cost, cost.m_cost_kib, cost.parallelism))
    throw std::invalid_argument("password cost outside the accepted limits");
  std::array<unsigned char, kSaltBytes> salt{};
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1)
    throw std::runtime_error("RAND_bytes failed: no randomness for a password salt");
  std::string encoded(argon2_encodedlen(cost.t_cost, cost.m_cost_kib, cost.parallelism, kSaltBytes,
                                        kHashBytes, Argon2_id),
                      '\0');
  const int rc = argon2id_hash_encoded(cost.t_cost, cost.m_cost_kib, cost.parallelism,
                                       password.data(), password.size(), salt.data(), salt.size(),
                                       kHashBytes, encoded.data(), encoded.size());
  if (rc == ARGON2_MEMORY_ALLOCATION_ERROR || rc == ARGON2_THREAD_FAIL)
    throw std::runtime_error(std::string("argon2id: ") + argon2_error_message(rc));
  if (rc != ARGON2_OK)
    throw std::invalid_argument(std::string("argon2id: ") + argon2_error_message(rc));
  encoded.resize(
      std::strlen(encoded.c_str()));  // argon2_encodedlen() counts the NUL and some slack
  return encoded;
}

bool verify_password(std::string_view password, std::string_view encoded) noexcept {
  try {
    if (password.size() > kMaxPasswordBytes) return false;
    const std::optional<PhcParams> params = parse_phc(encoded);
    if (!params || params->type != "argon2id" || params->version != ARGON2_VERSION_13) return false;
    if (!within_limits(params->t, params->m, params->p)) return false;
    const std::string terminated(encoded);  // libargon2 wants a C string
    return argon2id_verify(terminated.c_str(), password.data(), password.size()) == ARGON2_OK;
  } catch (...) {
    return false;  // std::bad_alloc: a login that cannot be checked is a failed login
  }
}

bool needs_rehash(std::string_view encoded, const PasswordCost& cost) {
  const std::optional<PhcParams> params = parse_phc(encoded);
  if (!params || params->type != "argon2id" || params->version != ARGON2_VERSION_13) return true;
  return params->m != cost.m_cost_kib || params->t != cost.t_cost || params->p != cost.parallelism;
}

}  // namespace cvw::directory
