// TimerService on an Asio io_context: what the daemon and the tools give the
// protocol layers.
//
// One steady_timer serves every protocol timer: pending timers sit in a
// min-heap, and the Asio timer is only re-armed when a new timer falls due
// before the one it waits for. A SIP call sets and cancels five or six timers
// (100 Trying, Timer G/L, 2xx retransmission, Timer J...); one steady_timer
// each cost an allocation, a map entry and a timerfd_settime() apiece. Cancel
// is lazy: the callback goes, its heap entry is skipped when it comes up, and
// the heap is compacted when most of it is dead.
//
// Callbacks run on the io_context's thread; not thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <functional>
#include <unordered_map>
#include <vector>

#include "common/timer.hpp"

namespace cvw {

class AsioTimerService final : public TimerService {
 public:
  explicit AsioTimerService(boost::asio::io_context& io) : timer_(io) {}
  ~AsioTimerService() override { timer_.cancel(); }

  TimePoint now() const override { return Clock::now(); }

  Handle schedule(Duration after, Callback fn) override {
    const Handle handle = ++last_;
    const TimePoint at = now() + after;
    pending_.emplace(handle, Pending{at, std::move(fn)});
    heap_.push_back(Entry{at, handle});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
    if (!armed_ || at < armed_at_) arm(at);
    return handle;
  }

  void cancel(Handle handle) override {
    if (handle == 0 || pending_.erase(handle) == 0) return;
    if (heap_.size() > 1024 && heap_.size() > 4 * pending_.size()) compact();
  }

  std::size_t pending() const { return pending_.size(); }

 private:
  struct Entry {
    TimePoint at;
    Handle handle;
  };
  struct Later {  // std heaps are max-heaps: "less" means "due later"
    bool operator()(const Entry& a, const Entry& b) const {
      return a.at != b.at ? a.at > b.at : a.handle > b.handle;
    }
  };
  struct Pending {
    TimePoint at;
    Callback fn;
  };

  void arm(TimePoint at) {
    armed_ = true;
    armed_at_ = at;
    timer_.expires_at(at);  // cancels the previous wait, whose handler then sees operation_aborted
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      armed_ = false;
      fire_due();
    });
  }

  void fire_due() {
    const TimePoint now_at = now();
    while (!heap_.empty() && heap_.front().at <= now_at) {
      std::pop_heap(heap_.begin(), heap_.end(), Later{});
      const Handle handle = heap_.back().handle;
      heap_.pop_back();
      auto it = pending_.find(handle);
      if (it == pending_.end()) continue;  // cancelled
      Callback fn = std::move(it->second.fn);
      pending_.erase(it);
      fn();  // may schedule or cancel timers
    }
    drop_dead_top();
    if (!heap_.empty() && (!armed_ || heap_.front().at < armed_at_)) arm(heap_.front().at);
  }

  void drop_dead_top() {
    while (!heap_.empty() && !pending_.contains(heap_.front().handle)) {
      std::pop_heap(heap_.begin(), heap_.end(), Later{});
      heap_.pop_back();
    }
  }

  void compact() {
    heap_.clear();
    for (const auto& [handle, p] : pending_) heap_.push_back(Entry{p.at, handle});
    std::make_heap(heap_.begin(), heap_.end(), Later{});
  }

  boost::asio::steady_timer timer_;
  Handle last_ = 0;
  std::vector<Entry> heap_;
  std::unordered_map<Handle, Pending> pending_;
  bool armed_ = false;
  TimePoint armed_at_{};
};

}  // namespace cvw
