// LatencyHistogram: how many latencies fell in each of a fixed set of
// buckets, HdrHistogram's log-linear layout.
//
// Why buckets and not every sample: the memory is fixed (about 1 MB) whatever
// the rate and the duration, so an hour at 60,000/s costs what ten seconds at
// 2,000/s cost, and a record is an increment in an array allocated up front,
// never an allocation in the request path. The price is resolution: exact to
// 1 µs below 16.384 ms (the targets are in milliseconds), then within 1/8192
// (0.012 %) of the value up to 134 s, where values are clamped (the longest
// latency kept is twice the client's --timeout, at most 60 s). The maximum
// is also kept exactly, beside the buckets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cvw::bench {

class LatencyHistogram {
 public:
  LatencyHistogram();

  // One latency in nanoseconds (negative counts as 0).
  void record(std::int64_t ns);

  std::uint64_t count() const { return count_; }
  std::int64_t max_ns() const { return max_ns_; }

  // The smallest value with at least `percent` % of the samples at or below
  // it (nearest rank), in whole microseconds: the highest value its bucket
  // holds, never above the exact maximum. 0 when empty.
  std::int64_t percentile_us(double percent) const;

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::int64_t max_ns_ = 0;
};

}  // namespace cvw::bench
