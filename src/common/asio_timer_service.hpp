// TimerService on an Asio io_context: what the daemon and the tools give the
// protocol layers. One steady_timer per pending timer; callbacks run on the
// io_context's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <unordered_map>

#include "common/timer.hpp"

namespace cvw {

class AsioTimerService final : public TimerService {
 public:
  explicit AsioTimerService(boost::asio::io_context& io) : io_(io) {}
  ~AsioTimerService() override {
    for (auto& [handle, timer] : timers_) timer->cancel();
  }

  TimePoint now() const override { return Clock::now(); }

  Handle schedule(Duration after, Callback fn) override {
    const Handle handle = ++last_;
    auto timer = std::make_unique<boost::asio::steady_timer>(io_, after);
    timer->async_wait([this, handle, fn = std::move(fn)](boost::system::error_code ec) {
      if (ec) return;  // cancelled
      timers_.erase(handle);
      fn();
    });
    timers_.emplace(handle, std::move(timer));
    return handle;
  }

  void cancel(Handle handle) override {
    auto it = timers_.find(handle);
    if (it == timers_.end()) return;
    it->second->cancel();
    timers_.erase(it);
  }

  std::size_t pending() const { return timers_.size(); }

 private:
  boost::asio::io_context& io_;
  Handle last_ = 0;
  std::unordered_map<Handle, std::unique_ptr<boost::asio::steady_timer>> timers_;
};

}  // namespace cvw
