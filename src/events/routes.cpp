#include "events/routes.hpp"

#include <memory>
#include <utility>

#include "events/event_json.hpp"
#include "events/poll_query.hpp"

namespace cvw::events {

namespace {

http::Response unauthenticated() {
  return http::error_response(http::Status::unauthorized, "InvalidToken",
                              "the event channel needs a signed-in session");
}

http::Response invalid(const Error& error) {
  return http::error_response(http::Status::bad_request, "InvalidParameter", error.message);
}

}  // namespace

void register_event_routes(http::Router& router, EventHub& hub, Authenticate authenticate) {
  auto auth = std::make_shared<const Authenticate>(std::move(authenticate));

  router.add(http::Verb::get, std::string(kEventsPath),
             [&hub, auth](const http::Incoming& in, http::Responder r) {
               const std::optional<Principal> principal = (*auth)(in.request);
               if (!principal) return r.send(unauthenticated());
               const Result<PollQuery> query =
                   parse_poll_query(http::split_target(in.request.target()).second);
               if (!query) return r.send(invalid(query.error()));
               hub.poll(*principal, query->ack, query->timeout, std::move(r));
             });

  router.add_websocket(std::string(kEventsSocketPath),
                       [&hub, auth](const http::Incoming& in, http::Responder r) {
                         const std::optional<Principal> principal = (*auth)(in.request);
                         if (!principal) return r.send(unauthenticated());
                         const Result<std::uint64_t> ack =
                             parse_ack_query(http::split_target(in.request.target()).second);
                         if (!ack) return r.send(invalid(ack.error()));
                         hub.connect(*principal, *ack, std::move(r));
                       });
}

}  // namespace cvw::events
