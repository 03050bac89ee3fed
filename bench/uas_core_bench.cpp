// The SIP core's own CPU per UAS call, without the kernel: INVITE (with SDP,
// through a PBX's Record-Route) -> 200 with SDP -> ACK -> BYE -> 200, then
// every transaction timer of the call fired, driven through the real
// transport-side checks, transaction layer and UA core of
// bench/uas_harness.hpp. bench/load/uas_cpu.sh measures the same call over
// UDP with SIPp, where the kernel's sendto/recvfrom and a VM's noise are part
// of the figure; this one shows what the code costs and moves only when the
// code does.
//
//   build/release/bench/uas_core_bench
//
// Calls run in batches of kBatch: the INVITEs of a batch, then its ACKs and
// BYEs, then the clock is moved past Timer L/J so its transactions end (the
// expiry is in the figure, as in uas_cpu.sh's drain). The requests' text is
// built with the timing paused (twice per batch): it is the peer's work. The counter `call`
// is the time per call; `allocs/call` counts operator new calls per call outside
// the paused parts (allocation_counter.hpp).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "allocation_counter.hpp"
#include "uas_harness.hpp"

namespace {

using cvw::sip::bench::UasBed;

constexpr std::size_t kBatch = 256;

void BM_UasCall(benchmark::State& state) {
  UasBed bed;
  std::vector<std::string> invites(kBatch);
  std::vector<std::string> tags(kBatch);
  std::vector<std::string> acks(kBatch);
  std::vector<std::string> byes(kBatch);
  std::size_t next_call = 0;
  std::size_t failed = 0;
  std::uint64_t allocations = 0;  // counted only where the clock runs
  std::uint64_t since = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (std::size_t i = 0; i < kBatch; ++i) invites[i] = bed.wire.invite(next_call + i);
    since = cvw::bench::allocations_so_far();
    state.ResumeTiming();
    for (std::size_t i = 0; i < kBatch; ++i) {
      bed.app.last_tag.clear();
      if (!bed.inject(invites[i]) || bed.app.last_tag.empty()) ++failed;
      tags[i].swap(bed.app.last_tag);
    }
    state.PauseTiming();
    allocations += cvw::bench::allocations_so_far() - since;
    for (std::size_t i = 0; i < kBatch; ++i) {
      acks[i] = bed.wire.ack(next_call + i, tags[i]);
      byes[i] = bed.wire.bye(next_call + i, tags[i]);
    }
    since = cvw::bench::allocations_so_far();
    state.ResumeTiming();
    for (const std::string& ack : acks) bed.inject(ack);
    for (const std::string& bye : byes) bed.inject(bye);
    bed.timers.advance(bed.past_timers());
    allocations += cvw::bench::allocations_so_far() - since;
    next_call += kBatch;
  }
  const std::size_t calls = next_call;
  state.counters["call"] = benchmark::Counter(
      static_cast<double>(calls), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["allocs/call"] = static_cast<double>(allocations) / static_cast<double>(calls);
  state.counters["msgs_sent/call"] =
      static_cast<double>(bed.sender.messages) / static_cast<double>(calls);
  // A call that did not complete would make the figure meaningless.
  if (failed != 0 || bed.app.terminated != calls || bed.layer.size() != 0 ||
      bed.ua.session_count() != 0) {
    state.SkipWithError("calls did not complete: see uas_harness.hpp");
  }
}
BENCHMARK(BM_UasCall)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
