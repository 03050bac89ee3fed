#include "app/login_throttle.hpp"

#include <algorithm>

namespace cvw::app {

std::int64_t LoginThrottle::wait(const Map& map, std::string_view key, std::uint32_t limit, std::int64_t now) const {
  auto it = map.find(std::string(key));
  if (it == map.end()) return 0;
  const std::int64_t end = it->second.start + config_.window.count();
  if (end <= now || it->second.failures < limit) return 0;
  return end - now;
}

std::int64_t LoginThrottle::retry_after(std::string_view account, std::string_view address, std::int64_t now) const {
  return std::max(wait(accounts_, account, config_.failures_per_account, now),
                  wait(addresses_, address, config_.failures_per_address, now));
}

void LoginThrottle::count(Map& map, std::string_view key, std::int64_t now) {
  if (map.size() >= config_.max_keys)
    std::erase_if(map, [&](const auto& entry) { return entry.second.start + config_.window.count() <= now; });
  if (map.size() >= config_.max_keys) return;  // all live: stop tracking new keys rather than grow
  Window& w = map[std::string(key)];
  if (w.start + config_.window.count() <= now) w = Window{now, 0};
  ++w.failures;
}

void LoginThrottle::failed(std::string_view account, std::string_view address, std::int64_t now) {
  count(accounts_, account, now);
  count(addresses_, address, now);
}

void LoginThrottle::succeeded(std::string_view account) { accounts_.erase(std::string(account)); }

}  // namespace cvw::app
