// The event channel's JSON on the wire: events, long-poll bodies, WebSocket
// control frames, and the client's ack frames (untrusted input: parsed into a
// Result, never thrown).
//
//   event:       {"seq": N, "type": "...", "operationId": "..." (when set),
//                 "data": {...}, "time": "2024-05-01T09:30:00.123Z"}
//   poll body:   {"events": [event...], "_links": {"next": "/api/v1/events?ack=M"}}
//   ack frame:   {"ack": N}             (client → server)
//   error frame: {"error": "..."}       (server → client, the socket stays open)
#pragma once

#include <boost/json/fwd.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "events/event_queue.hpp"

namespace cvw::events {

// The largest sequence number a client may send: 2^53 - 1, the largest
// integer a JavaScript client holds exactly.
inline constexpr std::uint64_t kMaxSeq = (std::uint64_t{1} << 53) - 1;

inline constexpr std::string_view kEventsPath = "/api/v1/events";
inline constexpr std::string_view kEventsSocketPath = "/api/v1/events/ws";

// "2024-05-01T09:30:00.123Z" (RFC 3339, UTC, milliseconds).
std::string rfc3339_utc(std::chrono::system_clock::time_point at);

// The event without "seq", serialized and without its opening brace:
// `"type":"...",...,"time":"..."}`. Built once per publish; each channel puts
// its own `{"seq":N,` in front (EventQueue::append).
std::string event_tail(std::string_view type, const std::optional<std::string>& operation_id,
                       boost::json::object data, std::string_view time);

// The long-poll answer; `next_ack` is the last seq in `events` (or the ack
// the poll came with when there are none).
std::string poll_body(std::span<const QueuedEvent> events, std::uint64_t next_ack);

std::string error_frame(std::string_view message);

// `{"ack": N}` with N a whole number from 0 to kMaxSeq. Other keys are ignored.
Result<std::uint64_t> parse_ack_frame(std::string_view text);

}  // namespace cvw::events
