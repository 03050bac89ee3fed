// Internal to the transaction layer: what the four state machines share (the
// timer service, the sender, the configuration, the counters), and the rules
// that keep them safe while the TU calls back into the layer.
//
// Re-entrancy. A TU callback may call respond(), start_client() or cancel()
// before returning, and a Sender may report a transport error from inside
// send(). So a machine is never destroyed under its own feet: every entry into
// the layer (a public call or a timer) opens an Event; a machine reaching
// Terminated is only retired, and the layer destroys retired machines when
// the outermost Event closes. Work that would change a machine in the middle
// of another machine's step (transport errors) is deferred to that point too.
#pragma once

#include <deque>
#include <functional>
#include <vector>

#include "common/timer.hpp"
#include "sip/peer.hpp"
#include "sip/transaction/metrics.hpp"
#include "sip/transaction/sender.hpp"
#include "sip/transaction/timer_config.hpp"
#include "sip/transaction/transaction_id.hpp"
#include "sip/transaction/transaction_user.hpp"

namespace cvw::sip::txn {

class Context {
 public:
  Context(TimerService& timers, Sender& sender, const TimerConfig& config)
      : timers_(timers), sender_(sender), config_(config) {}
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // RAII marker of "the layer is handling something".
  class Event {
   public:
    explicit Event(Context& ctx) : ctx_(ctx) { ++ctx_.depth_; }
    ~Event() { ctx_.leave(); }
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;

   private:
    Context& ctx_;
  };

  TimerService& timers() { return timers_; }
  const TimerConfig& config() const { return config_; }
  TransactionMetrics& metrics() { return metrics_; }
  const TransactionMetrics& metrics() const { return metrics_; }
  TransactionUser* user() const { return user_; }
  void set_user(TransactionUser* user) { user_ = user; }

  void send(std::string_view wire, const Peer& to) { sender_.send(wire, to); }

  bool inside_event() const { return depth_ > 0; }
  // Runs `fn` when the outermost Event closes (now, if none is open).
  void defer(std::function<void()> fn);

  // Called by a machine entering Terminated; destroyed once the event is over.
  void retire(ServerTransactionId id) { retired_servers_.push_back(id); }
  void retire(ClientTransactionId id) { retired_clients_.push_back(id); }

  // Set by the layer: destroys the retired machines.
  std::function<void(std::vector<ServerTransactionId>&, std::vector<ClientTransactionId>&)> reap;

 private:
  void leave();

  TimerService& timers_;
  Sender& sender_;
  TimerConfig config_;
  TransactionMetrics metrics_;
  TransactionUser* user_ = nullptr;
  int depth_ = 0;
  std::deque<std::function<void()>> deferred_;
  std::vector<ServerTransactionId> retired_servers_;
  std::vector<ClientTransactionId> retired_clients_;
};

// One RFC timer of one transaction (Timer A, Timer H...). Starting it again
// replaces the pending expiry; destroying it cancels it, so an expiry never
// reaches a transaction that is gone. Expiries run inside an Event.
class TransactionTimer {
 public:
  explicit TransactionTimer(Context& ctx) : ctx_(ctx) {}
  ~TransactionTimer() { stop(); }
  TransactionTimer(const TransactionTimer&) = delete;
  TransactionTimer& operator=(const TransactionTimer&) = delete;

  // `on_expiry` is a small callable (the machines pass [this] lambdas). It
  // is kept by value, not wrapped in a std::function of its own, so that
  // with this timer's pointer it fits the TimerService callback's inline
  // storage: starting a timer allocates nothing.
  template <class F>
  void start(Duration after, F on_expiry) {
    stop();
    handle_ = ctx_.timers().schedule(after, [this, fn = std::move(on_expiry)]() mutable {
      handle_ = 0;
      // The Event may destroy this timer's transaction when it closes;
      // nothing here touches `this` after fn() returns.
      Context::Event event(ctx_);
      fn();
    });
  }
  void stop();
  bool running() const { return handle_ != 0; }

 private:
  Context& ctx_;
  TimerService::Handle handle_ = 0;
};

}  // namespace cvw::sip::txn
