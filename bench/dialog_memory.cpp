// dialog_memory: what one established, idle INVITE dialog costs in memory on
// the UAS side (issue target: <= 2 KiB per dialog, measured as an RSS
// difference while 100,000 dialogs are held).
//
//   dialog_memory [N] [--exit-holding]        (default N = 100000)
//
// --exit-holding: exit() right after phase 1, dialogs still held, so a heap
// profiler's leak report is a list of what the dialogs are made of:
//   heaptrack build/release/bench/dialog_memory 10000 --exit-holding
//   heaptrack_print --print-leaks 1 heaptrack.dialog_memory.*.zst
//
// The calls are bench/uas_harness.hpp's: the real transaction layer and UA
// core, no sockets, no clock; INVITE with SDP answered at once, then the
// ACK. The clock is then moved past every transaction
// timer (Timer L, 64*T1 = 32 s) so only the dialogs stay. RSS comes from
// /proc/self/statm after malloc_trim(0); the bytes malloc holds for the
// program (mallinfo2) are printed beside it because they do not depend on
// page granularity. A second phase ends every call with BYE to show the
// memory is given back.
//
// Prints figures; exits 1 only when the stack does not reach the expected
// state (sessions or transactions left over), never because of a target.
#include <malloc.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "uas_harness.hpp"

namespace {

using namespace cvw;
using namespace cvw::sip;
using bench::Answerer;
using bench::Injector;
using bench::kAnswer;
using bench::kOffer;
using bench::NullSender;
using bench::Wire;

struct Memory {
  long rss_bytes = 0;
  std::size_t heap_bytes = 0;  // malloc'd and not freed
};

Memory measure() {
  malloc_trim(0);
  Memory m;
  long pages_total = 0;
  long pages_resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2) pages_resident = 0;
    std::fclose(f);
  }
  m.rss_bytes = pages_resident * sysconf(_SC_PAGESIZE);
  m.heap_bytes = mallinfo2().uordblks;
  return m;
}

double mib(double bytes) { return bytes / (1024.0 * 1024.0); }

constexpr std::size_t kTagSize = 32;
using Tag = std::array<char, kTagSize>;

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 100000;
  bool exit_holding = false;
  for (int a = 1; a < argc; ++a) {
    if (std::strcmp(argv[a], "--exit-holding") == 0) exit_holding = true;
    else n = std::strtoull(argv[a], nullptr, 10);
  }
  if (n == 0) {
    std::fprintf(stderr, "usage: dialog_memory [N] [--exit-holding]\n");
    return 2;
  }
  bench::UasBed bed;
  const Duration past_timers = bed.past_timers();
  ManualTimerService& timers = bed.timers;
  NullSender& sender = bed.sender;
  txn::TransactionLayer& layer = bed.layer;
  dialog::UserAgent& ua = bed.ua;
  Answerer& app = bed.app;
  Injector& inject = bed.inject;
  const Wire& wire = bed.wire;

  // Allocated before the baseline: the To tags the "PBX" needs for ACK and
  // BYE are the benchmark's memory, not the stack's.
  std::vector<Tag> tags(n);

  // One full call first, so one-time allocations (loggers, random engines,
  // empty hash tables) are not counted as dialog memory.
  {
    const std::size_t warm = n;  // a call number outside 0..n-1
    inject(wire.invite(warm));
    inject(wire.ack(warm, app.last_tag));
    inject(wire.bye(warm, app.last_tag));
    timers.advance(past_timers);
    app.established = app.terminated = 0;
  }
  const std::string sample_invite = wire.invite(0);
  std::printf("INVITE size: %zu bytes (SDP %zu), answer SDP %zu bytes\n", sample_invite.size(), kOffer.size(),
              kAnswer.size());

  const Memory base = measure();

  // --- phase 1: N established, idle dialogs ---------------------------------
  // Calls arrive in batches with the clock moved past Timer L after each, as
  // they would over time: the transactions of one batch end before the next.
  constexpr std::size_t kBatch = 500;
  // The last batch is measured with its transactions still alive: what a
  // call costs during the 32 s its INVITE server transaction lingers.
  const std::size_t last_batch = (n - 1) / kBatch * kBatch;
  std::size_t rejected = 0;
  Memory batch_start = base;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && i % kBatch == 0) {
      timers.advance(past_timers);
      if (i == last_batch) batch_start = measure();
    }
    app.last_tag.clear();
    if (!inject(wire.invite(i)) || app.last_tag.empty() || app.last_tag.size() >= kTagSize) {
      ++rejected;
      continue;
    }
    std::memcpy(tags[i].data(), app.last_tag.c_str(), app.last_tag.size() + 1);
    inject(wire.ack(i, app.last_tag));
  }
  const Memory batch_end = measure();
  const std::size_t batch_calls = n - last_batch;
  const std::size_t txns_in_batch = layer.size();
  timers.advance(past_timers);
  const Memory held = measure();

  std::printf("phase 1: %zu INVITEs answered and ACKed (%zu rejected), %zu established\n", n - rejected, rejected,
              app.established);
  std::printf("  last batch of %zu calls before Timer L: %zu transactions, heap %+.0f bytes per call"
              " (dialog + INVITE server transaction)\n",
              batch_calls, txns_in_batch,
              (static_cast<double>(batch_end.heap_bytes) - static_cast<double>(batch_start.heap_bytes)) /
                  static_cast<double>(batch_calls));
  std::printf("  after Timer L: transactions %zu, sessions %zu, timers pending %zu\n", layer.size(),
              ua.session_count(), timers.pending());
  const double rss_delta = static_cast<double>(held.rss_bytes - base.rss_bytes);
  const double heap_delta = static_cast<double>(held.heap_bytes) - static_cast<double>(base.heap_bytes);
  std::printf("dialogs: %zu, RSS delta: %.1f MiB, per dialog: %.0f bytes\n", ua.session_count(), mib(rss_delta),
              rss_delta / static_cast<double>(n));
  std::printf("dialogs: %zu, heap delta: %.1f MiB, per dialog: %.0f bytes (malloc'd, mallinfo2)\n",
              ua.session_count(), mib(heap_delta), heap_delta / static_cast<double>(n));
  const bool held_ok = layer.size() == 0 && ua.session_count() == n && rejected == 0 && app.established == n;
  if (exit_holding) std::exit(held_ok ? 0 : 1);  // no destructors: the dialogs stay allocated

  // --- phase 2: every call ends with BYE --------------------------------------
  // In batches again, the clock moved past Timer J after each.
  for (std::size_t i = 0; i < n; ++i) {
    inject(wire.bye(i, std::string_view(tags[i].data())));
    if ((i + 1) % kBatch == 0 || i + 1 == n) timers.advance(past_timers);
  }
  const Memory after_bye = measure();
  std::printf("phase 2: %zu BYEs, %zu ended; transactions %zu, sessions %zu, timers pending %zu\n", n,
              app.terminated, layer.size(), ua.session_count(), timers.pending());
  std::printf("sessions: %zu, RSS delta vs. before the calls: %.1f MiB, heap delta: %.2f MiB\n", ua.session_count(),
              mib(static_cast<double>(after_bye.rss_bytes - base.rss_bytes)),
              mib(static_cast<double>(after_bye.heap_bytes) - static_cast<double>(base.heap_bytes)));
  std::printf("sent: %zu messages, %zu bytes\n", sender.messages, sender.bytes);
  std::printf("sizeof: InviteSession %zu, Dialog %zu, Message %zu, Peer %zu\n", sizeof(dialog::InviteSession),
              sizeof(dialog::Dialog), sizeof(Message), sizeof(Peer));

  const bool ended_ok = layer.size() == 0 && ua.session_count() == 0 && app.terminated == n;
  if (!held_ok || !ended_ok) {
    std::fprintf(stderr, "dialog_memory: unexpected state (see above)\n");
    return 1;
  }
  return 0;
}
