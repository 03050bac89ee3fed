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
// Two more rules keep timerfd_settime() off the per-message cost (it was 10 %
// of cvwd's CPU under click-to-call load, see bench/load/README.md):
//  - A timer due now (Duration 0: "on the next loop turn", how a Completion
//    resumes its coroutine, task.hpp) never touches the Asio timer: it goes
//    to a ready list that one posted handler drains. It still runs after the
//    current handler, in order, and can still be cancelled.
//  - Other deadlines are armed rounded up to the next kSlack boundary, so the
//    many timers a burst of calls sets within a few milliseconds of each
//    other share one wake-up and one re-arm. SIP timers are 500 ms and up;
//    2 ms late is nothing to them, and they are never early.
//
// Pending timers live in a table of reusable slots, not a hash map: a handle
// is the slot's index and its generation (bumped each time the slot is
// freed), so scheduling allocates nothing once the table has grown, and a
// stale handle (fired, cancelled) never reaches the timer now in its slot.
// Ties between equal deadlines go in the order the timers were scheduled.
//
// The tables give memory back after a burst. A burst of calls sets tens of
// thousands of transaction timers that all end 64*T1 later, while the calls
// it leaves up hold few or none; a table kept at its high-water mark was
// about 1.1 KB per established click-to-call (issue #4's memory target). So
// the lowest free slot is reused first (live timers gather at the front);
// whenever a slot is released while fewer than a quarter are live, the free
// tail is cut off (each slot cut was made once, so this is amortised O(1);
// a tail still in use costs one test) and the vector shrinks once half of its
// room is unused. (Cutting only when the last slot itself was released kept
// the whole table whenever the burst's timers ended out of slot order, as
// they do under load: 19,000 slots for no timer, 330 bytes per established
// click-to-call.) The free
// list forgets cut slots lazily. The heap is rebuilt smaller once three
// quarters of its room is unused. A slot made again after a cut starts at a
// generation above any the cut slots had, so a stale handle never matches it.
//
// Slots come in two tables by how far ahead a timer is due. Calls that
// negotiated RFC 4028 keep a refresh timer (15 minutes ahead by default);
// set in the middle of a burst, such timers would take slots anywhere in the
// one table, and its tail would never be free to cut. Timers due kLongAhead
// or more ahead (no transaction timer is: 64*T1 is 32 s) go to a table of
// their own, which the burst's churn never enters; the handle says which.
//
// Callbacks run on the io_context's thread; not thread-safe.
#pragma once

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "common/timer.hpp"

namespace cvw {

class AsioTimerService final : public TimerService {
 public:
  // How late a timer may fire so that neighbours share a wake-up.
  static constexpr Duration kSlack = std::chrono::milliseconds(2);

  explicit AsioTimerService(boost::asio::io_context& io) : io_(io), timer_(io) {}
  ~AsioTimerService() override { timer_.cancel(); }

  TimePoint now() const override { return Clock::now(); }

  // Timers due this far ahead or more use the long-lived table.
  static constexpr Duration kLongAhead = std::chrono::seconds(60);

  Handle schedule(Duration after, Callback fn) override {
    const TimePoint at = now() + after;
    const std::uint64_t seq = ++last_seq_;
    const Lane lane = after >= kLongAhead ? Lane::Long : Lane::Short;
    const Handle handle = table(lane).occupy(std::move(fn), lane);
    if (after <= Duration::zero()) {
      ready_.push_back(handle);
      if (!drain_posted_) {
        drain_posted_ = true;
        boost::asio::post(io_, [this, alive = std::weak_ptr<int>(alive_)] {
          if (!alive.expired()) run_ready();
        });
      }
      return handle;
    }
    heap_.push_back(Entry{at, seq, handle});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
    const TimePoint slot = slot_of(at);
    if (!armed_ || slot < armed_at_) arm(slot);
    return handle;
  }

  void cancel(Handle handle) override {
    SlotTable& owner = table(lane_of(handle));
    Slot* slot = owner.live(handle);
    if (slot == nullptr) return;
    owner.release(*slot, index_of(handle));
    if (heap_.size() > 1024 && heap_.size() > 4 * pending()) compact();
  }

  std::size_t pending() const { return short_.live_count + long_.live_count; }
  // The slot tables' size, live and free (tests: it shrinks after a burst).
  std::size_t slot_count() const { return short_.slots.size() + long_.slots.size(); }
  // Each table's live timers and slots (metrics: a table much larger than
  // its timers is room kept from a burst).
  struct TableSize {
    std::size_t pending;
    std::size_t slots;
  };
  TableSize short_table() const { return {short_.live_count, short_.slots.size()}; }
  TableSize long_table() const { return {long_.live_count, long_.slots.size()}; }

 private:
  struct Entry {
    TimePoint at;
    std::uint64_t seq;  // schedule order, for ties
    Handle handle;
  };
  struct Later {  // std heaps are max-heaps: "less" means "due later"
    bool operator()(const Entry& a, const Entry& b) const {
      return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
  };
  // The deadline and order live in the heap's entries only: a slot is what
  // a handle reaches (40 bytes; the table is as big as the busiest moment).
  struct Slot {
    Callback fn;
    std::uint32_t generation = 0;
    bool in_use = false;
  };
  enum class Lane : std::uint32_t { Short = 0, Long = 1 };

  // handle = generation << 32 | lane << 31 | (index + 1): never 0, which
  // means "no timer".
  static constexpr std::uint32_t kLaneBit = 1U << 31;
  static Handle handle_of(std::uint32_t index, std::uint32_t generation, Lane lane) {
    return (static_cast<Handle>(generation) << 32) | (lane == Lane::Long ? kLaneBit : 0U) |
           (static_cast<Handle>(index) + 1);
  }
  static std::uint32_t index_of(Handle handle) {
    return (static_cast<std::uint32_t>(handle & 0xffffffffU) & ~kLaneBit) - 1;
  }
  static Lane lane_of(Handle handle) { return (handle & kLaneBit) != 0 ? Lane::Long : Lane::Short; }

  // Tables this small are never trimmed: a daemon at rest keeps them.
  static constexpr std::size_t kTrimFloor = 1024;

  // One table of reusable slots; see the top of the file.
  struct SlotTable {
    std::vector<Slot> slots;
    std::vector<std::uint32_t> free;  // a min-heap of free slot indices
    std::size_t live_count = 0;
    std::uint32_t generation_floor = 0;  // where a slot made after a trim starts

    Handle occupy(Callback fn, Lane lane) {
      std::uint32_t index;
      if (!free.empty() && free.front() >= slots.size())
        free.clear();  // all cut off (the lowest is)
      if (free.empty()) {
        index = static_cast<std::uint32_t>(slots.size());
        slots.emplace_back();
        slots.back().generation = generation_floor;
      } else {
        std::pop_heap(free.begin(), free.end(), std::greater<>{});  // the lowest index
        index = free.back();
        free.pop_back();
      }
      Slot& slot = slots[index];
      slot.fn = std::move(fn);
      slot.in_use = true;
      ++live_count;
      return handle_of(index, slot.generation, lane);
    }

    Slot* live(Handle handle) {
      if (handle == 0) return nullptr;
      const std::uint32_t index = index_of(handle);
      if (index >= slots.size()) return nullptr;
      Slot& slot = slots[index];
      const auto generation = static_cast<std::uint32_t>(handle >> 32);
      return slot.in_use && slot.generation == generation ? &slot : nullptr;
    }

    void release(Slot& slot, std::uint32_t index) {
      // What the callback captured is freed on the way out, not at reuse, and
      // only once the table is consistent: its destructors may cancel other
      // timers, and a cancel may cut the table (moving `slot`).
      Callback dropped;
      dropped.swap(slot.fn);
      slot.in_use = false;
      ++slot.generation;
      --live_count;
      free.push_back(index);
      std::push_heap(free.begin(), free.end(), std::greater<>{});
      if (slots.size() > kTrimFloor && live_count < slots.size() / 4 && !slots.back().in_use)
        trim();
    }

    // Cuts the free tail off; see the top of the file.
    void trim() {
      while (!slots.empty() && !slots.back().in_use) {
        generation_floor = std::max(generation_floor, slots.back().generation);
        slots.pop_back();
      }
      if (slots.capacity() > 2 * slots.size()) slots.shrink_to_fit();
      // Indices past the cut stay in the free list until most of it is them.
      const std::size_t free_slots = slots.size() - live_count;
      if (free.size() > 2 * free_slots + kTrimFloor) {
        const auto size = static_cast<std::uint32_t>(slots.size());
        std::erase_if(free, [size](std::uint32_t index) { return index >= size; });
        std::make_heap(free.begin(), free.end(), std::greater<>{});
        free.shrink_to_fit();
      }
    }
  };

  SlotTable& table(Lane lane) { return lane == Lane::Long ? long_ : short_; }

  Slot* live(Handle handle) { return table(lane_of(handle)).live(handle); }

  // Takes the callback out of a live slot and frees the slot, so the callback
  // may schedule (the table may grow) and its handle is already stale.
  Callback take(Handle handle) {
    SlotTable& owner = table(lane_of(handle));
    Slot* slot = owner.live(handle);
    if (slot == nullptr) return nullptr;  // cancelled
    Callback fn = std::move(slot->fn);
    owner.release(*slot, index_of(handle));
    return fn;
  }

  // The first kSlack boundary at or after `at` (of the clock's epoch).
  static TimePoint slot_of(TimePoint at) {
    const auto slack = std::chrono::duration_cast<Clock::duration>(kSlack).count();
    const auto since = at.time_since_epoch().count();
    return TimePoint(Clock::duration((since + slack - 1) / slack * slack));
  }

  // Runs the timers due "now", in the order they were scheduled; those they
  // schedule for "now" go to the next drain (after other ready handlers).
  void run_ready() {
    drain_posted_ = false;
    std::vector<Handle> batch;
    batch.swap(ready_);
    for (const Handle handle : batch) {
      if (Callback fn = take(handle)) fn();
    }
    batch.clear();
    if (ready_.empty()) ready_.swap(batch);  // keep the capacity
  }

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
      if (Callback fn = take(handle)) fn();  // may schedule or cancel timers
    }
    drop_dead_top();
    if (heap_.capacity() > kTrimFloor && heap_.size() < heap_.capacity() / 4)
      compact();  // gives the room back
    if (!heap_.empty()) {
      const TimePoint slot = slot_of(heap_.front().at);
      if (!armed_ || slot < armed_at_) arm(slot);
    }
  }

  void drop_dead_top() {
    while (!heap_.empty() && live(heap_.front().handle) == nullptr) {
      std::pop_heap(heap_.begin(), heap_.end(), Later{});
      heap_.pop_back();
    }
  }

  // Rebuilds the heap from the live slots that wait for a deadline (those
  // due now are in ready_, not the heap).
  void compact() {
    std::vector<Entry> kept;
    kept.reserve(pending());
    for (const Entry& e : heap_) {
      if (live(e.handle) != nullptr) kept.push_back(e);
    }
    heap_.swap(kept);
    std::make_heap(heap_.begin(), heap_.end(), Later{});
  }

  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  // A posted drain may outlive the service (io_context still running its
  // queue at shutdown): it checks this first.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  std::vector<Handle> ready_;  // due now, in order (may hold cancelled handles)
  bool drain_posted_ = false;
  std::uint64_t last_seq_ = 0;
  std::vector<Entry> heap_;
  SlotTable short_;  // due within kLongAhead: transaction timers, the burst's churn
  SlotTable long_;   // due later: what established calls keep
  bool armed_ = false;
  TimePoint armed_at_{};
};

}  // namespace cvw
