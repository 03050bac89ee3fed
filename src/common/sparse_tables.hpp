// Hash tables that hold a burst's short-lived entries (transactions, calls
// being set up) keep their bucket arrays at the burst's high-water mark once
// the entries are gone: at 20,000 calls set up at 500/s, several hundred
// bytes per call that stays up (issue #4's memory target). Both
// std::unordered_map and Boost's flat tables give the room back on
// rehash(0); this decides when.
#pragma once

#include <cstddef>

namespace cvw {

// Rehashes `table` to fit once it is below an eighth of its bucket count.
// Amortised O(1) per erase: a table shrunk to fit must grow eight-fold, or
// lose seven eighths of its entries, before it is rehashed again. Tables of
// `floor` buckets or fewer are left alone (a daemon at rest keeps them).
template <class Table>
void shrink_when_sparse(Table& table, std::size_t floor = 1024) {
  const std::size_t buckets = table.bucket_count();
  if (buckets > floor && table.size() < buckets / 8) table.rehash(0);
}

}  // namespace cvw
