#include "app/sessions.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace cvw::app {

namespace {

// base64url without padding (RFC 4648 §5): safe in headers and URLs.
std::string random_token() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::array<unsigned char, 33> bytes{};  // 264 bits: a multiple of 6 and 8
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("RAND_bytes failed: no randomness for a session token");
  std::string out;
  out.reserve(44);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 63];
  }
  return out;
}

}  // namespace

std::string token_hash(std::string_view token) {
  // Fetched once: OpenSSL 3 looks an algorithm up (under a lock) each time
  // EVP_sha256() is passed to a digest call, and this runs per API request.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(token.data(), token.size(), digest, &length, sha256, nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(length * 2, '0');
  for (unsigned int i = 0; i < length; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i)  // the scheme is case-insensitive (RFC 9110 §11.1)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        std::tolower(static_cast<unsigned char>(kScheme[i])))
      return {};
  return authorization.substr(kScheme.size());
}

Sessions::Sessions(DirectoryStore& store, const DirectoryService& directory, SessionConfig config, Clock clock)
    : store_(store), directory_(directory), config_(config), clock_(std::move(clock)) {}

std::int64_t Sessions::now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<void> Sessions::load() {
  auto stored = store_.load_sessions(now());
  if (!stored) return stored.error();
  by_id_.clear();
  access_to_id_.clear();
  refresh_to_id_.clear();
  for (auto& s : *stored) {
    index(s);
    by_id_.emplace(s.id, std::move(s));
  }
  return {};
}

void Sessions::index(const StoredSession& s) {
  access_to_id_[s.access_hash] = s.id;
  refresh_to_id_[s.refresh_hash] = s.id;
}

void Sessions::unindex(const StoredSession& s) {
  access_to_id_.erase(s.access_hash);
  refresh_to_id_.erase(s.refresh_hash);
}

IssuedTokens Sessions::issue(StoredSession& s) const {
  IssuedTokens t{s.id, random_token(), random_token(), config_.access_lifetime, config_.refresh_lifetime};
  const std::int64_t t0 = now();
  s.access_hash = token_hash(t.access_token);
  s.access_expires = t0 + config_.access_lifetime.count();
  s.refresh_hash = token_hash(t.refresh_token);
  s.refresh_expires = t0 + config_.refresh_lifetime.count();
  return t;
}

Result<IssuedTokens> Sessions::open(const directory::User& user) {
  StoredSession s;
  s.id = random_token();
  s.user_key = directory::sip_uri_key(user.sip_uri);
  IssuedTokens tokens = issue(s);
  if (auto r = store_.insert_session(s); !r) return r.error();
  index(s);
  auto& stored = by_id_.emplace(s.id, std::move(s)).first->second;
  if (on_opened_) on_opened_(Principal{directory_.find_user_by_key(stored.user_key), stored.id});
  return tokens;
}

Result<IssuedTokens> Sessions::refresh(std::string_view refresh_token) {
  const Error invalid{401, "the refresh token is not valid"};
  auto found = refresh_to_id_.find(token_hash(refresh_token));
  if (found == refresh_to_id_.end()) return invalid;
  StoredSession& current = by_id_.at(found->second);
  const directory::User* user = directory_.find_user_by_key(current.user_key);
  if (current.refresh_expires <= now() || !user || !user->enabled) {
    std::string id = current.id;
    (void)close(id);
    return invalid;
  }
  StoredSession next = current;
  IssuedTokens tokens = issue(next);
  if (auto r = store_.replace_session_tokens(next); !r) return r.error();
  unindex(current);
  index(next);
  current = std::move(next);
  return tokens;
}

std::optional<Principal> Sessions::authenticate(std::string_view access_token) const {
  if (access_token.empty() || access_token.size() > 128) return std::nullopt;
  auto found = access_to_id_.find(token_hash(access_token));
  if (found == access_to_id_.end()) return std::nullopt;
  const StoredSession& s = by_id_.at(found->second);
  if (s.access_expires <= now()) return std::nullopt;
  const directory::User* user = directory_.find_user_by_key(s.user_key);
  if (!user || !user->enabled) return std::nullopt;
  return Principal{user, s.id};
}

Result<std::size_t> Sessions::purge_expired() {
  const std::int64_t t = now();
  std::vector<std::string> expired;
  for (const auto& [id, s] : by_id_) {
    if (s.refresh_expires <= t) expired.push_back(id);
  }
  if (expired.empty()) return std::size_t{0};
  if (auto r = store_.delete_expired_sessions(t); !r) return r.error();
  for (const std::string& id : expired) {
    auto it = by_id_.find(id);
    unindex(it->second);
    by_id_.erase(it);
    if (on_closed_) on_closed_(id);
  }
  return expired.size();
}

Result<void> Sessions::close(const std::string& session_id) {
  auto it = by_id_.find(session_id);
  if (it == by_id_.end()) return Error{404, "no such session"};
  if (auto r = store_.delete_session(session_id); !r) return r;
  unindex(it->second);
  by_id_.erase(it);
  if (on_closed_) on_closed_(session_id);
  return {};
}

}  // namespace cvw::app
