// Counts the program's operator new calls, for benchmarks that report
// allocations per operation (the hot paths are meant to have few or none).
// Linking bench_allocation_counter replaces the global operator new/delete.
#pragma once

#include <cstdint>

namespace cvw::bench {

// operator new calls since the program started (every thread).
std::uint64_t allocations_so_far();

}  // namespace cvw::bench
