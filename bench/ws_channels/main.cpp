// ws_channels: the event channel at scale (issue #3). Prints
//  (a) the server's memory with N idle WebSocket event channels held (target:
//      50,000 in under 2 GiB), in all and per channel;
//  (b) the delivery latency of one event published to each of K channels in
//      one loop turn (target: p99 < 20 ms), from the start of the fan-out
//      and from each channel's own publish() call to the client's receipt,
//      over a few rounds;
//  (c) the kernel's floor for (b): the same fan-out as plain send()s of a
//      frame of the same size on as many loopback TCP connections, without
//      any cvw code (kernel_floor.cpp), so (b) can be read against what no
//      user-space design on one sending core beats.
//
//   ws_channels [--channels=N] [--fanout=K] [--rounds=R] [--no-pin] [--no-floor]
//   (defaults 50000, 10000, 5; server on CPU 0, clients on CPU 1)
//
// Two processes, so that the server's VmRSS holds the server alone: this one
// runs the real http::Server, EventHub, event routes and the application's
// authentication (app::Api over app::Sessions on an in-memory SQLite
// directory); a forked child holds the client WebSockets. The users and
// their login sessions are made through DirectoryService::import_users and
// Sessions::open (what POST /login does after the argon2id check, which
// would take minutes for 50,000 users); each client authenticates with its
// own session's bearer token, so the upgrade goes through the same
// authentication as in cvwd.
//
// Each socket is a descriptor in each process: RLIMIT_NOFILE is raised to
// the hard limit, and when that holds fewer than N the benchmark says so,
// holds what fits and scales the totals to 50,000.
//
// Prints figures; exits non-zero only when the run could not happen (no
// listener, a role failed), never because of a target.
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>

#include "shared.hpp"

namespace {

using cvw::bench::Options;

// Descriptors a role uses besides its sockets (stdio, epoll, eventfd,
// timerfd, the control socket, the listener) with room to spare.
constexpr std::size_t kSpareDescriptors = 64;

std::optional<std::size_t> number_option(std::string_view arg, std::string_view name) {
  if (!arg.starts_with(name) || arg.size() <= name.size() || arg[name.size()] != '=') return std::nullopt;
  const std::string text(arg.substr(name.size() + 1));
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0' || value == 0) return std::nullopt;
  return static_cast<std::size_t>(value);
}

std::optional<Options> parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--no-pin") {
      o.pin = false;
    } else if (arg == "--no-floor") {
      o.floor = false;
    } else if (auto n = number_option(arg, "--channels")) {
      o.channels = *n;
    } else if (auto k = number_option(arg, "--fanout")) {
      o.fanout = *k;
    } else if (auto r = number_option(arg, "--rounds")) {
      o.rounds = *r;
    } else {
      std::fprintf(stderr, "ws_channels: unknown or malformed argument \"%s\"\n", argv[i]);
      return std::nullopt;
    }
  }
  return o;
}

// Raises RLIMIT_NOFILE as far as the hard limit goes; returns how many
// channels fit (N, or fewer with a message saying why).
std::size_t fit_descriptor_limit(std::size_t channels) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  const rlim_t wanted = channels + kSpareDescriptors;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min<rlim_t>(wanted, limit.rlim_max);
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    std::fprintf(stderr, "ws_channels: setrlimit(RLIMIT_NOFILE, %llu): %s\n",
                 static_cast<unsigned long long>(limit.rlim_cur), std::strerror(errno));
  }
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur >= wanted) return channels;
  const std::size_t fit =
      limit.rlim_cur > kSpareDescriptors + 100 ? (limit.rlim_cur - kSpareDescriptors) / 100 * 100 : 0;
  std::printf(
      "NOTE: RLIMIT_NOFILE hard limit is %llu; %zu channels need %llu descriptors in each process\n"
      "      (one per socket). Holding %zu channels instead; totals are also shown scaled to %zu.\n"
      "      To measure %zu directly raise the hard limit first (root: ulimit -Hn %llu, or\n"
      "      LimitNOFILE= / docker --ulimit nofile=).\n",
      static_cast<unsigned long long>(limit.rlim_max), channels, static_cast<unsigned long long>(wanted), fit,
      cvw::bench::kTargetChannels, channels, static_cast<unsigned long long>(wanted));
  return fit;
}

// Pins the calling process to one CPU, so the server and the clients do not
// take turns on one core (both are single-threaded).
void pin_to(int cpu, const char* role) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0)
    std::fprintf(stderr, "ws_channels: cannot pin the %s to CPU %d: %s\n", role, cpu, std::strerror(errno));
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<Options> options = parse_options(argc, argv);
  if (!options) {
    std::fprintf(
        stderr,
        "usage: ws_channels [--channels=N] [--fanout=K] [--rounds=R] [--no-pin] [--no-floor]\n");
    return 2;
  }
  options->channels = fit_descriptor_limit(options->channels);
  if (options->channels == 0) {
    std::fprintf(stderr, "ws_channels: the descriptor limit leaves no room for channels\n");
    return 2;
  }
  options->fanout = std::min(options->fanout, options->channels);
  if (options->pin && sysconf(_SC_NPROCESSORS_ONLN) < 2) {
    std::printf("NOTE: fewer than 2 CPUs online; server and clients share one (not pinned)\n");
    options->pin = false;
  }
  std::fflush(stdout);  // the child must not print the parent's buffered text again

  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    std::perror("ws_channels: socketpair");
    return 1;
  }
  const pid_t client = fork();
  if (client < 0) {
    std::perror("ws_channels: fork");
    return 1;
  }
  if (client == 0) {
    close(pair[0]);
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive the server role
    if (options->pin) pin_to(1, "clients");
    std::exit(cvw::bench::run_client(pair[1]));
  }
  close(pair[1]);
  if (options->pin) pin_to(0, "server");
  std::size_t event_frame_bytes = 0;
  const int code = cvw::bench::run_server(*options, pair[0], event_frame_bytes);
  int status = 0;
  waitpid(client, &status, 0);
  if (code == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    std::fprintf(stderr, "ws_channels: the client process failed (status %d)\n", status);
    return 1;
  }
  if (code != 0 || !options->floor) return code;
  return cvw::bench::run_kernel_floor(*options, event_frame_bytes);
}
