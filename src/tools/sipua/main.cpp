// cvw-sipua: a scriptable SIP user agent on the cvw stack, for interop tests
// and load runs against real peers (SIPp, Kamailio, baresip).
//
//   cvw-sipua --listen udp:127.0.0.1:5080 uas [--ring-ms N] [--answer-ms N] [--bye-after-ms N]
//   cvw-sipua --listen udp:127.0.0.1:5082 uac --to sip:1001@127.0.0.1:5070 --calls 100 --rate 20
//
// Both print "calls: attempted=N succeeded=N failed=N" at the end; the uac
// exits 1 when a call failed. SDP is real offer/answer (PCMU, PCMA,
// telephone-event); no RTP is sent: this tool is about signalling.
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/log.hpp"
#include "sdp/offer_answer.hpp"
#include "sip/stack/sip_stack.hpp"

namespace {

using cvw::Duration;
using cvw::sip::dialog::EndReason;
using cvw::sip::dialog::InviteSession;

struct Options {
  std::vector<std::string> listen;
  std::string log_level = "warn";
  std::string stats_file;
  // uas
  int ring_ms = 0;
  int answer_ms = 0;
  int bye_after_ms = 0;
  int max_calls = 0;
  // uac
  std::string to;
  std::string proxy;
  int calls = 1;
  double rate = 10;
  int concurrent = 100;
  int hold_ms = 1000;
  int reinvite_after_ms = 0;
  bool expect_bye = false;
  int timeout_s = 120;
};

struct Stats {
  int attempted = 0;
  int succeeded = 0;
  int failed = 0;
  int ended() const { return succeeded + failed; }
};

// One media description per leg: what we would receive on, for offer/answer.
class Media {
 public:
  explicit Media(std::string address) : address_(std::move(address)) {}
  std::string offer() {
    cvw::sdp::LocalSession local(origin());
    return local.stamp(cvw::sdp::build_offer(endpoint()));
  }
  // Answers `offer`; falls back to our own offer when it is not SDP we can read.
  std::string answer(std::string_view offer) {
    cvw::Result<cvw::sdp::Session> parsed = cvw::sdp::parse(offer);
    if (!parsed) return this->offer();
    cvw::sdp::LocalSession local(origin());
    return local.stamp(cvw::sdp::build_answer(*parsed, endpoint()));
  }

 private:
  cvw::sdp::LocalEndpoint endpoint() {
    cvw::sdp::LocalEndpoint e;
    e.address = address_;
    cvw::sdp::LocalMedia audio;
    audio.port = static_cast<std::uint16_t>(40000 + (next_port_++ % 10000) * 2);
    audio.codecs = cvw::sdp::default_audio_codecs();
    e.media.push_back(audio);
    return e;
  }
  cvw::sdp::Origin origin() {
    cvw::sdp::Origin o;
    o.username = "cvw";
    o.session_id = o.session_version = 1000 + next_port_;
    o.address_type = address_.find(':') != std::string::npos ? "IP6" : "IP4";
    o.address = address_;
    return o;
  }
  std::string address_;
  unsigned next_port_ = 0;
};

class App {
 public:
  App(boost::asio::io_context& io, cvw::sip::SipStack& stack, const Options& options)
      : io_(io), stack_(stack), options_(options),
        media_(stack.ua().config().local.front().host) {}
  virtual ~App() = default;
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  void summary() {
    std::printf("calls: attempted=%d succeeded=%d failed=%d\n", stats_.attempted, stats_.succeeded, stats_.failed);
    std::fflush(stdout);
    if (!options_.stats_file.empty()) {
      std::ofstream out(options_.stats_file);
      out << "{\"attempted\":" << stats_.attempted << ",\"succeeded\":" << stats_.succeeded
          << ",\"failed\":" << stats_.failed << "}\n";
    }
  }
  const Stats& stats() const { return stats_; }

 protected:
  // Per-call handler: owns nothing but the bookkeeping of one leg.
  class Call : public cvw::sip::dialog::InviteHandler {
   public:
    explicit Call(App& app) : app_(app) {}
    void on_established(InviteSession& s) override {
      established_ = true;
      app_.on_established(*this, s);
    }
    std::optional<std::string> on_offer(InviteSession&, std::string_view offer) override {
      return app_.media_.answer(offer);
    }
    void on_reinvite_result(InviteSession&, int status) override { reinvite_ok_ = status / 100 == 2; }
    void on_terminated(InviteSession& s, EndReason reason, int status) override {
      app_.on_terminated(*this, s, reason, status);
    }
    std::shared_ptr<InviteSession> session;
    bool established_ = false;
    bool reinvite_ok_ = false;
    bool counted_ = false;

   private:
    App& app_;
  };

  virtual void on_established(Call& call, InviteSession& s) = 0;
  virtual void on_terminated(Call& call, InviteSession& s, EndReason reason, int status) = 0;

  void after(int ms, std::function<void()> fn) { stack_.timers().schedule(Duration{ms}, std::move(fn)); }
  void finish(Call& call, bool ok, std::string_view why) {
    if (call.counted_) return;
    call.counted_ = true;
    (ok ? stats_.succeeded : stats_.failed)++;
    if (!ok) cvw::log().warn("call {} failed: {}", call.session ? call.session->call_id() : "?", why);
  }

  boost::asio::io_context& io_;
  cvw::sip::SipStack& stack_;
  const Options& options_;
  Media media_;
  Stats stats_;
  // Live calls; an ended one is freed on the next loop turn (never inside
  // the session's own callback).
  std::unordered_map<Call*, std::unique_ptr<Call>> calls_;
  void forget(Call& call) {
    Call* c = &call;
    stack_.timers().schedule(Duration{0}, [this, c] { calls_.erase(c); });
  }
};

class Uas final : public App, public cvw::sip::dialog::UaHandler {
 public:
  using App::App;
  void on_invite(std::shared_ptr<InviteSession> session) override {
    ++stats_.attempted;
    auto call = std::make_unique<Call>(*this);
    call->session = session;
    session->set_handler(call.get());
    Call* c = call.get();
    calls_.emplace(c, std::move(call));
    if (options_.ring_ms > 0 || options_.answer_ms > 0) session->ring(180);
    const int delay = options_.ring_ms + options_.answer_ms;
    auto answer = [this, c] {
      if (!c->session) return;
      c->session->answer("application/sdp", media_.answer(c->session->invite()->body()));
    };
    if (delay == 0) answer();
    else after(delay, answer);
  }

 private:
  void on_established(Call& call, InviteSession&) override {
    if (options_.bye_after_ms > 0) {
      Call* c = &call;
      after(options_.bye_after_ms, [c] {
        if (c->session) c->session->bye();
      });
    }
  }
  void on_terminated(Call& call, InviteSession&, EndReason reason, int status) override {
    const bool ok = call.established_ &&
                    (reason == EndReason::RemoteBye || (reason == EndReason::LocalBye && status / 100 == 2));
    finish(call, ok, std::string(cvw::sip::dialog::to_string(reason)) + " " + std::to_string(status));
    call.session.reset();
    forget(call);
    if (options_.max_calls > 0 && stats_.ended() >= options_.max_calls) io_.stop();
  }
};

class Uac final : public App {
 public:
  using App::App;
  void start() { launch(); }

 private:
  // Paced: every tick places up to the calls due in it (rate/s), skipping
  // while --concurrent calls are up; unpaced (rate 0): keeps --concurrent up.
  void launch() {
    if (options_.rate <= 0) {
      while (stats_.attempted < options_.calls && active_ < options_.concurrent && place_one()) {
      }
      return;
    }
    const int tick_ms = std::max(1, static_cast<int>(1000.0 / options_.rate));
    const int per_tick = std::max(1, static_cast<int>(options_.rate * tick_ms / 1000.0 + 0.5));
    for (int i = 0; i < per_tick && stats_.attempted < options_.calls && active_ < options_.concurrent; ++i) {
      if (!place_one()) break;
    }
    if (stats_.attempted < options_.calls) after(tick_ms, [this] { launch(); });
  }

  bool place_one() {
    ++stats_.attempted;
    cvw::sip::dialog::InviteParams params;
    params.request_uri = options_.to;
    params.body = media_.offer();
    auto call = std::make_unique<Call>(*this);
    Call* c = call.get();
    calls_.emplace(c, std::move(call));
    auto session = stack_.ua().invite(params, c);
    if (!session) {
      finish(*c, false, session.error().message);
      forget(*c);
      check_done();
      return false;
    }
    c->session = *session;
    ++active_;
    return true;
  }

  void on_established(Call& call, InviteSession&) override {
    Call* c = &call;
    if (options_.reinvite_after_ms > 0) {
      after(options_.reinvite_after_ms, [this, c] {
        if (c->session) c->session->reinvite("application/sdp", media_.offer());
      });
    }
    if (!options_.expect_bye) {
      after(options_.hold_ms, [c] {
        if (c->session) c->session->bye();
      });
    }
  }

  void on_terminated(Call& call, InviteSession&, EndReason reason, int status) override {
    bool ok = call.established_ &&
              (options_.expect_bye ? reason == EndReason::RemoteBye
                                   : reason == EndReason::LocalBye && status / 100 == 2);
    if (options_.reinvite_after_ms > 0 && !call.reinvite_ok_) ok = false;
    finish(call, ok, std::string(cvw::sip::dialog::to_string(reason)) + " " + std::to_string(status));
    call.session.reset();
    forget(call);
    --active_;
    check_done();
    if (options_.rate <= 0) launch();
  }

  void check_done() {
    if (stats_.ended() >= options_.calls) io_.stop();
  }

  int active_ = 0;
};

cvw::Result<cvw::sip::Peer> parse_proxy(const std::string& text) {
  cvw::Result<cvw::sip::transport::ListenAddress> la = cvw::sip::transport::ListenAddress::parse(text);
  if (!la) return la.error();
  return cvw::sip::Peer{la->protocol, la->address, la->port, 0};
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App cli{"cvw-sipua: a scriptable SIP user agent on the cvw stack"};
  cli.add_option("--listen", o.listen, "udp:IP:PORT or tcp:IP:PORT (repeatable)")->required();
  cli.add_option("--log-level", o.log_level, "trace, debug, info, warn, error");
  cli.add_option("--stats", o.stats_file, "write the call counts as JSON here at exit");
  CLI::App* uas = cli.add_subcommand("uas", "answer calls");
  uas->add_option("--ring-ms", o.ring_ms, "send 180 and wait this long before answering");
  uas->add_option("--answer-ms", o.answer_ms, "extra delay before the 200");
  uas->add_option("--bye-after-ms", o.bye_after_ms, "hang up this long after the ACK (0: wait for BYE)");
  uas->add_option("--max-calls", o.max_calls, "exit after this many calls ended");
  CLI::App* uac = cli.add_subcommand("uac", "place calls");
  uac->add_option("--to", o.to, "Request-URI to call")->required();
  uac->add_option("--proxy", o.proxy, "send every request outside a dialog here (udp:IP:PORT, tcp:IP:PORT)");
  uac->add_option("--calls", o.calls, "number of calls");
  uac->add_option("--rate", o.rate, "calls started per second (0: as fast as --concurrent allows)");
  uac->add_option("--concurrent", o.concurrent, "at most this many calls at once");
  uac->add_option("--hold-ms", o.hold_ms, "time between the answer and our BYE");
  uac->add_option("--reinvite-after-ms", o.reinvite_after_ms, "send a re-INVITE this long after the answer");
  uac->add_flag("--expect-bye", o.expect_bye, "wait for the far end to hang up");
  uac->add_option("--timeout-s", o.timeout_s, "give up after this many seconds");
  cli.require_subcommand(1);
  CLI11_PARSE(cli, argc, argv);

  cvw::init_logging(spdlog::level::from_str(o.log_level));
  cvw::sip::StackConfig config;
  config.user_agent = "cvw-sipua";
  for (const std::string& l : o.listen) {
    auto la = cvw::sip::transport::ListenAddress::parse(l);
    if (!la) {
      std::fprintf(stderr, "cvw-sipua: --listen %s\n", la.error().message.c_str());
      return 2;
    }
    config.transport.listen.push_back(*la);
  }
  if (!o.proxy.empty()) {
    auto proxy = parse_proxy(o.proxy);
    if (!proxy) {
      std::fprintf(stderr, "cvw-sipua: --proxy %s\n", proxy.error().message.c_str());
      return 2;
    }
    config.outbound_proxy = *proxy;
  }

  boost::asio::io_context io;
  cvw::sip::SipStack stack(io, config);
  if (auto r = stack.start(); !r) {
    std::fprintf(stderr, "cvw-sipua: %s\n", r.error().message.c_str());
    return 2;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int) { io.stop(); });

  if (uas->parsed()) {
    Uas app(io, stack, o);
    stack.ua().set_handler(&app);
    io.run();
    app.summary();
    return 0;
  }
  Uac app(io, stack, o);
  stack.timers().schedule(Duration{o.timeout_s * 1000}, [&] {
    cvw::log().error("timeout after {} s", o.timeout_s);
    io.stop();
  });
  app.start();
  io.run();
  app.summary();
  return app.stats().failed == 0 && app.stats().succeeded == o.calls ? 0 : 1;
}
