// Who an event-channel request comes from, as the application's
// authentication layer established it. The event channel never takes a user
// or a channel id from the client: it serves whatever this says.
#pragma once

#include <string>

namespace cvw::events {

struct Principal {
  std::string user;     // the user's SIP URI: events are published to it
  std::string session;  // the login session id: one channel per session
};

}  // namespace cvw::events
