// Section (c) of ws_channels: the kernel's own floor for a fan-out. The same
// number of loopback TCP connections as (b), the same pinning (sender on
// CPU 0, receivers on CPU 1), one frame of the same size per connection, but
// nothing of cvw: no hub, no JSON, no WebSocket framing, no Asio, one plain
// send() per connection in a loop and one epoll loop of read()s on the other
// side. What (b) takes beyond this is cvw's; what this takes is the kernel's
// (on loopback each send() also runs the receiving socket's TCP input and
// the wake-up of its reader), and no user-space design on one sending core
// goes below it.
//
// The receivers connect from a forked child, as in (a) and (b), so each
// process holds one descriptor per connection.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <vector>

#include "shared.hpp"

namespace cvw::bench {

namespace {

// What the receiving child reports for a round, over a pipe.
struct RoundResult {
  std::size_t received = 0;
  Percentiles from_start;
};

void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof set, &set);
}

bool write_all(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool read_all(int fd, void* data, std::size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// The receiving side: connects `count` sockets, then for each round reads
// until one frame has come on every socket, stamping each on arrival. A
// frame starts with the sender's start time; frames are small enough to
// come in one read.
[[noreturn]] void receive(const sockaddr_in& server, std::size_t count, std::size_t rounds,
                          std::size_t frame_bytes, int to_parent, int from_parent) {
  std::vector<int> sockets;
  sockets.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || ::connect(s, reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0)
      break;
    sockets.push_back(s);
  }
  const std::size_t connected = sockets.size();
  write_all(to_parent, &connected, sizeof connected);
  const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  for (std::size_t i = 0; i < sockets.size(); ++i) {
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u64 = i;
    ::epoll_ctl(epoll, EPOLL_CTL_ADD, sockets[i], &e);
  }
  std::vector<char> buffer(std::max<std::size_t>(frame_bytes, 64) * 4);
  std::vector<std::int64_t> from_start;
  from_start.reserve(connected);
  for (std::size_t round = 0; round < rounds; ++round) {
    char go = 0;
    if (!read_all(from_parent, &go, 1)) break;
    from_start.clear();
    std::array<epoll_event, 256> events{};
    while (from_start.size() < connected) {
      const int n = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 10000);
      if (n <= 0) break;  // 10 s without a frame: report what came
      for (int i = 0; i < n; ++i) {
        const ssize_t got = ::read(sockets[events[i].data.u64], buffer.data(), buffer.size());
        const std::int64_t now = monotonic_ns();
        if (got < static_cast<ssize_t>(sizeof(std::int64_t))) continue;
        std::int64_t start = 0;
        std::memcpy(&start, buffer.data(), sizeof start);
        from_start.push_back(now - start);
      }
    }
    const RoundResult result{from_start.size(), percentiles(from_start)};
    write_all(to_parent, &result, sizeof result);
  }
  std::_Exit(0);
}

double ms(std::int64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

}  // namespace

int run_kernel_floor(const Options& options, std::size_t frame_bytes) {
  frame_bytes = std::max(frame_bytes, sizeof(std::int64_t));
  std::printf(
      "\n== (c) the kernel's floor for (b): one send() of a %zu-byte frame on each of %zu loopback "
      "TCP\n"
      "  connections, %zu rounds, pinned as (b); no cvw code at all (no hub, JSON, WebSocket or "
      "Asio)\n",
      frame_bytes, options.fanout, options.rounds);
  std::fflush(stdout);

  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listener < 0 ||
      ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener, 4096) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::fprintf(stderr, "ws_channels: (c) cannot listen on loopback: %s\n", std::strerror(errno));
    return 1;
  }
  int up[2];    // child -> parent: connected count, then one RoundResult per round
  int down[2];  // parent -> child: one byte per round, "frames are on their way"
  if (::pipe2(up, O_CLOEXEC) != 0 || ::pipe2(down, O_CLOEXEC) != 0) {
    std::perror("ws_channels: (c) pipe");
    return 1;
  }
  std::fflush(stdout);
  const pid_t child = ::fork();
  if (child < 0) {
    std::perror("ws_channels: (c) fork");
    return 1;
  }
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (options.pin) pin(1);
    ::close(listener);
    receive(address, options.fanout, options.rounds, frame_bytes, up[1], down[0]);
  }
  ::close(up[1]);
  ::close(down[0]);
  if (options.pin) pin(0);

  // The child connects while this side accepts, then says how many it
  // opened (fewer when it ran out of descriptors or ports).
  std::vector<int> sockets;
  sockets.reserve(options.fanout);
  std::size_t connected = 0;
  bool counted = false;
  int code = 0;
  while (!counted || sockets.size() < connected) {
    pollfd waiting[2] = {{listener, POLLIN, 0}, {up[0], POLLIN, 0}};
    if (::poll(waiting, counted ? 1 : 2, 10'000) <= 0) {
      std::fprintf(stderr, "ws_channels: (c) connecting stalled at %zu\n", sockets.size());
      code = 1;
      break;
    }
    if ((waiting[0].revents & POLLIN) != 0) {
      const int s = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (s < 0) continue;
      const int one = 1;
      ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // as the event server's sockets
      sockets.push_back(s);
    }
    if (!counted && (waiting[1].revents & (POLLIN | POLLHUP)) != 0) {
      if (!read_all(up[0], &connected, sizeof connected)) {
        std::fprintf(stderr, "ws_channels: (c) the receivers stopped while connecting\n");
        code = 1;
        break;
      }
      counted = true;
    }
  }
  if (code == 0 && connected < options.fanout)
    std::printf("  NOTE: %zu of %zu connections could be opened; the rounds use those\n", connected,
                options.fanout);
  std::vector<char> frame(frame_bytes, 'x');
  for (std::size_t round = 1; code == 0 && round <= options.rounds; ++round) {
    ::usleep(200'000);  // the receivers are idle in epoll_wait, as in (b)
    const char go = 1;
    write_all(down[1], &go, 1);
    const std::int64_t start = monotonic_ns();
    std::memcpy(frame.data(), &start, sizeof start);
    std::size_t failed = 0;
    for (const int s : sockets) {
      if (::send(s, frame.data(), frame.size(), MSG_DONTWAIT | MSG_NOSIGNAL) !=
          static_cast<ssize_t>(frame.size()))
        ++failed;
    }
    const std::int64_t loop_ns = monotonic_ns() - start;
    RoundResult result;
    if (!read_all(up[0], &result, sizeof result)) {
      std::fprintf(stderr, "ws_channels: (c) the receivers stopped\n");
      code = 1;
      break;
    }
    const Percentiles& s = result.from_start;
    std::printf(
        "  round %zu: %zu/%zu received  from start p50 %6.2f  p90 %6.2f  p99 %6.2f  max %6.2f ms | "
        "send loop %6.2f ms (%4.1f us/send)%s\n",
        round, result.received, sockets.size(), ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max),
        ms(loop_ns),
        static_cast<double>(loop_ns) / 1000.0 /
            static_cast<double>(std::max<std::size_t>(sockets.size(), 1)),
        failed > 0 ? " (some sends failed)" : "");
    std::fflush(stdout);
    if (result.received != sockets.size()) code = 1;
  }
  for (const int s : sockets) ::close(s);
  ::close(listener);
  ::close(up[0]);
  ::close(down[1]);
  int status = 0;
  ::waitpid(child, &status, 0);
  return code;
}

}  // namespace cvw::bench
