// Two (or more) complete UA cores in one process, wired by an in-memory
// network on one ManualTimerService: end-to-end call flows with real
// transactions and dialogs, no sockets and no sleeping. Delivery happens on
// a zero-delay timer, as a datagram would arrive later on the event loop.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/timer.hpp"
#include "sip/dialog/call_leg.hpp"
#include "sip/dialog/user_agent.hpp"
#include "sip/response_routing.hpp"
#include "sip/validate.hpp"

namespace cvw::sip::test {

class Network;

// A test's stand-in for a flow on a CallLeg: answers every re-offer with
// `answer`, and keeps the offers.
struct AnswersReoffers final : dialog::CallLegObserver {
  explicit AnswersReoffers(std::string a = {}) : answer(std::move(a)) {}
  std::optional<std::string> on_leg_offer(dialog::CallLeg&, std::string_view offer) override {
    offers.emplace_back(offer);
    return answer;
  }
  std::string answer;
  std::vector<std::string> offers;
};

// One host on the loopback network: transaction layer + UA core.
struct Host : txn::Sender {
  Host(Network& net, std::string ip, dialog::UaConfig config);
  void send(std::string_view wire, const Peer& to) override;

  Network& net;
  Peer address;
  std::unique_ptr<txn::TransactionLayer> transactions;
  std::unique_ptr<dialog::UserAgent> ua;
  std::vector<std::string> sent;  // every message this host put on the wire
};

class Network {
 public:
  ManualTimerService timers;
  // Drops a message instead of delivering it when this returns true.
  std::function<bool(const Message&, const Host& from)> drop;

  Host& add(const std::string& ip, dialog::UaConfig config = {}) {
    hosts_.push_back(std::make_unique<Host>(*this, ip, std::move(config)));
    return *hosts_.back();
  }
  void deliver(Host& from, std::string wire, const Peer& to) {
    timers.schedule(Duration{0}, [this, &from, wire = std::move(wire), to] {
      for (auto& h : hosts_) {
        if (h->address.address != to.address || h->address.port != to.port) continue;
        Result<Message> m = Message::parse(wire);
        ASSERT_TRUE(m.ok()) << m.error().message << "\n" << wire;
        if (drop && drop(*m, from)) return;
        const bool valid = m->is_request() ? validate_request(*m).ok() : validate_response(*m).ok();
        ASSERT_TRUE(valid) << wire;
        const Peer source = from.address;
        const Peer reply_to = m->is_request() ? stamp_received(*m, source) : source;
        h->transactions->receive(std::move(*m), source, reply_to);
        return;
      }
    });
  }
  // Runs the network for `d` of simulated time (in 10 ms steps, so chains of
  // zero-delay deliveries settle between timer expiries).
  void run(Duration d) {
    for (Duration t{0}; t < d; t += Duration{10}) timers.advance(Duration{10});
  }

 private:
  std::vector<std::unique_ptr<Host>> hosts_;
};

inline Host::Host(Network& n, std::string ip, dialog::UaConfig config) : net(n) {
  address = Peer{Protocol::Udp, boost::asio::ip::make_address(ip), 5060, 0};
  if (config.local.empty()) config.local.push_back(dialog::LocalAddress{Protocol::Udp, ip, 5060});
  transactions = std::make_unique<txn::TransactionLayer>(net.timers, *this, config.timers);
  ua = std::make_unique<dialog::UserAgent>(*transactions, *this, net.timers, std::move(config));
}

inline void Host::send(std::string_view wire, const Peer& to) {
  sent.emplace_back(wire);
  net.deliver(*this, std::string(wire), to);
}

// Counts the messages a host sent whose first line starts with `start`.
inline int count_sent(const Host& h, std::string_view start) {
  int n = 0;
  for (const auto& w : h.sent) n += w.starts_with(start) ? 1 : 0;
  return n;
}

}  // namespace cvw::sip::test
