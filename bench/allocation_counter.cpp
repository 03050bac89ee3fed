#include "allocation_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

std::atomic<std::uint64_t> g_allocations{0};

}  // namespace

namespace cvw::bench {

std::uint64_t allocations_so_far() {
  return g_allocations.load(std::memory_order_relaxed);
}

}  // namespace cvw::bench

// All three out of line, so that GCC does not see malloc()/free() meet the
// other half of the pair (-Wmismatched-new-delete): they are replaced together.
[[gnu::noinline]] void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
