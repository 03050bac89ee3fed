// The query parameters of the event channel's requests (untrusted input):
//   GET /api/v1/events?ack=N&timeout=S     long-poll
//   GET /api/v1/events/ws?ack=N            WebSocket
// A bad value is an Error whose message names the parameter and the value,
// for a 400 the client can act on.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "common/result.hpp"

namespace cvw::events {

inline constexpr std::chrono::seconds kDefaultPollTimeout{30};
inline constexpr std::chrono::seconds kMinPollTimeout{1};
inline constexpr std::chrono::seconds kMaxPollTimeout{120};

struct PollQuery {
  std::uint64_t ack = 0;  // absent: 0, a first poll
  std::chrono::seconds timeout = kDefaultPollTimeout;
};

// `query` is the part of the target after '?' (http::split_target).
Result<PollQuery> parse_poll_query(std::string_view query);
// Only `ack`, for the WebSocket route.
Result<std::uint64_t> parse_ack_query(std::string_view query);

}  // namespace cvw::events
