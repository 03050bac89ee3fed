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
  if (size() <= limit) return 0;
  const std::size_t excess = size() - limit;
  drop_front(head_ + excess);
  return excess;
}

void EventQueue::ack(std::uint64_t ack) {
  const std::span<const QueuedEvent> live = events();
  const auto end = std::partition_point(
      live.begin(), live.end(), [ack](const QueuedEvent& e) { return seq_at_most(e, ack); });
  drop_front(head_ + static_cast<std::size_t>(end - live.begin()));
}

void EventQueue::drop_front(std::size_t index) {
  // Each dropped event's text goes now; its slot when the dead outnumber
  // the live.
  for (std::size_t i = head_; i < index; ++i) std::string().swap(events_[i].json);
  head_ = index;
  if (head_ == events_.size()) {
    // A burst may have grown the vector to hundreds of slots; an idle
    // channel should not keep them.
    std::vector<QueuedEvent>().swap(events_);
    head_ = 0;
  } else if (head_ >= events_.size() - head_) {
    events_.erase(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

void EventQueue::continue_after(std::uint64_t seq) {
  if (last_seq_ == 0 && empty()) last_seq_ = seq;
}

bool EventQueue::resync_queued() const {
  return resync_seq_ != 0 && !empty() && resync_seq_ >= events_[head_].seq;
}

std::span<const QueuedEvent> EventQueue::after(std::uint64_t seq) const {
  const std::span<const QueuedEvent> live = events();
  const auto begin = std::partition_point(
      live.begin(), live.end(), [seq](const QueuedEvent& e) { return seq_at_most(e, seq); });
  return {begin, live.end()};
}

}  // namespace cvw::events
