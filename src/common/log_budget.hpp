// A per-call-site cap on log lines about what remote peers send.
//
// Malformed messages, refused requests and failed digests arrive at the
// sender's rate: a scanner (sipvicious, a misconfigured phone retrying) can
// send thousands a second, and a line each would fill the disk and cost more
// than answering them. A LogBudget lets `lines_per_second` lines through per
// one-second window and counts the rest; the first line allowed after a
// suppressed run is preceded by one line saying how many were left out, so a
// flood is visible in the log without being copied into it.
//
// A member of the object whose lines it caps (one budget may serve a few
// related lines, e.g. a transport's drops and rejections), used from that
// object's thread (the event loop): no atomics on the path that refuses a
// flood. The note on what was left out is written with the next line
// allowed, so it comes when the site speaks again.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace cvw {

class LogBudget {
 public:
  using Clock = std::chrono::steady_clock;

  // `site` names the lines in the "left out" note, e.g. "sip: dropped message".
  explicit LogBudget(std::string_view site, std::uint32_t lines_per_second = 20)
      : site_(site), limit_(lines_per_second) {}

  // True when a line may be written now.
  bool allow() { return allow(Clock::now()); }
  bool allow(Clock::time_point now);

  // Lines refused since the last note (tests, diagnostics).
  std::uint64_t suppressed() const { return suppressed_; }

 private:
  std::string_view site_;
  std::uint32_t limit_;
  std::uint32_t used_ = 0;
  std::uint64_t suppressed_ = 0;
  Clock::time_point window_start_{};
};

}  // namespace cvw
