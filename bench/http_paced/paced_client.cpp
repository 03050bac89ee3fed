#include "paced_client.hpp"

#include <sys/resource.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_static_buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <vector>

#include "response_reader.hpp"

namespace cvw::bench {

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

// Room for a whole response header (Beast's parser limits it to 8 KiB) and
// some body; the body is consumed as it arrives, so it may be any length.
constexpr std::size_t kReadBufferBytes = 16 * 1024;

// A connection that could not be opened again is retried this much later,
// so that a dead server costs a few attempts a second, not a busy loop.
constexpr auto kReconnectBackoff = std::chrono::milliseconds(100);

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t cpu_ns() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto ns = [](const timeval& t) { return (std::int64_t{t.tv_sec} * 1'000'000 + t.tv_usec) * 1000; };
  return ns(usage.ru_utime) + ns(usage.ru_stime);
}

struct Connection {
  explicit Connection(net::io_context& io) : socket(io), retry(io) {}

  enum class State { connecting, idle, busy };

  tcp::socket socket;
  net::steady_timer retry;
  boost::beast::flat_static_buffer<kReadBufferBytes> input;
  std::optional<ResponseReader> reader;
  State state = State::connecting;
  std::uint64_t request = 0;  // the request in flight when busy
  std::int64_t written_at = 0;
  // Bumped whenever the socket is closed: a handler of an earlier socket
  // (it completes with operation_aborted, possibly after the socket was
  // opened again) sees a different number and does nothing.
  std::uint64_t generation = 0;
};

class Run {
 public:
  explicit Run(const Options& o);

  Result<void> connect_all();
  RunResult run();

 private:
  enum class Outcome { ok, non_200, error, timeout };
  enum class Parsed { more, complete, broken };

  std::int64_t due_ns(std::uint64_t i) const;
  void tick();
  void dispatch(std::int64_t now);
  void send(Connection& c, std::uint64_t request);
  void read(Connection& c);
  void on_read(Connection& c, const error_code& ec, std::size_t bytes);
  Parsed parse(Connection& c);
  void finish_request(Connection& c, Outcome outcome, std::int64_t now, const std::string& why, bool keep);
  void sweep();
  void reopen(Connection& c);
  void connect(Connection& c);
  void on_connected(Connection& c);
  void make_free(Connection& c);
  void check_done();
  void measure_window_cpu();
  void note_error(const std::string& why);
  static Outcome status_outcome(const Connection& c) {
    return c.reader->status() == 200 ? Outcome::ok : Outcome::non_200;
  }

  const Options& o_;
  net::io_context io_;
  tcp::endpoint server_;
  std::string request_bytes_;  // built once, written as is for every request
  std::vector<std::unique_ptr<Connection>> connections_;
  // Free connections, oldest first (a ring of N): each request takes the one
  // idle longest, so the load spreads over all N as with N paced clients
  // (wrk2's model), rather than a few hot connections.
  std::vector<Connection*> free_;
  std::size_t free_head_ = 0;
  std::size_t free_count_ = 0;
  std::size_t busy_ = 0;

  net::steady_timer tick_timer_;
  net::steady_timer sweep_timer_;
  net::steady_timer window_timer_;  // the client's CPU at the window's start and end
  std::int64_t window_cpu_ns_ = 0;
  bool window_over_ = false;  // the last request's response may come before the window's end
  std::int64_t t0_ = 0;
  std::int64_t timeout_ns_ = 0;
  std::uint64_t warm_ = 0;   // requests before the window
  std::uint64_t total_ = 0;  // warm-up + window
  std::uint64_t next_ = 0;   // the next request to send; all before it are sent or expired
  std::uint64_t due_ = 0;    // the first request not yet due
  std::uint64_t ok_in_window_ = 0;  // 200s that arrived in the window, whichever request they answered
  bool done_ = false;
  RunResult r_;
};

Run::Run(const Options& o)
    : o_(o), server_(o.address, o.port), tick_timer_(io_), sweep_timer_(io_), window_timer_(io_) {
  const std::string host = o.address.is_v6() ? "[" + o.address.to_string() + "]" : o.address.to_string();
  request_bytes_ = "GET " + o.path + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(o.port) + "\r\n";
  if (!o.token.empty()) request_bytes_ += "Authorization: Bearer " + o.token + "\r\n";
  request_bytes_ += "User-Agent: cvw-http-paced\r\n\r\n";
  timeout_ns_ = std::llround(o.timeout_s * 1e9);
  warm_ = static_cast<std::uint64_t>(std::llround(static_cast<double>(o.rate) * o.warmup_s));
  r_.asked = static_cast<std::uint64_t>(std::llround(static_cast<double>(o.rate) * o.duration_s));
  total_ = warm_ + r_.asked;
  free_.resize(o.connections);
}

// t0 + i/rate in whole nanoseconds, without the overflow of i * 1e9 for long
// runs: whole seconds and the remainder apart.
std::int64_t Run::due_ns(std::uint64_t i) const {
  const std::uint64_t seconds = i / o_.rate;
  const std::uint64_t rest = i % o_.rate;
  return t0_ + static_cast<std::int64_t>(seconds * 1'000'000'000 + rest * 1'000'000'000 / o_.rate);
}

Result<void> Run::connect_all() {
  connections_.reserve(o_.connections);
  for (std::size_t i = 0; i < o_.connections; ++i) {
    auto& c = *connections_.emplace_back(std::make_unique<Connection>(io_));
    error_code ec;
    c.socket.connect(server_, ec);
    if (ec)
      return Error{0, "connection " + std::to_string(i + 1) + " of " + std::to_string(o_.connections) + " to " +
                          server_.address().to_string() + ":" + std::to_string(server_.port()) + ": " +
                          ec.message()};
    on_connected(c);
  }
  return {};
}

void Run::on_connected(Connection& c) {
  error_code ignored;
  // A request is one write; without Nagle it leaves at once even when a
  // previous segment is unacknowledged.
  c.socket.set_option(tcp::no_delay(true), ignored);
  // Requests are written straight from dispatch() (no async_write and its
  // extra trip through the event loop); non-blocking so a full send buffer
  // returns would_block instead of stalling the schedule.
  c.socket.non_blocking(true, ignored);
  c.input.clear();
  c.reader.reset();
  c.state = Connection::State::idle;
  make_free(c);
  // A read is always pending, also on an idle connection: a server closing
  // it is seen at once and the connection reopened before a request needs it.
  read(c);
}

void Run::make_free(Connection& c) {
  free_[(free_head_ + free_count_) % free_.size()] = &c;
  ++free_count_;
}

RunResult Run::run() {
  t0_ = now_ns();
  tick();
  sweep();
  measure_window_cpu();
  io_.run();
  const std::int64_t window = due_ns(total_) - due_ns(warm_);
  r_.rate_achieved = static_cast<double>(ok_in_window_) * 1e9 / static_cast<double>(window);
  return std::move(r_);
}

// One wake-up per due request (at 10,000/s one every 100 µs). Asio arms a
// timerfd for it, an hrtimer without the thread's timer slack, so the
// lateness is the kernel's (and a VM's) wake-up latency: the start lag's p50.
// A late wake-up sends everything due by then at once; its lateness is in
// those requests' latency, as it would be in a real client's. Sleeping
// rather than spinning keeps the client's CPU figure meaningful (a spinning
// client is always at 100 %, so it could not tell when it is the
// bottleneck), and is what wrk2 does.
void Run::tick() {
  dispatch(now_ns());
  if (due_ >= total_ || done_) return;
  tick_timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(due_ns(due_))));
  tick_timer_.async_wait([this](const error_code& ec) {
    if (!ec) tick();
  });
}

void Run::dispatch(std::int64_t now) {
  while (due_ < total_ && due_ns(due_) <= now) ++due_;
  while (next_ < due_ && due_ns(next_) + timeout_ns_ <= now) {  // waited out its whole timeout
    if (next_ >= warm_) ++r_.timeouts; else ++r_.warmup_failed;
    ++next_;
  }
  r_.most_waiting = std::max(r_.most_waiting, due_ - next_);
  while (next_ < due_ && free_count_ > 0) {
    Connection& c = *free_[free_head_];
    free_head_ = (free_head_ + 1) % free_.size();
    --free_count_;
    send(c, next_++);
  }
  check_done();
}

void Run::send(Connection& c, std::uint64_t request) {
  c.state = Connection::State::busy;
  ++busy_;
  c.request = request;
  c.reader.emplace();
  c.written_at = now_ns();
  if (request >= warm_) r_.start_lag.record(c.written_at - due_ns(request));
  error_code ec;
  const std::size_t n = c.socket.write_some(net::buffer(request_bytes_), ec);
  if (ec == net::error::would_block) ec = {};
  if (ec) {
    // Finished from the loop, not from here: finish_request() dispatches
    // the next request, and with every connection broken that would recurse
    // once per connection.
    return net::post(io_, [this, &c, gen = c.generation, why = "write: " + ec.message()] {
      if (gen == c.generation) finish_request(c, Outcome::error, now_ns(), why, false);
    });
  }
  if (n == request_bytes_.size()) return;
  // The send buffer was full (a server not reading): the rest goes when it
  // drains; the request's clock is already running.
  net::async_write(c.socket, net::buffer(request_bytes_.data() + n, request_bytes_.size() - n),
                   [this, &c, gen = c.generation](const error_code& wec, std::size_t) {
                     if (gen != c.generation || !wec) return;
                     finish_request(c, Outcome::error, now_ns(), "write: " + wec.message(), false);
                   });
}

void Run::read(Connection& c) {
  c.socket.async_read_some(c.input.prepare(c.input.max_size() - c.input.size()),
                           [this, &c, gen = c.generation](const error_code& ec, std::size_t bytes) {
                             if (gen == c.generation) on_read(c, ec, bytes);
                           });
}

void Run::on_read(Connection& c, const error_code& ec, std::size_t bytes) {
  const std::int64_t now = now_ns();  // first: the last byte has arrived
  if (done_) return;
  if (ec) {
    if (c.state != Connection::State::busy) return reopen(c);  // closed while idle: nobody waited
    // A response whose end is the end of the connection (neither
    // Content-Length nor chunked).
    if (ec == net::error::eof && c.reader->is_header_done() && c.reader->need_eof()) {
      error_code eof_ec;
      c.reader->put_eof(eof_ec);
      if (!eof_ec && c.reader->is_done())
        return finish_request(c, status_outcome(c), now, "", false);
    }
    return finish_request(c, Outcome::error, now,
                          ec == net::error::eof ? "connection closed before the response ended"
                                                : "read: " + ec.message(),
                          false);
  }
  c.input.commit(bytes);
  if (c.state != Connection::State::busy) {
    note_error("bytes from the server on an idle connection (no request outstanding)");
    return reopen(c);
  }
  switch (parse(c)) {
    case Parsed::more:
      if (c.input.size() == c.input.max_size())
        return finish_request(c, Outcome::error, now, "response header larger than the read buffer", false);
      return read(c);
    case Parsed::complete:
      return finish_request(c, status_outcome(c), now, "", c.reader->keep_alive());
    case Parsed::broken:
      return;  // parse() finished the request
  }
}

// Feeds what has arrived to the reader.
Run::Parsed Run::parse(Connection& c) {
  for (;;) {
    error_code ec;
    const std::size_t used = c.reader->put(c.input.data(), ec);
    c.input.consume(used);
    if (ec == http::error::need_more) return Parsed::more;
    if (ec) {
      finish_request(c, Outcome::error, now_ns(), "response: " + ec.message(), false);
      return Parsed::broken;
    }
    if (c.reader->is_done()) {
      if (c.input.size() == 0) return Parsed::complete;
      // One request per connection at a time: anything after the response
      // is a server fault, and would be taken for the next response.
      finish_request(c, Outcome::error, now_ns(), "bytes after the end of a response", false);
      return Parsed::broken;
    }
    if (used == 0 || c.input.size() == 0) return Parsed::more;
  }
}

// Records a request's outcome, then frees its connection (`keep`) or opens
// it again: after an error or a timeout its state is unknown, and after a
// response without keep-alive the server closes it.
void Run::finish_request(Connection& c, Outcome outcome, std::int64_t now, const std::string& why, bool keep) {
  const std::uint64_t request = c.request;
  const bool recorded = request >= warm_;
  if (recorded) {
    switch (outcome) {
      case Outcome::ok:
        ++r_.ok;
        r_.latency.record(now - due_ns(request));
        r_.service.record(now - c.written_at);
        break;
      case Outcome::non_200:
        ++r_.non_200;
        if (r_.first_bad_status == 0) r_.first_bad_status = c.reader->status();
        break;
      case Outcome::error:
        ++r_.errors;
        break;
      case Outcome::timeout:
        ++r_.timeouts;
        break;
    }
  } else if (outcome != Outcome::ok) {
    ++r_.warmup_failed;
  }
  // The rate achieved is the server's throughput while the window lasts: a
  // server that keeps up answers the window's requests within it (the
  // warm-up's last ones come in as the window's last ones go out); one that
  // falls behind is still answering warm-up requests in it.
  if (outcome == Outcome::ok && now >= due_ns(warm_) && now < due_ns(total_)) ++ok_in_window_;
  if (!why.empty()) note_error(why);
  --busy_;
  if (keep) {
    c.state = Connection::State::idle;
    make_free(c);
    read(c);
  } else {
    c.state = Connection::State::connecting;
    reopen(c);
  }
  dispatch(now);
}

// Every 10 ms (or a tenth of the timeout when shorter): responses not in
// within the timeout of their request's write, and (in dispatch()) requests
// that waited the whole timeout for a connection. One timer for all, instead
// of one armed per request.
void Run::sweep() {
  if (done_) return;
  const std::int64_t now = now_ns();
  for (auto& c : connections_)
    if (c->state == Connection::State::busy && c->written_at + timeout_ns_ <= now)
      finish_request(*c, Outcome::timeout, now, "", false);
  dispatch(now);
  if (done_) return;
  sweep_timer_.expires_after(std::min(std::chrono::nanoseconds(timeout_ns_ / 10), std::chrono::nanoseconds(10'000'000)));
  sweep_timer_.async_wait([this](const error_code& ec) {
    if (!ec) sweep();
  });
}

// Closes the connection (a request on it must be finished first) and opens
// it again.
void Run::reopen(Connection& c) {
  ++c.generation;
  error_code ignored;
  c.socket.close(ignored);
  if (c.state == Connection::State::idle) {
    // Closed by the server while idle, so it sits in the free ring: take it
    // out (rare: the server's idle timeout).
    std::size_t kept = 0;
    for (std::size_t k = 0; k < free_count_; ++k) {
      Connection* f = free_[(free_head_ + k) % free_.size()];
      if (f != &c) free_[(free_head_ + kept++) % free_.size()] = f;
    }
    free_count_ = kept;
  }
  c.state = Connection::State::connecting;
  if (done_) return;
  ++r_.reconnects;
  connect(c);
}

void Run::connect(Connection& c) {
  c.socket.async_connect(server_, [this, &c, gen = c.generation](const error_code& ec) {
    if (gen != c.generation || done_) return;
    if (!ec) {
      on_connected(c);
      return dispatch(now_ns());
    }
    note_error("connect: " + ec.message());
    ++c.generation;
    error_code ignored;
    c.socket.close(ignored);
    c.retry.expires_after(kReconnectBackoff);
    c.retry.async_wait([this, &c](const error_code& wait_ec) {
      if (!wait_ec && !done_) connect(c);
    });
  });
}

// The client's own CPU over the measured window, the same span as the
// figures (the warm-up's connection set-up and the drain after the window
// are left out).
void Run::measure_window_cpu() {
  auto at = [](std::int64_t ns) { return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns)); };
  window_timer_.expires_at(at(due_ns(warm_)));
  window_timer_.async_wait([this, at](const error_code& ec) {
    if (ec) return;
    window_cpu_ns_ = cpu_ns();
    window_timer_.expires_at(at(due_ns(total_)));
    window_timer_.async_wait([this](const error_code& end_ec) {
      if (end_ec) return;
      const auto window = static_cast<double>(due_ns(total_) - due_ns(warm_));
      r_.client_cpu_percent = 100.0 * static_cast<double>(cpu_ns() - window_cpu_ns_) / window;
      window_over_ = true;
      check_done();
    });
  });
}

void Run::check_done() {
  if (done_ || next_ < total_ || busy_ > 0 || !window_over_) return;
  done_ = true;
  io_.stop();
}

void Run::note_error(const std::string& why) {
  if (r_.first_error.empty()) r_.first_error = why;
}

}  // namespace

Result<RunResult> run_paced(const Options& options) {
  Run run(options);
  if (auto r = run.connect_all(); !r) return r.error();
  return run.run();
}

}  // namespace cvw::bench
