// Time for the protocol layers: a clock plus one-shot timers, injected.
//
// The transaction and dialog layers never read the system clock or sleep;
// they are handed a TimerService. The daemon gives them an Asio-backed one,
// tests a ManualTimerService whose advance() fires Timer B without waiting.
//
// Threading: a TimerService is used from the one event-loop thread that owns
// the SIP state; callbacks run on that thread. Not thread-safe by design.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>

namespace cvw {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::milliseconds;

class TimerService {
 public:
  using Handle = std::uint64_t;  // 0 is never a live timer
  using Callback = std::function<void()>;

  virtual ~TimerService() = default;
  virtual TimePoint now() const = 0;
  // Runs `fn` once, `after` from now. Returns a handle for cancel().
  virtual Handle schedule(Duration after, Callback fn) = 0;
  // Cancels a pending timer; a no-op for fired, cancelled or zero handles.
  virtual void cancel(Handle handle) = 0;
};

// Deterministic timers for tests: time only moves when advance() is called,
// and due timers fire in deadline order (ties in scheduling order).
class ManualTimerService final : public TimerService {
 public:
  TimePoint now() const override { return now_; }
  Handle schedule(Duration after, Callback fn) override {
    Handle h = ++last_;
    pending_.emplace(Key{now_ + after, h}, std::move(fn));
    due_.emplace(h, now_ + after);
    return h;
  }
  void cancel(Handle handle) override {
    auto it = due_.find(handle);
    if (it == due_.end()) return;
    pending_.erase(Key{it->second, handle});
    due_.erase(it);
  }
  // Moves time forward by `d`, firing every timer that falls due, including
  // timers scheduled by the callbacks themselves.
  void advance(Duration d) {
    const TimePoint until = now_ + d;
    while (!pending_.empty() && pending_.begin()->first.at <= until) {
      auto node = pending_.extract(pending_.begin());
      now_ = node.key().at;
      due_.erase(node.key().handle);
      node.mapped()();
    }
    now_ = until;
  }
  std::size_t pending() const { return pending_.size(); }

 private:
  struct Key {
    TimePoint at;
    Handle handle;
    bool operator<(const Key& o) const { return at != o.at ? at < o.at : handle < o.handle; }
  };
  TimePoint now_{};
  Handle last_ = 0;
  std::map<Key, Callback> pending_;
  std::unordered_map<Handle, TimePoint> due_;  // for cancel() without a search
};

}  // namespace cvw
