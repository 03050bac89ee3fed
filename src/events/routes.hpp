// The event channel's HTTP routes:
//   GET /api/v1/events?ack=N&timeout=S   long-poll
//   GET /api/v1/events/ws?ack=N          WebSocket
// Each request is authenticated by the application's function first; the
// channel is then the principal's own (EventHub).
#pragma once

#include <functional>
#include <optional>

#include "events/event_hub.hpp"
#include "events/principal.hpp"
#include "http/router.hpp"

namespace cvw::events {

// The application's authentication: the principal a request is from, or
// nullopt when it carries no valid session (the route answers 401).
using Authenticate = std::function<std::optional<Principal>(const http::Request&)>;

// `hub` must outlive the router's use.
void register_event_routes(http::Router& router, EventHub& hub, Authenticate authenticate);

}  // namespace cvw::events
