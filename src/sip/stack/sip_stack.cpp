#include "sip/stack/sip_stack.hpp"

namespace cvw::sip {

SipStack::SipStack(boost::asio::io_context& io, StackConfig config)
    : io_(io), config_(std::move(config)), timers_(io) {
  transport_ = std::make_unique<transport::TransportLayer>(
      io_, config_.transport,
      [this](Message&& m, const Peer& source, const Peer& reply_to) {
        transactions_->receive(std::move(m), source, reply_to);
      },
      [this](const Peer& to, std::string_view request) {
        transactions_->transport_error(to, request);
      });
  transactions_ = std::make_unique<txn::TransactionLayer>(timers_, sender_, config_.timers);
}

SipStack::~SipStack() { stop(); }

Result<void> SipStack::start() {
  if (Result<void> r = transport_->start(); !r) return r;
  dialog::UaConfig ua;
  ua.user_agent = config_.user_agent;
  ua.contact_user = config_.contact_user;
  ua.outbound_proxy = config_.outbound_proxy;
  ua.timers = config_.timers;
  ua.session_expires = config_.session_expires;
  ua.min_se = config_.min_se;
  for (const transport::ListenAddress& la : transport_->bound()) {
    ua.local.push_back(dialog::LocalAddress{la.protocol, la.address.to_string(), la.port});
  }
  ua_ = std::make_unique<dialog::UserAgent>(*transactions_, sender_, timers_, std::move(ua));
  return {};
}

void SipStack::stop() { transport_->stop(); }

}  // namespace cvw::sip
