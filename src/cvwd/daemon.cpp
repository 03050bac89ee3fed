#include "cvwd/daemon.hpp"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>

#include "app/api.hpp"
#include "app/incoming_planner.hpp"
#include "app/invite_admission.hpp"
#include "app/registration_store.hpp"
#include "app/sip_registrar.hpp"
#include "calls/call_router.hpp"
#include "calls/call_service.hpp"
#include "calls/engine_media.hpp"
#include "common/log.hpp"
#include "cvwd/demo.hpp"
#include "events/event_hub.hpp"
#include "events/routes.hpp"
#include "http/server.hpp"
#include "http/tls.hpp"
#include "media/media_engine.hpp"
#include "registrar/location_service.hpp"
#include "sip/auth/digest.hpp"
#include "sip/stack/sip_stack.hpp"
#include "storage/database.hpp"
#include "storage/storage_url.hpp"

namespace cvw::cvwd {

namespace net = boost::asio;

namespace {

constexpr const char* kVersion = "0.1.0";

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void collect_calls(const calls::CallService& calls, const media::MediaEngine& media, MetricsWriter& out) {
  using T = MetricsWriter::Type;
  const auto& c = calls.metrics();
  out.gauge("cvw_calls_active", "Calls in progress (click-to-calls and incoming calls).",
            static_cast<std::uint64_t>(calls.active()));
  out.counters("cvw_calls_started_total", "Calls started, by direction.", "direction",
               {{"outgoing", c.started}, {"incoming", c.incoming}});
  out.counter("cvw_calls_connected_total",
              "Calls connected: the user's phone and the callee, or the caller and the user's "
              "client or phone.",
              c.connected);
  out.counter("cvw_calls_refused_total", "Calls refused because the user had too many in progress.",
              c.refused_limit);
  out.family("cvw_calls_ended_total", T::Counter, "Calls ended, by reason.");
  for (std::size_t i = 0; i < c.ended.size(); ++i) {
    out.sample("cvw_calls_ended_total", c.ended[i],
               {{"reason", calls::to_string(static_cast<calls::EndCode>(i))}});
  }
  const auto& m = media.metrics();
  out.gauge("cvw_media_channels_open",
            "RTP endpoints of cvw's own media (ringback, relay) in use now.", m.channels_open);
  out.gauge("cvw_media_channels_pooled", "RTP/RTCP port pairs of ended calls kept bound for reuse.",
            m.channels_pooled);
  out.counter("cvw_media_channels_reused_total", "RTP channels opened on a pooled port pair.",
              m.channels_reused);
  out.counter("cvw_media_stale_packets_dropped_total",
              "Datagrams for an ended call, read on its port pair and dropped.",
              m.stale_packets_dropped);
  out.counter(
      "cvw_media_stale_pairs_closed_total",
      "Pooled port pairs closed instead of reused: their last call's peer was still sending.",
      m.stale_pairs_closed);
  out.counters("cvw_media_rtp_packets_total", "RTP packets of cvw's own media.", "direction",
               {{"out", m.packets_sent}, {"in", m.packets_received}});
  out.counter("cvw_media_relayed_packets_total",
              "RTP/RTCP packets relayed between two channels (anchored media).", m.packets_relayed);
  out.counters("cvw_media_relay_dropped_packets_total",
               "Packets a forwarding channel received and did not relay.", "reason",
               {{"no_target_or_send_error", m.relay_drops}, {"malformed", m.relay_malformed}});
}

// The click-to-call rules from the configuration: the trunk the calls go to
// (calls.trunk, else the first), the domain of our own URIs, the timers.
// cvw's first SIP listener as a loose route, where a click-to-call to a
// user is sent so that it rings as any call to them. A wildcard listener is
// reached on loopback.
std::string self_route(const Config& config) {
  if (config.sip_listen.empty()) return {};
  const sip::transport::ListenAddress& l = config.sip_listen.front();
  net::ip::address address = l.address;
  if (address.is_unspecified()) {
    address = address.is_v6() ? net::ip::address(net::ip::address_v6::loopback())
                               : net::ip::address(net::ip::address_v4::loopback());
  }
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return "<sip:" + host + ":" + std::to_string(l.port) + ";lr" +
         (l.protocol == sip::Protocol::Tcp ? ";transport=tcp" : "") + ">";
}

app::CallSettings call_settings(const Config& config) {
  app::CallSettings s;
  s.emergency_numbers = config.calls.emergency_numbers;
  s.caller_id_name = config.calls.caller_id_name;
  s.domain = config.domains.empty() ? "cvw.local" : config.domains.front();
  for (const auto& t : config.trunks) {
    if (config.calls.trunk.empty() || t.name == config.calls.trunk) {
      s.trunk = t.address;
      break;
    }
  }
  s.phone_ring_timeout = std::chrono::seconds(config.calls.ring_timeout);
  s.callee_ring_timeout = std::chrono::seconds(config.calls.callee_ring_timeout);
  s.self_route = self_route(config);
  return s;
}

// Who an incoming call rings and for how long, from the configuration.
app::IncomingSettings incoming_call_settings(const Config& config, const std::string& media_address) {
  app::IncomingSettings s;
  s.domains = config.domains;
  s.trunk = call_settings(config).trunk;
  s.callback_ring_timeout = std::chrono::seconds(config.calls.ring_timeout);
  s.forward_ring_timeout = std::chrono::seconds(config.calls.callee_ring_timeout);
  s.sdp_address = media_address;
  return s;
}

void collect_sip(sip::SipStack& stack, MetricsWriter& out) {
  using T = MetricsWriter::Type;
  const auto& t = stack.transport().metrics();
  out.counters("cvw_sip_messages_total", "SIP messages received and sent.", "direction",
               {{"in", t.received}, {"out", t.sent}});
  // By method and by response class, each way: what Kamailio's and
  // FreeSWITCH's exporters show, and what tells a REGISTER storm from a
  // call storm.
  const std::array both{std::pair{"in", &t.in}, std::pair{"out", &t.out}};
  out.family("cvw_sip_requests_total", T::Counter, "SIP requests received and sent, by method (retransmissions included).");
  for (const auto& [direction, traffic] : both) {
    for (std::size_t m = 0; m < traffic->requests.size(); ++m) {
      const auto method = static_cast<sip::Method>(m);
      out.sample("cvw_sip_requests_total", traffic->requests[m],
                 {{"direction", direction}, {"method", method == sip::Method::Unknown ? "other" : sip::method_name(method)}});
    }
  }
  out.family("cvw_sip_responses_total", T::Counter,
             "SIP responses received and sent, by class (retransmissions included).");
  for (const auto& [direction, traffic] : both) {
    for (std::size_t c = 0; c < traffic->responses.size(); ++c) {
      out.sample("cvw_sip_responses_total", traffic->responses[c],
                 {{"direction", direction}, {"class", std::to_string(c + 1) + "xx"}});
    }
  }
  out.counter("cvw_sip_messages_rejected_total",
              "Malformed SIP requests answered statelessly (400/505).", t.rejected);
  out.counter("cvw_sip_messages_dropped_total", "SIP input that could not be answered.", t.dropped);
  out.counter(
      "cvw_sip_send_errors_total",
      "SIP messages that could not be sent (socket error, no listener, TCP connect failed).",
      t.send_errors);
  out.counter("cvw_sip_icmp_errors_total",
              "ICMP errors (port or host unreachable) read for UDP datagrams cvw sent; each "
              "ends the request's transaction it quotes.",
              t.icmp_errors);
  out.counters("cvw_sip_connections_total", "SIP TCP connections opened and closed.", "event",
               {{"opened", t.connections_opened}, {"closed", t.connections_closed}});
  const auto& x = stack.transactions().metrics();
  out.counters("cvw_sip_transactions_total", "SIP transactions created, by kind.", "kind",
               {{"client_invite", x.client_invite.created},
                {"client_non_invite", x.client_non_invite.created},
                {"server_invite", x.server_invite.created},
                {"server_non_invite", x.server_non_invite.created}});
  const std::uint64_t open = x.client_invite.created + x.client_non_invite.created + x.server_invite.created +
                             x.server_non_invite.created - x.client_invite.terminated -
                             x.client_non_invite.terminated - x.server_invite.terminated -
                             x.server_non_invite.terminated;
  out.gauge("cvw_sip_transactions_open", "SIP transactions alive now.", open);
  out.counters("cvw_sip_retransmissions_total", "SIP retransmissions sent and absorbed.",
               "direction", {{"out", x.retransmissions_sent}, {"in", x.retransmissions_absorbed}});
  out.gauge("cvw_sip_dialogs_open", "INVITE sessions (dialogs) alive now.",
            static_cast<std::uint64_t>(stack.ua().session_count()));
  // Timers due within a minute (transactions, ring times) and later (session
  // refreshes) have tables of their own; slots well above pending are room
  // a burst left.
  const auto& timers = stack.timer_tables();
  const std::array tables{std::pair{"short", timers.short_table()},
                          std::pair{"long", timers.long_table()}};
  out.family("cvw_timers_pending", T::Gauge,
             "Protocol timers set and not yet fired or cancelled, by table.");
  for (const auto& [name, size] : tables)
    out.sample("cvw_timers_pending", size.pending, {{"table", name}});
  out.family("cvw_timer_slots", T::Gauge, "Slots of the timer tables, live and free, by table.");
  for (const auto& [name, size] : tables)
    out.sample("cvw_timer_slots", size.slots, {{"table", name}});
}

Result<net::ip::tcp::endpoint> http_endpoint(const std::string& listen) {
  // "IP:PORT" or "[IPv6]:PORT", already checked by the configuration loader.
  const auto colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) return Error{2, "http.listen: not an IP address: " + host};
  return net::ip::tcp::endpoint(address, static_cast<unsigned short>(std::stoi(listen.substr(colon + 1))));
}

int fail(const std::string& message) {
  std::fprintf(stderr, "cvwd: %s\n", message.c_str());
  log().error("cvwd: {}", message);
  return 2;
}

// Every call holds descriptors (an RTP and an RTCP socket, two more for each
// pair kept in the media pool), as does every HTTP and WebSocket client; the
// usual soft limit of 1,024 is reached at a few hundred calls. Raise it to
// the hard limit the administrator allows (as HAProxy does), and
// say what it is, since running out shows up as refused calls.
void raise_open_files_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  log().info("cvwd: open files limit {}", static_cast<unsigned long long>(limit.rlim_cur));
}

// SIGINT, SIGTERM and SIGHUP are taken by the event loop's thread only. They
// are blocked from the start of run_daemon(), so every worker thread started
// after (history and registration writers, password hashing) inherits the
// mask and never receives one, and one that comes during start-up waits; the
// loop's thread lets them through while it runs (stop_signals_while()).
void block_stop_signals(bool blocked) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, &set, nullptr);
}

}  // namespace

int run_daemon(DaemonOptions options) {
  const Config& config = options.config;
  block_stop_signals(true);
  raise_open_files_limit();

  // Storage first: nothing else is worth starting without it.
  auto url = storage::parse_storage_url(config.storage_url);
  if (!url) return fail("storage.url: " + url.error().message);
  log().info("cvwd: storage {}", storage::redact_url(config.storage_url));
  auto db = storage::open_database(config.storage_url);
  if (!db) return fail(db.error().message);
  app::DirectoryStore store(**db);
  auto version = store.migrate();
  if (!version) return fail("storage migration: " + version.error().message);
  log().info("cvwd: storage schema version {}", *version);
  app::DirectoryService directory(store);
  if (auto r = directory.load(); !r) return fail("loading the directory: " + r.error().message);
  const directory::PasswordCost password_cost;
  if (options.demo) {
    if (auto r = create_demo_directory(directory, password_cost); !r) return fail("--demo: " + r.error().message);
  }
  log().info("cvwd: directory of {} users", directory.user_count());

  net::io_context io;
  app::Sessions sessions(store, directory);
  if (auto r = sessions.load(); !r) return fail("loading sessions: " + r.error().message);
  app::LoginThrottle throttle;
  app::PasswordWorker passwords(io, password_cost);

  // SIP.
  sip::StackConfig stack_config;
  stack_config.user_agent = std::string("cvw/") + kVersion;
  stack_config.transport.listen = config.sip_listen;
  stack_config.session_expires = config.sip_timers.session_expires;
  stack_config.min_se = config.sip_timers.min_se;
  sip::SipStack stack(io, stack_config);
  if (auto r = stack.start(); !r) return fail(r.error().message);
  for (const auto& la : stack.transport().bound()) log().info("cvwd: SIP listening on {}", la.to_string());

  // HTTP(S).
  auto endpoint = http_endpoint(config.http_listen);
  if (!endpoint) return fail(endpoint.error().message);
  http::ServerConfig http_config;
  http_config.listen = *endpoint;
  http_config.server_name = std::string("cvw/") + kVersion;
  if (config.http_tls) {
    auto created = http::ensure_self_signed(config.tls_certificate, config.tls_key, {"localhost", "127.0.0.1", "::1"});
    if (!created) return fail(created.error().message);
    if (*created)
      log().warn("cvwd: created a self-signed certificate {} (key {}); replace it with one your clients trust",
                 config.tls_certificate, config.tls_key);
    auto tls = http::make_server_tls(config.tls_certificate, config.tls_key);
    if (!tls) return fail(tls.error().message);
    http_config.tls = *tls;
  }

  MetricsRegistry metrics;
  http::Router router;
  app::ServerInfo info;
  info.version = kVersion;
  info.started = unix_now();
  info.storage_backend = std::string((*db)->backend());
  for (const auto& t : config.trunks) {
    app::TrunkInfo ti{t.name, t.address.to_string(), {}, !t.username.empty()};
    for (const auto& a : t.allowed_sources) ti.allowed_sources.push_back(a.to_string());
    info.trunks.push_back(std::move(ti));
  }
  http::Server* server_ptr = nullptr;
  info.runtime_status = [&stack, &server_ptr](boost::json::object& o) {
    boost::json::array listeners;
    for (const auto& la : stack.transport().bound()) listeners.emplace_back(la.to_string());
    o["sip"] = {{"listeners", std::move(listeners)},
                {"messagesIn", stack.transport().metrics().received},
                {"messagesOut", stack.transport().metrics().sent}};
    o["http"] = {{"connectionsOpen", server_ptr ? server_ptr->metrics().connections_open : 0}};
  };
  // The event channel: one queue per signed-in session, opened at sign-in so
  // nothing published before the client's first poll is lost.
  events::EventHub hub(stack.timers());
  sessions.on_opened([&hub](const app::Principal& p) {
    if (p.user) hub.open_channel(events::Principal{p.user->sip_uri, p.session_id});
  });
  sessions.on_closed([&hub](const std::string& session_id) { hub.close_session(session_id); });
  app::Api api(directory, store, sessions, throttle, passwords, metrics, std::move(info),
               [&hub](const std::string& user, std::string_view type, boost::json::object data) {
                 hub.publish(user, type, std::move(data));
               });

  // Click-to-call: cvw's own RTP (ringback; the relay when media is
  // anchored), the calls in progress, and each change of a call on its
  // owner's event channel. The history of ended calls is read on the loop
  // with the directory's connection and written by a thread of its own on a
  // second connection (app/call_history.hpp); a private in-memory SQLite
  // database cannot be opened twice, so there the loop writes.
  // A second connection for a batch writer's thread (storage/batch_writer.hpp);
  // none for a private in-memory SQLite database, which cannot be opened twice.
  auto writer_connection = [&]() -> Result<std::unique_ptr<storage::Database>> {
    if (url->backend == storage::StorageUrl::Backend::sqlite && url->target == ":memory:")
      return std::unique_ptr<storage::Database>{};
    return storage::open_database(config.storage_url);
  };
  auto history_writer = writer_connection();
  if (!history_writer) return fail("call history writer: " + history_writer.error().message);
  media::MediaEngine media_engine(io, config.media);
  app::CallHistory history(**db, stack.timers(), std::move(*history_writer));
  calls::CallService calls(
      stack.ua(), stack.timers(), [&media_engine, anchored = config.calls.anchor_media] {
        return calls::open_call_media(media_engine, anchored);
      },
      calls::CallServiceConfig{config.calls.max_per_user}, [&hub, &history](const calls::CallInfo& call) {
        hub.publish(call.owner, "call", boost::json::object{{"call", app::to_json(call)}}, call.operation_id);
        if (call.state == calls::CallState::Ended) history.record(call);
      });
  api.set_calls(calls, call_settings(config), history);
  // The registrar of UC SIP clients: digest against the users' HA1s, the
  // bindings in memory and stored (restored at start, before REGISTER is
  // served; every change saved by a writer thread), expired ones purged each
  // minute; incoming calls ring the clients registered here. Failed REGISTERs count in a throttle of their own, like logins.
  registrar::LocationService locations(config.registrar.limits);
  auto registrations_writer = writer_connection();
  if (!registrations_writer) return fail("registrations writer: " + registrations_writer.error().message);
  app::RegistrationStore registrations(**db, stack.timers(), std::move(*registrations_writer));
  // Bindings of users deleted while cvwd was down are dropped, and their rows deleted.
  auto restored = registrations.load_into(locations, registrar::WallClock::now(), [&directory](std::string_view aor) {
    return directory.find_user_by_key(std::string(aor)) != nullptr;  // AoRs are sip_uri_key()s
  });
  if (!restored) return fail("loading registrations: " + restored.error().message);
  log().info("cvwd: {} registration(s) restored", *restored);
  locations.on_change = [&registrations](std::string_view aor, const std::vector<registrar::Binding>& now) {
    registrations.save(aor, now);
  };
  sip::auth::DigestVerifierOptions digest_options;
  digest_options.nonce_lifetime = std::chrono::seconds(config.registrar.nonce_lifetime);
  digest_options.max_tracked_nonces = config.registrar.max_tracked_nonces;
  sip::auth::DigestVerifier digest(digest_options);
  app::LoginThrottle register_throttle;
  // One authenticator for REGISTER and for calls from UC clients: the same
  // nonces, the same throttle (a password guessed through INVITE is as bad).
  app::SipAuthenticator sip_auth(directory, digest, register_throttle, config.registrar.digest_algorithms);
  app::SipRegistrar sip_registrar(locations, sip_auth, config.domains);
  stack.ua().serve(sip::Method::Register, &sip_registrar);
  // Housekeeping each minute: expired registrations, and login sessions
  // nobody can refresh any more (with their event channels).
  std::function<void()> purge_expired;
  TimerService::Handle purge_timer = 0;
  purge_expired = [&] {
    if (const std::size_t n = locations.purge(registrar::WallClock::now()); n > 0)
      log().info("sip registrar: {} expired registration(s) removed", n);
    if (auto n = sessions.purge_expired(); !n) {
      log().warn("sessions: expired sessions not purged: {}", n.error().message);
    } else if (*n > 0) {
      log().info("sessions: {} expired session(s) ended", *n);
    }
    purge_timer = stack.timers().schedule(std::chrono::seconds(60), purge_expired);
  };
  purge_timer = stack.timers().schedule(std::chrono::seconds(60), purge_expired);
  // INVITEs outside a dialog: transfers into a call (from the trunks only);
  // anything else is a call to a user, from the trunk or from a UC client
  // that authenticates, rung on the user's clients and phone.
  std::vector<net::ip::address> trunk_sources;
  for (const auto& t : config.trunks) trunk_sources.insert(trunk_sources.end(), t.allowed_sources.begin(), t.allowed_sources.end());
  app::InviteAdmission admission(directory, locations, sip_auth, calls,
                                 incoming_call_settings(config, config.media.address.to_string()));
  calls::CallRouter router_of_invites(calls, stack.ua(), std::move(trunk_sources),
                                      [&admission](std::shared_ptr<sip::dialog::InviteSession> session,
                                                   calls::InviteSource source) {
                                        admission.admit(std::move(session), source);
                                      });
  stack.ua().set_handler(&router_of_invites);

  api.register_routes(router);
  events::register_event_routes(router, hub, [&api](const http::Request& request) -> std::optional<events::Principal> {
    auto principal = api.authenticate(request);
    if (!principal) return std::nullopt;
    return events::Principal{principal->user->sip_uri, principal->session_id};
  });

  http::Server server(io, http_config, router);
  server_ptr = &server;
  if (auto r = server.start(); !r) return fail(r.error().message);
  log().info("cvwd: API on {}://{}", config.http_tls ? "https" : "http", config.http_listen);

  metrics.add([&stack](MetricsWriter& out) { collect_sip(stack, out); });
  metrics.add([](MetricsWriter& out) {
    // What RSS cannot show: memory freed to malloc but kept by it. The
    // per-call memory benchmark reads it before and after the set-up's
    // transactions end.
    const struct mallinfo2 heap = mallinfo2();
    out.gauge("cvw_process_heap_bytes", "Bytes allocated with malloc and not yet freed (glibc mallinfo2).",
              heap.uordblks + heap.hblkhd);
  });
  metrics.add([&server](MetricsWriter& out) { server.collect(out); });
  metrics.add([&hub](MetricsWriter& out) { hub.collect(out); });
  metrics.add([&calls, &media_engine](MetricsWriter& out) { collect_calls(calls, media_engine, out); });
  metrics.add([&history](MetricsWriter& out) {
    const app::CallHistoryMetrics h = history.metrics();
    out.counters("cvw_call_history_records_total",
                 "Ended calls the call history committed, or lost to a failed commit (logged).",
                 "outcome", {{"written", h.written}, {"failed", h.write_failures}});
  });
  metrics.add([&sip_registrar, &locations, &digest](MetricsWriter& out) {
    const app::SipRegistrarMetrics& m = sip_registrar.metrics();
    out.counters("cvw_registrar_requests_total",
                 "REGISTER requests by what the registrar answered.", "outcome",
                 {{"registered", m.registered},
                  {"queried", m.queried},
                  {"challenged", m.challenged},
                  {"auth_failed", m.auth_failed},
                  {"throttled", m.throttled},
                  {"refused", m.refused}});
    out.gauge("cvw_registrar_bindings",
              "Contacts registered now (expired ones until the next purge).",
              locations.binding_count());
    out.gauge("cvw_registrar_aors", "Users with at least one contact registered.",
              locations.aor_count());
    out.gauge("cvw_registrar_nonces_tracked",
              "Nonces the replay guard remembers (used, not yet expired); at "
              "registrar.max_tracked_nonces new ones are refused as stale.",
              digest.tracked_nonces());
  });
  metrics.add([&registrations](MetricsWriter& out) {
    const app::RegistrationStoreMetrics r = registrations.metrics();
    out.counters("cvw_registrar_store_writes_total",
                 "Changes of an AoR's bindings the registration store committed, or lost to a "
                 "failed commit (logged).",
                 "outcome", {{"written", r.written}, {"failed", r.write_failures}});
  });
  metrics.add([&router_of_invites](MetricsWriter& out) {
    const auto& r = router_of_invites.metrics();
    out.counters("cvw_sip_invites_routed_total",
                 "INVITEs outside a dialog, by what cvwd did with them.", "outcome",
                 {{"refused_source", r.refused_source},
                  {"replaced", r.replaced},
                  {"unavailable", r.unavailable},
                  {"incoming", r.incoming},
                  {"client", r.elsewhere}});
  });
  metrics.add([&admission](MetricsWriter& out) {
    const app::InviteAdmissionMetrics& a = admission.metrics();
    out.counters("cvw_sip_calls_admitted_total",
                 "Calls to users (from the trunk or from UC clients), by what cvwd answered.",
                 "outcome",
                 {{"rung", a.rung},
                  {"refused", a.refused},
                  {"challenged", a.challenged},
                  {"auth_failed", a.auth_failed}});
  });
  metrics.add([&directory, &sessions](MetricsWriter& out) {
    out.gauge("cvw_directory_users", "Users in the directory.",
              static_cast<std::uint64_t>(directory.user_count()));
    out.gauge("cvw_sessions_open", "Signed-in API sessions.",
              static_cast<std::uint64_t>(sessions.size()));
  });

  net::signal_set reload_signal(io, SIGHUP);
  net::steady_timer drain_timer(io);
  std::chrono::steady_clock::time_point drain_until;
  std::function<void()> drain = [&] {
    if (server.metrics().connections_open == 0 || std::chrono::steady_clock::now() >= drain_until) return io.stop();
    drain_timer.expires_after(std::chrono::milliseconds(20));
    drain_timer.async_wait([&](boost::system::error_code ec) {
      if (!ec) drain();
    });
  };
  net::signal_set stop_signals(io, SIGINT, SIGTERM);
  stop_signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    log().info("cvwd: signal {}: stopping", signal);
    // CANCEL or BYE every call first, while the SIP stack can still send.
    if (calls.active() > 0) log().info("cvwd: hanging up {} calls", calls.active());
    calls.hang_up_all();
    stack.timers().cancel(purge_timer);
    server.stop();
    stack.stop();
    reload_signal.cancel();
    // In-flight HTTP replies finish first (a held long-poll is answered by
    // the server's stop); a peer that never reads gets 5 s.
    drain_until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    drain();
    // A second signal while draining means now: an operator's second ^C, a
    // supervisor's second SIGTERM after its grace period.
    stop_signals.async_wait([&](boost::system::error_code again_ec, int again) {
      if (again_ec) return;
      log().info("cvwd: signal {} again: stopping now", again);
      io.stop();
    });
  });
  std::function<void()> wait_reload = [&] {
    reload_signal.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      if (options.config_file.empty()) {
        log().info("cvwd: SIGHUP: no configuration file to re-read");
      } else if (auto next = load_config_file(options.config_file); !next) {
        log().error("cvwd: SIGHUP: {}: {}; keeping the running configuration", options.config_file,
                    next.error().message);
      } else {
        if (next->log_level != options.config.log_level) {
          set_log_level(spdlog::level::from_str(next->log_level));
          log().info("cvwd: SIGHUP: log.level is now {}", next->log_level);
          options.config.log_level = next->log_level;
        }
        if (next->http_listen != config.http_listen || next->storage_url != config.storage_url ||
            next->http_tls != config.http_tls || next->trunks.size() != config.trunks.size() ||
            next->log_format != config.log_format)
          log().warn("cvwd: SIGHUP: changes to listen addresses, storage, TLS, trunks or log.format apply after a restart");
        log().info("cvwd: SIGHUP: configuration re-read");
      }
      wait_reload();
    });
  };
  wait_reload();

  log().info("cvwd: running (version {})", kVersion);
  block_stop_signals(false);  // a signal that came during start-up is delivered now
  io.run();
  // From here the process is exiting: the teardown (the history writer's
  // last commits, storage) must not be cut short by a late signal. Clearing
  // a signal_set gives its signals back to SIG_DFL, whose action for all
  // three is to terminate, so they are blocked (in every thread now) first
  // and then ignored.
  block_stop_signals(true);
  stop_signals.clear();
  reload_signal.clear();
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGTERM, SIG_IGN);
  std::signal(SIGHUP, SIG_IGN);
  const auto& m = stack.transport().metrics();
  log().info("cvwd: stopped ({} SIP messages in, {} out; {} HTTP connections accepted)", m.received, m.sent,
             server.metrics().connections_accepted);
  return 0;
}

}  // namespace cvw::cvwd
