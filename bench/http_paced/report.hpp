// What http_paced prints, and whether the run held its rate.
#pragma once

#include <cstdio>

#include "options.hpp"
#include "paced_client.hpp"

namespace cvw::bench {

// Below this share of the asked rate the run did not hold the rate (the
// usual tolerance of a paced load test: the schedule's own rounding and the
// last responses' latency cost well under 1 %).
inline constexpr double kRateHeld = 0.95;

std::uint64_t failed(const RunResult& r);
bool rate_held(const Options& o, const RunResult& r);

// A table for people.
void print_table(std::FILE* out, const Options& o, const RunResult& r);
// One JSON object on one line, for scripts.
void print_json(std::FILE* out, const Options& o, const RunResult& r);

}  // namespace cvw::bench
