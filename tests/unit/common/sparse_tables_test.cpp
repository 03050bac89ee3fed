// shrink_when_sparse(): a table emptied after a burst gives its buckets back;
// one still in use, or small, keeps them.
#include "common/sparse_tables.hpp"

#include <gtest/gtest.h>

#include <boost/unordered/unordered_flat_map.hpp>
#include <unordered_map>

namespace cvw {
namespace {

template <class Table>
void burst_then_drain(Table& table, int burst, int left) {
  for (int i = 0; i < burst; ++i) table.emplace(i, i);
  for (int i = left; i < burst; ++i) {
    table.erase(i);
    shrink_when_sparse(table);
  }
}

template <class Table>
void check_shrinks() {
  Table table;
  burst_then_drain(table, 100000, 1000);
  EXPECT_EQ(table.size(), 1000u);
  EXPECT_LT(table.bucket_count(), 8u * 1000u) << "room for the burst is given back";
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(table.at(i), i);  // nothing lost

  Table busy;
  burst_then_drain(busy, 100000, 50000);
  const std::size_t buckets = busy.bucket_count();
  EXPECT_GE(buckets, 50000u);
  shrink_when_sparse(busy);  // half full: left alone
  EXPECT_EQ(busy.bucket_count(), buckets);

  Table small;
  burst_then_drain(small, 500, 0);
  const std::size_t small_buckets = small.bucket_count();
  shrink_when_sparse(small);  // under the floor: left alone
  EXPECT_EQ(small.bucket_count(), small_buckets);
}

TEST(SparseTables, StdUnorderedMapShrinksAfterABurst) {
  check_shrinks<std::unordered_map<int, int>>();
}
TEST(SparseTables, FlatMapShrinksAfterABurst) {
  check_shrinks<boost::unordered_flat_map<int, int>>();
}

}  // namespace
}  // namespace cvw
