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
// The real transaction layer and UA core run over a ManualTimerService and a
// Sender that drops the bytes: no sockets, no clock. Each call is what the
// transport would hand up: an INVITE of ~900 bytes with SDP (parsed,
// validated, received/rport stamped), answered at once with 200 + SDP by the
// application, then the ACK. The clock is then moved past every transaction
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

#include "common/timer.hpp"
#include "sip/dialog/user_agent.hpp"
#include "sip/message.hpp"
#include "sip/response_routing.hpp"
#include "sip/transaction/transaction_layer.hpp"
#include "sip/validate.hpp"

namespace {

using namespace cvw;
using namespace cvw::sip;

// The transport for this program: counts what would have been sent.
class NullSender final : public txn::Sender {
 public:
  void send(std::string_view wire, const Peer&) override {
    ++messages;
    bytes += wire.size();
  }
  std::size_t messages = 0;
  std::size_t bytes = 0;
};

constexpr std::string_view kOffer =
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/AVP 0 8 9 18 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:18 G729/8000\r\n"
    "a=fmtp:18 annexb=no\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=ptime:20\r\n"
    "a=sendrecv\r\n";

constexpr std::string_view kAnswer =
    "v=0\r\n"
    "o=cvw 1001 1001 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "m=audio 40000 RTP/AVP 0 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=ptime:20\r\n"
    "a=sendrecv\r\n";

// Answers every INVITE at once; keeps no reference to the sessions (the UA
// core owns them), so the figures are the stack's own.
class Answerer final : public dialog::UaHandler, public dialog::InviteHandler {
 public:
  void on_invite(std::shared_ptr<dialog::InviteSession> session) override {
    session->set_handler(this);
    session->answer("application/sdp", kAnswer);
    const dialog::Dialog* d = session->dialog();
    last_tag = d ? d->id().local_tag : std::string();
  }
  void on_established(dialog::InviteSession&) override { ++established; }
  void on_terminated(dialog::InviteSession&, dialog::EndReason, int) override { ++terminated; }

  std::string last_tag;
  std::size_t established = 0;
  std::size_t terminated = 0;
};

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

// The text of call `i`'s requests, as a PBX trunk would send them.
class Wire {
 public:
  std::string invite(std::size_t i) const {
    char head[1024];
    const int n = std::snprintf(head, sizeof head,
        "INVITE sip:1001@127.0.0.1:5060 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-%08zu-inv;rport\r\n"
        "Record-Route: <sip:127.0.0.1:5070;lr;ftag=%08zuft>\r\n"
        "Max-Forwards: 69\r\n"
        "From: \"Alice Example\" <sip:2001@pbx.example.com>;tag=%08zuft\r\n"
        "To: <sip:1001@pbx.example.com>\r\n"
        "Call-ID: %08zu-4f2a9c1e7b3d@127.0.0.1\r\n"
        "CSeq: 1 INVITE\r\n"
        "Contact: <sip:2001@127.0.0.1:5072;transport=udp>\r\n"
        "P-Asserted-Identity: \"Alice Example\" <sip:2001@pbx.example.com>\r\n"
        "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, REFER, NOTIFY\r\n"
        "Supported: replaces, timer\r\n"
        "User-Agent: Example-PBX/5.4\r\n"
        "Content-Type: application/sdp\r\n"
        "Content-Length: %zu\r\n"
        "\r\n",
        i, i, i, i, kOffer.size());
    std::string out(head, static_cast<std::size_t>(n));
    out.append(kOffer);
    return out;
  }
  std::string ack(std::size_t i, std::string_view to_tag) const {
    return in_dialog(i, to_tag, "ACK", 1, "ack");
  }
  std::string bye(std::size_t i, std::string_view to_tag) const {
    return in_dialog(i, to_tag, "BYE", 2, "bye");
  }

 private:
  static std::string in_dialog(std::size_t i, std::string_view to_tag, const char* method, int cseq,
                               const char* branch) {
    char text[1024];
    const int n = std::snprintf(text, sizeof text,
        "%s sip:cvw@127.0.0.1:5060 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-%08zu-%s;rport\r\n"
        "Max-Forwards: 70\r\n"
        "From: \"Alice Example\" <sip:2001@pbx.example.com>;tag=%08zuft\r\n"
        "To: <sip:1001@pbx.example.com>;tag=%.*s\r\n"
        "Call-ID: %08zu-4f2a9c1e7b3d@127.0.0.1\r\n"
        "CSeq: %d %s\r\n"
        "Content-Length: 0\r\n"
        "\r\n",
        method, i, branch, i, static_cast<int>(to_tag.size()), to_tag.data(), i, cseq, method);
    return std::string(text, static_cast<std::size_t>(n));
  }
};

// Stands in for the transport: parse, validate, stamp, route the reply, hand up.
class Injector {
 public:
  explicit Injector(txn::TransactionLayer& layer) : layer_(layer) {
    source_.address = boost::asio::ip::make_address("127.0.0.1");
    source_.port = 5070;
  }
  bool operator()(std::string_view bytes) {
    Result<Message> m = Message::parse(bytes);
    if (!m || m->defect() || !validate_request(*m)) return false;
    stamp_received(*m, source_);
    const Peer reply_to = reply_destination(*m, source_);
    layer_.receive(std::move(*m), source_, reply_to);
    return true;
  }

 private:
  txn::TransactionLayer& layer_;
  Peer source_;
};

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
  const txn::TimerConfig timers_config;
  const Duration past_timers = timers_config.timer_l + Duration{1000};  // Timer L/J: 64*T1 = 32 s

  ManualTimerService timers;
  NullSender sender;
  txn::TransactionLayer layer(timers, sender, timers_config);
  dialog::UaConfig ua_config;
  ua_config.user_agent = "cvw";
  ua_config.local.push_back(dialog::LocalAddress{Protocol::Udp, "127.0.0.1", 5060});
  ua_config.timers = timers_config;
  dialog::UserAgent ua(layer, sender, timers, ua_config);
  Answerer app;
  ua.set_handler(&app);
  Injector inject(layer);
  const Wire wire;

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
  // they would over time. One queue of N pending timers would make this
  // quadratic: ManualTimerService::cancel() scans its queue (even for handle
  // 0, which InviteSession cancels routinely).
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
