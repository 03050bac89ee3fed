#include "latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace cvw::bench {

namespace {

// Values are whole microseconds. Below 2^14 µs each microsecond has its own
// bucket; every doubling above that is split into 2^13 buckets, so a bucket
// is never wider than 1/8192 of the values in it.
constexpr int kLinearBits = 14;
constexpr std::uint64_t kLinear = std::uint64_t{1} << kLinearBits;
constexpr std::uint64_t kPerDoubling = kLinear / 2;
constexpr int kTopBits = 27;  // 2^27 µs = 134 s: above twice the longest --timeout
constexpr std::uint64_t kLargest = (std::uint64_t{1} << kTopBits) - 1;
constexpr std::size_t kBuckets = kLinear + (kTopBits - kLinearBits) * kPerDoubling;

std::size_t bucket_of(std::uint64_t us) {
  us = std::min(us, kLargest);
  if (us < kLinear) return us;
  const int shift = std::bit_width(us) - kLinearBits;  // 1 for [2^14, 2^15), ...
  return kLinear + static_cast<std::uint64_t>(shift - 1) * kPerDoubling + ((us >> shift) - kPerDoubling);
}

// The highest value a bucket holds (HdrHistogram's "highest equivalent value").
std::uint64_t highest_in(std::size_t bucket) {
  if (bucket < kLinear) return bucket;
  const std::uint64_t above = bucket - kLinear;
  const int shift = static_cast<int>(above / kPerDoubling) + 1;
  const std::uint64_t sub = above % kPerDoubling + kPerDoubling;
  return ((sub + 1) << shift) - 1;
}

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kBuckets, 0) {}

void LatencyHistogram::record(std::int64_t ns) {
  ns = std::max<std::int64_t>(ns, 0);
  ++counts_[bucket_of(static_cast<std::uint64_t>(ns) / 1000)];
  ++count_;
  max_ns_ = std::max(max_ns_, ns);
}

std::int64_t LatencyHistogram::percentile_us(double percent) const {
  if (count_ == 0) return 0;
  const auto rank = std::clamp<std::uint64_t>(
      static_cast<std::uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(count_))), 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < counts_.size(); ++b) {
    seen += counts_[b];
    if (seen >= rank) return std::min(static_cast<std::int64_t>(highest_in(b)), max_ns_ / 1000);
  }
  return max_ns_ / 1000;
}

}  // namespace cvw::bench
