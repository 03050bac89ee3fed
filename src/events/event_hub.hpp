// The per-user event channel (UCWA's model): the application publishes
// events to a user; every login session of that user has its own channel
// that queues them until the client acknowledges them, and delivers them over
// a long-poll or a WebSocket.
//
// - One channel per login session, opened on its first poll or connect (or
//   by open_channel at login), so two browsers of one user each get every
//   event. Channels are found by the authenticated Principal only, never by an
//   id from the client, and a channel serves one user for its whole life.
// - Sequence numbers are per channel, from 1. An event stays queued until
//   acknowledged (exactly-once over lost responses): a poll repeated with the
//   same ack returns the same events.
// - A channel has at most one live transport; the newest poll or WebSocket
//   wins (an older poll is answered 409 PollReplaced, an older socket gets a
//   {"type":"replaced"} frame and is closed).
// - At most max_queued unacknowledged events; on overflow the oldest go and
//   one {"type":"resync"} event tells the client to reload its state.
// - A channel with no poll held and no socket open for idle_timeout is freed.
//   A client that comes back with an ack from it gets a new channel that
//   numbers on from that ack and starts with a resync event.
//
// Threading: everything runs on the event-loop thread that runs the HTTP
// server and the TimerService; no locks.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/metrics.hpp"
#include "common/timer.hpp"
#include "events/principal.hpp"

namespace cvw::http {
class Responder;
}  // namespace cvw::http

namespace cvw::events {

struct EventHubConfig {
  // Unacknowledged events one channel keeps (at least 1).
  std::size_t max_queued = 1000;
  // A channel with no poll and no socket for this long is freed. Idle
  // channels are looked for every idle_timeout / 10, so one goes between
  // idle_timeout and 1.1 x idle_timeout after its client left.
  Duration idle_timeout = std::chrono::minutes(10);
};

struct EventMetrics {
  std::uint64_t published = 0;            // publish() calls
  std::uint64_t delivered_websocket = 0;  // event frames sent
  std::uint64_t delivered_longpoll = 0;   // events in poll answers (a retry counts again)
  std::uint64_t polls_replaced = 0;       // polls answered 409 and sockets closed by a newer one
  std::uint64_t overflows = 0;            // resync events queued because of an overflow
};

// What one channel looks like now (diagnostics and tests).
struct ChannelState {
  std::string user;
  std::uint64_t last_seq = 0;
  std::size_t queued = 0;
  bool poll_held = false;
  bool socket_open = false;
};

class EventHub {
 public:
  // `timers` must outlive the hub; poll timeouts, the coalescing of events
  // published in one loop turn and the idle sweep run on it.
  explicit EventHub(TimerService& timers, EventHubConfig config = {});
  // Answers held polls with 503 and closes the sockets.
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // Queues an event on every channel of `user` (no channel: nobody to tell,
  // the event is not kept). `operation_id` ties it to the request that
  // started the operation (a call placed through POST ...).
  void publish(std::string_view user, std::string_view type, boost::json::object payload,
               std::optional<std::string> operation_id = {});

  // Opens the session's channel now, so events published between login and
  // the first poll are kept. Implicit on the first poll/connect. False (and
  // logged) when the session already has a channel of another user.
  bool open_channel(const Principal& principal);

  // Logout: frees the channel; a held poll is answered 401 (SessionEnded),
  // a socket gets {"type":"sessionEnded"} and is closed.
  void close_session(std::string_view session);

  // GET /api/v1/events: drops events <= ack, then answers with what remains
  // or holds `responder` until an event arrives or `timeout` passes (200 with
  // no events). 400 when ack is beyond the last seq issued; 403 when the
  // session belongs to another user.
  void poll(const Principal& principal, std::uint64_t ack, Duration timeout,
            http::Responder responder);

  // GET /api/v1/events/ws: same checks, then upgrades `responder`, sends
  // every unacknowledged event > ack and then each new one. The client
  // acknowledges with {"ack": N} frames.
  void connect(const Principal& principal, std::uint64_t ack, http::Responder responder);

  std::optional<ChannelState> channel_state(std::string_view session) const;
  std::size_t channels_open() const;
  const EventMetrics& metrics() const;
  // cvw_events_* families.
  void collect(MetricsWriter& out) const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace cvw::events
