#include "common/log_budget.hpp"

#include "common/log.hpp"

namespace cvw {

bool LogBudget::allow(Clock::time_point now) {
  if (now - window_start_ >= std::chrono::seconds(1)) {
    window_start_ = now;
    used_ = 0;
    if (suppressed_ > 0) {
      log().warn("{}: {} more line(s) of this kind were not logged (at most {} a second)", site_,
                 suppressed_, limit_);
      suppressed_ = 0;
    }
  }
  if (used_ < limit_) {
    ++used_;
    return true;
  }
  ++suppressed_;
  return false;
}

}  // namespace cvw
