// PacedClient: open-loop HTTP/1.1 load at a fixed rate over N keep-alive
// connections, on one thread.
//
// The schedule, not the responses, decides when a request is due: request i
// is due at t0 + i/rate. When it is due it goes out on a free connection
// (one request outstanding per connection, no pipelining); when none is free
// it waits, in order, until one is. Its latency runs from its due time to
// the last byte of its response, so time spent waiting behind a slow
// response is counted instead of silently skipped ("coordinated omission",
// the fault of closed-loop tools such as wrk that wrk2 corrects the same way).
//
// A request fails when the response is not 200, when its connection breaks
// or the response cannot be parsed, or on a timeout: no connection came free
// within --timeout of its due time (it is then never sent: it is late
// already, and sending it would only add load the schedule asked for long
// ago), or no complete response within --timeout of its write. The second
// clock starts at the write, not the due time, so that under overload a
// request sent just before its deadline is not cut off (and its connection
// closed) while the server is answering it: a server that cannot keep up
// then shows its own rate as the rate achieved, not less. A broken or timed
// out connection is closed and opened again.
//
// The first --warmup seconds of requests are sent but not recorded; the
// run ends when every request of the window has its outcome.
#pragma once

#include <cstdint>
#include <string>

#include "latency_histogram.hpp"
#include "options.hpp"

namespace cvw::bench {

struct RunResult {
  std::uint64_t asked = 0;  // requests due in the measured window
  std::uint64_t ok = 0;     // 200 with a complete response
  std::uint64_t non_200 = 0;
  std::uint64_t errors = 0;    // connection broken, unparsable response, refused connect
  std::uint64_t timeouts = 0;  // no connection within --timeout of the due time, or no response within it of the write
  std::uint64_t warmup_failed = 0;  // not in the figures; said so when not 0
  // 200s received during the window (of any request) per second of it.
  double rate_achieved = 0;
  LatencyHistogram latency;    // due time -> last byte: THE figure
  LatencyHistogram service;    // written -> last byte: what a closed-loop tool shows
  LatencyHistogram start_lag;  // due time -> written: the client's timer, or no free connection
  std::uint64_t most_waiting = 0;  // due requests waiting for a connection at once, at most
  std::uint64_t reconnects = 0;
  double client_cpu_percent = 0;  // of one core, over the window
  int first_bad_status = 0;
  std::string first_error;
};

// Connects every connection (blocking; loopback), or says why not.
// Then runs the whole schedule and returns the figures.
Result<RunResult> run_paced(const Options& options);

}  // namespace cvw::bench
