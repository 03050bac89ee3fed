// The unacknowledged events of one channel, in sequence order.
//
// An event stays queued until the client acknowledges it (exactly-once over
// lost responses and reconnects): a long-poll returns the whole queue, a
// WebSocket sends what it has not sent yet. Each event is kept as the JSON
// text the client receives, serialized once, so answering a poll or a retry
// is concatenation.
//
// Idle channels are the common case (tens of thousands of open WebSockets
// waiting for a call), so an empty queue owns no heap memory: a vector (not a
// deque, which allocates a block even when empty) that is released when the
// client has acknowledged everything.
//
// The oldest events leave from the front (acknowledged, or trimmed when a
// client that reads nothing lets the queue fill): the vector's live part
// starts at head_, and the dead slots before it are erased only once they
// are as many as the live ones. Erasing at once would move every queued
// event for each one that goes, and a full queue (1,000 events by default)
// trims one per publish.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cvw::events {

struct QueuedEvent {
  std::uint64_t seq = 0;
  std::string json;  // {"seq":N,"type":...} as sent
};

class EventQueue {
 public:
  // Appends an event built from `tail` (see event_json.hpp: the serialized
  // event without its opening brace) with the next sequence number.
  std::uint64_t append(std::string_view tail);
  // Appends a resync event and remembers it, so an overflow that goes on
  // does not queue one resync per dropped event.
  std::uint64_t append_resync(std::string_view tail);
  // Drops the oldest events until at most `limit` remain; returns how many
  // went.
  std::size_t trim(std::size_t limit);
  // Drops the events with seq <= `ack`. An ack below what was already
  // acknowledged drops nothing.
  void ack(std::uint64_t ack);
  // A channel re-created for a client that still holds `seq` from its earlier
  // channel numbers on from there, so the client's next ack is not "beyond
  // the last event". Only on an empty queue that has issued nothing.
  void continue_after(std::uint64_t seq);

  // Whether a resync event is queued and unacknowledged.
  bool resync_queued() const;
  std::uint64_t last_seq() const { return last_seq_; }
  bool empty() const { return head_ == events_.size(); }
  std::size_t size() const { return events_.size() - head_; }
  std::span<const QueuedEvent> events() const {
    return std::span<const QueuedEvent>(events_).subspan(head_);
  }
  // The queued events with seq > `seq`.
  std::span<const QueuedEvent> after(std::uint64_t seq) const;

 private:
  // Drops the live events before `index` of events_.
  void drop_front(std::size_t index);

  std::vector<QueuedEvent> events_;  // [head_, end) are queued
  std::size_t head_ = 0;
  std::uint64_t last_seq_ = 0;
  std::uint64_t resync_seq_ = 0;  // 0: no resync issued
};

}  // namespace cvw::events
