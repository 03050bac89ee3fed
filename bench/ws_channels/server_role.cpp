// The server role of ws_channels (the parent process): cvwd's HTTP server,
// event hub, event routes and REST API wired as daemon.cpp wires them, on one
// io_context, with an in-memory SQLite directory. It makes the users and
// their sessions, hands the tokens to the client role, measures its own
// memory at each step, and runs the fan-out rounds.
//
// Memory is read from /proc/self/status (VmRSS) after malloc_trim(0), so a
// step's figure is what the step keeps rather than what malloc happens to
// cache; the bytes malloc has handed out (mallinfo2) are printed beside it,
// free of page granularity. Kernel memory of the sockets (buffers, struct
// sock) is not in either.
#include <malloc.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/api.hpp"
#include "app/directory_service.hpp"
#include "app/directory_store.hpp"
#include "app/login_throttle.hpp"
#include "app/password_worker.hpp"
#include "app/sessions.hpp"
#include "common/asio_timer_service.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "directory/user_csv.hpp"
#include "events/event_hub.hpp"
#include "events/routes.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "shared.hpp"
#include "storage/database.hpp"

namespace cvw::bench {

namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

// How long the server waits for its count of open WebSockets to reach the
// clients', and then for the last upgrades' leftovers to be freed.
constexpr auto kUpgradeWait = 10s;
constexpr auto kSettle = 500ms;
constexpr auto kBetweenRounds = 500ms;
// argon2id is never run here (no login), but PasswordWorker hashes a dummy
// password when it is made: the smallest cost keeps that out of the figures.
constexpr directory::PasswordCost kCheapCost{1, 64, 1};

struct Memory {
  long rss = 0;          // VmRSS after malloc_trim(0), bytes
  long rss_as_is = 0;    // VmRSS before it
  std::size_t heap = 0;  // malloc'd and not freed (mallinfo2: arenas + mmapped)
};

long vm_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10) * 1024;
  return 0;
}

Memory measure() {
  Memory m;
  m.rss_as_is = vm_rss_bytes();
  malloc_trim(0);
  m.rss = vm_rss_bytes();
  const struct mallinfo2 info = mallinfo2();
  m.heap = info.uordblks + info.hblkhd;
  return m;
}

double mib(double bytes) { return bytes / (1024.0 * 1024.0); }
double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

std::string user_uri(std::size_t i) { return "sip:bench" + std::to_string(i) + "@example.com"; }

// "12,345" for counts people compare at a glance.
std::string grouped(std::size_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

class ServerRole {
 public:
  ServerRole(const Options& options, int control_fd) : options_(options), control_(io_, control_fd) {}
  std::size_t event_frame_bytes() const { return event_frame_bytes_; }

  int run();

 private:
  Result<void> start();
  Result<void> add_users();
  Result<void> sign_in_and_send_tokens();
  void print_step(const char* what, const Memory& now, const Memory& before, std::size_t count, const char* unit);
  void on_control(const std::string& line);
  void on_connected(std::size_t ok, std::size_t failed, std::int64_t connect_ms);
  void wait_for_upgrades(std::size_t expected, std::chrono::steady_clock::time_point give_up);
  void report_channels();
  void start_round();
  void fan_out(std::int64_t round);
  void on_round_done(const std::string& line);
  void finish();

  const Options& options_;
  net::io_context io_;
  ControlChannel control_;
  net::steady_timer wait_{io_};
  std::unique_ptr<AsioTimerService> timers_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<app::DirectoryStore> store_;
  std::unique_ptr<app::DirectoryService> directory_;
  std::unique_ptr<app::Sessions> sessions_;
  app::LoginThrottle throttle_;
  std::unique_ptr<app::PasswordWorker> passwords_;
  MetricsRegistry metrics_;
  std::unique_ptr<events::EventHub> hub_;
  std::unique_ptr<app::Api> api_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;

  Memory empty_, with_users_, with_sessions_, with_channels_;
  std::size_t channels_ = 0;  // WebSockets the clients opened
  std::vector<std::string> fanout_users_;
  std::int64_t round_ = 0;
  std::int64_t publish_loop_ns_ = 0;
  std::size_t event_frame_bytes_ = 0;
  int exit_code_ = 0;
};

Result<void> ServerRole::start() {
  timers_ = std::make_unique<AsioTimerService>(io_);
  auto db = storage::open_database("sqlite::memory:");
  if (!db) return db.error();
  db_ = std::move(*db);
  store_ = std::make_unique<app::DirectoryStore>(*db_);
  if (auto migrated = store_->migrate(); !migrated) return migrated.error();
  directory_ = std::make_unique<app::DirectoryService>(*store_);
  if (auto loaded = directory_->load(); !loaded) return loaded;
  sessions_ = std::make_unique<app::Sessions>(*store_, *directory_);
  passwords_ = std::make_unique<app::PasswordWorker>(io_, kCheapCost);
  hub_ = std::make_unique<events::EventHub>(*timers_);
  // As daemon.cpp, except that the hub channel is not opened at sign-in
  // (Sessions::on_opened) but by the WebSocket connect (the same
  // EventHub::Impl::open, implicitly): the end state is the same, and the
  // sessions and the channels can be measured apart.
  sessions_->on_closed([this](const std::string& session_id) { hub_->close_session(session_id); });
  api_ = std::make_unique<app::Api>(*directory_, *store_, *sessions_, throttle_, *passwords_, metrics_,
                                    app::ServerInfo{"bench", 0, "sqlite", {}, {}},
                                    [this](const std::string& user, std::string_view type, boost::json::object data) {
                                      hub_->publish(user, type, std::move(data));
                                    });
  api_->register_routes(router_);
  events::register_event_routes(router_, *hub_,
                                [this](const http::Request& request) -> std::optional<events::Principal> {
                                  auto principal = api_->authenticate(request);
                                  if (!principal) return std::nullopt;
                                  return events::Principal{principal->user->sip_uri, principal->session_id};
                                });
  http::ServerConfig config;  // cvwd's defaults: 60 s idle timeout, so pings every 30 s
  config.listen = net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0);
  server_ = std::make_unique<http::Server>(io_, config, router_);
  return server_->start();
}

Result<void> ServerRole::add_users() {
  directory::UserCsv file;
  file.columns = {directory::user_field::kSipAddress, directory::user_field::kDisplayName};
  file.users.reserve(options_.channels);
  for (std::size_t i = 0; i < options_.channels; ++i) {
    directory::User u;
    u.sip_uri = user_uri(i);
    u.display_name = "Bench User " + std::to_string(i);
    file.users.push_back(std::move(u));
  }
  auto imported = directory_->import_users(std::move(file));
  if (!imported) return imported.error();
  return {};
}

// One session per user, as POST /api/v1/login makes once the password is
// verified; the access tokens go straight to the client role, so the
// server keeps only what Sessions keeps.
Result<void> ServerRole::sign_in_and_send_tokens() {
  control_.send("port " + std::to_string(server_->local_endpoint().port()));
  control_.send("tokens " + std::to_string(options_.channels));
  for (std::size_t i = 0; i < options_.channels; ++i) {
    const directory::User* user = directory_->find_user(user_uri(i));
    if (user == nullptr) return Error{500, "user " + user_uri(i) + " is missing after the import"};
    auto tokens = sessions_->open(*user);
    if (!tokens) return tokens.error();
    control_.send(tokens->access_token);
  }
  return {};
}

void ServerRole::print_step(const char* what, const Memory& now, const Memory& before, std::size_t count,
                            const char* unit) {
  const double rss = static_cast<double>(now.rss - before.rss);
  const double heap = static_cast<double>(now.heap) - static_cast<double>(before.heap);
  std::printf("  %-44s RSS %8.1f MiB  heap %8.1f MiB   %+7.0f B RSS, %+7.0f B heap per %s\n", what, mib(now.rss),
              mib(static_cast<double>(now.heap)), rss / static_cast<double>(count), heap / static_cast<double>(count),
              unit);
}

int ServerRole::run() {
  if (auto started = start(); !started) {
    std::fprintf(stderr, "ws_channels: %s\n", started.error().message.c_str());
    return 1;
  }
  const std::string n = grouped(options_.channels);
  std::printf("== (a) %s idle WebSocket event channels: server process memory\n", n.c_str());
  std::printf("  (one user and one login session per channel; RSS after malloc_trim, heap = mallinfo2)\n");
  empty_ = measure();
  std::printf("  %-44s RSS %8.1f MiB  heap %8.1f MiB\n", "empty (HTTP server listening, hub, API)", mib(empty_.rss),
              mib(static_cast<double>(empty_.heap)));
  if (auto added = add_users(); !added) {
    std::fprintf(stderr, "ws_channels: adding users: %s\n", added.error().message.c_str());
    return 1;
  }
  with_users_ = measure();
  print_step(("+ " + n + " users (directory + in-memory SQLite)").c_str(), with_users_, empty_, options_.channels,
             "user");
  if (auto signed_in = sign_in_and_send_tokens(); !signed_in) {
    std::fprintf(stderr, "ws_channels: signing in: %s\n", signed_in.error().message.c_str());
    return 1;
  }
  with_sessions_ = measure();
  print_step(("+ " + n + " login sessions").c_str(), with_sessions_, with_users_, options_.channels, "session");
  std::fflush(stdout);
  control_.send("connect");
  control_.read_lines([this](const std::string& line) { on_control(line); });
  io_.run();
  return exit_code_;
}

void ServerRole::on_control(const std::string& line) {
  std::size_t ok = 0, failed = 0;
  std::int64_t connect_ms = 0, round = 0;
  if (std::sscanf(line.c_str(), "connected %zu %zu %" SCNd64, &ok, &failed, &connect_ms) == 3)
    return on_connected(ok, failed, connect_ms);
  if (std::sscanf(line.c_str(), "ready %" SCNd64, &round) == 1) return fan_out(round);
  if (line.rfind("done ", 0) == 0) return on_round_done(line);
  if (line.empty()) return finish();  // the client role has exited
  std::fprintf(stderr, "ws_channels: unexpected line from the client role: %s\n", line.c_str());
  exit_code_ = 1;
}

void ServerRole::on_connected(std::size_t ok, std::size_t failed, std::int64_t connect_ms) {
  channels_ = ok;
  std::printf("  connected %s WebSockets in %.1f s (%.0f/s, %zu handshakes at a time), %zu failed\n",
              grouped(ok).c_str(), static_cast<double>(connect_ms) / 1000.0,
              connect_ms > 0 ? static_cast<double>(ok) * 1000.0 / static_cast<double>(connect_ms) : 0.0,
              kConnectingAtOnce, failed);
  if (failed > 0) exit_code_ = 1;
  wait_for_upgrades(ok, std::chrono::steady_clock::now() + kUpgradeWait);
}

// The client's handshake completes when the 101 arrives; the server counts
// the socket open once that write completes, a moment later.
void ServerRole::wait_for_upgrades(std::size_t expected, std::chrono::steady_clock::time_point give_up) {
  const bool all_open = server_->metrics().websockets_open >= expected && hub_->channels_open() >= expected;
  if (all_open || std::chrono::steady_clock::now() >= give_up) {
    if (!all_open) {
      std::fprintf(stderr, "ws_channels: the server has %" PRIu64 " WebSockets and %zu channels open, not %zu\n",
                   server_->metrics().websockets_open, hub_->channels_open(), expected);
      exit_code_ = 1;
    }
    wait_.expires_after(kSettle);
    wait_.async_wait([this](boost::system::error_code ec) {
      if (!ec) report_channels();
    });
    return;
  }
  wait_.expires_after(20ms);
  wait_.async_wait([this, expected, give_up](boost::system::error_code ec) {
    if (!ec) wait_for_upgrades(expected, give_up);
  });
}

void ServerRole::report_channels() {
  with_channels_ = measure();
  const std::string n = grouped(channels_);
  print_step(("+ " + n + " WebSockets upgraded and idle").c_str(), with_channels_, with_sessions_,
             std::max<std::size_t>(channels_, 1), "channel");
  std::printf("  server now: %zu hub channels, %" PRIu64 " WebSockets open; VmRSS %.1f MiB before malloc_trim\n",
              hub_->channels_open(), server_->metrics().websockets_open, mib(static_cast<double>(with_channels_.rss_as_is)));
  const double per_channel = static_cast<double>(with_channels_.rss - with_sessions_.rss) / static_cast<double>(channels_);
  const double per_signed_in = static_cast<double>(with_channels_.rss - empty_.rss) / static_cast<double>(channels_);
  std::printf("  per channel (hub channel + WebSocket):              %.0f bytes RSS\n", per_channel);
  std::printf("  per signed-in user with a channel (+ user, session): %.0f bytes RSS\n", per_signed_in);
  std::printf("  total RSS with %s channels:  %.1f MiB\n", n.c_str(), mib(static_cast<double>(with_channels_.rss)));
  if (channels_ != kTargetChannels) {
    const double scaled = static_cast<double>(empty_.rss) + per_signed_in * static_cast<double>(kTargetChannels);
    std::printf("  scaled linearly to %s channels:  %.1f MiB = %.2f GiB  (target < 2 GiB)\n",
                grouped(kTargetChannels).c_str(), mib(scaled), mib(scaled) / 1024.0);
  }
  std::fflush(stdout);
  fanout_users_.reserve(options_.fanout);
  for (std::size_t i = 0; i < options_.fanout; ++i) fanout_users_.push_back(user_uri(i));
  std::printf(
      "\n== (b) one event to each of %s channels: latency to the client's receipt, %zu rounds\n"
      "  (%s users with one channel each; one EventHub::publish() per user, all in one loop turn;\n"
      "   'from start' counts from the first publish() of the round, 'own' from that channel's publish();\n"
      "   clients acknowledge a round's events once it is over, see client_role.cpp)\n",
      grouped(options_.fanout).c_str(), options_.rounds, grouped(options_.fanout).c_str());
  start_round();
}

void ServerRole::start_round() {
  ++round_;
  control_.send("round " + std::to_string(round_) + " " + std::to_string(fanout_users_.size()));
}

// The client role is ready: every publish() of the round happens here, in
// this one handler, as an application event touching many users would.
void ServerRole::fan_out(std::int64_t round) {
  const std::int64_t start = monotonic_ns();
  for (const std::string& user : fanout_users_)
    hub_->publish(user, "benchProbe", boost::json::object{{"round", round}, {"t0", start}, {"t", monotonic_ns()}});
  publish_loop_ns_ = monotonic_ns() - start;
}

void ServerRole::on_round_done(const std::string& line) {
  std::int64_t round = 0, client_cpu = 0;
  std::size_t received = 0;
  Percentiles s, o;
  const int fields = std::sscanf(line.c_str(),
                                 "done %" SCNd64 " %zu %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64
                                 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %zu",
                                 &round, &received, &client_cpu, &s.p50, &s.p90, &s.p99, &s.max,
                                 &o.p50, &o.p90, &o.p99, &o.max, &event_frame_bytes_);
  if (fields != 12) {
    std::fprintf(stderr, "ws_channels: malformed result from the client role: %s\n", line.c_str());
    exit_code_ = 1;
    return finish();
  }
  std::printf(
      "  round %" PRId64 ": %zu/%zu received  from start p50 %6.2f  p90 %6.2f  p99 %6.2f  max %6.2f ms | "
      "own p50 %5.2f  p99 %5.2f  max %5.2f ms | publish loop %6.2f ms (%4.1f us/event), clients' CPU %5.1f ms\n",
      round, received, fanout_users_.size(), ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max), ms(o.p50), ms(o.p99),
      ms(o.max), ms(publish_loop_ns_),
      static_cast<double>(publish_loop_ns_) / 1000.0 / static_cast<double>(std::max<std::size_t>(fanout_users_.size(), 1)),
      static_cast<double>(client_cpu) / 1000.0);
  std::fflush(stdout);
  if (received != fanout_users_.size()) exit_code_ = 1;
  if (static_cast<std::size_t>(round_) < options_.rounds) {
    // A pause, so the acknowledgements of this round are in before the next.
    wait_.expires_after(kBetweenRounds);
    wait_.async_wait([this](boost::system::error_code ec) {
      if (!ec) start_round();
    });
    return;
  }
  const Memory after = measure();
  print_step("after the rounds (acks read, queues emptied)", after, with_channels_,
             std::max<std::size_t>(fanout_users_.size(), 1), "fan-out channel");
  const events::EventMetrics& m = hub_->metrics();
  std::printf("  hub: %" PRIu64 " published, %" PRIu64 " frames sent; server: %" PRIu64
              " WebSockets dropped as slow\n",
              m.published, m.delivered_websocket, server_->metrics().websockets_dropped_slow);
  std::fflush(stdout);
  control_.send("quit");
}

void ServerRole::finish() {
  // The client role has exited (its sockets are closed). Drop what holds the
  // loop: the hub's sweep timer, the listener, the control socket.
  wait_.cancel();
  hub_.reset();
  timers_.reset();
  server_->stop();
  control_.close();
  io_.stop();
}

}  // namespace

int run_server(const Options& options, int control_fd, std::size_t& event_frame_bytes) {
  init_logging(spdlog::level::warn);
  ServerRole role(options, control_fd);
  const int code = role.run();
  event_frame_bytes = role.event_frame_bytes();
  return code;
}

}  // namespace cvw::bench
