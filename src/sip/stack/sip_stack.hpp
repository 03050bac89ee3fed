// The SIP stack assembled: transport -> transaction layer -> UA core, on one
// io_context thread. cvwd and the tools build one of these; tests of a single
// layer build that layer alone.
#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>

#include "common/asio_timer_service.hpp"
#include "common/result.hpp"
#include "sip/dialog/user_agent.hpp"
#include "sip/transaction/transaction_layer.hpp"
#include "sip/transport/transport.hpp"

namespace cvw::sip {

struct StackConfig {
  transport::TransportConfig transport;
  txn::TimerConfig timers;
  std::string user_agent = "cvw";
  std::string contact_user = "cvw";
  std::optional<Peer> outbound_proxy;
  // RFC 4028: the session interval asked for in our INVITEs (0: none) and the
  // smallest accepted.
  std::uint32_t session_expires = 1800;
  std::uint32_t min_se = 90;
};

class SipStack {
 public:
  SipStack(boost::asio::io_context& io, StackConfig config);
  ~SipStack();
  SipStack(const SipStack&) = delete;
  SipStack& operator=(const SipStack&) = delete;

  // Binds the listeners; the UA core learns its addresses from them.
  Result<void> start();
  void stop();

  dialog::UserAgent& ua() { return *ua_; }
  transport::TransportLayer& transport() { return *transport_; }
  txn::TransactionLayer& transactions() { return *transactions_; }
  TimerService& timers() { return timers_; }
  const AsioTimerService& timer_tables() const { return timers_; }

 private:
  // Adapts the transport to what the transaction layer sends with.
  class TransportSender final : public txn::Sender {
   public:
    explicit TransportSender(SipStack& stack) : stack_(stack) {}
    void send(std::string_view wire, const Peer& to) override { stack_.transport_->send(wire, to); }

   private:
    SipStack& stack_;
  };

  boost::asio::io_context& io_;
  StackConfig config_;
  AsioTimerService timers_;
  TransportSender sender_{*this};
  std::unique_ptr<transport::TransportLayer> transport_;
  std::unique_ptr<txn::TransactionLayer> transactions_;
  std::unique_ptr<dialog::UserAgent> ua_;
};

}  // namespace cvw::sip
