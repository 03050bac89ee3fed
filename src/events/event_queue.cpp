#include "events/event_queue.hpp"

#include <algorithm>

namespace cvw::events {

namespace {

bool seq_at_most(const QueuedEvent& event, std::uint64_t seq) {
  return event.seq <= seq;
}

}  // namespace

std::uint64_t EventQueue::append(std::string_view tail) {
  const std::uint64_t seq = ++last_seq_;
  std::string json = "{\"seq\":";
  json += std::to_string(seq);
  json += ',';
  json += tail;
  events_.push_back(QueuedEvent{seq, std::move(json)});
  return seq;
}

std::uint64_t EventQueue::append_resync(std::string_view tail) {
  resync_seq_ = append(tail);
  return resync_seq_;
}

std::size_t EventQueue::trim(std::size_t limit) {
  if (events_.size() <= limit) return 0;
  const std::size_t excess = events_.size() - limit;
  events_.erase(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(excess));
  return excess;
}

void EventQueue::ack(std::uint64_t ack) {
  auto end = std::partition_point(events_.begin(), events_.end(),
                                  [ack](const QueuedEvent& e) { return seq_at_most(e, ack); });
  events_.erase(events_.begin(), end);
  // A burst may have grown the vector to hundreds of slots; an idle channel
  // should not keep them.
  if (events_.empty() && events_.capacity() > 0) std::vector<QueuedEvent>().swap(events_);
}

void EventQueue::continue_after(std::uint64_t seq) {
  if (last_seq_ == 0 && events_.empty()) last_seq_ = seq;
}

bool EventQueue::resync_queued() const {
  return resync_seq_ != 0 && !events_.empty() && resync_seq_ >= events_.front().seq;
}

std::span<const QueuedEvent> EventQueue::after(std::uint64_t seq) const {
  auto begin = std::partition_point(events_.begin(), events_.end(),
                                    [seq](const QueuedEvent& e) { return seq_at_most(e, seq); });
  return {begin, events_.end()};
}

}  // namespace cvw::events
