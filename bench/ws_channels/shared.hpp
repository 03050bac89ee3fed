// What the two processes of ws_channels share: the options, the control
// channel between them, the clock they both read, and the latency summary.
//
// The server role (parent) and the client role (forked child) talk over a
// socketpair, one text line per message:
//   server -> client: "port P", "tokens N" then N token lines, "connect",
//                     "round R K" (a fan-out to K channels follows), "quit"
//   client -> server: "connected OK FAILED MS", "ready R",
//                     "done R RECEIVED CLIENT_CPU_US <from start: p50 p90 p99 max>
//                      <from own publish: p50 p90 p99 max> FRAME_BYTES" (nanoseconds;
//                      the size of an event's frame on the wire)
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/streambuf.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace cvw::bench {

struct Options {
  std::size_t channels = 50000;  // idle WebSockets held (a)
  std::size_t fanout = 10000;    // channels one round publishes to (b)
  std::size_t rounds = 5;
  bool pin = true;  // server on CPU 0, clients on CPU 1
  bool floor = true;  // run (c), the kernel's floor, after (b)
};

// WebSocket handshakes the client role keeps in flight: enough to keep the
// server busy, few enough for its listen backlog.
inline constexpr std::size_t kConnectingAtOnce = 256;

// The channel count the figures are scaled to when the descriptor limit
// allows fewer (issue #3's target).
inline constexpr std::size_t kTargetChannels = 50000;

// CLOCK_MONOTONIC in nanoseconds: one clock for both processes (fork keeps
// it), so a timestamp taken by the server is comparable in the client.
std::int64_t monotonic_ns();

// User CPU + system CPU of this process so far, in microseconds.
std::int64_t cpu_us();

// One end of the socketpair. Writes block (lines are short and the peer
// reads them promptly); reads are blocking during set-up and asynchronous
// once the role's event loop runs.
class ControlChannel {
 public:
  ControlChannel(boost::asio::io_context& io, int fd);

  void send(std::string_view line);
  // The next line without its '\n'; empty at end of file.
  std::string read_line();
  // Calls `on_line` for every line until end of file, then once with "".
  void read_lines(std::function<void(const std::string&)> on_line);
  void close();

 private:
  void read_next();

  boost::asio::local::stream_protocol::socket socket_;
  boost::asio::streambuf buffer_;
  std::function<void(const std::string&)> on_line_;
};

// p50/p90/p99/max of a sample (nearest rank), in nanoseconds; zeros when empty.
struct Percentiles {
  std::int64_t p50 = 0, p90 = 0, p99 = 0, max = 0;
};
Percentiles percentiles(std::vector<std::int64_t> sample);

// The client role; returns the process's exit code.
int run_client(int control_fd);
// The server role. Sets `event_frame_bytes` to the size of the events'
// frames the clients received.
int run_server(const Options& options, int control_fd, std::size_t& event_frame_bytes);
// Section (c): the kernel's floor for (b), in processes of its own.
int run_kernel_floor(const Options& options, std::size_t frame_bytes);

}  // namespace cvw::bench
