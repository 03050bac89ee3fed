#include "events/event_hub.hpp"

#include <algorithm>
#include <boost/beast/http/field.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/log.hpp"
#include "events/event_json.hpp"
#include "events/event_queue.hpp"
#include "http/router.hpp"
#include "http/websocket.hpp"

namespace cvw::events {

namespace {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

constexpr std::string_view kReplacedFrame = R"({"type":"replaced"})";
constexpr std::string_view kSessionEndedFrame = R"({"type":"sessionEnded"})";

struct Channel;
using UserChannels = StringMap<std::vector<Channel*>>;

// A long-poll waiting for events. On the heap only while held, so an idle
// channel does not carry its fields.
struct HeldPoll {
  http::Responder responder;
  std::uint64_t ack = 0;
  TimerService::Handle timer = 0;  // the timeout; once an event arrived, the answer
  bool answer_due = false;
};

// One login session's channel. Lives in EventHub::Impl::channels_ (a node
// map, so its address is stable): timer and socket callbacks point at it, and
// every one of them is cancelled or cleared before the channel goes.
struct Channel {
  UserChannels::value_type* user = nullptr;  // its entry in users_
  EventQueue queue;
  std::unique_ptr<HeldPoll> poll;
  std::weak_ptr<http::WebSocket> socket;  // the server owns it while open
  std::uint64_t sent = 0;                 // last seq sent on `socket`
  TimePoint idle_since{};

  bool idle() const { return !poll && socket.expired(); }
};

http::Response poll_response(std::span<const QueuedEvent> events, std::uint64_t next_ack) {
  http::Response response{http::Status::ok, 11};
  response.set(boost::beast::http::field::content_type, "application/json");
  // The events are one user's: nothing on the way may keep a copy.
  response.set(boost::beast::http::field::cache_control, "no-store");
  response.body() = poll_body(events, next_ack);
  return response;
}

std::string resync_tail() {
  return event_tail("resync", std::nullopt, {}, rfc3339_utc(std::chrono::system_clock::now()));
}

}  // namespace

class EventHub::Impl {
 public:
  Impl(TimerService& timers, EventHubConfig config) : timers_(timers), config_(config) {
    config_.max_queued = std::max<std::size_t>(config_.max_queued, 1);
    config_.idle_timeout = std::max(config_.idle_timeout, Duration(1));
  }
  ~Impl();

  void publish(std::string_view user, std::string_view type, boost::json::object payload,
               const std::optional<std::string>& operation_id);
  Channel* open(const Principal& principal);
  void close_session(std::string_view session);
  void poll(const Principal& principal, std::uint64_t ack, Duration timeout,
            http::Responder responder);
  void connect(const Principal& principal, std::uint64_t ack, http::Responder responder);

  StringMap<Channel> channels_;  // by session
  UserChannels users_;
  EventMetrics metrics_;

 private:
  Channel* channel_for(const Principal& principal, std::uint64_t ack, http::Responder& responder);
  void deliver(Channel& c, std::string_view tail);
  void send_unsent(Channel& c);
  void answer(Channel& c, http::Responder& responder, std::uint64_t ack);
  void answer_held_poll(Channel& c);
  void replace_transport(Channel& c);
  void release_socket(Channel& c, http::WebSocket& socket, std::string_view last_frame);
  void on_frame(Channel& c, std::string_view text);
  void on_socket_closed(Channel& c);
  StringMap<Channel>::iterator erase_channel(StringMap<Channel>::iterator it);
  void arm_sweep();
  void sweep();

  TimerService& timers_;
  EventHubConfig config_;
  TimerService::Handle sweep_timer_ = 0;
};

EventHub::Impl::~Impl() {
  timers_.cancel(sweep_timer_);
  for (auto& [session, c] : channels_) {
    if (c.poll) {
      timers_.cancel(c.poll->timer);
      c.poll->responder.send(http::error_response(http::Status::service_unavailable, "ShuttingDown",
                                                  "the event channel is shutting down"));
    }
    if (auto socket = c.socket.lock()) {
      socket->on_message(nullptr);
      socket->on_close(nullptr);
      socket->close();
    }
  }
}

Channel* EventHub::Impl::open(const Principal& principal) {
  if (auto it = channels_.find(principal.session); it != channels_.end()) {
    if (it->second.user->first == principal.user) return &it->second;
    // Session ids come from the authentication layer and are unique; a clash
    // is a bug there, and serving the channel would show one user's events
    // to another. (Session ids are credentials: not logged.)
    log().error("events: a session of {} was presented for {}; refusing the event channel",
                it->second.user->first, principal.user);
    return nullptr;
  }
  auto user = users_.try_emplace(principal.user).first;
  Channel& c = channels_.try_emplace(principal.session).first->second;
  c.user = &*user;
  user->second.push_back(&c);
  c.idle_since = timers_.now();
  arm_sweep();
  return &c;
}

Channel* EventHub::Impl::channel_for(const Principal& principal, std::uint64_t ack,
                                     http::Responder& responder) {
  Channel* c = open(principal);
  if (c == nullptr) {
    responder.send(http::error_response(http::Status::forbidden, "SessionMismatch",
                                        "this session belongs to another user"));
    return nullptr;
  }
  if (ack > 0 && c->queue.last_seq() == 0) {
    // The client acknowledged events of an earlier channel of this session
    // (freed while idle, or before a restart): this one has issued nothing.
    // Number on from its ack, so the client's sequence keeps rising, and tell
    // it to reload what it may have missed.
    c->queue.continue_after(ack);
    c->queue.append_resync(resync_tail());
  }
  if (ack > c->queue.last_seq()) {
    responder.send(http::error_response(http::Status::bad_request, "InvalidParameter",
                                        "query parameter 'ack' is " + std::to_string(ack) +
                                            ", beyond the last event of this channel (" +
                                            std::to_string(c->queue.last_seq()) + ")"));
    return nullptr;
  }
  return c;
}

void EventHub::Impl::publish(std::string_view user, std::string_view type,
                             boost::json::object payload,
                             const std::optional<std::string>& operation_id) {
  ++metrics_.published;
  auto it = users_.find(user);
  if (it == users_.end()) return;
  const std::string tail = event_tail(type, operation_id, std::move(payload),
                                      rfc3339_utc(std::chrono::system_clock::now()));
  // deliver() may close a slow socket, which changes that channel only: the
  // list of the user's channels stays as it is.
  for (Channel* c : it->second) deliver(*c, tail);
}

void EventHub::Impl::deliver(Channel& c, std::string_view tail) {
  c.queue.append(tail);
  if (c.queue.trim(config_.max_queued) > 0 && !c.queue.resync_queued()) {
    c.queue.append_resync(resync_tail());
    c.queue.trim(config_.max_queued);
    ++metrics_.overflows;
    log().info(
        "events: a channel of {} has {} unacknowledged events; dropping the oldest and sending "
        "resync",
        c.user->first, config_.max_queued);
  }
  if (c.poll) {
    if (c.poll->answer_due) return;
    // Answer after this loop turn rather than now, so events published
    // together (a call's state and the presence it changes) go in one answer.
    c.poll->answer_due = true;
    timers_.cancel(c.poll->timer);
    c.poll->timer = timers_.schedule(Duration::zero(), [this, ch = &c] { answer_held_poll(*ch); });
    return;
  }
  send_unsent(c);
}

void EventHub::Impl::send_unsent(Channel& c) {
  const std::shared_ptr<http::WebSocket> socket = c.socket.lock();
  if (!socket) return;
  for (const QueuedEvent& event : c.queue.after(c.sent)) {
    c.sent = event.seq;
    ++metrics_.delivered_websocket;
    socket->send(event.json);
    // The server closes a peer that does not read from inside send(); our
    // on_close has then run and let go of the socket.
    if (c.socket.expired()) return;
  }
}

void EventHub::Impl::answer(Channel& c, http::Responder& responder, std::uint64_t ack) {
  const std::span<const QueuedEvent> events = c.queue.events();
  metrics_.delivered_longpoll += events.size();
  responder.send(poll_response(events, events.empty() ? ack : events.back().seq));
  c.idle_since = timers_.now();
}

void EventHub::Impl::answer_held_poll(Channel& c) {
  const std::unique_ptr<HeldPoll> held = std::move(c.poll);  // its timer is the one firing
  answer(c, held->responder, held->ack);
}

void EventHub::Impl::poll(const Principal& principal, std::uint64_t ack, Duration timeout,
                          http::Responder responder) {
  Channel* c = channel_for(principal, ack, responder);
  if (c == nullptr) return;
  replace_transport(*c);
  c->queue.ack(ack);
  if (!c->queue.empty()) return answer(*c, responder, ack);
  auto held = std::make_unique<HeldPoll>(HeldPoll{std::move(responder), ack});
  held->timer = timers_.schedule(timeout, [this, c] { answer_held_poll(*c); });
  c->poll = std::move(held);
}

void EventHub::Impl::connect(const Principal& principal, std::uint64_t ack,
                             http::Responder responder) {
  Channel* c = channel_for(principal, ack, responder);
  if (c == nullptr) return;
  const std::shared_ptr<http::WebSocket> socket = responder.upgrade();
  if (!socket) {
    responder.send(http::error_response(http::Status::internal_server_error, "",
                                        "the WebSocket upgrade failed"));
    return;
  }
  replace_transport(*c);
  c->queue.ack(ack);
  c->socket = socket;
  c->sent = ack;
  c->idle_since = timers_.now();
  // Two pointers: small enough for std::function to keep without allocating,
  // which matters with tens of thousands of idle sockets.
  socket->on_message([this, c](std::string_view text) { on_frame(*c, text); });
  socket->on_close([this, c] { on_socket_closed(*c); });
  send_unsent(*c);
}

void EventHub::Impl::replace_transport(Channel& c) {
  if (c.poll) {
    const std::unique_ptr<HeldPoll> held = std::move(c.poll);
    timers_.cancel(held->timer);
    held->responder.send(
        http::error_response(http::Status::conflict, "PollReplaced",
                             "a newer poll or WebSocket took over this event channel"));
    ++metrics_.polls_replaced;
  }
  if (const auto socket = c.socket.lock()) {
    release_socket(c, *socket, kReplacedFrame);
    ++metrics_.polls_replaced;
  }
  c.socket.reset();
}

void EventHub::Impl::release_socket(Channel& c, http::WebSocket& socket,
                                    std::string_view last_frame) {
  // Its callbacks point at the channel, which may go before the socket does.
  socket.on_message(nullptr);
  socket.on_close(nullptr);
  socket.send(std::string(last_frame));
  socket.close();
  c.socket.reset();
  c.idle_since = timers_.now();
}

void EventHub::Impl::on_frame(Channel& c, std::string_view text) {
  const std::shared_ptr<http::WebSocket> socket = c.socket.lock();
  if (!socket) return;
  Result<std::uint64_t> ack = parse_ack_frame(text);
  if (!ack) return socket->send(error_frame(ack.error().message));
  if (*ack > c.queue.last_seq())
    return socket->send(error_frame("\"ack\" " + std::to_string(*ack) +
                                    " is beyond the last event sent (" +
                                    std::to_string(c.queue.last_seq()) + ")"));
  c.queue.ack(*ack);
  c.sent = std::max(c.sent, *ack);
}

void EventHub::Impl::on_socket_closed(Channel& c) {
  c.socket.reset();
  c.idle_since = timers_.now();
}

void EventHub::Impl::close_session(std::string_view session) {
  auto it = channels_.find(session);
  if (it == channels_.end()) return;
  Channel& c = it->second;
  if (c.poll) {
    const std::unique_ptr<HeldPoll> held = std::move(c.poll);
    timers_.cancel(held->timer);
    held->responder.send(
        http::error_response(http::Status::unauthorized, "SessionEnded", "the session has ended"));
  }
  if (const auto socket = c.socket.lock()) release_socket(c, *socket, kSessionEndedFrame);
  erase_channel(it);
}

StringMap<Channel>::iterator EventHub::Impl::erase_channel(StringMap<Channel>::iterator it) {
  Channel& c = it->second;
  std::vector<Channel*>& list = c.user->second;
  std::erase(list, &c);
  if (list.empty()) users_.erase(users_.find(c.user->first));
  return channels_.erase(it);
}

void EventHub::Impl::arm_sweep() {
  if (sweep_timer_ != 0 || channels_.empty()) return;
  const Duration every = std::max(config_.idle_timeout / 10, Duration(1));
  sweep_timer_ = timers_.schedule(every, [this] {
    sweep_timer_ = 0;
    sweep();
    arm_sweep();
  });
}

void EventHub::Impl::sweep() {
  const TimePoint now = timers_.now();
  for (auto it = channels_.begin(); it != channels_.end();) {
    const Channel& c = it->second;
    if (c.idle() && now - c.idle_since >= config_.idle_timeout) {
      log().debug("events: freeing an idle channel of {}", c.user->first);
      it = erase_channel(it);
    } else {
      ++it;
    }
  }
}

EventHub::EventHub(TimerService& timers, EventHubConfig config)
    : impl_(std::make_unique<Impl>(timers, config)) {}

EventHub::~EventHub() = default;

void EventHub::publish(std::string_view user, std::string_view type, boost::json::object payload,
                       std::optional<std::string> operation_id) {
  impl_->publish(user, type, std::move(payload), operation_id);
}

bool EventHub::open_channel(const Principal& principal) {
  return impl_->open(principal) != nullptr;
}

void EventHub::close_session(std::string_view session) {
  impl_->close_session(session);
}

void EventHub::poll(const Principal& principal, std::uint64_t ack, Duration timeout,
                    http::Responder responder) {
  impl_->poll(principal, ack, timeout, std::move(responder));
}

void EventHub::connect(const Principal& principal, std::uint64_t ack, http::Responder responder) {
  impl_->connect(principal, ack, std::move(responder));
}

std::optional<ChannelState> EventHub::channel_state(std::string_view session) const {
  auto it = impl_->channels_.find(session);
  if (it == impl_->channels_.end()) return std::nullopt;
  const Channel& c = it->second;
  return ChannelState{c.user->first, c.queue.last_seq(), c.queue.size(), c.poll != nullptr,
                      !c.socket.expired()};
}

std::size_t EventHub::channels_open() const {
  return impl_->channels_.size();
}

const EventMetrics& EventHub::metrics() const {
  return impl_->metrics_;
}

void EventHub::collect(MetricsWriter& out) const {
  const EventMetrics& m = impl_->metrics_;
  using T = MetricsWriter::Type;
  out.gauge("cvw_events_channels_open", "Event channels open (one per login session).",
            static_cast<std::uint64_t>(impl_->channels_.size()));
  out.counter("cvw_events_published_total", "Events published to users.", m.published);
  out.family("cvw_events_delivered_total", T::Counter,
             "Events sent to clients, by transport (a retried poll counts again).");
  out.sample("cvw_events_delivered_total", m.delivered_websocket, {{"transport", "websocket"}});
  out.sample("cvw_events_delivered_total", m.delivered_longpoll, {{"transport", "longpoll"}});
  out.counter(
      "cvw_events_polls_replaced_total",
      "Long-polls answered 409 and WebSockets closed because a newer one took over their channel.",
      m.polls_replaced);
  out.counter("cvw_events_overflows_total",
              "Channel overflows: unacknowledged events dropped and a resync event queued.",
              m.overflows);
}

}  // namespace cvw::events
