// Rate limit on failed logins, per account and per client address, so that
// guessing passwords is slow for one account from many addresses and for many
// accounts from one address. Only failures count; a success clears the
// account's count. Counting is done whether or not the account exists, so the
// answers do not reveal which accounts do (no account enumeration).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cvw::app {

struct ThrottleConfig {
  std::uint32_t failures_per_account = 5;
  std::uint32_t failures_per_address = 20;
  std::chrono::seconds window{15 * 60};
  // Keys kept at most before expired ones are swept (bounds memory under a
  // flood of made-up user names).
  std::size_t max_keys = 100000;
};

class LoginThrottle {
 public:
  explicit LoginThrottle(ThrottleConfig config = {}) : config_(config) {}

  // 0 when a login attempt may proceed; otherwise the seconds to wait.
  std::int64_t retry_after(std::string_view account, std::string_view address, std::int64_t now) const;
  void failed(std::string_view account, std::string_view address, std::int64_t now);
  void succeeded(std::string_view account);

 private:
  struct Window {
    std::int64_t start = 0;
    std::uint32_t failures = 0;
  };
  using Map = std::unordered_map<std::string, Window>;

  std::int64_t wait(const Map& map, std::string_view key, std::uint32_t limit, std::int64_t now) const;
  void count(Map& map, std::string_view key, std::int64_t now);

  ThrottleConfig config_;
  Map accounts_;
  Map addresses_;
};

}  // namespace cvw::app
